#!/usr/bin/env python3
"""An independent verifier of the Entente conformance vectors, written from docs/protocol.md alone.

Usage: verify_vectors.py [TEST_VECTORS_DIR]    (default: ../../test-vectors from this file)

Needs the `cryptography` and `cbor2` packages (Debian: python3-cryptography, python3-cbor2). Prints one line per
vector and a last line "N passed, N failed"; exits 1 when any vector does not get its stated verdict.
"""
import base64
import datetime
import hashlib
import hmac
import json
import os
import re
import sys

import cbor2
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.x509 import load_pem_x509_certificate
from cryptography.x509.oid import NameOID

TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}Z$")
IDENT = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")
PURPOSES = {"risk-management", "investigation", "prosecution", "aeo-mutual-recognition", "statistics",
            "operational-analysis", "specific-check", "revenue-collection", "mutual-assistance"}
CATEGORIES = {"declarations", "goods-items", "personal-party-data", "seizure-reports", "alerts", "risk-results",
              "aeo-status", "assistance-requests", "assistance-answers", "statistics"}
MAX_ENVELOPE = 16 * 1024 * 1024
EM_DASH = "\u2014 "


class Refused(Exception):
    def __init__(self, code, detail=""):
        super().__init__(f"{code}: {detail}")
        self.code = code


# ---------- keys (§2) ----------

class Node:
    def __init__(self, j):
        self.code = j["code"]
        self.signing = serialization.load_pem_private_key(j["signing"]["pkcs8Pem"].encode(), None)
        self.encryption = serialization.load_pem_private_key(j["encryption"]["pkcs8Pem"].encode(), None)
        self.spki = self.signing.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        self.fingerprint = "sha256:" + hashlib.sha256(self.spki).hexdigest()
        self.key_id = hashlib.sha256(self.spki).digest()[:4]
        self.jwk = j["signing"]["jwk"]
        self.cert = load_pem_x509_certificate(j["certificatePem"].encode())
        self.declared = j


def check_node(n):
    """The published key material agrees with itself: JWK, SPKI, fingerprint, key id, certificate subject and key."""
    problems = []
    d = n.declared
    if base64.b64decode(d["signing"]["spki"]) != n.spki:
        problems.append("spki")
    if d["signing"]["fingerprint"] != n.fingerprint:
        problems.append("fingerprint")
    if d["signing"]["checkpointKeyId"] != n.key_id.hex():
        problems.append("checkpoint key id")
    nums = n.signing.public_key().public_numbers()
    b64u = lambda i: base64.urlsafe_b64encode(i.to_bytes(32, "big")).rstrip(b"=").decode()
    if n.jwk["kty"] != "EC" or n.jwk["crv"] != "P-256" or n.jwk["x"] != b64u(nums.x) or n.jwk["y"] != b64u(nums.y):
        problems.append("jwk")
    if n.cert.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo) != n.spki:
        problems.append("certificate key")
    cn = n.cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    c = n.cert.subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)
    if not cn or cn[0].value != n.code or not c or c[0].value != n.code[:2]:
        problems.append("certificate subject")
    return problems


def public_key(spki):
    return serialization.load_der_public_key(spki)


def verify_es256(pub, data, raw):
    """COSE ES256: a 64-byte r||s signature over SHA-256 (§1)."""
    if len(raw) != 64:
        return False
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    try:
        pub.verify(der, data, ec.ECDSA(hashes.SHA256()))
        return True
    except InvalidSignature:
        return False


def verify_der(pub, data, der):
    try:
        pub.verify(der, data, ec.ECDSA(hashes.SHA256()))
        return True
    except (InvalidSignature, ValueError):
        return False


# ---------- CBOR with raw bytes of map values ----------

class Reader:
    """A minimal CBOR reader that returns the exact bytes of an item (for the header: §3, external AAD)."""

    def __init__(self, data, pos=0):
        self.data, self.pos = data, pos

    def head(self):
        b = self.data[self.pos]
        self.pos += 1
        major, info = b >> 5, b & 31
        if info < 24:
            return major, info
        if info == 31:
            return major, None
        n = {24: 1, 25: 2, 26: 4, 27: 8}.get(info)
        if n is None:
            raise ValueError("bad additional info")
        v = int.from_bytes(self.data[self.pos:self.pos + n], "big")
        if self.pos + n > len(self.data):
            raise ValueError("truncated")
        self.pos += n
        return major, v

    def skip(self):
        major, v = self.head()
        if major in (0, 1, 7):
            return
        if major in (2, 3):
            if v is None:
                while self.data[self.pos] != 0xFF:
                    self.skip()
                self.pos += 1
            else:
                self.pos += v
            return
        if major == 6:
            self.skip()
            return
        count = v
        if count is None:
            while self.data[self.pos] != 0xFF:
                self.skip()
                if major == 5:
                    self.skip()
            self.pos += 1
            return
        for _ in range(count * (2 if major == 5 else 1)):
            self.skip()

    def raw_item(self):
        start = self.pos
        self.skip()
        if self.pos > len(self.data):
            raise ValueError("truncated")
        return self.data[start:self.pos]


def raw_map_value(map_bytes, wanted_key):
    """The encoded bytes of the value of `wanted_key` in a CBOR map."""
    r = Reader(map_bytes)
    major, count = r.head()
    if major != 5 or count is None:
        raise ValueError("not a definite-length map")
    for _ in range(count):
        key = cbor2.loads(r.raw_item())
        value = r.raw_item()
        if key == wanted_key:
            return value
    return None


def single_item(data):
    """cbor2.loads, refusing bytes after the item."""
    r = Reader(data)
    r.skip()
    if r.pos != len(data):
        raise ValueError("bytes after the item")
    return cbor2.loads(data)


# ---------- the header (§4) ----------

def parse_header(raw):
    r = Reader(raw)
    major, count = r.head()
    if major != 5 or count is None:
        raise Refused("malformed", "header: expected a definite-length map")
    if count > 32:
        raise Refused("malformed", "header: more than 32 entries")
    h = {}
    for _ in range(count):
        k = cbor2.loads(r.raw_item())
        v = cbor2.loads(r.raw_item())
        if not isinstance(k, str):
            raise Refused("malformed", "header: a key that is not text")
        if isinstance(v, bool) or not isinstance(v, (str, int)):
            raise Refused("malformed", f"header/{k}: neither text nor an integer")
        if k in h:
            raise Refused("malformed", f"header/{k}: twice")
        h[k] = v
    if r.pos != len(raw):
        raise Refused("malformed", "header: bytes after the map")

    def text(k, maximum=200, required=True):
        v = h.get(k)
        if v is None and not required:
            return None
        if not isinstance(v, str) or not v or len(v) > maximum:
            raise Refused("malformed", f"header/{k}")
        return v

    if h.get("v") != 1:
        raise Refused("malformed", "header/v")
    if not isinstance(h.get("seq"), int) or h["seq"] < 1:
        raise Refused("malformed", "header/seq")
    for k, m in (("id", 100), ("conv", 100), ("kind", 64)):
        if not IDENT.match(text(k, m)):
            raise Refused("malformed", f"header/{k}")
    text("from", 20), text("to", 20), text("agr"), text("agr-hash", 80)
    if text("purpose") not in PURPOSES or text("cat") not in CATEGORIES:
        raise Refused("malformed", "header/purpose or cat")
    if text("hc") not in ("H0", "H1", "H2", "H3"):
        raise Refused("malformed", "header/hc")
    ev = text("eval", required=False)
    if ev is not None and not re.match(r"^[ABCX][1-4]$", ev):
        raise Refused("malformed", "header/eval")
    for k in ("iat", "exp"):
        if not TIME.match(text(k)):
            raise Refused("malformed", f"header/{k}")
    for k in ("alert", "case"):
        text(k, required=False)
    return h


def parse_time(t):
    return datetime.datetime.strptime(t[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc) + \
        datetime.timedelta(microseconds=int(t[20:27]) // 10)


# ---------- the envelope (§3, §5) ----------

def sig_structure(protected, payload):
    return cbor2.dumps(["Signature1", protected, b"", payload])


def read_sign1(data):
    try:
        item = single_item(data)
    except Exception as e:
        raise Refused("malformed", f"not CBOR ({e})")
    if not isinstance(item, cbor2.CBORTag) or item.tag != 18 or not isinstance(item.value, list) or len(item.value) != 4:
        raise Refused("malformed", "not a tagged COSE_Sign1")
    protected, unprotected, payload, signature = item.value
    if not isinstance(protected, bytes) or not isinstance(unprotected, dict) or not isinstance(signature, bytes):
        raise Refused("malformed", "COSE_Sign1 fields")
    if not isinstance(payload, bytes) or not payload:
        raise Refused("malformed", "no embedded payload")
    try:
        headers = cbor2.loads(protected)
    except Exception:
        raise Refused("malformed", "protected headers")
    if not isinstance(headers, dict) or headers.get(1) != -7:
        raise Refused("malformed", "alg is not ES256")
    return protected, headers, payload, signature


def content_key(z, header, recipient_protected):
    context = cbor2.dumps([
        3,
        [header["from"].encode(), header["id"].encode(), None],
        [header["to"].encode(), None, None],
        [256, recipient_protected],
    ])
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=context).derive(z)


def decrypt(payload, header_bytes, header, encryption_key):
    try:
        enc = single_item(payload)
        if not isinstance(enc, cbor2.CBORTag) or enc.tag != 96 or len(enc.value) != 4:
            raise ValueError("not a COSE_Encrypt (tag 96)")
        body_protected, unprotected, ciphertext, recipients = enc.value
        if cbor2.loads(body_protected) != {1: 3}:
            raise ValueError("content alg")
        if list(unprotected.keys()) != [5] or len(unprotected[5]) != 12:
            raise ValueError("IV")
        if len(ciphertext) < 16 or len(recipients) != 1 or len(recipients[0]) != 3:
            raise ValueError("ciphertext or recipients")
        rec_protected, rec_unprotected, _ = recipients[0]
        if cbor2.loads(rec_protected) != {1: -25} or list(rec_unprotected.keys()) != [-1]:
            raise ValueError("recipient")
        epk = rec_unprotected[-1]
        if epk.get(1) != 2 or epk.get(-1) != 1 or len(epk.get(-2, b"")) != 32 or len(epk.get(-3, b"")) != 32 or len(epk) != 4:
            raise ValueError("ephemeral key")
    except Refused:
        raise
    except Exception as e:
        raise Refused("malformed", f"payload: {e}")
    ephemeral = ec.EllipticCurvePublicNumbers(int.from_bytes(epk[-2], "big"), int.from_bytes(epk[-3], "big"), ec.SECP256R1()).public_key()
    z = encryption_key.exchange(ec.ECDH(), ephemeral)
    key = content_key(z, header, rec_protected)
    aad = cbor2.dumps(["Encrypt", body_protected, header_bytes])
    try:
        return AESGCM(key).decrypt(unprotected[5], ciphertext, aad)
    except InvalidTag:
        raise Refused("undecryptable", "tag does not verify")


def open_envelope(envelope, self_node, partners, now):
    """§5 checks 1-9. Returns (header, header_bytes, kid, protected, payload, plaintext)."""
    if len(envelope) > MAX_ENVELOPE:
        raise Refused("too-large")
    protected, headers, payload, signature = read_sign1(envelope)
    kid = headers.get(4)
    if not isinstance(kid, bytes):
        raise Refused("malformed", "kid")
    try:
        header_bytes = raw_map_value(protected, "entente")
    except Exception as e:
        raise Refused("malformed", f"protected headers ({e})")
    if header_bytes is None:
        raise Refused("malformed", "no entente header")
    header = parse_header(header_bytes)
    if header["to"] != self_node.code:
        raise Refused("wrong-recipient")
    sender = partners.get(header["from"])
    if sender is None:
        raise Refused("unknown-sender")
    if kid.decode("utf-8", "replace") != sender.fingerprint:
        raise Refused("bad-signature", "kid")
    if not verify_es256(public_key(sender.spki), sig_structure(protected, payload), signature):
        raise Refused("bad-signature")
    if now > parse_time(header["exp"]):
        raise Refused("expired")
    if parse_time(header["iat"]) > now + datetime.timedelta(minutes=5):
        raise Refused("not-yet-valid")
    plaintext = decrypt(payload, header_bytes, header, self_node.encryption)
    return header, header_bytes, kid.decode(), protected, payload, plaintext


# ---------- receipts (§6) ----------


def read_acknowledgement(signed, content_type, receiver):
    """A receipt or negative receipt: its content type, signed by the receiver's key (kid = its fingerprint), one CBOR item."""
    protected, headers, payload, signature = read_sign1(signed)
    if headers.get(3) != content_type:
        raise Refused("malformed", "content type")
    kid = headers.get(4)
    if not isinstance(kid, bytes) or kid.decode("utf-8", "replace") != receiver.fingerprint:
        raise Refused("bad-signature", "kid")
    if not verify_es256(public_key(receiver.spki), sig_structure(protected, payload), signature):
        raise Refused("bad-signature")
    try:
        return payload, single_item(payload)
    except Exception:
        raise Refused("malformed", "payload")


RECEIPT_KEYS = ["id", "digest", "from", "to", "agr", "agr-hash", "received"]


def check_receipt(receipt, envelope, receiver):
    payload, r = read_acknowledgement(receipt, "application/entente-receipt+cbor", receiver)
    if not isinstance(r, dict) or sorted(r.keys()) != sorted(RECEIPT_KEYS) or not isinstance(r["digest"], bytes) \
            or len(r["digest"]) != 32 or not TIME.match(r["received"]):
        raise Refused("malformed", "payload shape")
    h = parse_header(raw_map_value(read_sign1(envelope)[0], "entente"))
    if r["digest"] != hashlib.sha256(envelope).digest():
        raise Refused("digest-mismatch")
    if r["id"] != h["id"]:
        raise Refused("id-mismatch")
    if (r["from"], r["to"]) != (h["from"], h["to"]):
        raise Refused("parties-mismatch")
    if (r["agr"], r["agr-hash"]) != (h["agr"], h["agr-hash"]):
        raise Refused("agreement-mismatch")
    return payload, r


# ---------- negative receipts (§7.4.1) ----------

REFUSAL_KEYS = ["id", "digest", "from", "to", "agr", "agr-hash", "code", "detail", "refused"]
REFUSAL_OPTIONAL = {"id", "from", "agr", "agr-hash"}


def check_refusal(refusal, envelope, code, sender, receiver):
    payload, r = read_acknowledgement(refusal, "application/entente-refusal+cbor", receiver)
    if not isinstance(r, dict) or any(k not in REFUSAL_KEYS for k in r) \
            or any(k not in r for k in REFUSAL_KEYS if k not in REFUSAL_OPTIONAL) \
            or list(r.keys()) != [k for k in REFUSAL_KEYS if k in r] \
            or not isinstance(r["digest"], bytes) or len(r["digest"]) != 32 or not TIME.match(r["refused"]) \
            or len(r["detail"]) > 1000:
        raise Refused("malformed", "payload shape")
    if r["digest"] != hashlib.sha256(envelope).digest():
        raise Refused("digest-mismatch")
    try:
        h = parse_header(raw_map_value(read_sign1(envelope)[0], "entente"))
    except Exception:
        h = None
    if "id" in r and (h is None or r["id"] != h["id"]):
        raise Refused("id-mismatch")
    if ("from" in r and r["from"] != sender) or r["to"] != receiver.code:
        raise Refused("parties-mismatch")
    if r["code"] != code:
        raise Refused("code-mismatch")
    return payload, r


# ---------- batches (§7) ----------

def decode_batch(body):
    r = Reader(body)
    try:
        major, count = r.head()
        if major != 4 or count is None:
            raise ValueError("not a definite-length array")
        if not 1 <= count <= 256:
            raise ValueError("1 to 256 envelopes")
        envelopes = []
        for _ in range(count):
            if r.data[r.pos] >> 5 != 2:
                raise ValueError("an item that is not a byte string")
            item = r.raw_item()
            envelopes.append(cbor2.loads(item))
        if r.pos != len(body):
            raise ValueError("bytes after the array")
        return envelopes
    except (ValueError, IndexError, cbor2.CBORDecodeError) as e:
        raise Refused("malformed", str(e))


# ---------- Merkle tree (§9, RFC 9162) ----------

def leaf_hash(entry):
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def mth(leaves):
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


def verify_inclusion(index, size, leaf, proof, root):
    if index < 0 or size < 1 or index >= size or len(leaf) != 32:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(size1, size2, root1, root2, proof):
    if size1 < 1 or size1 > size2:
        return False
    if size1 == size2:
        return not proof and root1 == root2
    if not proof:
        return False
    path = ([root1] if size1 & (size1 - 1) == 0 else []) + list(proof)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == root1 and sr == root2


# ---------- checkpoints and cosignatures (§10, §11) ----------

def canonical_b64(text, minimum=0):
    try:
        raw = base64.b64decode(text, validate=True)
    except Exception:
        raise Refused("malformed", "not base64")
    if base64.b64encode(raw).decode() != text or len(raw) < minimum:
        raise Refused("malformed", "not canonical base64")
    return raw


def parse_note(note):
    if any(ord(c) < 0x20 and c != "\n" for c in note):
        raise Refused("malformed", "control characters")
    split = note.rfind("\n\n")
    if split < 0 or not note.endswith("\n"):
        raise Refused("malformed", "shape")
    text = note[:split + 1]
    lines = text.split("\n")[:-1]
    if len(lines) != 3 or not lines[0]:
        raise Refused("malformed", "three text lines")
    if not re.fullmatch(r"0|[1-9][0-9]{0,18}", lines[1]):
        raise Refused("malformed", "tree size")
    root = canonical_b64(lines[2])
    if len(root) != 32:
        raise Refused("malformed", "root")
    signatures = []
    for line in note[split + 2:].split("\n")[:-1]:
        space = line.rfind(" ")
        if not line.startswith(EM_DASH) or space <= len(EM_DASH):
            raise Refused("malformed", "signature line")
        signatures.append((line[len(EM_DASH):space], canonical_b64(line[space + 1:], 5)))
    if not signatures:
        raise Refused("malformed", "no signature")
    return text, lines[0], int(lines[1]), root, signatures


def check_checkpoint(note, log):
    text, origin, size, root, signatures = parse_note(note)
    mine = [blob for name, blob in signatures if name == origin and blob[:4] == log.key_id]
    if not mine:
        raise Refused("unknown-key")
    for blob in mine:
        if not verify_der(public_key(log.spki), text.encode(), blob[4:]):
            raise Refused("bad-signature")
    return text, origin, size, root


def check_cosignature(text, line, witness_code, witness):
    line = line.rstrip("\n")
    space = line.rfind(" ")
    if not line.startswith(EM_DASH) or space <= len(EM_DASH) or "\n" in line:
        raise Refused("malformed", "line")
    if line[len(EM_DASH):space] != witness_code:
        raise Refused("wrong-name")
    try:
        blob = base64.b64decode(line[space + 1:], validate=True)
    except Exception:
        raise Refused("malformed", "base64")
    if len(blob) < 13:
        raise Refused("malformed", "short")
    if blob[:4] != witness.key_id:
        raise Refused("unknown-key")
    t = int.from_bytes(blob[4:12], "big")
    message = f"cosignature/v1\ntime {t}\n{text}".encode()
    if not verify_der(public_key(witness.spki), message, blob[12:]):
        raise Refused("bad-signature")
    return t, message


# ---------- payloads: projection and form (docs/protocol.md, "Payload form") ----------

TREATMENTS = ["disclose", "generaliseToMonth", "pseudonymise", "mask"]  # least to most restrictive; drop travels not at all
WITHHELD = "withheld"
MISSING = object()


def split_path(path):
    return path[1:].split("/") if len(path) > 1 else []


def is_month(s):
    return len(s) == 7 and s[:4].isdigit() and s[:4].isascii() and s[4] == "-" and s[5] in "01" and s[6].isdigit() and s[6].isascii()


def pattern_matches(pattern, segments):
    return all(p == "*" or p == s for p, s in zip(pattern, segments))


def project(document, obligations, key):
    patterns = [(split_path(p), rank) for rank, name in enumerate(TREATMENTS) for p in obligations[name]]
    withheld = []

    def apply(value, rank):
        if value is None:
            return None
        if rank == 0:
            return value
        if rank == 1:
            return value[:7] if isinstance(value, str) and len(value) >= 7 and is_month(value[:7]) else MISSING
        if rank == 2:
            text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
            return "hmac-sha256:" + hmac.new(key, text.encode(), hashlib.sha256).hexdigest()
        return MISSING

    def node(value, segments, path):
        live = [(p, r) for p, r in patterns if len(p) >= len(segments) and pattern_matches(p, segments)]
        if not live:
            return MISSING
        ends = [r for p, r in live if len(p) == len(segments)]
        if ends:
            out = apply(value, max(ends))
            if out is MISSING:
                withheld.append(path)
            return out
        if isinstance(value, dict):
            result = {}
            for k, v in value.items():
                child = node(v, segments + [k], path + "/" + k)
                if child is not MISSING:
                    result[k] = child
            return result
        if isinstance(value, list):
            items = []
            for i, v in enumerate(value):
                child = node(v, segments + [str(i)], f"{path}/{i}")
                items.append({} if child is MISSING else child)
            return items
        return MISSING

    result = {}
    for k, v in document.items():
        if k == WITHHELD and isinstance(v, list):
            continue
        child = node(v, [k], "/" + k)
        if child is not MISSING:
            result[k] = child
    for earlier in document.get(WITHHELD, []) if isinstance(document.get(WITHHELD), list) else []:
        if not isinstance(earlier, str):
            continue
        segments = split_path(earlier)
        ranks = [r for p, r in patterns if len(p) <= len(segments) and p and pattern_matches(p, segments)]
        if ranks:
            withheld.append(earlier)
    if withheld:
        result[WITHHELD] = list(dict.fromkeys(withheld))
    return result


def leaves(value, path, into):
    if isinstance(value, dict) and value:
        for k, v in value.items():
            if path == "" and k == WITHHELD and isinstance(v, list):
                continue
            leaves(v, path + "/" + k, into)
    elif isinstance(value, list) and value:
        for i, v in enumerate(value):
            leaves(v, f"{path}/{i}", into)
    elif path:
        into.append((path, value))


def path_problem(path):
    if not path.startswith("/") or len(path) > 512:
        return "not a field path"
    segments = split_path(path)
    if not segments or len(segments) > 32 or any(s == "" for s in segments):
        return "not a field path"
    return None


def check_form(payload, obligations):
    """Refused("field-not-allowed") unless every field carried or withheld is in the obligations and in its form."""
    fields = []
    leaves(payload, "", fields)
    withheld = []
    if WITHHELD in payload:
        listed = payload[WITHHELD]
        if not isinstance(listed, list):
            raise Refused("field-not-allowed", "withheld is not an array")
        for p in listed:
            if not isinstance(p, str) or path_problem(p):
                raise Refused("field-not-allowed", f"withheld: {p!r} is not a field path")
            if p == "/" + WITHHELD or p.startswith("/" + WITHHELD + "/"):
                raise Refused("field-not-allowed", "withheld lists itself")
            if p in withheld:
                raise Refused("field-not-allowed", f"withheld: {p} twice")
            withheld.append(p)
    if not fields and not withheld:
        raise Refused("field-not-allowed", "no field")
    lists = {name: set(obligations[name]) for name in TREATMENTS + ["drop"]}
    known = set().union(*lists.values())
    for p in [f for f, _ in fields] + withheld:
        if p not in known:
            raise Refused("field-not-allowed", f"{p} not in the allow-list")
    for p, value in fields:
        if p in lists["drop"]:
            raise Refused("field-not-allowed", f"{p} dropped")
        empty = value is None or value == {} or value == []
        if p in withheld:
            if empty:
                continue
            raise Refused("field-not-allowed", f"{p} sent and withheld")
        text = value if isinstance(value, str) else None
        if text is not None and (text == "***" or "[withheld]" in text):
            raise Refused("field-not-allowed", f"{p} is a placeholder")
        if p in lists["pseudonymise"] and not (text is not None and text.startswith("hmac-sha256:") and len(text) == 76):
            raise Refused("field-not-allowed", f"{p} not pseudonymised")
        if p in lists["mask"] and not empty:
            raise Refused("field-not-allowed", f"{p} masked: must be withheld")
        if p in lists["generaliseToMonth"] and not empty and not (text is not None and is_month(text)):
            raise Refused("field-not-allowed", f"{p} not a month")
    for p in withheld:
        if p in lists["drop"]:
            raise Refused("field-not-allowed", f"{p} dropped, even as a path")


# ---------- the runner ----------

class Run:
    def __init__(self):
        self.passed = self.failed = 0

    def result(self, name, expected, actual, detail=""):
        ok = expected == actual
        self.passed += ok
        self.failed += not ok
        print(f"{'PASS' if ok else 'FAIL'}  {name:58} expected {expected:28} got {actual}{'' if ok or not detail else ' (' + detail + ')'}")


def expected_of(v):
    e = v["expected"]
    return "valid" if e["verdict"] == "valid" else "invalid:" + e["reason"]


def main():
    folder = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..", "test-vectors")
    load = lambda f: json.load(open(os.path.join(folder, f), encoding="utf-8"))
    keys = load("keys.json")
    nodes = {n["code"]: Node(n) for n in keys["nodes"]}
    run = Run()
    for n in nodes.values():
        problems = check_node(n)
        run.result(f"keys {n.code}", "valid", "valid" if not problems else "wrong-bytes", ", ".join(problems))

    for v in load("envelopes.json")["vectors"]:
        envelope = base64.b64decode(v["envelope"])
        now = parse_time(v["now"])
        partners = {c: nodes[c] for c in v["partners"]}
        e = v["expected"]
        try:
            header, header_bytes, kid, protected, payload, plaintext = open_envelope(envelope, nodes[v["self"]], partners, now)
            problems = []
            if header_bytes.hex() != e["headerCbor"]:
                problems.append("headerCbor")
            if header != e["header"]:
                problems.append("header")
            if cbor2.dumps(e["header"]) != header_bytes:
                problems.append("header encoding is not the preferred one in the given order")
            if kid != e["kid"]:
                problems.append("kid")
            if sig_structure(protected, payload).hex() != e["toBeSigned"]:
                problems.append("toBeSigned")
            if plaintext.decode() != e["plaintext"] or not isinstance(json.loads(plaintext), dict):
                problems.append("plaintext")
            actual, detail = ("valid" if not problems else "wrong-bytes"), ", ".join(problems)
        except Refused as r:
            actual, detail = "invalid:" + r.code, str(r)
        if hashlib.sha256(envelope).hexdigest() != e["digest"]:
            actual, detail = "wrong-digest", "digest"
        run.result("envelopes " + v["name"], expected_of(v), actual, detail)

    receipts = load("receipts.json")
    envelope = base64.b64decode(receipts["envelope"])
    receiver = nodes[receipts["receiver"]]
    for v in receipts["vectors"]:
        receipt = base64.b64decode(v["receipt"])
        try:
            payload, r = check_receipt(receipt, envelope, receiver)
            actual, detail = "valid", ""
        except Refused as x:
            actual, detail = "invalid:" + x.code, str(x)
        e = v["expected"]
        if "payloadCbor" in e:
            signed = cbor2.loads(receipt).value[2]
            decoded = cbor2.loads(signed)
            expect = dict(e["receipt"], digest=bytes.fromhex(e["receipt"]["digest"]))
            if signed.hex() != e["payloadCbor"] or decoded != expect or list(decoded.keys()) != RECEIPT_KEYS:
                actual, detail = "wrong-bytes", "payload"
        run.result("receipts " + v["name"], expected_of(v), actual, detail)

    refusals = load("refusals.json")
    refuser = nodes[refusals["receiver"]]
    for v in refusals["vectors"]:
        signed = base64.b64decode(v["refusal"])
        try:
            check_refusal(signed, base64.b64decode(v["envelope"]), v["code"], v["sender"], refuser)
            actual, detail = "valid", ""
        except Refused as x:
            actual, detail = "invalid:" + x.code, str(x)
        e = v["expected"]
        if "payloadCbor" in e:
            inner = cbor2.loads(signed).value[2]
            decoded = cbor2.loads(inner)
            expect = dict(e["refusal"], digest=bytes.fromhex(e["refusal"]["digest"]))
            if inner.hex() != e["payloadCbor"] or decoded != expect:
                actual, detail = "wrong-bytes", "payload"
        run.result("refusals " + v["name"], expected_of(v), actual, detail)

    batches = load("batches.json")
    for v in batches["vectors"]:
        try:
            envelopes = decode_batch(bytes.fromhex(v["body"]))
            digests = [hashlib.sha256(x).hexdigest() for x in envelopes]
            actual, detail = ("valid" if digests == v["expected"]["envelopeDigests"] else "wrong-bytes"), ""
        except Refused as x:
            actual, detail = "invalid:" + x.code, str(x)
        run.result("batches " + v["name"], expected_of(v), actual, detail)
    answer = cbor2.loads(bytes.fromhex(batches["answer"]["body"]))
    decoded = []
    for m in answer:
        d = dict(m)
        d["digest"] = d["digest"].hex()
        if "receipt" in d:
            d["receipt"] = base64.b64encode(d["receipt"]).decode()
        decoded.append(d)
    run.result("batches answer", "valid", "valid" if decoded == batches["answer"]["expected"]["results"] else "wrong-bytes")

    merkle = load("merkle.json")
    entries = [bytes.fromhex(x) for x in merkle["entries"]]
    leaves = [leaf_hash(x) for x in entries]
    run.result("merkle leafHashes", "valid", "valid" if [x.hex() for x in leaves] == merkle["leafHashes"] else "wrong-bytes")
    for r in merkle["roots"]:
        run.result(f"merkle root-{r['size']}", "valid", "valid" if mth(leaves[:r["size"]]).hex() == r["root"] else "wrong-bytes")
    for v in merkle["inclusion"]:
        ok = verify_inclusion(v["index"], v["size"], bytes.fromhex(v["leafHash"]), [bytes.fromhex(p) for p in v["proof"]], bytes.fromhex(v["root"]))
        run.result("merkle inclusion/" + v["name"], expected_of(v), "valid" if ok else "invalid:bad-proof")
    for v in merkle["consistency"]:
        ok = verify_consistency(v["size1"], v["size2"], bytes.fromhex(v["root1"]), bytes.fromhex(v["root2"]), [bytes.fromhex(p) for p in v["proof"]])
        run.result("merkle consistency/" + v["name"], expected_of(v), "valid" if ok else "invalid:bad-proof")

    checkpoints = load("checkpoints.json")
    for v in checkpoints["vectors"]:
        try:
            text, origin, size, root = check_checkpoint(v["note"], nodes[v["logKey"]])
            e = v["expected"]
            same = (text, origin, size, root.hex()) == (e.get("text"), e.get("origin"), e.get("treeSize"), e.get("root"))
            same = same and root == mth(leaves[:size])
            actual, detail = ("valid" if same else "wrong-bytes"), ""
        except Refused as x:
            actual, detail = "invalid:" + x.code, str(x)
        run.result("checkpoints " + v["name"], expected_of(v), actual, detail)
    for v in checkpoints["cosignatures"]:
        try:
            text = parse_note(v["checkpoint"])[0]
            t, message = check_cosignature(text, v["cosignature"], v["witness"], nodes[v["witnessKey"]])
            e = v["expected"]
            actual, detail = ("valid" if (t, message.decode()) == (e.get("time"), e.get("message")) else "wrong-bytes"), ""
        except Refused as x:
            actual, detail = "invalid:" + x.code, str(x)
        run.result("cosignatures " + v["name"], expected_of(v), actual, detail)

    payloads = load("payloads.json")
    key = bytes.fromhex(payloads["key"])
    for v in payloads["projections"]:
        projected = project(v["document"], v["obligations"], key)
        same = json.dumps(projected, sort_keys=True) == json.dumps(v["expected"]["projection"], sort_keys=True)
        same = same and projected.get(WITHHELD) == v["expected"]["projection"].get(WITHHELD)
        run.result("payloads projection/" + v["name"], expected_of(v), "valid" if same else "wrong-bytes", "" if same else json.dumps(projected))
    for v in payloads["vectors"]:
        try:
            check_form(v["payload"], v["obligations"])
            actual, detail = "valid", ""
        except Refused as x:
            actual, detail = "invalid:" + x.code, str(x)
        run.result("payloads " + v["name"], expected_of(v), actual, detail)

    print(f"{run.passed} passed, {run.failed} failed")
    return 1 if run.failed else 0


if __name__ == "__main__":
    sys.exit(main())
