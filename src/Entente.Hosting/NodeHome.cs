using System.Text.Json;
using System.Text.Json.Nodes;
using Entente.Access;
using Entente.Identity;
using Entente.Storage;
using Microsoft.Extensions.Configuration;

namespace Entente.Hosting;

/// <summary>A node's home folder: entente.json (settings), entente.db (the SQLite store by default), mappings/.</summary>
public static class NodeHome
{
    public const string ConfigFile = "entente.json";

    public static string ConfigPath(string home) => Path.Combine(home, ConfigFile);

    public static bool Exists(string home) => File.Exists(ConfigPath(home));

    /// <summary>Creates the home, its settings and database, and the first administrator. Returns that user's API key (shown once).</summary>
    public static async Task<string> InitAsync(NodeOptions options, TimeProvider time, CancellationToken cancellationToken = default)
    {
        var problems = Validate(options);
        if (problems.Count > 0) throw new ArgumentException(string.Join("; ", problems));
        if (Exists(options.Home)) throw new InvalidOperationException($"{ConfigPath(options.Home)} exists already: this folder is a node's home");

        Directory.CreateDirectory(options.Home);
        Directory.CreateDirectory(options.MappingsPath);
        NodeKeys.CreateSigningKey(options.Home).Dispose();
        NodeKeys.CreateSubjectKey(options.Home);
        NodeIdentity.CreateMissing(options.Home, options.Code, options.Name, time);
        var settings = new JsonObject
        {
            [NodeOptions.Section] = new JsonObject
            {
                ["Code"] = options.Code,
                ["Name"] = options.Name,
                ["CreatedAt"] = time.GetUtcNow().ToString("O"),
            },
        };
        // A PostgreSQL connection string may hold a password: it is never written into the home;
        // give it with --database or ENTENTE__DATABASE each time.
        if (options.Database is { Length: > 0 } database && !IsPostgres(database))
            settings[NodeOptions.Section]!["Database"] = database;
        await File.WriteAllTextAsync(ConfigPath(options.Home), settings.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), cancellationToken);

        await using var opened = NodeDatabase.Open(options.DatabaseOrDefault);
        await opened.MigrateAsync(time, cancellationToken);
        var (key, user) = ApiKeys.NewUser("admin", Role.Admin, options.Code, time);
        await new ApiUserStore(opened).SaveAsync(user, cancellationToken);
        return key;
    }

    /// <summary>Reads the home's settings; values given explicitly (command line) win over the file.</summary>
    public static NodeOptions Load(string home, string? database = null)
    {
        var path = ConfigPath(home);
        if (!File.Exists(path)) throw new FileNotFoundException($"{home} is not a node's home (no {ConfigFile}); create one with: entente node init --home {home} --code CC --name \"...\"", path);
        var json = JsonNode.Parse(File.ReadAllText(path))?[NodeOptions.Section]
            ?? throw new InvalidDataException($"{path}: no \"{NodeOptions.Section}\" section");
        var options = new NodeOptions
        {
            Home = Path.GetFullPath(home),
            Code = json["Code"]?.GetValue<string>() ?? "",
            Name = json["Name"]?.GetValue<string>() ?? "",
            Database = database ?? Environment.GetEnvironmentVariable("ENTENTE__DATABASE") ?? json["Database"]?.GetValue<string>(),
        };
        if (json["Mappings"]?.GetValue<string>() is { } mappings) options.Mappings = mappings;
        if (json["Retention"] is JsonObject retention)
        {
            options.RetentionPeriod = retention["Declarations"]?.GetValue<string>();
            if (retention["Then"]?.GetValue<string>() is { } then) options.RetentionThen = then;
            if (retention["Every"]?.GetValue<string>() is { } every)
                options.RetentionEvery = TimeSpan.TryParse(every, System.Globalization.CultureInfo.InvariantCulture, out var e) && e > TimeSpan.Zero
                    ? e : throw new InvalidDataException($"{path}: Retention:Every: expected a time span such as 1.00:00:00 (a day), got '{every}'");
        }
        var problems = Validate(options);
        if (problems.Count > 0) throw new InvalidDataException($"{path}: {string.Join("; ", problems)}");
        return options;
    }

    public static List<string> Validate(NodeOptions options)
    {
        var results = new List<System.ComponentModel.DataAnnotations.ValidationResult>();
        System.ComponentModel.DataAnnotations.Validator.TryValidateObject(options, new(options), results, validateAllProperties: true);
        return results.Select(r => $"{string.Join(",", r.MemberNames)}: {r.ErrorMessage}").ToList();
    }

    /// <summary>
    /// Makes the home's entente.json a configuration source, below the environment variables and the command line that
    /// were there before (so ENTENTE__EXCHANGE__POLL still wins over the file).
    /// </summary>
    public static void AddTo(IConfigurationManager configuration, string home)
    {
        var sources = configuration.Sources;
        var first = sources.TakeWhile(s => s is not Microsoft.Extensions.Configuration.EnvironmentVariables.EnvironmentVariablesConfigurationSource).Count();
        var file = new Microsoft.Extensions.Configuration.Json.JsonConfigurationSource { Path = ConfigPath(home), Optional = false, ReloadOnChange = false };
        file.ResolveFileProvider();
        sources.Insert(first, file);
    }

    public static bool IsPostgres(string database) =>
        database.Contains("Host=", StringComparison.OrdinalIgnoreCase) || database.StartsWith("postgres", StringComparison.OrdinalIgnoreCase);
}
