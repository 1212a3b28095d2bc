using Entente.Declarations;
using Entente.Ingest;
using Entente.Ingest.Csv;

namespace Entente.Risk.Model;

/// <summary>
/// Labelled declarations to train or validate on, kept as the few facts the model reads (strings shared) so a
/// million rows fit in memory. Labels come from inspection outcomes or a file's label columns, never from the declaration.
/// </summary>
public sealed class TrainingSet
{
    internal List<RiskFacts> Facts { get; } = [];
    internal List<bool> Fraud { get; } = [];
    internal List<bool> Critical { get; } = [];
    private readonly Dictionary<string, string> _strings = new(StringComparer.Ordinal);

    public List<string> Sources { get; } = [];

    /// <summary>Records read without a declaration (unreadable rows), skipped.</summary>
    public int Skipped { get; internal set; }

    public int Count => Facts.Count;

    public void Add(Declaration declaration, InspectionLabels labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        Add(RiskFacts.Of(declaration), labels.Fraud, labels.CriticalFraud == 2);
    }

    internal void Add(RiskFacts facts, bool fraud, bool critical)
    {
        Intern(facts);
        Facts.Add(facts);
        Fraud.Add(fraud);
        Critical.Add(critical);
    }

    /// <summary>Reads every labelled row of a CSV through its mapping (the mapping's labels: section names the label columns).</summary>
    /// <exception cref="IngestFormatException">The file cannot be read; the error names the file and line.</exception>
    public static TrainingSet FromCsv(string path, CsvMapping mapping, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(mapping);
        if (mapping.Labels is null)
            throw new IngestFormatException(new IngestError(mapping.SourceFile, null, "labels", "the mapping has no labels: section naming the fraud column, so the file cannot train a model"));
        var set = new TrainingSet();
        set.Sources.Add(Path.GetFileName(path));
        using var stream = File.OpenRead(path);
        foreach (var record in new CsvReader(mapping).Read(stream, path, cancellationToken))
        {
            if (LabelError(record, mapping) is { } bad)
                throw new IngestFormatException(bad with { Message = $"the row's label cannot be read, so it cannot be trained on: {bad.Message}" });
            if (record.Declaration is null || record.Labels is null)
            {
                set.Skipped++;
                continue;
            }
            set.Add(record.Declaration, record.Labels);
        }
        return set;
    }

    /// <summary>The first problem the reader met in a label column of this record, if any.</summary>
    public static IngestError? LabelError(SourceRecord record, CsvMapping mapping)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(mapping);
        if (mapping.Labels is null) return new IngestError(mapping.SourceFile, null, "labels", "the mapping has no labels: section naming the fraud column");
        var columns = mapping.Labels.Columns.ToHashSet(StringComparer.Ordinal);
        var error = record.Errors.FirstOrDefault(e => columns.Contains(e.Path));
        if (error is null && record.Labels is null) return new IngestError(record.File, record.Line, mapping.Labels.Fraud, "no label read");
        return error;
    }

    public static TrainingSet Concat(TrainingSet first, TrainingSet second)
    {
        var set = new TrainingSet();
        set.Sources.AddRange(first.Sources);
        set.Sources.AddRange(second.Sources);
        set.Skipped = first.Skipped + second.Skipped;
        for (var i = 0; i < first.Count; i++) set.Add(first.Facts[i], first.Fraud[i], first.Critical[i]);
        for (var i = 0; i < second.Count; i++) set.Add(second.Facts[i], second.Fraud[i], second.Critical[i]);
        return set;
    }

    internal TrainingSet Subset(IEnumerable<int> rows, string source)
    {
        var set = new TrainingSet();
        set.Sources.Add(source);
        foreach (var i in rows) set.Add(Facts[i], Fraud[i], Critical[i]);
        return set;
    }

    /// <summary>Splits off the latest <paramref name="fraction"/> by date (file order among equal dates) as a holdout.</summary>
    internal (TrainingSet Earlier, TrainingSet Latest) SplitByTime(double fraction)
    {
        var order = Enumerable.Range(0, Count).OrderBy(i => Facts[i].Date ?? DateTimeOffset.MinValue).ThenBy(i => i).ToArray();
        var cut = (int)Math.Round(Count * (1 - fraction));
        var sources = string.Join("+", Sources);
        return (Subset(order[..cut], sources), Subset(order[cut..], $"latest {fraction:P0} of {sources} by date"));
    }

    public DataSummary Summary() => new(
        Sources,
        Facts.Where(f => f.Date is not null).Select(f => f.Date).Min(),
        Facts.Where(f => f.Date is not null).Select(f => f.Date).Max(),
        Count, Fraud.Count(f => f), Critical.Count(c => c), Count == 0 ? 0 : (double)Fraud.Count(f => f) / Count);

    private void Intern(RiskFacts f)
    {
        f.Hs = Shared(f.Hs)!;
        f.HsScheme = Shared(f.HsScheme);
        f.Origin = Shared(f.Origin);
        f.Departure = Shared(f.Departure);
        f.Importer = Shared(f.Importer);
        f.Declarant = Shared(f.Declarant);
        f.Seller = Shared(f.Seller);
        f.Courier = Shared(f.Courier);
        f.Exporter = Shared(f.Exporter);
        f.Office = Shared(f.Office);
        f.OriginType = Shared(f.OriginType);
        f.DutyType = Shared(f.DutyType);
        f.Currency = Shared(f.Currency);
        f.Procedure = Shared(f.Procedure);
        f.Mode = Shared(f.Mode);
        if (f.National.Count > 0)
        {
            var national = new Dictionary<string, string>(f.National.Count, StringComparer.Ordinal);
            foreach (var (key, value) in f.National) national[Shared(key)!] = Shared(value)!;
            f.National = national;
        }
    }

    private string? Shared(string? value)
    {
        if (value is null) return null;
        if (_strings.TryGetValue(value, out var shared)) return shared;
        _strings[value] = value;
        return value;
    }
}
