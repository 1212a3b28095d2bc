using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Entente.Identity;
using Entente.Ledger;

namespace Entente.Risk.Rules;

/// <summary>A rule set version stored in a node's home.</summary>
public sealed record StoredRuleSet(string Version, string Name, string Digest, DateTimeOffset ActivatedAt, string Signer, int Rules, int Tests, bool InService);

/// <summary>A rule set put into service: the compiled set, its test results, where it is stored and its ledger entry.</summary>
public sealed record RuleSetActivation(RuleSet Set, IReadOnlyList<RuleSetTestResult> Tests, string Folder, long LedgerIndex);

/// <summary>A rule set refused at activation because some of its own test cases failed; nothing was stored.</summary>
public sealed class RuleSetTestsFailedException(IReadOnlyList<RuleSetTestResult> results)
    : Exception(string.Join(Environment.NewLine, results.Where(r => !r.Passed).Select(r => $"{r.Case.Where}: test \"{r.Case.Name}\" failed: {string.Join("; ", r.Problems)}")))
{
    public IReadOnlyList<RuleSetTestResult> Results { get; } = results;
}

/// <summary>
/// The rule sets of a node: HOME/risk/rules/VERSION/ holds each activated version's files, manifest.json (name, version,
/// digest, files and their SHA-256) and manifest.sig (the node key's ECDSA P-256 signature of the manifest);
/// HOME/risk/rules/in-service names the version in service. Activation validates, runs the set's tests, signs, stores,
/// records "risk-rules-activated" in the ledger, then marks the version in service; a set that fails any step changes nothing.
/// Loading verifies the signature and every file's hash: a stored set changed by hand is refused.
/// </summary>
public static class RuleSetStore
{
    public const string LedgerKind = LedgerKinds.RiskRulesActivated;
    public const string ManifestFile = "manifest.json";
    public const string SignatureFile = "manifest.sig";
    public const string InServiceFile = "in-service";

    public static string Folder(string home) => Path.Combine(home, "risk", "rules");

    /// <summary>Validates, tests, signs and stores the rule set at <paramref name="source"/>, records it in the ledger and puts it into service.</summary>
    /// <exception cref="RuleSetException">The set does not parse or refers to an unknown field or list.</exception>
    /// <exception cref="RuleSetTestsFailedException">A test case of the set failed.</exception>
    /// <exception cref="InvalidOperationException">Its version is stored already with other content.</exception>
    public static async Task<RuleSetActivation> ActivateAsync(string home, string source, LedgerStore ledger, LedgerActor actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        var set = RuleSetFile.Load(source);
        var tests = RuleSetFile.RunTests(set);
        if (tests.Any(t => !t.Passed)) throw new RuleSetTestsFailedException(tests);

        var root = Folder(home);
        var folder = Path.Combine(root, set.Version);
        using var key = NodeKeys.LoadSigningKey(home);
        var signer = NodeKeys.Fingerprint(key);
        if (Directory.Exists(folder))
        {
            var stored = ReadManifest(folder);
            if (stored["digest"]?.GetValue<string>() != set.Digest)
                throw new InvalidOperationException($"{folder}: version {set.Version} is stored already with another content ({stored["digest"]}); give the changed rule set a new version");
            Verify(home, set.Version);
        }
        else
        {
            Directory.CreateDirectory(root);
            var staging = Path.Combine(root, ".staging-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)));
            try
            {
                foreach (var file in set.Files)
                {
                    var path = Path.Combine(staging, file.Path);
                    Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                    await File.WriteAllBytesAsync(path, file.Bytes, cancellationToken);
                }
                var manifest = new JsonObject
                {
                    ["name"] = set.Name,
                    ["version"] = set.Version,
                    ["digest"] = set.Digest,
                    ["rules"] = set.RuleCount,
                    ["tests"] = set.Tests.Count,
                    ["activatedAt"] = ledger.Time.GetUtcNow().ToString("O"),
                    ["signer"] = signer,
                    ["files"] = new JsonArray(set.Files.Select(f => (JsonNode)new JsonObject { ["path"] = f.Path, ["sha256"] = f.Sha256 }).ToArray()),
                };
                var bytes = Encoding.UTF8.GetBytes(manifest.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
                await File.WriteAllBytesAsync(Path.Combine(staging, ManifestFile), bytes, cancellationToken);
                await File.WriteAllTextAsync(Path.Combine(staging, SignatureFile), Convert.ToBase64String(key.SignData(bytes, HashAlgorithmName.SHA256)), cancellationToken);
                Directory.Move(staging, folder);
            }
            finally
            {
                if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
            }
        }

        var index = await ledger.AppendAsync(LedgerKind, actor, new JsonObject
        {
            ["ruleSet"] = set.Name,
            ["version"] = set.Version,
            ["digest"] = set.Digest,
            ["rules"] = set.RuleCount,
            ["tests"] = tests.Count,
            ["signer"] = signer,
        }, cancellationToken);
        var pointer = Path.Combine(root, InServiceFile);
        await File.WriteAllTextAsync(pointer + ".new", set.Version + "\n", cancellationToken);
        File.Move(pointer + ".new", pointer, overwrite: true);
        return new RuleSetActivation(set, tests, folder, index);
    }

    /// <summary>The version in service, or null when no rule set was activated.</summary>
    public static string? InServiceVersion(string home)
    {
        var pointer = Path.Combine(Folder(home), InServiceFile);
        return File.Exists(pointer) ? File.ReadAllText(pointer).Trim() : null;
    }

    /// <summary>The rule set in service, its signature and files verified; null when none was activated.</summary>
    /// <exception cref="InvalidDataException">The stored set was changed after it was signed, or its signature is not the node's.</exception>
    public static RuleSet? InService(string home) => InServiceVersion(home) is { } version ? Load(home, version) : null;

    /// <summary>A stored version, its signature and files verified.</summary>
    public static RuleSet Load(string home, string version)
    {
        Verify(home, version);
        var folder = Path.Combine(Folder(home), version);
        var manifest = ReadManifest(folder);
        RuleSet set;
        try
        {
            set = RuleSetFile.Load(folder);
        }
        catch (RuleSetException e)
        {
            throw new InvalidDataException($"{folder}: the stored rule set no longer compiles: {e.Message}", e);
        }
        if (set.Digest != manifest["digest"]?.GetValue<string>() || set.Version != version)
            throw new InvalidDataException($"{folder}: the stored rule set is not the one signed (its files were changed or added); refused");
        return set;
    }

    private static void Verify(string home, string version)
    {
        var folder = Path.Combine(Folder(home), version);
        if (!Directory.Exists(folder)) throw new FileNotFoundException($"{folder}: no rule set version {version} in this node", folder);
        var manifestPath = Path.Combine(folder, ManifestFile);
        var signaturePath = Path.Combine(folder, SignatureFile);
        if (!File.Exists(manifestPath) || !File.Exists(signaturePath))
            throw new InvalidDataException($"{folder}: the stored rule set has no {ManifestFile} or {SignatureFile}; refused");
        var bytes = File.ReadAllBytes(manifestPath);
        byte[] signature;
        try
        {
            signature = Convert.FromBase64String(File.ReadAllText(signaturePath).Trim());
        }
        catch (FormatException)
        {
            throw new InvalidDataException($"{signaturePath}: not a base64 signature; the stored rule set is refused");
        }
        using (var key = NodeKeys.LoadSigningKey(home))
        {
            if (!key.VerifyData(bytes, signature, HashAlgorithmName.SHA256))
                throw new InvalidDataException($"{manifestPath}: the signature does not match (changed after it was signed, or not signed by this node's key); the stored rule set is refused");
        }
        var manifest = JsonNode.Parse(bytes)!.AsObject();
        foreach (var file in manifest["files"]!.AsArray())
        {
            var relative = file!["path"]!.GetValue<string>();
            var path = Path.Combine(folder, relative);
            var actual = File.Exists(path) ? Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))) : "missing";
            if (actual != file["sha256"]!.GetValue<string>())
                throw new InvalidDataException($"{path}: the file is not the one signed (sha256 {actual}); the stored rule set is refused");
        }
    }

    private static JsonObject ReadManifest(string folder)
    {
        var path = Path.Combine(folder, ManifestFile);
        try
        {
            return JsonNode.Parse(File.ReadAllBytes(path))?.AsObject() ?? throw new InvalidDataException($"{path}: empty manifest");
        }
        catch (Exception e) when (e is JsonException or IOException or InvalidOperationException)
        {
            throw new InvalidDataException($"{path}: not a rule set manifest ({e.Message})", e);
        }
    }

    /// <summary>The stored versions, oldest activation first, marking the one in service (manifests only; <see cref="Load"/> verifies).</summary>
    public static IReadOnlyList<StoredRuleSet> List(string home)
    {
        var root = Folder(home);
        if (!Directory.Exists(root)) return [];
        var inService = InServiceVersion(home);
        var list = new List<StoredRuleSet>();
        foreach (var folder in Directory.GetDirectories(root))
        {
            var version = Path.GetFileName(folder);
            if (version.StartsWith('.') || !File.Exists(Path.Combine(folder, ManifestFile))) continue;
            var m = ReadManifest(folder);
            list.Add(new StoredRuleSet(version, m["name"]?.GetValue<string>() ?? "", m["digest"]?.GetValue<string>() ?? "",
                DateTimeOffset.Parse(m["activatedAt"]?.GetValue<string>() ?? "0001-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture),
                m["signer"]?.GetValue<string>() ?? "", m["rules"]?.GetValue<int>() ?? 0, m["tests"]?.GetValue<int>() ?? 0, version == inService));
        }
        return [.. list.OrderBy(s => s.ActivatedAt)];
    }
}
