using System.Diagnostics;
using System.Text.Json.Nodes;
using Entente.Conformance;
using Entente.Tests.Support;

namespace Entente.Tests.Conformance;

/// <summary>
/// The open conformance vectors (issue 14, item 9): test-vectors/ is made by this implementation, still verifies with
/// it (valid ones valid, invalid ones refused with the stated reason), and its deterministic parts are what the
/// generator makes today. Regenerate: ENTENTE_UPDATE_VECTORS=1 and these tests.
/// </summary>
public sealed class TestVectorsTests
{
    public static string Folder => Path.Combine(SharedData.RepositoryRoot, "test-vectors");

    private const string Regenerate = "ENTENTE_UPDATE_VECTORS=1 dotnet test tests/Entente.Tests -c Release --filter \"FullyQualifiedName~TestVectorsTests\"";

    private static Dictionary<string, JsonObject> Committed()
    {
        if (Environment.GetEnvironmentVariable("ENTENTE_UPDATE_VECTORS") is "1" or "fresh") Update();
        return VectorCheck.Read(Folder);
    }

    private static readonly Lock Updating = new();
    private static bool s_updated;

    /// <summary>Writes fresh vectors (new signatures) with the committed test keys, or new test keys when there are none.</summary>
    private static void Update()
    {
        lock (Updating)
        {
            if (s_updated) return;
            var keysFile = Path.Combine(Folder, "keys.json");
            using var keys = File.Exists(keysFile) ? VectorKeys.FromJson(JsonNode.Parse(File.ReadAllText(keysFile))!) : VectorKeys.Create(TestVectors.Made);
            // "1" keeps the signed artifacts of the vectors already there (new ones are added); "fresh" signs everything again.
            var previous = Environment.GetEnvironmentVariable("ENTENTE_UPDATE_VECTORS") == "fresh" ? null : ReadExisting();
            VectorCheck.Write(Folder, TestVectors.Generate(keys, previous));
            s_updated = true;
        }
    }

    private static Dictionary<string, JsonObject> ReadExisting() =>
        TestVectors.Files.Where(f => File.Exists(Path.Combine(Folder, f)))
            .ToDictionary(f => f, f => (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(Folder, f)))!, StringComparer.Ordinal);

    [Fact]
    public void Every_committed_vector_gets_its_stated_verdict_from_the_implementation()
    {
        var results = VectorCheck.Check(Committed());
        Assert.True(results.Count > 50, $"only {results.Count} vectors");
        var failed = results.Where(r => !r.Passed).Select(r => $"{r.File} {r.Name}: expected {r.Expected}, got {r.Actual} ({r.Detail})").ToList();
        Assert.True(failed.Count == 0, string.Join("\n", failed));
        // Both kinds are there for every artefact the protocol signs.
        foreach (var file in new[] { "envelopes.json", "receipts.json", "refusals.json", "batches.json", "checkpoints.json", "payloads.json" })
        {
            Assert.Contains(results, r => r.File == file && r.Expected == "valid");
            Assert.Contains(results, r => r.File == file && r.Expected.StartsWith("invalid:", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void The_generator_makes_the_committed_vectors_again_from_their_signed_parts()
    {
        var committed = Committed();
        using var keys = VectorKeys.FromJson(committed["keys.json"]);
        var generated = TestVectors.Generate(keys, committed);
        foreach (var (name, json) in generated)
        {
            Assert.True(VectorCheck.Format(json) == VectorCheck.Format(committed[name]),
                $"test-vectors/{name} differs from what the implementation makes now; if the protocol changed on purpose, update docs/protocol.md and regenerate: {Regenerate}");
        }
    }

    [Fact]
    public void A_damaged_vector_is_caught()
    {
        var files = Committed();
        var envelopes = (JsonArray)files["envelopes.json"]["vectors"]!;
        var valid = envelopes.Single(v => (string)v!["name"]! == "valid")!;
        var bytes = Convert.FromBase64String((string)valid["envelope"]!);
        bytes[bytes.Length / 2] ^= 0x01;
        valid["envelope"] = Convert.ToBase64String(bytes);
        var checkpoint = ((JsonArray)files["checkpoints.json"]["vectors"]!).Single(v => (string)v!["name"]! == "changed-root")!;
        checkpoint["expected"]!["reason"] = "malformed";
        var results = VectorCheck.Check(files);
        Assert.False(results.Single(r => r.File == "envelopes.json" && r.Name == "valid").Passed);
        Assert.False(results.Single(r => r.File == "checkpoints.json" && r.Name == "changed-root").Passed);
    }

    [Fact]
    public void The_vector_keys_are_marked_as_test_keys_and_match_their_certificates()
    {
        var keys = Committed()["keys.json"];
        Assert.Contains("TEST KEYS ONLY", (string)keys["warning"]!, StringComparison.Ordinal);
        using var parsed = VectorKeys.FromJson(keys);
        foreach (var node in parsed.Nodes.Values)
        {
            Assert.Equal(node.Spki, node.Certificate.PublicKey.ExportSubjectPublicKeyInfo());
            Assert.Equal(node.Code, node.Certificate.GetNameInfo(System.Security.Cryptography.X509Certificates.X509NameType.SimpleName, false));
        }
    }

    [PythonCborFact]
    public void The_independent_python_verifier_agrees_with_every_vector()
    {
        Committed();
        var script = Path.Combine(SharedData.RepositoryRoot, "tests", "conformance-python", "verify_vectors.py");
        var start = new ProcessStartInfo(PythonCborFactAttribute.Python, [script, Folder]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(2)), "the Python verifier did not finish in 2 minutes");
        Assert.True(process.ExitCode == 0, $"verify_vectors.py failed ({process.ExitCode}):\n{output.Result}\n{error.Result}");
        Assert.Contains(" 0 failed", output.Result, StringComparison.Ordinal);
    }
}

/// <summary>A fact that runs only when /usr/bin/python3 with cbor2 and cryptography is installed (./test.sh installs python3-cbor2).</summary>
public sealed class PythonCborFactAttribute : FactAttribute
{
    public const string Python = "/usr/bin/python3";

    private static readonly Lazy<string?> Missing = new(() =>
    {
        if (!File.Exists(Python)) return $"{Python} is not installed";
        try
        {
            using var process = Process.Start(new ProcessStartInfo(Python, ["-c", "import cbor2, cryptography"]) { RedirectStandardError = true })!;
            process.StandardError.ReadToEnd();
            process.WaitForExit(30_000);
            return process.ExitCode == 0 ? null : $"{Python} lacks cbor2 or cryptography (apt-get install python3-cbor2 python3-cryptography)";
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return $"{Python} cannot run: {e.Message}";
        }
    });

    public PythonCborFactAttribute()
    {
        if (Missing.Value is { } reason) Skip = "the independent Python verifier is skipped: " + reason;
    }
}
