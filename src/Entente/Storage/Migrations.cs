using System.Globalization;

namespace Entente.Storage;

internal sealed record Migration(int Version, string Name, string Sql);

/// <summary>
/// The versioned schema scripts each feature keeps beside it, embedded from FEATURE/Migrations/NNNN_name.PROVIDER.sql
/// (PROVIDER: sqlite, postgres). Versions are one sequence across features, applied in order by one runner
/// (<see cref="NodeDatabase.MigrateAsync"/>). To change the schema, add the next-numbered file for both providers beside
/// the feature that owns the tables; never edit an applied one.
/// </summary>
internal static class Migrations
{
    private const string Prefix = "Entente.Migrations.";

    /// <summary>The scripts of one provider ("sqlite", "postgres"), in version order.</summary>
    public static IReadOnlyList<Migration> For(string provider)
    {
        var assembly = typeof(Migrations).Assembly;
        var suffix = "." + provider + ".sql";
        var found = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(Prefix, StringComparison.Ordinal) || !resource.EndsWith(suffix, StringComparison.Ordinal)) continue;
            var file = resource[Prefix.Length..^suffix.Length];
            var underscore = file.IndexOf('_', StringComparison.Ordinal);
            if (underscore <= 0 || !int.TryParse(file[..underscore], NumberStyles.None, CultureInfo.InvariantCulture, out var version))
                throw new InvalidOperationException($"migration '{resource}' is not named NNNN_name.{provider}.sql");
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            found.Add(new Migration(version, file[(underscore + 1)..], reader.ReadToEnd()));
        }
        found.Sort((a, b) => a.Version.CompareTo(b.Version));
        for (var i = 1; i < found.Count; i++)
        {
            if (found[i].Version == found[i - 1].Version)
                throw new InvalidOperationException($"two {provider} migrations have version {found[i].Version}");
        }
        if (found.Count == 0) throw new InvalidOperationException($"no embedded migrations for {provider}");
        return found;
    }
}
