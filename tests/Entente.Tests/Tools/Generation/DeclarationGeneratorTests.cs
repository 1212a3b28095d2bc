using Entente.Declarations;
using Entente.Tools.Generation;

namespace Entente.Tests.Tools.Generation;

public class DeclarationGeneratorTests
{
    [Fact]
    public void Every_generated_declaration_passes_validation()
    {
        foreach (var record in new DeclarationGenerator(seed: 7).Generate(2_000))
        {
            var problems = DeclarationValidator.Validate(record.Declaration!);
            Assert.True(problems.Count == 0, $"{record.Declaration!.Lrn}: {string.Join("; ", problems)}");
        }
    }

    [Fact]
    public void The_same_seed_gives_the_same_declarations()
    {
        var first = new DeclarationGenerator(seed: 11).Generate(50).Select(r => EntenteJson.Serialize(r.Declaration!)).ToList();
        var second = new DeclarationGenerator(seed: 11).Generate(50).Select(r => EntenteJson.Serialize(r.Declaration!)).ToList();
        var other = new DeclarationGenerator(seed: 12).Generate(50).Select(r => EntenteJson.Serialize(r.Declaration!)).ToList();
        Assert.Equal(first, second);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public void Local_references_are_unique()
    {
        var lrns = new DeclarationGenerator(seed: 3).Generate(5_000).Select(r => r.Declaration!.Lrn).ToList();
        Assert.Equal(lrns.Count, lrns.Distinct().Count());
    }

    [Fact]
    public void Labels_carry_a_learnable_pattern_at_a_realistic_rate()
    {
        var records = new DeclarationGenerator(seed: 5).Generate(10_000).ToList();
        var fraudRate = records.Count(r => r.Labels!.Fraud) / (double)records.Count;
        Assert.InRange(fraudRate, 0.05, 0.35);

        // Risky origins carry more fraud than the rest: a targeting model has something to find.
        static bool Risky(Declaration d) => d.GoodsShipment.GoodsItems.Any(i => i.OriginCountryCode is "AE" or "BY" or "ID");
        var risky = records.Where(r => Risky(r.Declaration!)).ToList();
        var rest = records.Where(r => !Risky(r.Declaration!)).ToList();
        Assert.True(risky.Count(r => r.Labels!.Fraud) / (double)risky.Count > 1.5 * rest.Count(r => r.Labels!.Fraud) / rest.Count);
    }
}
