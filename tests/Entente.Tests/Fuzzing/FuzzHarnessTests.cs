using Entente.Agreements;
using Entente.Exchange;
using Entente.Fuzz;
using Entente.Ingest;
using Entente.Ingest.Csv;
using Entente.Ingest.Edifact;
using Entente.Ingest.Json;
using Entente.Ledger;
using Entente.Risk.Rules;
using Entente.Tests.Support;

namespace Entente.Tests.Fuzzing;

/// <summary>
/// The fuzzing harnesses (fuzz/Entente.Fuzz, run under afl-fuzz by scripts/fuzz) run here in process over their seed
/// corpora, so a harness or a seed cannot rot unnoticed: every target has seeds, every seed runs without an
/// exception escaping the harness, and the seeds made to be valid are read as such.
/// </summary>
public sealed class FuzzHarnessTests
{
    private static string Corpus(string target) => Path.Combine(SharedData.RepositoryRoot, "fuzz", "corpus", target);

    public static TheoryData<string> Targets() => [.. FuzzTargets.All.Select(t => t.Name)];

    [Theory]
    [MemberData(nameof(Targets))]
    public void Every_seed_of_every_target_runs_through_its_harness(string target)
    {
        var harness = FuzzTargets.Find(target)!;
        var seeds = Directory.Exists(Corpus(target)) ? Directory.GetFiles(Corpus(target)) : [];
        Assert.True(seeds.Length > 0, $"fuzz/corpus/{target} has no seed");
        foreach (var seed in seeds)
        {
            var escaped = Record.Exception(() => harness.Run(File.ReadAllBytes(seed)));
            Assert.True(escaped is null, $"{seed}: {escaped}");
        }
    }

    [Fact]
    public void The_targets_cover_every_parser_the_issue_names()
    {
        Assert.Equal(
            ["wco-xml", "edifact", "csv", "json", "mapping-yaml", "agreement-yaml", "rules", "envelope", "receipt", "checkpoint", "cbor-batch"],
            FuzzTargets.All.Select(t => t.Name));
        Assert.Equal(FuzzTargets.All.Select(t => t.Name).Order(), Directory.GetDirectories(Path.Combine(SharedData.RepositoryRoot, "fuzz", "corpus")).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void The_generated_seeds_are_valid_inputs_so_the_fuzzer_starts_deep_in_each_parser()
    {
        var keys = FuzzFixtures.Keys;
        var envelope = File.ReadAllBytes(Path.Combine(Corpus("envelope"), "declaration.cose"));
        var (_, header, _) = Envelope.Read(envelope);
        var opened = Envelope.Open(envelope, header.Recipient, keys.RecipientEncryption, _ => (keys.Sender, keys.SenderKeyId), header.CreatedAt);
        Assert.IsType<EnvelopeOpening.Opened>(opened);

        var receipt = Receipt.Verify(File.ReadAllBytes(Path.Combine(Corpus("receipt"), "receipt.cose")), keys.Recipient);
        Assert.Equal(header.MessageId, receipt.MessageId);

        Assert.Equal(2, ExchangeWire.DecodeBatch(File.ReadAllBytes(Path.Combine(Corpus("cbor-batch"), "two-envelopes.cbor"))).Count);
        var (checkpoint, problem) = Checkpoint.Open(File.ReadAllText(Path.Combine(Corpus("checkpoint"), "signed.txt")), keys.LogSpki);
        Assert.True(checkpoint is not null, problem);

        foreach (var rules in Directory.GetFiles(Corpus("rules")))
            RuleSetCompiler.Compile([new RuleSetFileContent(Path.GetFileName(rules), File.ReadAllBytes(rules))], r => throw new FileNotFoundException(r));
        Assert.NotNull(AgreementDocument.Parse(File.ReadAllText(Path.Combine(Corpus("agreement-yaml"), "bilateral.yaml")), "bilateral.yaml"));
        foreach (var mapping in Directory.GetFiles(Corpus("mapping-yaml")))
            Assert.NotNull(CsvMapping.Parse(File.ReadAllText(mapping), mapping));

        foreach (var (target, reader) in new (string, IDeclarationReader)[]
                 {
                     ("json", new JsonDeclarationReader()), ("edifact", new CusdecReader("EUR")),
                     ("csv", new CsvReader(FuzzFixtures.CsvMapping)),
                 })
        {
            foreach (var seed in Directory.GetFiles(Corpus(target)))
            {
                using var stream = File.OpenRead(seed);
                var records = reader.Read(stream, seed).ToList();
                Assert.NotEmpty(records);
                Assert.All(records, r => Assert.True(r.Declaration is not null && r.Errors.Count == 0, $"{seed} {r.RecordPath}: {string.Join("; ", r.Errors)}"));
            }
        }
    }
}
