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

    /// <summary>
    /// Creates the home, its settings and database, and the first administrator. Returns that user's API key (shown once).
    /// The store is recorded in entente.json (<see cref="NodeStore"/>): the SQLite file, or for PostgreSQL where its
    /// connection string comes from: <paramref name="connectionStringEnvironment"/>, <paramref name="connectionStringFile"/>,
    /// or by default HOME/store.connection (mode 600) holding the connection string given as <see cref="NodeOptions.Database"/>.
    /// </summary>
    public static async Task<string> InitAsync(NodeOptions options, TimeProvider time, CancellationToken cancellationToken = default,
        string? connectionStringEnvironment = null, string? connectionStringFile = null)
    {
        var problems = Validate(options);
        if (problems.Count > 0) throw new ArgumentException(string.Join("; ", problems));
        if (Exists(options.Home)) throw new InvalidOperationException($"{ConfigPath(options.Home)} exists already: this folder is a node's home");
        var store = StoreFor(options, connectionStringEnvironment, connectionStringFile);

        Directory.CreateDirectory(options.Home);
        Directory.CreateDirectory(options.MappingsPath);
        if (store.Provider == StorageProvider.PostgreSql && connectionStringEnvironment is null && connectionStringFile is null)
            await WriteSecretAsync(Path.Combine(options.Home, NodeStore.DefaultConnectionFile), options.Database!, cancellationToken);
        NodeKeys.CreateSigningKey(options.Home).Dispose();
        NodeKeys.CreateSubjectKey(options.Home);
        NodeIdentity.CreateMissing(options.Home, options.Code, options.Name, time, options.HostNames);
        var section = new JsonObject
        {
            ["Code"] = options.Code,
            ["Name"] = options.Name,
            ["CreatedAt"] = time.GetUtcNow().ToString("O"),
            [NodeStore.Section] = store.ToJson(),
        };
        if (options.HostNames.Count > 0) section["HostNames"] = new JsonArray([.. options.HostNames.Select(n => JsonValue.Create(n))]);
        var settings = new JsonObject { [NodeOptions.Section] = section };
        await File.WriteAllTextAsync(ConfigPath(options.Home), settings.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), cancellationToken);

        await using var opened = NodeDatabase.Open(store.Resolve(Path.GetFullPath(options.Home)));
        await opened.MigrateAsync(time, cancellationToken);
        var (key, user) = ApiKeys.NewUser("admin", Role.Admin, options.Code, time);
        await new ApiUserStore(opened).SaveAsync(user, cancellationToken);
        return key;
    }

    private static NodeStore StoreFor(NodeOptions options, string? environment, string? file)
    {
        if (environment is not null && file is not null) throw new ArgumentException("--database-env and --database-file: give one, not both");
        if (environment is not null || file is not null)
        {
            var store = new NodeStore(StorageProvider.PostgreSql, ConnectionStringEnvironment: environment,
                ConnectionStringFile: file is null ? null : Path.GetFullPath(file));
            var resolved = store.Resolve(options.Home);
            if (DeclarationStores.ProviderOf(resolved) != StorageProvider.PostgreSql)
                throw new ArgumentException($"{store.Source}: expected a PostgreSQL connection string (Host=...;Database=...)");
            if (options.Database is { Length: > 0 } given && !NodeStore.Same(given, resolved))
                throw new ArgumentException($"--database names {NodeStore.Describe(given)} but {store.Source} names {NodeStore.Describe(resolved)}");
            return store;
        }
        if (options.Database is { Length: > 0 } database && DeclarationStores.ProviderOf(database) == StorageProvider.PostgreSql)
            return new NodeStore(StorageProvider.PostgreSql, ConnectionStringFile: NodeStore.DefaultConnectionFile);
        if (options.Database is { Length: > 0 } sqlite)
        {
            var path = Path.GetFullPath(sqlite.Contains('=', StringComparison.Ordinal)
                ? new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(sqlite).DataSource : sqlite);
            var relative = Path.GetRelativePath(Path.GetFullPath(options.Home), path);
            return new NodeStore(StorageProvider.Sqlite, File: relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? path : relative);
        }
        return new NodeStore(StorageProvider.Sqlite, File: "entente.db");
    }

    private static async Task WriteSecretAsync(string path, string text, CancellationToken cancellationToken)
    {
        var open = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) open.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        await using var stream = new FileStream(path, open);
        await stream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(text + "\n"), cancellationToken);
    }

    /// <summary>
    /// Reads the home's settings and opens nothing. The store is the one entente.json records; <paramref name="database"/>
    /// (--database) or ENTENTE__DATABASE naming another store is refused (an <see cref="InvalidDataException"/> naming both). A home made before
    /// stores were recorded uses its "Database" setting or entente.db, and never makes a new entente.db when it has none
    /// and is given no --database (it was a PostgreSQL home).
    /// </summary>
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
        };
        if (json["Mappings"]?.GetValue<string>() is { } mappings) options.Mappings = mappings;
        if (json["HostNames"] is JsonArray hostNames) options.HostNames = [.. hostNames.Select(n => n?.GetValue<string>() ?? "").Where(n => n.Length > 0)];
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
        var given = database is { Length: > 0 } ? (Value: database, Source: "--database")
            : Environment.GetEnvironmentVariable("ENTENTE__DATABASE") is { Length: > 0 } fromEnvironment ? (Value: fromEnvironment, Source: "ENTENTE__DATABASE")
            : (Value: (string?)null, Source: "");
        if (json[NodeStore.Section] is JsonObject recorded)
        {
            options.Store = NodeStore.Parse(recorded, path);
            if (given.Value is { } explicitStore && options.Store.ConnectionStringEnvironment is { } variable
                && string.IsNullOrEmpty(Environment.GetEnvironmentVariable(variable)))
            {
                // The recorded variable is unset: the explicit setting may stand in for it, if it is of the recorded provider.
                if (DeclarationStores.ProviderOf(explicitStore) != options.Store.Provider)
                    throw new StoreConflictException($"{given.Source} names {NodeStore.Describe(explicitStore)}, but the home {options.Home} records a {options.Store.ProviderName} store ({options.Store.Source}); remove {given.Source} to use the home's store");
                options.Database = explicitStore;
            }
            else
            {
                var store = options.Store.Resolve(options.Home);
                if (given.Value is { } explicitStore2 && !NodeStore.Same(explicitStore2, store))
                    throw new StoreConflictException($"{given.Source} names {NodeStore.Describe(explicitStore2)}, but the home {options.Home} records its store as {NodeStore.Describe(store)} ({options.Store.Source}); remove {given.Source} to use the home's store");
                options.Database = given.Value ?? store;
            }
        }
        else
        {
            options.Database = given.Value ?? json["Database"]?.GetValue<string>();
            if (options.Database is null && !File.Exists(Path.Combine(options.Home, "entente.db")))
                throw new StoreConflictException($"{path}: the home records no store and has no entente.db, so it was made on PostgreSQL: give --database (or ENTENTE__DATABASE), " +
                    $"or record the store in entente.json as \"Store\": {{\"Provider\": \"postgresql\", \"ConnectionStringEnvironment\": \"VARIABLE\"}} (docs/configuration.md)");
        }
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
