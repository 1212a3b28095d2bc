using System.Globalization;

namespace Entente.Storage;

internal sealed record Migration(int Version, string Name, string Sql);

/// <summary>
/// The versioned schema scripts embedded from Storage/Migrations/&lt;provider&gt;/NNNN_name.sql.
/// To change the schema, add the next-numbered file under both provider folders; never edit an applied one.
/// </summary>
internal static class Migrations
{
    private const string Prefix = "Entente.Migrations.";

    /// <summary>The scripts of one provider folder ("sqlite", "postgres"), in version order.</summary>
    public static IReadOnlyList<Migration> For(string folder)
    {
        var assembly = typeof(Migrations).Assembly;
        var found = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(Prefix, StringComparison.Ordinal)) continue;
            // RecursiveDir keeps its separator: "Entente.Migrations.sqlite/0001_initial.sql".
            var rest = resource[Prefix.Length..];
            var slash = rest.IndexOfAny(['/', '\\']);
            if (slash < 0 || !string.Equals(rest[..slash], folder, StringComparison.Ordinal)) continue;
            var file = Path.GetFileNameWithoutExtension(rest[(slash + 1)..]);
            var underscore = file.IndexOf('_', StringComparison.Ordinal);
            if (underscore <= 0 || !int.TryParse(file[..underscore], NumberStyles.None, CultureInfo.InvariantCulture, out var version))
                throw new InvalidOperationException($"migration '{resource}' is not named NNNN_name.sql");
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            found.Add(new Migration(version, file[(underscore + 1)..], reader.ReadToEnd()));
        }
        found.Sort((a, b) => a.Version.CompareTo(b.Version));
        for (var i = 1; i < found.Count; i++)
        {
            if (found[i].Version == found[i - 1].Version)
                throw new InvalidOperationException($"two {folder} migrations have version {found[i].Version}");
        }
        if (found.Count == 0) throw new InvalidOperationException($"no embedded migrations for {folder}");
        return found;
    }
}
