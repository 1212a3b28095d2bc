using System.Collections.Frozen;
using System.Reflection;

namespace Entente.CodeLists;

/// <summary>The code lists shipped with Entente as data (CodeLists/Data/*.txt), loaded once.</summary>
public sealed class CodeLists
{
    public static CodeLists Default { get; } = Load();

    public required FrozenDictionary<string, string> Countries { get; init; }
    public required FrozenDictionary<string, string> Currencies { get; init; }
    public required FrozenDictionary<int, string> TransportModes { get; init; }
    public required FrozenDictionary<string, HsChapter> HsChapters { get; init; }
    public required FrozenDictionary<string, ClassificationScheme> ClassificationSchemes { get; init; }

    public bool IsCountry(string code) => Countries.ContainsKey(code);
    public bool IsCurrency(string code) => Currencies.ContainsKey(code);

    private static CodeLists Load() => new()
    {
        Countries = Rows("countries").ToFrozenDictionary(r => r[0], r => r[1], StringComparer.Ordinal),
        Currencies = Rows("currencies").ToFrozenDictionary(r => r[0], r => r[1], StringComparer.Ordinal),
        TransportModes = Rows("transport-modes").ToFrozenDictionary(r => int.Parse(r[0], System.Globalization.CultureInfo.InvariantCulture), r => r[1]),
        HsChapters = Rows("hs-chapters").ToFrozenDictionary(r => r[0], r => new HsChapter(r[0], r[1], r[2]), StringComparer.Ordinal),
        ClassificationSchemes = Rows("classification-schemes").ToFrozenDictionary(
            r => r[0],
            r => new ClassificationScheme(r[0], r[1].Split(',').Select(d => int.Parse(d, System.Globalization.CultureInfo.InvariantCulture)).ToArray(), r[2]),
            StringComparer.Ordinal),
    };

    private static IEnumerable<string[]> Rows(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"Entente.CodeLists.{name}.txt")
            ?? throw new InvalidOperationException($"code list {name} is not embedded");
        using var reader = new StreamReader(stream);
        var rows = new List<string[]>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line[0] == '#') continue;
            rows.Add(line.Split('\t'));
        }
        return rows;
    }
}

public sealed record HsChapter(string Chapter, string Section, string Title);

public sealed record ClassificationScheme(string Name, int[] Digits, string Title);
