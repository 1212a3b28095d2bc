using Entente.Declarations;
using Entente.Risk.Model;
using Entente.Tools.Generation;

namespace Entente.Tests.Risk.Model;

public sealed class RiskModelTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 10, 0, 0, TimeSpan.Zero);
    private static readonly BoostingOptions Small = new() { Trees = 60, Leaves = 15, MinimumLeafCount = 10, LearningRate = 0.1, Threads = 1 };
    private readonly string _home = Path.Combine(Path.GetTempPath(), "entente-risk-model-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_home)) Directory.Delete(_home, recursive: true);
    }

    private static TrainingSet Generated(int count, int seed)
    {
        var set = new TrainingSet();
        set.Sources.Add("generator");
        foreach (var record in new DeclarationGenerator(seed).Generate(count)) set.Add(record.Declaration!, record.Labels!);
        return set;
    }

    private static readonly Lazy<RiskModel> Trained = new(() => RiskModelTrainer.Train(Generated(3000, 7), null, Small, seed: 3, Now));

    [Fact]
    public void The_model_card_says_what_it_was_trained_on_how_it_validated_and_what_it_reads()
    {
        var card = Trained.Value.Card;
        Assert.Equal("20261128-100000", card.Version);
        Assert.Equal("lightgbm", card.Trainer);
        Assert.Equal(3, card.Seed);
        Assert.Equal(60, card.Hyperparameters.Trees);
        Assert.Equal(3000, card.Training.Rows);
        Assert.InRange(card.Training.BaseRate, 0.01, 0.99);
        Assert.NotNull(card.Training.From);
        Assert.True(card.Training.To > card.Training.From);

        var validation = Assert.IsType<ValidationReport>(card.Validation);
        Assert.Equal(600, validation.Data.Rows);
        Assert.Contains("latest", validation.Source, StringComparison.Ordinal);
        Assert.Equal([1.0, 2, 5, 10], validation.AtRates.Select(m => m.RatePercent));
        Assert.InRange(validation.Auc, 0.5, 1.0);
        Assert.True(validation.PrecisionAt(5) > validation.Data.BaseRate, "the model should select better than the base rate on the generator's patterns");

        Assert.Contains(card.Features, f => f.Name == "hs6.fraud-rate");
        Assert.Contains(card.Features, f => f.Name == "importer.fraud-rate");
        Assert.Contains(card.Features, f => f.Name == "unit-value-vs-hs-origin-norm");
        Assert.Equal(1.0, card.Features.Sum(f => f.Importance), 2);
        Assert.True(card.Features[0].Importance >= card.Features[^1].Importance, "features are listed by importance");
    }

    [Fact]
    public void A_saved_model_loads_and_scores_exactly_as_before()
    {
        var model = Trained.Value;
        ModelRegistry.Save(_home, model, out var folder);
        Assert.True(File.Exists(Path.Combine(folder, RiskModel.CardFile)));
        var loaded = RiskModel.Load(folder);
        Assert.Equal(model.Version, loaded.Version);
        foreach (var record in new DeclarationGenerator(99).Generate(200))
            Assert.Equal(model.Probability(record.Declaration!), loaded.Probability(record.Declaration!));
    }

    [Fact]
    public void Feature_contributions_add_up_to_the_score_and_read_as_an_officer_would_say_them()
    {
        var model = Trained.Value;
        var generator = new DeclarationGenerator(11);
        Entente.Declarations.Declaration declaration;
        Entente.Declarations.InspectionLabels labels;
        do declaration = generator.Next(out labels);
        while (labels.Fraud || declaration.GoodsShipment.GoodsItems.Count != 1);
        var honest = model.Score(declaration);
        Assert.InRange(honest.Probability, 0, 1);

        // The same goods declared at a quarter of their price, as the generator's under-valuers do.
        foreach (var item in declaration.GoodsShipment.GoodsItems) item.ItemPrice = item.ItemPrice! with { Value = item.ItemPrice.Value / 4 };
        var undervalued = model.Score(declaration, reasons: 5);
        Assert.True(undervalued.Probability > honest.Probability, $"{undervalued.Probability} should exceed {honest.Probability}");
        Assert.Contains(undervalued.Reasons, r => r.Text.Contains("below the norm for HS", StringComparison.Ordinal));
        Assert.All(undervalued.Reasons, r => Assert.True(r.Contribution > 0));
        Assert.Equal(model.Probability(declaration), undervalued.Probability, 10);
    }

    [Fact]
    public void A_declaration_with_nothing_filled_in_is_scored_not_refused()
    {
        var score = Trained.Value.Score(new Declaration());
        Assert.InRange(score.Probability, 0, 1);
    }

    [Fact]
    public void A_model_worse_than_the_one_in_service_is_not_promoted_without_force()
    {
        var model = Trained.Value;
        var inService = new InService("20260101-000000", Now.AddDays(-30), model.Card.Validation!.PrecisionAt(5) + 0.05, Forced: false);

        var refused = ModelRegistry.Decide(model.Card, inService, force: false);
        Assert.False(refused.Promote);
        Assert.Contains("below", refused.Reason, StringComparison.Ordinal);
        Assert.Contains("--force", refused.Reason, StringComparison.Ordinal);

        Assert.True(ModelRegistry.Decide(model.Card, inService, force: true).Promote);
        Assert.True(ModelRegistry.Decide(model.Card, inService with { ValidationPrecisionAt5 = 0.1 }, force: false).Promote);
        Assert.True(ModelRegistry.Decide(model.Card, null, force: false).Promote);
    }

    [Fact]
    public async Task Risk_train_saves_a_version_puts_it_in_service_and_refuses_a_worse_one()
    {
        var home = Path.Combine(_home, "node");
        var (init, _, initError) = await Entente.Tests.Support.Cli.Run("node", "init", "--home", home, "--code", "KR", "--name", "Test customs");
        Assert.True(init == 0, initError);

        var (status, output, error) = await Entente.Tests.Support.Cli.Run("risk", "train", "--home", home, "--generated", "1500", "--trees", "40", "--threads", "1");
        Assert.True(status == 0, error);
        Assert.Contains("in service", output, StringComparison.Ordinal);
        var current = ModelRegistry.ReadInService(home)!;
        Assert.NotNull(ModelRegistry.LoadInService(home));

        // Claim the one in service validated perfectly: any new version is worse and must be refused.
        ModelRegistry.Promote(home, ModelRegistry.LoadInService(home)!.Card with { Validation = ModelRegistry.LoadInService(home)!.Card.Validation! with { AtRates = [new SelectionMetrics(5, 1, 1.0, 1, null, null)] } }, Now, forced: false);
        (status, output, _) = await Entente.Tests.Support.Cli.Run("risk", "train", "--home", home, "--generated", "1500", "--trees", "40", "--threads", "1", "--seed", "2");
        Assert.Equal(1, status);
        Assert.Contains("NOT promoted", output, StringComparison.Ordinal);
        Assert.Equal(current.Version, ModelRegistry.ReadInService(home)!.Version);
        Assert.Equal(2, Directory.GetDirectories(ModelRegistry.ModelsFolder(home)).Length);
    }
}
