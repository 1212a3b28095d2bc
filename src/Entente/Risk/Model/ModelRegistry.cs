using System.Globalization;
using System.Text.Json;
using Entente.Ledger;

namespace Entente.Risk.Model;

/// <summary>The model version in service (HOME/risk/models/in-service.json).</summary>
public sealed record InService(string Version, DateTimeOffset Since, double ValidationPrecisionAt5, bool Forced);

/// <summary>Whether a new version may replace the one in service, and why.</summary>
public sealed record PromotionDecision(bool Promote, string Reason, bool Forced = false);

/// <summary>
/// Model versions under HOME/risk/models/&lt;version&gt;/ and the one in service. A version whose validation
/// precision@5 % is below the one in service is not promoted unless forced.
/// </summary>
public static class ModelRegistry
{
    public const string InServiceFile = "in-service.json";

    /// <summary>The ledger kind of a model put into service.</summary>
    public const string LedgerKind = LedgerKinds.RiskModelPromoted;

    public static string ModelsFolder(string home) => Path.Combine(home, "risk", "models");

    public static PromotionDecision Decide(ModelCard candidate, InService? current, bool force)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        var p5 = candidate.Validation?.PrecisionAt(5) ?? 0;
        if (current is null) return new(true, $"no model in service; {candidate.Version} has validation precision@5% {Format(p5)}");
        if (p5 >= current.ValidationPrecisionAt5)
            return new(true, $"validation precision@5% {Format(p5)} ≥ {Format(current.ValidationPrecisionAt5)} of {current.Version} in service");
        return force
            ? new(true, $"forced: validation precision@5% {Format(p5)} is below {Format(current.ValidationPrecisionAt5)} of {current.Version} in service", Forced: true)
            : new(false, $"validation precision@5% {Format(p5)} is below {Format(current.ValidationPrecisionAt5)} of {current.Version} in service; not promoted (--force to override)");
    }

    public static InService? ReadInService(string home)
    {
        var path = Path.Combine(ModelsFolder(home), InServiceFile);
        if (!File.Exists(path)) return null;
        try
        {
            return JsonSerializer.Deserialize<InService>(File.ReadAllText(path), ModelCard.Json)
                ?? throw new InvalidDataException($"{path}: empty");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: line {(e.LineNumber ?? 0) + 1}: expected {{version, since, validationPrecisionAt5, forced}} ({e.Message})", e);
        }
    }

    /// <summary>Saves a version in its own folder; a second version made in the same second gets a suffix (-2, -3...).</summary>
    public static RiskModel Save(string home, RiskModel model, out string folder)
    {
        ArgumentNullException.ThrowIfNull(model);
        var version = model.Version;
        for (var n = 2; Directory.Exists(Path.Combine(ModelsFolder(home), version)); n++) version = $"{model.Version}-{n}";
        if (version != model.Version) model = new RiskModel(model.Features, model.Ensemble, model.Card with { Version = version });
        folder = Path.Combine(ModelsFolder(home), version);
        var temporary = folder + ".partial";
        if (Directory.Exists(temporary)) Directory.Delete(temporary, recursive: true);
        model.Save(temporary);
        Directory.Move(temporary, folder);
        return model;
    }

    public static InService Promote(string home, ModelCard card, DateTimeOffset now, bool forced)
    {
        var entry = new InService(card.Version, now, card.Validation?.PrecisionAt(5) ?? 0, forced);
        var path = Path.Combine(ModelsFolder(home), InServiceFile);
        Directory.CreateDirectory(ModelsFolder(home));
        File.WriteAllText(path + ".tmp", JsonSerializer.Serialize(entry, ModelCard.Json));
        File.Move(path + ".tmp", path, overwrite: true);
        return entry;
    }

    /// <summary>The model in service, or null when none was promoted.</summary>
    public static RiskModel? LoadInService(string home) =>
        ReadInService(home) is { } current ? RiskModel.Load(Path.Combine(ModelsFolder(home), current.Version)) : null;

    private static string Format(double p) => p.ToString("0.000", CultureInfo.InvariantCulture);
}
