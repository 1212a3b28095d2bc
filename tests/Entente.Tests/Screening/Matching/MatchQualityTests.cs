using Entente.Screening.Matching;
using Entente.Screening.Matching.Benchmark;

namespace Entente.Tests.Screening.Matching;

/// <summary>The shipped name-variant benchmark at the default thresholds: fails if matching quality regresses (docs/matching.md).</summary>
public class MatchQualityTests
{
    private static readonly IReadOnlyList<PrecisionRecall> Table = NameVariantBenchmark.Evaluate(
        WatchList.Build(NameVariantBenchmark.Watched()), NameVariantBenchmark.Cases(), [MatchingThresholds.Default.Person]);

    private static PrecisionRecall Segment(string name) => Table.Single(r => r.Segment == name);

    [Fact]
    public void Persons_with_birth_dates_reach_recall_098_at_precision_095()
    {
        var r = Segment(NameVariantBenchmark.PersonsWithBirthDate);
        Assert.True(r.Recall >= 0.98 && r.Precision >= 0.95, $"recall {r.Recall:0.000}, precision {r.Precision:0.000}");
    }

    [Fact]
    public void Persons_by_name_only_reach_recall_095_at_precision_090()
    {
        var r = Segment(NameVariantBenchmark.PersonsNameOnly);
        Assert.True(r.Recall >= 0.95 && r.Precision >= 0.90, $"recall {r.Recall:0.000}, precision {r.Precision:0.000}");
    }

    [Fact]
    public void Companies_reach_recall_095_at_precision_095()
    {
        var r = Segment(NameVariantBenchmark.Companies);
        Assert.True(r.Recall >= 0.95 && r.Precision >= 0.95, $"recall {r.Recall:0.000}, precision {r.Precision:0.000}");
    }

    [Fact]
    public void The_benchmark_covers_five_scripts_and_romanisation_families_and_has_look_alikes()
    {
        Assert.Superset(new HashSet<string> { "cyrillic", "arabic", "hangul", "han", "greek", "latin" }, NameVariantBenchmark.PersonFamilies.ToHashSet());
        var cases = NameVariantBenchmark.Cases();
        Assert.Contains(cases, c => c.Expected is null && c.Variant.Contains("other birth date"));
        Assert.Contains(cases, c => c.Expected is null && c.Variant.Contains("other country and identifier"));
        Assert.Contains(cases, c => c.Variant.Contains("typo"));
        Assert.Contains(cases, c => c.Variant.Contains("initial"));
        Assert.Contains(cases, c => c.Variant.Contains("reordered"));
        Assert.Equal(cases.Count, NameVariantBenchmark.Cases().Count);
    }
}
