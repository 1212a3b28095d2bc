using System.CommandLine;
using System.Security.Cryptography;
using System.Text.Json;
using Entente.Hosting;
using Entente.Identity;
using Entente.Ledger;

namespace Entente.Cli.Ledger;

internal static class LedgerCommands
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>The checkpoint origin (and signed-note key name) of a node's ledger.</summary>
    public static string Origin(NodeOptions node) => $"entente/{node.Code}/ledger";

    public static Command Create()
    {
        var ledger = new Command("ledger", "The node's tamper-evident ledger: verify it, prove an entry, sign a checkpoint");
        ledger.Add(Verify());
        ledger.Add(Prove());
        ledger.Add(SignCheckpoint());
        return ledger;
    }

    private static Command Verify()
    {
        var publicKey = new Option<string?>("--public-key") { Description = "The node's public key (PEM or DER SubjectPublicKeyInfo); default: the home's signing key" };
        var verify = new NodeCommand("verify", "Recompute the whole tree from the stored entries and check every stored hash and checkpoint (exit 1 when anything is wrong); warn of entries that do not fit their kind's body schema", json: true)
        {
            publicKey,
        };
        verify.SetNodeAction(async (parse, node, ct) =>
        {
            var spki = parse.GetValue(publicKey) is { } file ? ReadPublicKey(file) : null;
            var verified = await node.Get<VerifyLedger>().HandleAsync(new VerifyLedgerInput(spki), ct);
            var result = verified.Verification;
            var output = parse.InvocationConfiguration.Output;
            if (verify.Json(parse))
            {
                output.WriteLine(JsonSerializer.Serialize(new { ok = result.Ok, size = result.Size, root = result.Root, checkpoints = result.Checkpoints, problems = result.Problems, warnings = result.Warnings }, Json));
            }
            else
            {
                output.WriteLine(result.Ok
                    ? $"Ledger verified: {result.Size:N0} entries, root {result.Root}, {result.Checkpoints} checkpoints"
                    : $"Ledger NOT verified: {result.Problems.Count} problems ({result.Size:N0} entries recomputed)");
                foreach (var problem in result.Problems) output.WriteLine($"  {problem}");
                if (result.Warnings.Count > 0) output.WriteLine($"Warnings (entries that do not fit their kind's body schema; not a break in the log): {result.Warnings.Count}");
                foreach (var warning in result.Warnings) output.WriteLine($"  warning: {warning}");
            }
            return verified is VerifyLedgerResult.Verified ? 0 : 1;
        });
        return verify;
    }

    private static Command Prove()
    {
        var entry = new Option<long>("--entry") { Description = "The entry's index (from 0)", Required = true };
        var size = new Option<long?>("--size") { Description = "The tree size to prove it in (default: the latest checkpoint's, else the current size)" };
        var prove = new NodeCommand("prove", "Print an inclusion proof of an entry (RFC 9162 §2.1.3) with the checkpoint it leads to", json: true)
        {
            entry, size,
        };
        prove.SetNodeAction(async (parse, node, ct) =>
        {
            var store = node.Get<LedgerStore>();
            var index = parse.GetValue(entry);
            var checkpoint = await store.LatestCheckpointAsync(ct);
            var head = await store.GetHeadAsync(ct);
            var treeSize = parse.GetValue(size) ?? (checkpoint is not null && checkpoint.TreeSize > index ? checkpoint.TreeSize : head.Size);
            if (index < 0 || index >= head.Size) throw new CliException($"--entry {index}: the ledger has {head.Size} entries (0 to {head.Size - 1})");
            if (treeSize <= index || treeSize > head.Size) throw new CliException($"--size {treeSize}: expected a size above the entry and at most {head.Size}");
            var proof = await store.InclusionProofAsync(index, treeSize, ct);
            var stored = await store.GetEntryAsync(index, ct);
            var signed = checkpoint is not null && checkpoint.TreeSize == treeSize ? checkpoint.Note : null;
            var output = parse.InvocationConfiguration.Output;
            if (prove.Json(parse))
            {
                output.WriteLine(JsonSerializer.Serialize(new
                {
                    index = proof.Index,
                    treeSize = proof.TreeSize,
                    entry = Convert.ToBase64String(stored!.Bytes),
                    leafHash = Convert.ToBase64String(proof.LeafHash),
                    proof = proof.Hashes.Select(Convert.ToBase64String),
                    root = Convert.ToBase64String(proof.Root),
                    checkpoint = signed,
                }, Json));
                return 0;
            }
            output.WriteLine($"Entry:     {proof.Index}");
            output.WriteLine($"Tree size: {proof.TreeSize}");
            output.WriteLine($"Entry bytes (base64): {Convert.ToBase64String(stored!.Bytes)}");
            output.WriteLine($"Leaf hash: {Convert.ToBase64String(proof.LeafHash)}");
            output.WriteLine("Proof:");
            foreach (var hash in proof.Hashes) output.WriteLine($"  {Convert.ToBase64String(hash)}");
            output.WriteLine($"Root:      {Convert.ToBase64String(proof.Root)}");
            output.WriteLine(signed is null ? "Checkpoint: none at this size (sign one with: entente ledger checkpoint)" : $"Checkpoint:\n{signed}");
            return 0;
        });
        return prove;
    }

    private static Command SignCheckpoint()
    {
        var checkpoint = new NodeCommand("checkpoint", "Sign a checkpoint of the ledger as it is now with the node's key, after checking it extends the last one");
        checkpoint.SetNodeAction(async (parse, node, ct) =>
        {
            var options = node.Node;
            if (!NodeKeys.HasSigningKey(options.Home)) throw CliException.Environment($"{options.Home} has no signing key ({NodeKeys.SigningKeyPath(options.Home)})");
            using var key = NodeKeys.LoadSigningKey(options.Home);
            var store = node.Get<LedgerStore>();
            StoredCheckpoint signed;
            try
            {
                signed = await store.SignCheckpointAsync(key, Origin(options), ct);
            }
            catch (InvalidOperationException e)
            {
                throw CliException.Refused(e.Message);
            }
            checkpoint.Print(parse, new { origin = Origin(options), treeSize = signed.TreeSize, note = signed.Note }, o => o.Write(signed.Note));
            return 0;
        });
        return checkpoint;
    }

    private static byte[] ReadPublicKey(string file)
    {
        if (!File.Exists(file)) throw new CliException($"--public-key {file}: no such file");
        var bytes = File.ReadAllBytes(file);
        using var key = ECDsa.Create();
        try
        {
            var text = System.Text.Encoding.ASCII.GetString(bytes);
            if (text.Contains("-----BEGIN PUBLIC KEY-----", StringComparison.Ordinal)) key.ImportFromPem(text);
            else key.ImportSubjectPublicKeyInfo(bytes, out _);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            throw CliException.Refused($"--public-key {file}: expected an ECDSA P-256 public key, PEM (BEGIN PUBLIC KEY) or SubjectPublicKeyInfo DER: {e.Message}");
        }
        return key.ExportSubjectPublicKeyInfo();
    }
}
