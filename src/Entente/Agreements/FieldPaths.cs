namespace Entente.Agreements;

/// <summary>Paths over the canonical declaration JSON: "/a/b/*/c", where "*" stands for any one segment (an array index or a key).</summary>
public static class FieldPaths
{
    public const int MaxLength = 512;
    public const int MaxSegments = 32;

    public static string[] Split(string path) => path.Length <= 1 ? [] : path[1..].Split('/');

    /// <summary>Why <paramref name="path"/> is not a field path, or null when it is one.</summary>
    public static string? Problem(string path)
    {
        if (path.Length == 0 || path[0] != '/') return "a field path starts with '/' (e.g. /goodsShipment/goodsItems/*/classification/code)";
        if (path.Length > MaxLength) return $"a field path has at most {MaxLength} characters";
        var segments = Split(path);
        if (segments.Length == 0) return "the whole document is not a field; name a field under it";
        if (segments.Length > MaxSegments) return $"a field path has at most {MaxSegments} segments";
        if (segments.Any(s => s.Length == 0)) return "a field path has no empty segment ('//' or a trailing '/')";
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
}
