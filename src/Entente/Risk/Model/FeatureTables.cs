using System.Text.Json;
using System.Text.Json.Serialization;

namespace Entente.Risk.Model;

/// <summary>Past declarations of one value of a grouping (one importer, one HS subheading...): how many, how many fraud, how many critical.</summary>
internal struct History
{
    public int Count;
    public int Fraud;
    public int Critical;
}

/// <summary>Log unit values (price per kg) seen for one group (HS subheading × origin...): count, sum and sum of squares.</summary>
internal struct UnitValueNorm
{
    public int Count;
    public double Sum;
    public double SumSquares;
}

/// <summary>
/// The statistics fitted on training data only and saved with the model: the history of every value of every
/// grouping (fraud and critical counts) and the unit-value norms per HS code and origin.
/// </summary>
internal sealed class FeatureTables
{
    public required double BaseRate { get; init; }

    public required double CriticalRate { get; init; }

    /// <summary>Pseudo-count m of the m-estimate: a value with n past declarations and f frauds has rate (f + m·prior) / (n + m).</summary>
    public required double Smoothing { get; init; }

    /// <summary>National data elements (Declaration.NationalData keys) seen in training, each treated as a grouping.</summary>
    public required string[] NationalKeys { get; init; }

    public required Dictionary<string, Dictionary<string, History>> Histories { get; init; }

    public required Dictionary<string, Dictionary<string, UnitValueNorm>> Norms { get; init; }

    public History Lookup(string grouping, string? value) =>
        value is not null && Histories.TryGetValue(grouping, out var table) && table.TryGetValue(value, out var h) ? h : default;

    public UnitValueNorm Norm(string grouping, string? value) =>
        value is not null && Norms.TryGetValue(grouping, out var table) && table.TryGetValue(value, out var n) ? n : default;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    public void Save(string path)
    {
        var file = new TablesFile
        {
            BaseRate = BaseRate,
            CriticalRate = CriticalRate,
            Smoothing = Smoothing,
            NationalKeys = NationalKeys,
            Histories = Histories.ToDictionary(t => t.Key, t => new HistoryColumns
            {
                Values = [.. t.Value.Keys],
                Count = [.. t.Value.Values.Select(h => h.Count)],
                Fraud = [.. t.Value.Values.Select(h => h.Fraud)],
                Critical = [.. t.Value.Values.Select(h => h.Critical)],
            }),
            Norms = Norms.ToDictionary(t => t.Key, t => new NormColumns
            {
                Values = [.. t.Value.Keys],
                Count = [.. t.Value.Values.Select(n => n.Count)],
                Sum = [.. t.Value.Values.Select(n => n.Sum)],
                SumSquares = [.. t.Value.Values.Select(n => n.SumSquares)],
            }),
        };
        using var stream = File.Create(path);
        JsonSerializer.Serialize(stream, file, Json);
    }

    public static FeatureTables Load(string path)
    {
        TablesFile? file;
        try
        {
            using var stream = File.OpenRead(path);
            file = JsonSerializer.Deserialize<TablesFile>(stream, Json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: line {(e.LineNumber ?? 0) + 1}: not a feature-tables file ({e.Message})", e);
        }
        if (file?.Histories is null || file.Norms is null || file.NationalKeys is null)
            throw new InvalidDataException($"{path}: expected the fields baseRate, criticalRate, smoothing, nationalKeys, histories and norms");
        var histories = new Dictionary<string, Dictionary<string, History>>(StringComparer.Ordinal);
        foreach (var (name, c) in file.Histories)
        {
            if (c.Count.Length != c.Values.Length || c.Fraud.Length != c.Values.Length || c.Critical.Length != c.Values.Length)
                throw new InvalidDataException($"{path}: histories.{name}: values, count, fraud and critical must have the same length");
            var table = new Dictionary<string, History>(c.Values.Length, StringComparer.Ordinal);
            for (var i = 0; i < c.Values.Length; i++) table[c.Values[i]] = new History { Count = c.Count[i], Fraud = c.Fraud[i], Critical = c.Critical[i] };
            histories[name] = table;
        }
        var norms = new Dictionary<string, Dictionary<string, UnitValueNorm>>(StringComparer.Ordinal);
        foreach (var (name, c) in file.Norms)
        {
            if (c.Count.Length != c.Values.Length || c.Sum.Length != c.Values.Length || c.SumSquares.Length != c.Values.Length)
                throw new InvalidDataException($"{path}: norms.{name}: values, count, sum and sumSquares must have the same length");
            var table = new Dictionary<string, UnitValueNorm>(c.Values.Length, StringComparer.Ordinal);
            for (var i = 0; i < c.Values.Length; i++) table[c.Values[i]] = new UnitValueNorm { Count = c.Count[i], Sum = c.Sum[i], SumSquares = c.SumSquares[i] };
            norms[name] = table;
        }
        return new FeatureTables
        {
            BaseRate = file.BaseRate,
            CriticalRate = file.CriticalRate,
            Smoothing = file.Smoothing,
            NationalKeys = file.NationalKeys,
            Histories = histories,
            Norms = norms,
        };
    }

    private sealed class TablesFile
    {
        public double BaseRate { get; set; }
        public double CriticalRate { get; set; }
        public double Smoothing { get; set; }
        public string[]? NationalKeys { get; set; }
        public Dictionary<string, HistoryColumns>? Histories { get; set; }
        public Dictionary<string, NormColumns>? Norms { get; set; }
    }

    private sealed class HistoryColumns
    {
        public string[] Values { get; set; } = [];
        public int[] Count { get; set; } = [];
        public int[] Fraud { get; set; } = [];
        public int[] Critical { get; set; } = [];
    }

    private sealed class NormColumns
    {
        public string[] Values { get; set; } = [];
        public int[] Count { get; set; } = [];
        public double[] Sum { get; set; } = [];
        public double[] SumSquares { get; set; } = [];
    }
}
