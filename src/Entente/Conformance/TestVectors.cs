using System.Formats.Cbor;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Entente.Agreements;
using Entente.Exchange;
using Entente.Ledger;
using Entente.Witnessing;

namespace Entente.Conformance;

/// <summary>
/// The conformance vectors of docs/protocol.md (test-vectors/*.json), made by this implementation from the test keys
/// of <see cref="VectorKeys"/> and fixed inputs. ECDSA signatures and the envelopes' ephemeral keys and IVs are random:
/// given the files made before (the previous argument of Generate), the signed artifacts are taken from them and everything
/// else is computed again, so the output is byte-for-byte the same while the implementation does not change.
/// </summary>
public static class TestVectors
{
    public const string Sender = "XA";
    public const string Recipient = "XB";
    public const string Stranger = "XC";
    public const string Witness = "XW";
    public const string Origin = "entente.test/XA/ledger";

    public static readonly DateTimeOffset Made = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset Now = new(2026, 1, 2, 0, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset ReceivedAt = new(2026, 1, 2, 0, 0, 1, TimeSpan.Zero);

    /// <summary>The plaintext every envelope vector carries (a seizure report's fields).</summary>
    public static readonly byte[] Plaintext = Encoding.UTF8.GetBytes("{\"seizure\":{\"goods\":\"cigarettes\",\"id\":\"S-2026-0001\",\"quantity\":12000}}");

    public static readonly string[] Files = ["envelopes.json", "receipts.json", "refusals.json", "batches.json", "merkle.json", "checkpoints.json", "payloads.json"];

    /// <summary>The vector files by name, with the keys' file keys.json.</summary>
    public static Dictionary<string, JsonObject> Generate(VectorKeys keys, IReadOnlyDictionary<string, JsonObject>? previous = null)
    {
        var reuse = new Reuse(previous);
        var envelopes = EnvelopeVectors(keys, reuse, out var valid);
        var receipts = ReceiptVectors(keys, reuse, valid, out var receipt);
        return new(StringComparer.Ordinal)
        {
            ["keys.json"] = keys.ToJson(),
            ["envelopes.json"] = envelopes,
            ["receipts.json"] = receipts,
            ["refusals.json"] = RefusalVectors(keys, reuse, envelopes),
            ["batches.json"] = BatchVectors(reuse, valid, receipt),
            ["merkle.json"] = MerkleVectors(),
            ["checkpoints.json"] = CheckpointVectors(keys, reuse),
            ["payloads.json"] = PayloadVectors(),
        };
    }

    /// <summary>The header of the valid envelope; the other vectors change one thing in it.</summary>
    public static EnvelopeHeader Header(string id = "m-conformance-0001") => new(
        id, "c-conformance-0001", 1, "seizure-report", Sender, Recipient, "test-network", "sha256:" + new string('a', 64),
        Purpose.RiskManagement, DataCategory.SeizureReports, HandlingCode.H2, new EvaluationCode('B', 2), Made, Made.AddDays(30))
    {
        CaseReference = "CASE-42",
    };

    private static JsonObject EnvelopeVectors(VectorKeys keys, Reuse reuse, out byte[] valid)
    {
        var vectors = new JsonArray();
        var a = keys[Sender];
        var b = keys[Recipient];
        var c = keys[Stranger];
        byte[] Seal(EnvelopeHeader h, VectorNode signer, string? kid = null, VectorNode? to = null) =>
            Envelope.Seal(h, Plaintext, signer.Signing, kid ?? signer.Fingerprint, (to ?? b).Encryption);

        valid = reuse.Bytes("envelopes.json", "valid", "envelope", () => Seal(Header(), a));
        vectors.Add(EnvelopeVector("valid", "A valid envelope from XA to XB: verifies, opens and decrypts to the plaintext.", valid, Header(), null));

        var validBytes = valid;
        var tampered = reuse.Bytes("envelopes.json", "tampered-signature", "envelope", () =>
        {
            var t = validBytes.ToArray();
            t[^1] ^= 0x01;
            return t;
        });
        vectors.Add(EnvelopeVector("tampered-signature", "The valid envelope with the last byte of its signature flipped.", tampered, Header(), "bad-signature"));

        var changed = Header() with { Purpose = Purpose.Investigation };
        var changedBytes = reuse.Bytes("envelopes.json", "changed-header", "envelope", () => ReplaceProtected(validBytes, Header().ToCbor(), changed.ToCbor()));
        vectors.Add(EnvelopeVector("changed-header", "The valid envelope with its header's purpose changed after signing (signature unchanged).", changedBytes, changed, "bad-signature"));

        var wrongTo = Header("m-conformance-0002") with { Recipient = Stranger };
        vectors.Add(EnvelopeVector("wrong-recipient", "Validly signed by XA but addressed to XC; XB opens it.",
            reuse.Bytes("envelopes.json", "wrong-recipient", "envelope", () => Seal(wrongTo, a)), wrongTo, "wrong-recipient"));

        var expired = Header("m-conformance-0003") with { ExpiresAt = Made.AddHours(12) };
        vectors.Add(EnvelopeVector("expired", "Validly signed, but its exp is before now.",
            reuse.Bytes("envelopes.json", "expired", "envelope", () => Seal(expired, a)), expired, "expired"));

        var future = Header("m-conformance-0004") with { CreatedAt = Now.AddHours(1), ExpiresAt = Now.AddDays(30) };
        vectors.Add(EnvelopeVector("not-yet-valid", "Validly signed, but made an hour after now (beyond the 5 minutes' tolerance).",
            reuse.Bytes("envelopes.json", "not-yet-valid", "envelope", () => Seal(future, a)), future, "not-yet-valid"));

        var stranger = Header("m-conformance-0005") with { Sender = Stranger };
        vectors.Add(EnvelopeVector("unknown-sender", "Signed by XC, which is not a partner of XB.",
            reuse.Bytes("envelopes.json", "unknown-sender", "envelope", () => Seal(stranger, c)), stranger, "unknown-sender"));

        var forged = Header("m-conformance-0006");
        vectors.Add(EnvelopeVector("signed-by-another-key", "Says it is from XA with XA's kid, but signed with XC's key.",
            reuse.Bytes("envelopes.json", "signed-by-another-key", "envelope", () => Seal(forged, c, a.Fingerprint)), forged, "bad-signature"));

        var wrongKid = Header("m-conformance-0007");
        vectors.Add(EnvelopeVector("wrong-kid", "Signed with XA's key but naming another kid.",
            reuse.Bytes("envelopes.json", "wrong-kid", "envelope", () => Seal(wrongKid, a, c.Fingerprint)), wrongKid, "bad-signature"));

        var otherKey = Header("m-conformance-0008");
        vectors.Add(EnvelopeVector("undecryptable", "Signed by XA and addressed to XB, but encrypted to XC's encryption key.",
            reuse.Bytes("envelopes.json", "undecryptable", "envelope", () => Seal(otherKey, a, to: c)), otherKey, "undecryptable"));

        vectors.Add(EnvelopeVector("not-cose", "Not a COSE_Sign1: a CBOR text string.", Cbor(w => w.WriteTextString("hello")), null, "malformed"));

        return new JsonObject
        {
            ["description"] = "COSE envelopes (docs/protocol.md, 'The envelope' and 'Opening an envelope'). Each is opened by node `self` " +
                "at time `now`, knowing the senders in `partners` (with their keys in keys.json); `expected` is the verdict and, when valid, " +
                "the header, its CBOR bytes, the kid, the Sig_structure signed, the digest and the plaintext.",
            ["warning"] = VectorKeys.Warning,
            ["vectors"] = vectors,
        };
    }

    private static JsonObject EnvelopeVector(string name, string description, byte[] envelope, EnvelopeHeader? header, string? reason)
    {
        var expected = new JsonObject { ["verdict"] = reason is null ? "valid" : "invalid" };
        if (reason is not null) expected["reason"] = reason;
        else
        {
            var (message, _, kid) = Envelope.Read(envelope);
            expected["kid"] = kid;
            expected["header"] = HeaderJson(header!);
            expected["headerCbor"] = Hex(header!.ToCbor());
            expected["toBeSigned"] = Hex(SigStructure(message.RawProtectedHeaders.ToArray(), message.Content!.Value.ToArray()));
            expected["plaintext"] = Encoding.UTF8.GetString(Plaintext);
        }
        expected["digest"] = Hex(Envelope.Digest(envelope));
        return new JsonObject
        {
            ["name"] = name,
            ["description"] = description,
            ["self"] = Recipient,
            ["partners"] = new JsonArray(Sender),
            ["now"] = Time(Now),
            ["envelope"] = Convert.ToBase64String(envelope),
            ["expected"] = expected,
        };
    }

    private static JsonObject ReceiptVectors(VectorKeys keys, Reuse reuse, byte[] envelope, out byte[] valid)
    {
        var header = Header();
        var digest = Envelope.Digest(envelope);
        var b = keys[Recipient];
        var vectors = new JsonArray();
        valid = reuse.Bytes("receipts.json", "valid", "receipt", () => Receipt.Sign(header, digest, ReceivedAt, b.Signing, b.Fingerprint));
        vectors.Add(ReceiptVector("valid", "XB's receipt for the valid envelope.", valid, new Receipt(header.MessageId, digest, Sender, Recipient, header.AgreementId, header.AgreementHash, ReceivedAt), null));
        var validBytes = valid;
        vectors.Add(ReceiptVector("tampered-signature", "The valid receipt with the last byte of its signature flipped.",
            reuse.Bytes("receipts.json", "tampered-signature", "receipt", () =>
            {
                var t = validBytes.ToArray();
                t[^1] ^= 0x01;
                return t;
            }), null, "bad-signature"));
        var a = keys[Sender];
        vectors.Add(ReceiptVector("signed-by-sender", "A receipt the sender made itself with its own key and kid (a forgery): it does not verify with XB's key.",
            reuse.Bytes("receipts.json", "signed-by-sender", "receipt", () => Receipt.Sign(header, digest, ReceivedAt, a.Signing, a.Fingerprint)), null, "bad-signature"));
        vectors.Add(ReceiptVector("wrong-kid", "Signed with XB's key but naming XA's kid.",
            reuse.Bytes("receipts.json", "wrong-kid", "receipt", () => Receipt.Sign(header, digest, ReceivedAt, b.Signing, a.Fingerprint)), null, "bad-signature"));
        var other = SHA256.HashData(Encoding.UTF8.GetBytes("another envelope"));
        vectors.Add(ReceiptVector("other-envelope", "Validly signed by XB, but for another envelope (digest differs).",
            reuse.Bytes("receipts.json", "other-envelope", "receipt", () => Receipt.Sign(header, other, ReceivedAt, b.Signing, b.Fingerprint)),
            new Receipt(header.MessageId, other, Sender, Recipient, header.AgreementId, header.AgreementHash, ReceivedAt), "digest-mismatch"));
        var otherId = header with { MessageId = "m-conformance-9999" };
        vectors.Add(ReceiptVector("other-message-id", "Validly signed by XB, naming the envelope's digest but another message id.",
            reuse.Bytes("receipts.json", "other-message-id", "receipt", () => Receipt.Sign(otherId, digest, ReceivedAt, b.Signing, b.Fingerprint)),
            new Receipt(otherId.MessageId, digest, Sender, Recipient, header.AgreementId, header.AgreementHash, ReceivedAt), "id-mismatch"));
        var otherAgreement = header with { AgreementHash = "sha256:" + new string('b', 64) };
        vectors.Add(ReceiptVector("other-agreement", "Validly signed by XB for this envelope, but naming another agreement hash.",
            reuse.Bytes("receipts.json", "other-agreement", "receipt", () => Receipt.Sign(otherAgreement, digest, ReceivedAt, b.Signing, b.Fingerprint)),
            new Receipt(header.MessageId, digest, Sender, Recipient, header.AgreementId, otherAgreement.AgreementHash, ReceivedAt), "agreement-mismatch"));
        return new JsonObject
        {
            ["description"] = "Receipts (docs/protocol.md, 'Receipts'): each is checked against the valid envelope of envelopes.json with the " +
                "receiver's (XB's) signing key; `expected.payloadCbor` is the signed CBOR map when the signature verifies.",
            ["warning"] = VectorKeys.Warning,
            ["envelope"] = Convert.ToBase64String(envelope),
            ["receiver"] = Recipient,
            ["vectors"] = vectors,
        };
    }

    private static JsonObject ReceiptVector(string name, string description, byte[] receipt, Receipt? content, string? reason)
    {
        var expected = new JsonObject { ["verdict"] = reason is null ? "valid" : "invalid" };
        if (reason is not null) expected["reason"] = reason;
        if (content is not null)
        {
            expected["payloadCbor"] = Hex(content.ToCbor());
            expected["receipt"] = new JsonObject
            {
                ["id"] = content.MessageId,
                ["digest"] = Hex(content.EnvelopeDigest),
                ["from"] = content.Sender,
                ["to"] = content.Recipient,
                ["agr"] = content.AgreementId,
                ["agr-hash"] = content.AgreementHash,
                ["received"] = Time(content.ReceivedAt),
            };
        }
        return new JsonObject { ["name"] = name, ["description"] = description, ["receipt"] = Convert.ToBase64String(receipt), ["expected"] = expected };
    }

    private static JsonObject RefusalVectors(VectorKeys keys, Reuse reuse, JsonObject envelopes)
    {
        byte[] EnvelopeNamed(string name) => Convert.FromBase64String((string)((JsonArray)envelopes["vectors"]!).Single(v => (string)v!["name"]! == name)!["envelope"]!);
        var expired = EnvelopeNamed("expired");
        var notCose = EnvelopeNamed("not-cose");
        var header = Envelope.Read(expired).Header;
        var digest = Envelope.Digest(expired);
        var a = keys[Sender];
        var b = keys[Recipient];
        var refusedAt = ReceivedAt;
        var expiredRejection = new Rejection(RejectionCode.Expired, "the message expired at 2026-01-01T12:00:00.0000000Z");
        var vectors = new JsonArray();
        void Add(string name, string description, byte[] envelope, string code, string field, Func<byte[]> make, NegativeReceipt? content, string? reason)
        {
            var signed = reuse.Bytes("refusals.json", name, field, make);
            var expected = new JsonObject { ["verdict"] = reason is null ? "valid" : "invalid" };
            if (reason is not null) expected["reason"] = reason;
            if (content is not null)
            {
                expected["payloadCbor"] = Hex(content.ToCbor());
                var refusal = new JsonObject();
                if (content.MessageId is not null) refusal["id"] = content.MessageId;
                refusal["digest"] = Hex(content.EnvelopeDigest);
                if (content.Sender is not null) refusal["from"] = content.Sender;
                refusal["to"] = content.Recipient;
                if (content.AgreementId is not null) refusal["agr"] = content.AgreementId;
                if (content.AgreementHash is not null) refusal["agr-hash"] = content.AgreementHash;
                refusal["code"] = content.Code;
                refusal["detail"] = content.Detail;
                refusal["refused"] = Time(content.RefusedAt);
                expected["refusal"] = refusal;
            }
            vectors.Add(new JsonObject
            {
                ["name"] = name,
                ["description"] = description,
                ["envelope"] = Convert.ToBase64String(envelope),
                ["sender"] = Sender,
                ["code"] = code,
                [field] = Convert.ToBase64String(signed),
                ["expected"] = expected,
            });
        }
        NegativeReceipt Content(EnvelopeHeader? h, byte[] d, Rejection r) =>
            new(h?.MessageId, d, h?.Sender, Recipient, h?.AgreementId, h?.AgreementHash, r.Name, r.Detail, refusedAt);
        byte[] Sign(EnvelopeHeader? h, byte[] d, Rejection r, VectorNode signer, string? kid = null, string self = Recipient) =>
            NegativeReceipt.Sign(h, d, self, r, refusedAt, signer.Signing, kid ?? signer.Fingerprint);

        Add("valid", "XB's negative receipt refusing the expired envelope of envelopes.json (code expired).", expired, "expired", "refusal",
            () => Sign(header, digest, expiredRejection, b), Content(header, digest, expiredRejection), null);
        var malformed = new Rejection(RejectionCode.Malformed, "envelope: not a COSE_Sign1 message");
        Add("valid-unreadable-header", "XB's negative receipt refusing the not-cose envelope: no header could be read, so id, from, agr and agr-hash are absent.",
            notCose, "malformed", "refusal", () => Sign(null, Envelope.Digest(notCose), malformed, b), Content(null, Envelope.Digest(notCose), malformed), null);
        var validBytes = reuse.Bytes("refusals.json", "valid", "refusal", () => Sign(header, digest, expiredRejection, b));
        Add("tampered-signature", "The valid negative receipt with the last byte of its signature flipped.", expired, "expired", "refusal", () =>
        {
            var t = validBytes.ToArray();
            t[^1] ^= 0x01;
            return t;
        }, null, "bad-signature");
        Add("signed-by-sender", "A refusal the sender made itself with its own key and kid: it does not verify with XB's key.", expired, "expired", "refusal",
            () => Sign(header, digest, expiredRejection, a), null, "bad-signature");
        Add("wrong-kid", "Signed with XB's key but naming XA's kid.", expired, "expired", "refusal",
            () => Sign(header, digest, expiredRejection, b, a.Fingerprint), null, "bad-signature");
        var other = SHA256.HashData(Encoding.UTF8.GetBytes("another envelope"));
        Add("other-envelope", "Validly signed by XB, refusing another envelope (digest differs).", expired, "expired", "refusal",
            () => Sign(header, other, expiredRejection, b), Content(header, other, expiredRejection), "digest-mismatch");
        var otherId = header with { MessageId = "m-conformance-9999" };
        Add("other-message-id", "Validly signed by XB with the envelope's digest, but naming another message id.", expired, "expired", "refusal",
            () => Sign(otherId, digest, expiredRejection, b), Content(otherId, digest, expiredRejection), "id-mismatch");
        var otherCode = new Rejection(RejectionCode.Replay, "the message id was received before with other content");
        Add("other-code", "Validly signed by XB for this envelope, but with code replay while the result says expired.", expired, "expired", "refusal",
            () => Sign(header, digest, otherCode, b), Content(header, digest, otherCode), "code-mismatch");
        Add("other-recipient", "Signed with XB's key and kid, but naming XC as the refusing node.", expired, "expired", "refusal",
            () => Sign(header, digest, expiredRejection, b, self: Stranger), Content(header, digest, expiredRejection) with { Recipient = Stranger }, "parties-mismatch");
        Add("receipt-not-refusal", "XB's positive receipt for the valid envelope offered as a refusal (content type application/entente-receipt+cbor).",
            expired, "expired", "refusal", () => Receipt.Sign(header, digest, refusedAt, b.Signing, b.Fingerprint), null, "malformed");
        return new JsonObject
        {
            ["description"] = "Negative receipts (docs/protocol.md, 'Negative receipts'): each `refusal` is checked with the receiver's (XB's) signing " +
                "key against its `envelope` and the result's `code`; `expected.payloadCbor` is the signed CBOR map when the signature verifies.",
            ["warning"] = VectorKeys.Warning,
            ["receiver"] = Recipient,
            ["vectors"] = vectors,
        };
    }

    private static JsonObject BatchVectors(Reuse reuse, byte[] envelope, byte[] receipt)
    {
        var vectors = new JsonArray();
        void Add(string name, string description, byte[] body, string? reason, IReadOnlyList<byte[]>? envelopes = null)
        {
            var expected = new JsonObject { ["verdict"] = reason is null ? "valid" : "invalid" };
            if (reason is not null) expected["reason"] = reason;
            if (envelopes is not null) expected["envelopeDigests"] = new JsonArray(envelopes.Select(e => (JsonNode)Hex(Envelope.Digest(e))).ToArray());
            vectors.Add(new JsonObject { ["name"] = name, ["description"] = description, ["body"] = Hex(body), ["expected"] = expected });
        }
        var two = new[] { envelope, Encoding.UTF8.GetBytes("not an envelope") };
        Add("two-envelopes", "A batch of two byte strings (the receiver then answers each: the second is refused as malformed).", ExchangeWire.EncodeBatch(two), null, two);
        Add("empty", "An empty array.", Cbor(w =>
        {
            w.WriteStartArray(0);
            w.WriteEndArray();
        }), "malformed");
        Add("not-an-array", "A map instead of an array.", Cbor(w =>
        {
            w.WriteStartMap(0);
            w.WriteEndMap();
        }), "malformed");
        Add("indefinite-length", "An indefinite-length array.", [0x9f, 0x41, 0x00, 0xff], "malformed");
        Add("text-element", "An array holding a text string.", Cbor(w =>
        {
            w.WriteStartArray(1);
            w.WriteTextString("envelope");
            w.WriteEndArray();
        }), "malformed");
        Add("trailing-bytes", "A valid batch followed by one more byte.", [.. ExchangeWire.EncodeBatch([envelope]), 0x00], "malformed");
        Add("too-many", $"{ExchangeWire.MaxBatch + 1} one-byte envelopes: more than {ExchangeWire.MaxBatch}.",
            ExchangeWire.EncodeBatch(Enumerable.Range(0, ExchangeWire.MaxBatch + 1).Select(_ => new byte[] { 0 }).ToArray()), "malformed");
        Add("truncated", "A batch cut short inside its envelope.", ExchangeWire.EncodeBatch([envelope])[..40], "malformed");

        var header = Header();
        var results = new DeliveryResult[]
        {
            new(header.MessageId, Envelope.Digest(envelope), receipt, null),
            new(null, Envelope.Digest(two[1]), null, new Rejection(RejectionCode.Malformed, "envelope: not a COSE_Sign1 message")),
        };
        var answer = ExchangeWire.EncodeResults(results);
        var expectedResults = new JsonArray(
            new JsonObject { ["id"] = header.MessageId, ["digest"] = Hex(results[0].Digest), ["status"] = "accepted", ["receipt"] = Convert.ToBase64String(receipt) },
            new JsonObject { ["digest"] = Hex(results[1].Digest), ["status"] = "refused", ["code"] = "malformed", ["detail"] = results[1].Rejection!.Detail, ["permanent"] = true });
        return new JsonObject
        {
            ["description"] = "CBOR batches POSTed to /api/exchange/messages (docs/protocol.md, 'Batches'): `body` is the request body; a valid " +
                "one lists the SHA-256 of each envelope in order. `answer` is a response body for the two-envelopes batch.",
            ["vectors"] = vectors,
            ["answer"] = new JsonObject { ["body"] = Hex(answer), ["expected"] = new JsonObject { ["results"] = expectedResults } },
        };
    }

    /// <summary>Deterministic: ledger-entry leaves, roots of every size, and proofs (valid and damaged).</summary>
    public static JsonObject MerkleVectors()
    {
        var entries = Enumerable.Range(0, 11).Select(i => new LedgerEntry("message-received", Made.AddMinutes(i), new LedgerActor("exchange", Recipient),
            new JsonObject { ["n"] = i, ["note"] = "conformance leaf " + i.ToString(CultureInfo.InvariantCulture) }).ToBytes()).ToList();
        var leaves = entries.Select(e => MerkleTree.LeafHash(e)).ToList();
        var node = MerkleTree.FromLeaves(leaves);
        var roots = new JsonArray { new JsonObject { ["size"] = 0, ["root"] = Hex(MerkleTree.EmptyRoot) } };
        for (var size = 1; size <= leaves.Count; size++) roots.Add(new JsonObject { ["size"] = size, ["root"] = Hex(MerkleTree.Root(size, node)) });

        var inclusion = new JsonArray();
        void Inclusion(string name, long index, long size, byte[] leaf, List<byte[]> proof, byte[] root, bool valid) => inclusion.Add(new JsonObject
        {
            ["name"] = name,
            ["index"] = index,
            ["size"] = size,
            ["leafHash"] = Hex(leaf),
            ["proof"] = HexArray(proof),
            ["root"] = Hex(root),
            ["expected"] = Verdict(valid, "bad-proof"),
        });
        foreach (var (index, size) in new (long, long)[] { (0, 1), (0, 8), (5, 8), (6, 7), (10, 11), (3, 11) })
            Inclusion($"leaf-{index}-of-{size}", index, size, leaves[(int)index], MerkleTree.InclusionProof(index, size, node), MerkleTree.Root(size, node), true);
        var p = MerkleTree.InclusionProof(3, 11, node);
        var damaged = p.Select(h => h.ToArray()).ToList();
        damaged[1][0] ^= 0x01;
        Inclusion("damaged-proof", 3, 11, leaves[3], damaged, MerkleTree.Root(11, node), false);
        Inclusion("wrong-index", 4, 11, leaves[3], p, MerkleTree.Root(11, node), false);
        Inclusion("wrong-leaf", 3, 11, leaves[4], p, MerkleTree.Root(11, node), false);
        Inclusion("short-proof", 3, 11, leaves[3], p[..^1], MerkleTree.Root(11, node), false);
        Inclusion("raw-entry-instead-of-leaf-hash", 3, 11, SHA256.HashData(entries[3]), p, MerkleTree.Root(11, node), false);

        var consistency = new JsonArray();
        void Consistency(string name, long size1, long size2, List<byte[]> proof, byte[] root1, byte[] root2, bool valid) => consistency.Add(new JsonObject
        {
            ["name"] = name,
            ["size1"] = size1,
            ["size2"] = size2,
            ["root1"] = Hex(root1),
            ["root2"] = Hex(root2),
            ["proof"] = HexArray(proof),
            ["expected"] = Verdict(valid, "bad-proof"),
        });
        foreach (var (s1, s2) in new (long, long)[] { (1, 2), (3, 7), (4, 8), (6, 11), (7, 7), (8, 11) })
            Consistency($"from-{s1}-to-{s2}", s1, s2, MerkleTree.ConsistencyProof(s1, s2, node), MerkleTree.Root(s1, node), MerkleTree.Root(s2, node), true);
        var c = MerkleTree.ConsistencyProof(6, 11, node);
        var damagedC = c.Select(h => h.ToArray()).ToList();
        damagedC[0][31] ^= 0x80;
        Consistency("damaged-proof", 6, 11, damagedC, MerkleTree.Root(6, node), MerkleTree.Root(11, node), false);
        Consistency("forked-root", 6, 11, c, MerkleTree.Root(6, node), MerkleTree.NodeHash(MerkleTree.Root(6, node), MerkleTree.Root(5, node)), false);
        Consistency("shrinking", 11, 6, c, MerkleTree.Root(11, node), MerkleTree.Root(6, node), false);
        Consistency("from-empty", 0, 6, [], MerkleTree.EmptyRoot, MerkleTree.Root(6, node), false);

        return new JsonObject
        {
            ["description"] = "RFC 9162 Merkle tree over ledger entries (docs/protocol.md, 'Ledger: Merkle tree'): leaf = SHA-256(0x00 || entry), " +
                "node = SHA-256(0x01 || left || right); roots of every size, inclusion and consistency proofs with their verdict.",
            ["entries"] = new JsonArray(entries.Select(e => (JsonNode)Hex(e)).ToArray()),
            ["leafHashes"] = HexArray(leaves),
            ["roots"] = roots,
            ["inclusion"] = inclusion,
            ["consistency"] = consistency,
        };
    }

    private static JsonObject CheckpointVectors(VectorKeys keys, Reuse reuse)
    {
        var node = MerkleTree.FromLeaves(((JsonArray)MerkleVectors()["leafHashes"]!).Select(h => Convert.FromHexString((string)h!)).ToList());
        var checkpoint = new Checkpoint(Origin, 11, MerkleTree.Root(11, node));
        var a = keys[Sender];
        var c = keys[Stranger];
        var w = keys[Witness];
        var vectors = new JsonArray();
        void Add(string name, string description, string note, string? reason) => vectors.Add(new JsonObject
        {
            ["name"] = name,
            ["description"] = description,
            ["note"] = note,
            ["logKey"] = Sender,
            ["expected"] = reason is null
                ? new JsonObject { ["verdict"] = "valid", ["origin"] = Origin, ["treeSize"] = checkpoint.TreeSize, ["root"] = Hex(checkpoint.Root), ["text"] = checkpoint.Text }
                : Verdict(false, reason),
        });
        var valid = reuse.Text("checkpoints.json", "valid", "note", () => checkpoint.Sign(a.Signing));
        Add("valid", "XA's ledger checkpoint of size 11 (the root of merkle.json), signed with XA's key.", valid, null);
        var otherRoot = new Checkpoint(Origin, 11, MerkleTree.Root(10, node)).Text;
        Add("changed-root", "The valid note with the root of size 10 in place of the signed root.", otherRoot + valid[checkpoint.Text.Length..], "bad-signature");
        Add("other-key", "Signed by XC under XA's origin (another key id).",
            reuse.Text("checkpoints.json", "other-key", "note", () => checkpoint.Sign(c.Signing)), "unknown-key");
        Add("no-signature", "The text and the blank line, no signature line.", checkpoint.Text + "\n", "malformed");
        Add("leading-zero", "The tree size written 011.", valid.Replace("\n11\n", "\n011\n", StringComparison.Ordinal), "malformed");

        var cosignatures = new JsonArray();
        var unix = Now.ToUnixTimeSeconds();
        void Cosign(string name, string description, string line, string witness, string? reason) => cosignatures.Add(new JsonObject
        {
            ["name"] = name,
            ["description"] = description,
            ["checkpoint"] = valid,
            ["cosignature"] = line,
            ["witness"] = witness,
            ["witnessKey"] = Witness,
            ["expected"] = reason is null
                ? new JsonObject { ["verdict"] = "valid", ["time"] = unix, ["message"] = Encoding.UTF8.GetString(Cosignature.Message(checkpoint, unix)) }
                : Verdict(false, reason),
        });
        var line = reuse.Text("checkpoints.json", "valid", "cosignature", () => Cosignature.Sign(checkpoint, Witness, w.Signing, Now));
        Cosign("valid", "XW's cosignature of the valid checkpoint at 2026-01-02T00:00:00Z.", line, Witness, null);
        var blob = Convert.FromBase64String(line[(line.LastIndexOf(' ') + 1)..]);
        blob[11] ^= 0x01;
        Cosign("changed-time", "The valid cosignature with its time changed by one second.", line[..(line.LastIndexOf(' ') + 1)] + Convert.ToBase64String(blob), Witness, "bad-signature");
        Cosign("wrong-name", "The valid cosignature checked as the witness XC's.", line, Stranger, "wrong-name");
        Cosign("other-key", "Signed by XC's key under the name XW.",
            reuse.Text("checkpoints.json", "other-key", "cosignature", () => Cosignature.Sign(checkpoint, Witness, c.Signing, Now)), Witness, "unknown-key");
        Cosign("not-base64", "The signature is not base64.", $"\u2014 {Witness} !!!!", Witness, "malformed");

        return new JsonObject
        {
            ["description"] = "Signed checkpoints (C2SP signed note, ECDSA P-256) of the ledger of merkle.json, checked with the key of `logKey`, and " +
                "witnesses' cosignatures of the valid one (docs/protocol.md, 'Checkpoints' and 'Cosignatures').",
            ["warning"] = VectorKeys.Warning,
            ["vectors"] = vectors,
            ["cosignatures"] = cosignatures,
        };
    }

    /// <summary>The pseudonymisation key of payloads.json (a test key: SHA-256 of "entente conformance pseudonymisation key").</summary>
    public static byte[] PseudonymisationKey => SHA256.HashData(Encoding.UTF8.GetBytes("entente conformance pseudonymisation key"));

    /// <summary>
    /// Deterministic: projections of documents by a permit's obligations (what a sender seals: masked fields left out
    /// and listed in "withheld") and payloads checked against obligations on receipt (docs/protocol.md §5, check 16).
    /// </summary>
    public static JsonObject PayloadVectors()
    {
        static JsonObject Obligations(string[]? disclose = null, string[]? month = null, string[]? pseudonymise = null, string[]? mask = null, string[]? drop = null) => new()
        {
            ["disclose"] = Strings(disclose),
            ["generaliseToMonth"] = Strings(month),
            ["pseudonymise"] = Strings(pseudonymise),
            ["mask"] = Strings(mask),
            ["drop"] = Strings(drop),
        };
        static JsonArray Strings(string[]? values) => new((values ?? []).Select(v => (JsonNode)v).ToArray());
        static JsonObject Parse(string json) => (JsonObject)JsonNode.Parse(json)!;

        var key = PseudonymisationKey;
        var projections = new JsonArray();
        void Project(string name, string description, string document, JsonObject obligations) => projections.Add(new JsonObject
        {
            ["name"] = name,
            ["description"] = description,
            ["document"] = Parse(document),
            ["obligations"] = obligations,
            ["expected"] = new JsonObject { ["verdict"] = "valid", ["projection"] = PolicyEngine.Project(Parse(document), ReadObligations(obligations), key) },
        });
        const string declaration = """
            {"lrn":"LRN-1","acceptanceDateTime":"2026-03-14T09:30:00Z","ucr":"6GB553202734852-X1",
             "parties":[{"role":"declarant","name":"ACME BV","id":"NL812345678","address":{"line":"Keizersgracht 1","countryCode":"NL"}},
                        {"role":"carrier","name":"Kim Co","id":"KR1234567890","address":{"line":"1 Harbour Rd","countryCode":"KR"}}],
             "goodsShipment":{"goodsItems":[{"sequence":1,"classification":{"code":"854231"}},{"sequence":2,"classification":{"code":"240220"}}]}}
            """;
        Project("declaration", "Names pseudonymised, identifiers masked (left out and listed), the date generalised, the UCR masked, addresses dropped.", declaration,
            Obligations(
                disclose: ["/goodsShipment/goodsItems/0/classification/code", "/goodsShipment/goodsItems/1/classification/code", "/lrn", "/parties/0/role", "/parties/1/role"],
                month: ["/acceptanceDateTime"],
                pseudonymise: ["/parties/0/name", "/parties/1/name"],
                mask: ["/parties/0/id", "/parties/1/id", "/ucr"],
                drop: ["/parties/0/address/line", "/parties/1/address/line"]));
        Project("not-a-date", "A field generalised to its month that is not a date is withheld (left out and listed), not replaced.",
            """{"seizure":{"id":"S-1","seizedAt":"unknown"}}""", Obligations(disclose: ["/seizure/id"], month: ["/seizure/seizedAt"]));
        Project("array-element-withheld", "An array element masked whole keeps its position as {} and is listed.",
            """{"seizure":{"id":"S-2","goods":["cigarettes","handbags"]}}""", Obligations(disclose: ["/seizure/id", "/seizure/goods/1"], mask: ["/seizure/goods/0"]));
        Project("passed-on", "A received payload passed on: the paths it already withholds stay listed where the obligations still let them travel; a dropped one is not listed.",
            """{"seizure":{"id":"S-3","place":"KRPUS"},"withheld":["/seizure/officer","/seizure/vessel"]}""",
            Obligations(disclose: ["/seizure/id", "/seizure/place"], mask: ["/seizure/officer"], drop: ["/seizure/vessel"]));

        var vectors = new JsonArray();
        void Check(string name, string description, string payload, JsonObject obligations, bool valid) => vectors.Add(new JsonObject
        {
            ["name"] = name,
            ["description"] = description,
            ["payload"] = Parse(payload),
            ["obligations"] = obligations.DeepClone(),
            ["expected"] = Verdict(valid, "field-not-allowed"),
        });
        var pseudonym = "hmac-sha256:" + Convert.ToHexStringLower(HMACSHA256.HashData(key, "ACME BV"u8));
        var seizure = Obligations(disclose: ["/seizure/id"], month: ["/seizure/seizedAt"], pseudonymise: ["/seizure/officer"], mask: ["/seizure/vessel"], drop: ["/seizure/route"]);
        Check("valid", "Disclosed in clear, pseudonymised, generalised to the month, and the masked field left out and listed.",
            $$"""{"seizure":{"id":"S-1","seizedAt":"2026-03","officer":"{{pseudonym}}"},"withheld":["/seizure/vessel"]}""", seizure, true);
        Check("valid-month-withheld", "The date generalised to its month is withheld instead (it was not a date): listed, not sent.",
            """{"seizure":{"id":"S-1"},"withheld":["/seizure/seizedAt"]}""", seizure, true);
        Check("masked-as-placeholder", "The masked field sent as \"***\" (what earlier versions sent): a placeholder is not data.",
            """{"seizure":{"id":"S-1","vessel":"***"}}""", seizure, false);
        Check("masked-in-clear", "The masked field sent with its value.",
            """{"seizure":{"id":"S-1","vessel":"9074729"}}""", seizure, false);
        Check("embedded-placeholder", "A disclosed field carrying the in-place mask of a local read.",
            """{"seizure":{"id":"5GB[withheld]-20250727"}}""", seizure, false);
        Check("month-as-placeholder", "The generalised date sent as \"***\".",
            """{"seizure":{"id":"S-1","seizedAt":"***"}}""", seizure, false);
        Check("withheld-dropped-field", "A dropped field listed as withheld: it may not travel, not even as a path.",
            """{"seizure":{"id":"S-1"},"withheld":["/seizure/route"]}""", seizure, false);
        Check("sent-and-withheld", "A field both sent and listed as withheld.",
            """{"seizure":{"id":"S-1"},"withheld":["/seizure/id"]}""", seizure, false);
        Check("withheld-twice", "The same path listed twice.",
            """{"seizure":{"id":"S-1"},"withheld":["/seizure/vessel","/seizure/vessel"]}""", seizure, false);
        Check("withheld-not-a-list", "withheld is not an array of field paths.",
            """{"seizure":{"id":"S-1"},"withheld":"/seizure/vessel"}""", seizure, false);
        Check("withheld-not-a-path", "withheld lists a string that is not a field path.",
            """{"seizure":{"id":"S-1"},"withheld":["seizure.vessel"]}""", seizure, false);
        Check("withheld-outside-the-allow-list", "withheld lists a field no obligation names.",
            """{"seizure":{"id":"S-1"},"withheld":["/seizure/cargo"]}""", seizure, false);
        Check("pseudonym-in-clear", "The pseudonymised field sent in clear.",
            """{"seizure":{"id":"S-1","officer":"ACME BV"}}""", seizure, false);

        return new JsonObject
        {
            ["description"] = "Payloads under a permit's obligations (docs/protocol.md, 'Payload form'): `projections` are what a sender seals " +
                "(PolicyEngine.Project with the pseudonymisation `key`: dropped fields left out, masked ones left out and their paths listed " +
                "in the root member `withheld`, pseudonymised ones hmac-sha256:HEX, dates their yyyy-MM); `vectors` are payloads a receiver " +
                "checks against the obligations (check 16): valid, or refused field-not-allowed.",
            ["key"] = Hex(key),
            ["projections"] = projections,
            ["vectors"] = vectors,
        };
    }

    /// <summary>The obligations of a payloads.json vector (only the field lists matter to the form).</summary>
    public static Obligations ReadObligations(JsonNode obligations)
    {
        string[] List(string name) => ((JsonArray)obligations[name]!).Select(v => (string)v!).ToArray();
        return new Obligations(List("disclose"), List("generaliseToMonth"), List("pseudonymise"), List("mask"), List("drop"),
            HandlingCode.H0, null, Now.AddYears(1), RetentionEnd.Review, OnwardTransfer.Forbidden, null);
    }

    /// <summary>The COSE Sig_structure ["Signature1", protected, h'', payload] (RFC 9052 §4.4) that ES256 signs.</summary>
    public static byte[] SigStructure(byte[] protectedHeaders, byte[] payload) => Cbor(w =>
    {
        w.WriteStartArray(4);
        w.WriteTextString("Signature1");
        w.WriteByteString(protectedHeaders);
        w.WriteByteString([]);
        w.WriteByteString(payload);
        w.WriteEndArray();
    });

    /// <summary>The COSE_Sign1 with its protected header bytes <paramref name="from"/> replaced by <paramref name="to"/> (the rest untouched).</summary>
    public static byte[] ReplaceProtected(byte[] sign1, byte[] from, byte[] to)
    {
        var reader = new CborReader(sign1);
        var tag = reader.ReadTag();
        reader.ReadStartArray();
        var protectedBytes = reader.ReadByteString();
        var unprotected = reader.ReadEncodedValue().ToArray();
        var payload = reader.ReadByteString();
        var signature = reader.ReadByteString();
        var at = protectedBytes.AsSpan().IndexOf(from);
        if (at < 0) throw new InvalidOperationException("the protected headers do not hold the given bytes");
        byte[] replaced = [.. protectedBytes[..at], .. to, .. protectedBytes[(at + from.Length)..]];
        return Cbor(w =>
        {
            w.WriteTag(tag);
            w.WriteStartArray(4);
            w.WriteByteString(replaced);
            w.WriteEncodedValue(unprotected);
            w.WriteByteString(payload);
            w.WriteByteString(signature);
            w.WriteEndArray();
        });
    }

    public static JsonObject HeaderJson(EnvelopeHeader h)
    {
        var json = new JsonObject
        {
            ["v"] = EnvelopeHeader.Version,
            ["id"] = h.MessageId,
            ["conv"] = h.ConversationId,
            ["seq"] = h.Sequence,
            ["kind"] = h.Kind,
            ["from"] = h.Sender,
            ["to"] = h.Recipient,
            ["agr"] = h.AgreementId,
            ["agr-hash"] = h.AgreementHash,
            ["purpose"] = PolicyEngine.Name(h.Purpose),
            ["cat"] = PolicyEngine.Name(h.Category),
            ["hc"] = h.HandlingCode.ToString(),
        };
        if (h.Evaluation is { } e) json["eval"] = e.ToString();
        json["iat"] = Time(h.CreatedAt);
        json["exp"] = Time(h.ExpiresAt);
        if (h.AlertCategory is not null) json["alert"] = h.AlertCategory;
        if (h.CaseReference is not null) json["case"] = h.CaseReference;
        return json;
    }

    public static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    public static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);

    private static JsonArray HexArray(IEnumerable<byte[]> hashes) => new(hashes.Select(h => (JsonNode)Hex(h)).ToArray());

    private static JsonObject Verdict(bool valid, string reason) => valid ? new JsonObject { ["verdict"] = "valid" } : new JsonObject { ["verdict"] = "invalid", ["reason"] = reason };

    private static byte[] Cbor(Action<CborWriter> write)
    {
        var writer = new CborWriter(CborConformanceMode.Strict);
        write(writer);
        return writer.Encode();
    }

    /// <summary>Signed or random artifacts taken from the files made before, when they hold them.</summary>
    private sealed class Reuse(IReadOnlyDictionary<string, JsonObject>? previous)
    {
        public byte[] Bytes(string file, string name, string field, Func<byte[]> make) =>
            Find(file, name, field) is { } text ? Convert.FromBase64String(text) : make();

        public string Text(string file, string name, string field, Func<string> make) => Find(file, name, field) ?? make();

        private string? Find(string file, string name, string field)
        {
            if (previous is null || !previous.TryGetValue(file, out var json)) return null;
            foreach (var list in new[] { "vectors", "cosignatures" })
            {
                if (json[list] is not JsonArray vectors) continue;
                foreach (var v in vectors)
                    if ((string?)v?["name"] == name && v?[field] is JsonValue value && value.TryGetValue<string>(out var s)) return s;
            }
            return null;
        }
    }
}
