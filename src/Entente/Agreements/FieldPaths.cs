using System.Collections.Concurrent;

namespace Entente.Agreements;

/// <summary>Paths over the canonical declaration JSON: "/a/b/*/c", where "*" stands for any one segment (an array index or a key).</summary>
public static class FieldPaths
{
    public const int MaxLength = 512;
    public const int MaxSegments = 32;

    public static string[] Split(string path) => path.Length <= 1 ? [] : path[1..].Split('/');

    /// <summary>Why <paramref name="path"/> is not a field path, or null when it is one.</summary>
    public static string? Problem(string path) => Problem(path, out _);

    /// <summary>Why <paramref name="path"/> is not a field path, or null when it is one; its segments when it starts with '/'.</summary>
    internal static string? Problem(string path, out string[] segments)
    {
        segments = [];
        if (path.Length == 0 || path[0] != '/') return "a field path starts with '/' (e.g. /goodsShipment/goodsItems/*/classification/code)";
        if (path.Length > MaxLength) return $"a field path has at most {MaxLength} characters";
        segments = Split(path);
        if (segments.Length == 0) return "the whole document is not a field; name a field under it";
        if (segments.Length > MaxSegments) return $"a field path has at most {MaxSegments} segments";
        foreach (var s in segments)
            if (s.Length == 0) return "a field path has no empty segment ('//' or a trailing '/')";
        return null;
    }

    /// <summary>True when <paramref name="pattern"/> names <paramref name="field"/> or one of its ancestors ("*" in the pattern matches any segment).</summary>
    public static bool Covers(string[] pattern, string[] field)
    {
        if (pattern.Length > field.Length) return false;
        for (var i = 0; i < pattern.Length; i++)
        {
            if (pattern[i] != "*" && pattern[i] != field[i]) return false;
        }
        return true;
    }

    /// <summary>True when some concrete field could be named by both paths ("*" on either side matches any segment).</summary>
    public static bool Overlap(string[] a, string[] b)
    {
        var n = Math.Min(a.Length, b.Length);
        for (var i = 0; i < n; i++)
        {
            if (a[i] != "*" && b[i] != "*" && a[i] != b[i]) return false;
        }
        return true;
    }

    // Segment ids let the policy decision compare paths as integers: every segment of an agreement's patterns gets
    // one when the pattern is built; a requested segment no pattern uses maps to Unknown, which equals nothing.
    // The table holds only pattern segments (bounded by the agreements a node has read), never requested ones.
    internal const int Wildcard = 0;
    internal const int Unknown = -1;
    private static readonly ConcurrentDictionary<string, int> Ids = new(StringComparer.Ordinal) { ["*"] = Wildcard };
    private static int lastId;

    internal static int[] PatternIds(string[] segments)
    {
        var ids = new int[segments.Length];
        for (var i = 0; i < ids.Length; i++)
            ids[i] = Ids.TryGetValue(segments[i], out var id) ? id : Ids.GetOrAdd(segments[i], _ => Interlocked.Increment(ref lastId));
        return ids;
    }

    internal static int[] FieldIds(string[] segments)
    {
        var ids = new int[segments.Length];
        for (var i = 0; i < ids.Length; i++) ids[i] = Ids.TryGetValue(segments[i], out var id) ? id : Unknown;
        return ids;
    }

    /// <summary><see cref="Covers(string[], string[])"/> over segment ids.</summary>
    internal static bool Covers(int[] pattern, int[] field)
    {
        if (pattern.Length > field.Length) return false;
        for (var i = 0; i < pattern.Length; i++)
        {
            if (pattern[i] != Wildcard && pattern[i] != field[i]) return false;
        }
        return true;
    }

    /// <summary><see cref="Overlap(string[], string[])"/> over segment ids.</summary>
    internal static bool Overlap(int[] a, int[] b)
    {
        var n = Math.Min(a.Length, b.Length);
        for (var i = 0; i < n; i++)
        {
            if (a[i] != Wildcard && b[i] != Wildcard && a[i] != b[i]) return false;
        }
        return true;
    }
}

/// <summary>
/// A category rule's disclosed and transformed patterns as segment ids, the most restrictive treatment first, and
/// grouped by first segment so that a field is tried only against the patterns that can cover it.
/// </summary>
internal sealed class FieldMatcher
{
    private readonly int[][] patterns;
    private readonly Treatment[] treatments;
    private readonly Dictionary<int, int[]> byFirstSegment = [];
    private readonly int[] wildcardFirst;

    public FieldMatcher(IReadOnlyList<FieldPattern> disclose, IReadOnlyList<FieldTransform> transforms)
    {
        var entries = new List<(int[] Ids, Treatment Treatment)>(disclose.Count + transforms.Count);
        foreach (var t in transforms) entries.Add((t.Field.SegmentIds, t.Treatment));
        foreach (var d in disclose) entries.Add((d.SegmentIds, Treatment.Disclose));
        entries.Sort(static (a, b) => b.Treatment.CompareTo(a.Treatment));
        patterns = new int[entries.Count][];
        treatments = new Treatment[entries.Count];
        for (var i = 0; i < entries.Count; i++) (patterns[i], treatments[i]) = entries[i];

        bool AnyFirst(int e) => patterns[e].Length == 0 || patterns[e][0] == FieldPaths.Wildcard;
        var all = Enumerable.Range(0, patterns.Length).ToArray();
        wildcardFirst = all.Where(AnyFirst).ToArray();
        foreach (var first in all.Where(e => !AnyFirst(e)).Select(e => patterns[e][0]).Distinct())
            byFirstSegment[first] = all.Where(e => AnyFirst(e) || patterns[e][0] == first).ToArray();
    }

    /// <summary>The most restrictive treatment among the entries that cover <paramref name="field"/>, or null when none does.</summary>
    public Treatment? TreatmentOf(int[] field)
    {
        var candidates = field.Length > 0 && byFirstSegment.TryGetValue(field[0], out var some) ? some : wildcardFirst;
        foreach (var e in candidates)
            if (FieldPaths.Covers(patterns[e], field)) return treatments[e];
        return null;
    }
}
