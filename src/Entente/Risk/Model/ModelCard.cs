using System.Text.Json;
using System.Text.Json.Serialization;

namespace Entente.Risk.Model;

/// <summary>What a model version was trained on, how it did on validation, and what it looks at (saved as model-card.json).</summary>
public sealed record ModelCard
{
    public required string Version { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>"lightgbm" or "fasttree" (ML.NET 5.0.1), compiled into Entente's own tree walker for scoring.</summary>
    public required string Trainer { get; init; }

    public required BoostingOptions Hyperparameters { get; init; }

    public required int Seed { get; init; }

    public required DataSummary Training { get; init; }

    public ValidationReport? Validation { get; init; }

    public required IReadOnlyList<FeatureImportance> Features { get; init; }

    public double TrainingSeconds { get; init; }

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static ModelCard Load(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<ModelCard>(File.ReadAllText(path), Json)
                ?? throw new InvalidDataException($"{path}: empty model card");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: line {(e.LineNumber ?? 0) + 1}: not a model card ({e.Message})", e);
        }
    }
}

public sealed record DataSummary(IReadOnlyList<string> Sources, DateTimeOffset? From, DateTimeOffset? To, int Rows, int Fraud, int CriticalFraud, double BaseRate);

/// <summary>Metrics on rows the model did not train on: a later period (time-ordered holdout) or a named validation file.</summary>
public sealed record ValidationReport(string Source, DataSummary Data, IReadOnlyList<SelectionMetrics> AtRates, double Auc)
{
    public double PrecisionAt(double ratePercent) => AtRates.FirstOrDefault(m => m.RatePercent == ratePercent)?.Precision ?? 0;
}

public sealed record FeatureImportance(string Name, double Importance);
