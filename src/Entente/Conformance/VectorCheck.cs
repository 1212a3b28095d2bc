using System.Security.Cryptography;
using System.Security.Cryptography.Cose;
using System.Text;
using System.Text.Json.Nodes;
using Entente.Agreements;
using Entente.Exchange;
using Entente.Ledger;
using Entente.Witnessing;

namespace Entente.Conformance;

/// <summary>One vector checked: what the file expects and what this implementation decides.</summary>
public sealed record VectorResult(string File, string Name, string Expected, string Actual, string? Detail = null)
{
    public bool Passed => Expected == Actual;
}

/// <summary>
/// Checks the vectors of test-vectors/ with this implementation: each valid one must be accepted with the stated bytes,
/// each invalid one refused with the stated reason. The verdicts are "valid" or "invalid:REASON".
/// </summary>
public static class VectorCheck
{
    public static List<VectorResult> Check(IReadOnlyDictionary<string, JsonObject> files)
    {
        using var keys = VectorKeys.FromJson(files["keys.json"]);
        var results = new List<VectorResult>();
        results.AddRange(Envelopes(files["envelopes.json"], keys));
        results.AddRange(Receipts(files["receipts.json"], keys));
        results.AddRange(Refusals(files["refusals.json"], keys));
        results.AddRange(Batches(files["batches.json"]));
        results.AddRange(Merkle(files["merkle.json"]));
        results.AddRange(Checkpoints(files["checkpoints.json"], keys));
        results.AddRange(Payloads(files["payloads.json"]));
        return results;
    }

    private static string Expected(JsonNode vector) =>
        (string)vector["expected"]!["verdict"]! == "valid" ? "valid" : "invalid:" + (string)vector["expected"]!["reason"]!;

    private static IEnumerable<VectorResult> Envelopes(JsonObject file, VectorKeys keys)
    {
        foreach (var v in (JsonArray)file["vectors"]!)
        {
            var envelope = Convert.FromBase64String((string)v!["envelope"]!);
            var self = keys[(string)v["self"]!];
            var partners = ((JsonArray)v["partners"]!).Select(p => (string)p!).ToHashSet(StringComparer.Ordinal);
            var now = DateTimeOffset.Parse((string)v["now"]!, System.Globalization.CultureInfo.InvariantCulture);
            var opening = Envelope.Open(envelope, self.Code, self.Encryption,
                code => partners.Contains(code) && keys.Nodes.TryGetValue(code, out var n) ? (n.Signing, n.Fingerprint) : null, now);
            string actual;
            string? detail = null;
            if (opening is EnvelopeOpening.Refused r)
            {
                actual = "invalid:" + r.Rejection.Name;
                detail = r.Rejection.Detail;
            }
            else
            {
                var opened = (EnvelopeOpening.Opened)opening;
                var expected = v["expected"]!;
                var problems = new List<string>();
                var (message, _, kid) = Envelope.Read(envelope);
                if (TestVectors.Hex(opened.Header.ToCbor()) != (string)expected["headerCbor"]!) problems.Add("header CBOR differs");
                if (TestVectors.Hex(message.ProtectedHeaders[Envelope.HeaderLabel].EncodedValue.Span) != (string)expected["headerCbor"]!) problems.Add("the header bytes carried differ");
                if (!JsonNode.DeepEquals(TestVectors.HeaderJson(opened.Header), expected["header"])) problems.Add("header fields differ");
                if (kid != (string)expected["kid"]!) problems.Add("kid differs");
                if (Encoding.UTF8.GetString(opened.Payload) != (string)expected["plaintext"]!) problems.Add("plaintext differs");
                if (TestVectors.Hex(TestVectors.SigStructure(message.RawProtectedHeaders.ToArray(), message.Content!.Value.ToArray())) != (string)expected["toBeSigned"]!)
                    problems.Add("Sig_structure differs");
                actual = problems.Count == 0 ? "valid" : "wrong-bytes";
                detail = string.Join("; ", problems);
            }
            if (TestVectors.Hex(opening.Digest) != (string)v["expected"]!["digest"]!) (actual, detail) = ("wrong-digest", "the envelope's SHA-256 differs");
            yield return new VectorResult("envelopes.json", (string)v["name"]!, Expected(v), actual, detail);
        }
    }

    /// <summary>A receipt's verdict against its envelope: signature and kid with the receiver's key, then what it names.</summary>
    public static (string Verdict, string? Detail) CheckReceipt(byte[] signed, byte[] envelope, ECDsa receiverKey, string receiverKid)
    {
        CoseSign1Message message;
        try
        {
            message = CoseMessage.DecodeSign1(signed);
        }
        catch (CryptographicException e)
        {
            return ("invalid:malformed", e.Message);
        }
        if (!message.ProtectedHeaders.TryGetValue(CoseHeaderLabel.KeyIdentifier, out var kid) || Encoding.UTF8.GetString(kid.GetValueAsBytes()) != receiverKid)
            return ("invalid:bad-signature", "the kid is not the receiver's key fingerprint");
        Receipt receipt;
        try
        {
            receipt = Receipt.Verify(signed, receiverKey);
        }
        catch (EnvelopeFormatException e)
        {
            return (e.Message.Contains("signature", StringComparison.Ordinal) ? "invalid:bad-signature" : "invalid:malformed", e.Message);
        }
        var header = Envelope.Read(envelope).Header;
        if (!receipt.EnvelopeDigest.AsSpan().SequenceEqual(Envelope.Digest(envelope))) return ("invalid:digest-mismatch", null);
        if (receipt.MessageId != header.MessageId) return ("invalid:id-mismatch", null);
        if (receipt.Sender != header.Sender || receipt.Recipient != header.Recipient) return ("invalid:parties-mismatch", null);
        if (receipt.AgreementId != header.AgreementId || receipt.AgreementHash != header.AgreementHash) return ("invalid:agreement-mismatch", null);
        return ("valid", null);
    }

    private static IEnumerable<VectorResult> Receipts(JsonObject file, VectorKeys keys)
    {
        var envelope = Convert.FromBase64String((string)file["envelope"]!);
        var receiver = keys[(string)file["receiver"]!];
        foreach (var v in (JsonArray)file["vectors"]!)
        {
            var signed = Convert.FromBase64String((string)v!["receipt"]!);
            var (actual, detail) = CheckReceipt(signed, envelope, receiver.Signing, receiver.Fingerprint);
            if (v["expected"]!["payloadCbor"] is JsonNode payload && TestVectors.Hex(CoseMessage.DecodeSign1(signed).Content!.Value.Span) != (string)payload!)
                (actual, detail) = ("wrong-bytes", "the signed payload differs from payloadCbor");
            yield return new VectorResult("receipts.json", (string)v["name"]!, Expected(v), actual, detail);
        }
    }

    /// <summary>
    /// A negative receipt's verdict against the envelope it refuses and the result's code: content type, kid and
    /// signature with the receiver's key, then what it names (§7.4.1).
    /// </summary>
    public static (string Verdict, string? Detail) CheckRefusal(byte[] signed, byte[] envelope, string code, string sender, string receiver, ECDsa receiverKey, string receiverKid)
    {
        CoseSign1Message message;
        try
        {
            message = CoseMessage.DecodeSign1(signed);
        }
        catch (CryptographicException e)
        {
            return ("invalid:malformed", e.Message);
        }
        if (!message.ProtectedHeaders.TryGetValue(CoseHeaderLabel.ContentType, out var type) || type.GetValueAsString() != NegativeReceipt.ContentType)
            return ("invalid:malformed", $"the content type is not {NegativeReceipt.ContentType}");
        if (!message.ProtectedHeaders.TryGetValue(CoseHeaderLabel.KeyIdentifier, out var kid) || Encoding.UTF8.GetString(kid.GetValueAsBytes()) != receiverKid)
            return ("invalid:bad-signature", "the kid is not the receiver's key fingerprint");
        NegativeReceipt refusal;
        try
        {
            refusal = NegativeReceipt.Verify(signed, receiverKey);
        }
        catch (EnvelopeFormatException e)
        {
            return (e.Message.Contains("signature", StringComparison.Ordinal) ? "invalid:bad-signature" : "invalid:malformed", e.Message);
        }
        if (!refusal.EnvelopeDigest.AsSpan().SequenceEqual(Envelope.Digest(envelope))) return ("invalid:digest-mismatch", null);
        string? id = null;
        try
        {
            id = Envelope.Read(envelope).Header.MessageId;
        }
        catch (EnvelopeFormatException)
        {
            // An unreadable envelope: its refusal names no message id.
        }
        if (refusal.MessageId is not null && refusal.MessageId != id) return ("invalid:id-mismatch", null);
        if ((refusal.Sender is not null && refusal.Sender != sender) || refusal.Recipient != receiver) return ("invalid:parties-mismatch", null);
        if (refusal.Code != code) return ("invalid:code-mismatch", $"says {refusal.Code}, the result says {code}");
        return ("valid", null);
    }

    private static IEnumerable<VectorResult> Refusals(JsonObject file, VectorKeys keys)
    {
        var receiver = keys[(string)file["receiver"]!];
        foreach (var v in (JsonArray)file["vectors"]!)
        {
            var signed = Convert.FromBase64String((string)v!["refusal"]!);
            var envelope = Convert.FromBase64String((string)v["envelope"]!);
            var (actual, detail) = CheckRefusal(signed, envelope, (string)v["code"]!, (string)v["sender"]!, receiver.Code, receiver.Signing, receiver.Fingerprint);
            if (v["expected"]!["payloadCbor"] is JsonNode payload && TestVectors.Hex(CoseMessage.DecodeSign1(signed).Content!.Value.Span) != (string)payload!)
                (actual, detail) = ("wrong-bytes", "the signed payload differs from payloadCbor");
            yield return new VectorResult("refusals.json", (string)v["name"]!, Expected(v), actual, detail);
        }
    }

    private static IEnumerable<VectorResult> Batches(JsonObject file)
    {
        foreach (var v in (JsonArray)file["vectors"]!)
        {
            string actual;
            string? detail = null;
            try
            {
                var envelopes = ExchangeWire.DecodeBatch(Convert.FromHexString((string)v!["body"]!));
                var digests = new JsonArray(envelopes.Select(e => (JsonNode)TestVectors.Hex(Envelope.Digest(e))).ToArray());
                actual = JsonNode.DeepEquals(digests, v["expected"]!["envelopeDigests"]) ? "valid" : "wrong-bytes";
            }
            catch (EnvelopeFormatException e)
            {
                actual = "invalid:malformed";
                detail = e.Message;
            }
            yield return new VectorResult("batches.json", (string)v!["name"]!, Expected(v), actual, detail);
        }
        var answer = file["answer"]!;
        var results = ExchangeWire.DecodeResults(Convert.FromHexString((string)answer["body"]!));
        var decoded = new JsonArray(results.Select(r =>
        {
            var o = new JsonObject();
            if (r.MessageId is not null) o["id"] = r.MessageId;
            o["digest"] = TestVectors.Hex(r.Digest);
            if (r.Receipt is not null)
            {
                o["status"] = r.Duplicate ? "duplicate" : "accepted";
                o["receipt"] = Convert.ToBase64String(r.Receipt);
            }
            else
            {
                o["status"] = "refused";
                o["code"] = r.Rejection!.Name;
                o["detail"] = r.Rejection.Detail;
                o["permanent"] = r.Rejection.Permanent;
            }
            return (JsonNode)o;
        }).ToArray());
        yield return new VectorResult("batches.json", "answer", "valid", JsonNode.DeepEquals(decoded, answer["expected"]!["results"]) ? "valid" : "wrong-bytes");
    }

    private static IEnumerable<VectorResult> Merkle(JsonObject file)
    {
        var entries = ((JsonArray)file["entries"]!).Select(e => Convert.FromHexString((string)e!)).ToList();
        var leaves = entries.Select(e => MerkleTree.LeafHash(e)).ToList();
        yield return new VectorResult("merkle.json", "leafHashes", "valid",
            leaves.Select(l => TestVectors.Hex(l)).SequenceEqual(((JsonArray)file["leafHashes"]!).Select(h => (string)h!)) ? "valid" : "wrong-bytes");
        var node = MerkleTree.FromLeaves(leaves);
        foreach (var r in (JsonArray)file["roots"]!)
        {
            var size = (long)r!["size"]!;
            yield return new VectorResult("merkle.json", $"root-{size}", "valid", TestVectors.Hex(MerkleTree.Root(size, node)) == (string)r["root"]! ? "valid" : "wrong-bytes");
        }
        static List<byte[]> Hashes(JsonNode? proof) => ((JsonArray)proof!).Select(h => Convert.FromHexString((string)h!)).ToList();
        foreach (var v in (JsonArray)file["inclusion"]!)
        {
            var check = MerkleTree.VerifyInclusion((long)v!["index"]!, (long)v["size"]!, Convert.FromHexString((string)v["leafHash"]!), Hashes(v["proof"]), Convert.FromHexString((string)v["root"]!));
            yield return new VectorResult("merkle.json", "inclusion/" + (string)v["name"]!, Expected(v), check.Valid ? "valid" : "invalid:bad-proof", check.Reason);
        }
        foreach (var v in (JsonArray)file["consistency"]!)
        {
            var check = MerkleTree.VerifyConsistency((long)v!["size1"]!, (long)v["size2"]!, Convert.FromHexString((string)v["root1"]!), Convert.FromHexString((string)v["root2"]!), Hashes(v["proof"]));
            yield return new VectorResult("merkle.json", "consistency/" + (string)v["name"]!, Expected(v), check.Valid ? "valid" : "invalid:bad-proof", check.Reason);
        }
    }

    /// <summary>A checkpoint's verdict with the log's key: malformed, unknown-key (no signature with its key id), bad-signature, or valid.</summary>
    public static (string Verdict, Checkpoint? Checkpoint, string? Detail) CheckCheckpoint(string note, byte[] logSpki)
    {
        var (parsed, _, parseProblem) = Checkpoint.Parse(note);
        if (parsed is null) return ("invalid:malformed", null, parseProblem);
        var (checkpoint, problem) = Checkpoint.Open(note, logSpki);
        if (checkpoint is not null) return ("valid", checkpoint, null);
        return (problem!.StartsWith("no signature by", StringComparison.Ordinal) ? "invalid:unknown-key" : "invalid:bad-signature", null, problem);
    }

    private static IEnumerable<VectorResult> Checkpoints(JsonObject file, VectorKeys keys)
    {
        foreach (var v in (JsonArray)file["vectors"]!)
        {
            var (actual, checkpoint, detail) = CheckCheckpoint((string)v!["note"]!, keys[(string)v["logKey"]!].Spki);
            if (checkpoint is not null)
            {
                var e = v["expected"]!;
                if (checkpoint.Origin != (string)e["origin"]! || checkpoint.TreeSize != (long)e["treeSize"]! || TestVectors.Hex(checkpoint.Root) != (string)e["root"]! || checkpoint.Text != (string)e["text"]!)
                    actual = "wrong-bytes";
            }
            yield return new VectorResult("checkpoints.json", (string)v["name"]!, Expected(v), actual, detail);
        }
        foreach (var v in (JsonArray)file["cosignatures"]!)
        {
            var checkpoint = Checkpoint.Parse((string)v!["checkpoint"]!).Checkpoint!;
            var (at, problem) = Cosignature.Verify(checkpoint, (string)v["cosignature"]!, (string)v["witness"]!, keys[(string)v["witnessKey"]!].Spki);
            string actual;
            if (at is { } time)
            {
                var e = v["expected"]!;
                actual = time.ToUnixTimeSeconds() == (long)e["time"]! && Encoding.UTF8.GetString(Cosignature.Message(checkpoint, time.ToUnixTimeSeconds())) == (string)e["message"]!
                    ? "valid" : "wrong-bytes";
            }
            else
            {
                actual = problem! switch
                {
                    var p when p.Contains("signed under the name", StringComparison.Ordinal) => "invalid:wrong-name",
                    var p when p.Contains("key id", StringComparison.Ordinal) => "invalid:unknown-key",
                    var p when p.Contains("does not verify", StringComparison.Ordinal) => "invalid:bad-signature",
                    _ => "invalid:malformed",
                };
            }
            yield return new VectorResult("checkpoints.json", "cosignature/" + (string)v["name"]!, Expected(v), actual, problem);
        }
    }

    private static IEnumerable<VectorResult> Payloads(JsonObject file)
    {
        var key = Convert.FromHexString((string)file["key"]!);
        foreach (var v in (JsonArray)file["projections"]!)
        {
            var projected = PolicyEngine.Project((JsonObject)v!["document"]!, TestVectors.ReadObligations(v["obligations"]!), key);
            var same = JsonNode.DeepEquals(projected, v["expected"]!["projection"]);
            yield return new VectorResult("payloads.json", "projection/" + (string)v["name"]!, Expected(v), same ? "valid" : "wrong-bytes",
                same ? null : projected.ToJsonString());
        }
        foreach (var v in (JsonArray)file["vectors"]!)
        {
            var problem = Acceptance.FormCheck((JsonObject)v!["payload"]!, TestVectors.ReadObligations(v["obligations"]!));
            yield return new VectorResult("payloads.json", (string)v["name"]!, Expected(v), problem is null ? "valid" : "invalid:field-not-allowed", problem);
        }
    }

    /// <summary>Reads a folder of vectors (keys.json and <see cref="TestVectors.Files"/>).</summary>
    public static Dictionary<string, JsonObject> Read(string folder) =>
        new[] { "keys.json" }.Concat(TestVectors.Files).ToDictionary(f => f, f => (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(folder, f)))!, StringComparer.Ordinal);

    /// <summary>Writes the vectors, one JSON file each, indented, with a final newline.</summary>
    public static void Write(string folder, IReadOnlyDictionary<string, JsonObject> files)
    {
        Directory.CreateDirectory(folder);
        foreach (var (name, json) in files)
            File.WriteAllText(Path.Combine(folder, name), Format(json));
    }

    public static string Format(JsonObject json) =>
        json.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n";
}
