using System.Text.Json.Nodes;
using Entente.Storage;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Entente.Hosting;

/// <summary>
/// The store a home records in entente.json ("Store"): the provider and where its connection string comes from: a
/// SQLite file, or for PostgreSQL an environment variable or a file (never the connection string itself, which may
/// hold a password). Every command that takes --home opens this store; a --database naming another one is refused.
/// </summary>
public sealed record NodeStore(StorageProvider Provider, string? File = null, string? ConnectionStringEnvironment = null, string? ConnectionStringFile = null)
{
    public const string Section = "Store";

    /// <summary>The file in the home that holds a PostgreSQL connection string given to `node init --database` (mode 600).</summary>
    public const string DefaultConnectionFile = "store.connection";

    public string ProviderName => Provider == StorageProvider.PostgreSql ? "postgresql" : "sqlite";

    /// <summary>Where the connection string comes from, for messages: "file /h/entente.db", "environment variable X".</summary>
    public string Source => Provider == StorageProvider.Sqlite ? $"file {File}"
        : ConnectionStringEnvironment is { } variable ? $"environment variable {variable}" : $"file {ConnectionStringFile}";

    public JsonObject ToJson()
    {
        var json = new JsonObject { ["Provider"] = ProviderName };
        if (File is not null) json["File"] = File;
        if (ConnectionStringEnvironment is not null) json["ConnectionStringEnvironment"] = ConnectionStringEnvironment;
        if (ConnectionStringFile is not null) json["ConnectionStringFile"] = ConnectionStringFile;
        return json;
    }

    /// <summary>Reads the "Store" object of entente.json; <paramref name="where"/> names the file in messages.</summary>
    public static NodeStore Parse(JsonNode json, string where)
    {
        string? Text(string name) => json[name] is JsonValue value && value.TryGetValue<string>(out var text) && text.Length > 0 ? text : null;
        var provider = Text("Provider")?.ToLowerInvariant() switch
        {
            "sqlite" => StorageProvider.Sqlite,
            "postgresql" or "postgres" => StorageProvider.PostgreSql,
            var other => throw new InvalidDataException($"{where}: Entente:Store:Provider: expected sqlite or postgresql, got '{other}'"),
        };
        if (provider == StorageProvider.Sqlite) return new NodeStore(provider, File: Text("File") ?? "entente.db");
        var environment = Text("ConnectionStringEnvironment");
        var file = Text("ConnectionStringFile");
        if ((environment is null) == (file is null))
            throw new InvalidDataException($"{where}: Entente:Store: a PostgreSQL store names exactly one of ConnectionStringEnvironment (a variable's name) or ConnectionStringFile (a path)");
        return new NodeStore(provider, ConnectionStringEnvironment: environment, ConnectionStringFile: file);
    }

    /// <summary>The connection string (or SQLite file) this store names, read from its source.</summary>
    public string Resolve(string home)
    {
        if (Provider == StorageProvider.Sqlite) return Path.Combine(home, File!);
        if (ConnectionStringEnvironment is { } variable)
        {
            return Environment.GetEnvironmentVariable(variable) is { Length: > 0 } fromEnvironment ? fromEnvironment.Trim()
                : throw new InvalidDataException($"{NodeHome.ConfigPath(home)}: the node's store is PostgreSQL with its connection string in the environment variable {variable}, which is not set");
        }
        var path = Path.Combine(home, ConnectionStringFile!);
        if (!System.IO.File.Exists(path))
            throw new InvalidDataException($"{NodeHome.ConfigPath(home)}: the node's store is PostgreSQL with its connection string in {path}, which does not exist");
        var text = System.IO.File.ReadAllText(path).Trim();
        return text.Length > 0 ? text : throw new InvalidDataException($"{path}: empty; expected a PostgreSQL connection string (Host=...;Database=...)");
    }

    /// <summary>Whether two database settings name the same store (same SQLite file; same PostgreSQL host, port, database and user).</summary>
    public static bool Same(string a, string b)
    {
        var provider = DeclarationStores.ProviderOf(a);
        if (provider != DeclarationStores.ProviderOf(b)) return false;
        if (provider == StorageProvider.Sqlite) return string.Equals(SqlitePath(a), SqlitePath(b), StringComparison.Ordinal);
        var (x, y) = (Postgres(a), Postgres(b));
        return string.Equals(x.Host, y.Host, StringComparison.OrdinalIgnoreCase) && x.Port == y.Port
            && string.Equals(x.Database ?? x.Username, y.Database ?? y.Username, StringComparison.Ordinal)
            && string.Equals(x.Username, y.Username, StringComparison.Ordinal);
    }

    /// <summary>A database setting as it may be shown: "SQLite /h/entente.db", "PostgreSQL Host=db;Port=5432;Database=entente;Username=e" (never a password).</summary>
    public static string Describe(string database)
    {
        if (DeclarationStores.ProviderOf(database) == StorageProvider.Sqlite) return $"SQLite {SqlitePath(database)}";
        try
        {
            var pg = Postgres(database);
            return $"PostgreSQL Host={pg.Host};Port={pg.Port};Database={pg.Database ?? pg.Username};Username={pg.Username}";
        }
        catch (ArgumentException)
        {
            return "PostgreSQL (a connection string that cannot be read)";
        }
    }

    private static string SqlitePath(string database)
    {
        var builder = new SqliteConnectionStringBuilder(database.Contains('=', StringComparison.Ordinal) ? database : $"Data Source={database}");
        return Path.GetFullPath(builder.DataSource);
    }

    private static NpgsqlConnectionStringBuilder Postgres(string database) =>
        database.StartsWith("postgres", StringComparison.OrdinalIgnoreCase) && database.Contains("://", StringComparison.Ordinal)
            ? FromUri(new Uri(database))
            : new NpgsqlConnectionStringBuilder(database);

    private static NpgsqlConnectionStringBuilder FromUri(Uri uri)
    {
        var user = uri.UserInfo.Split(':')[0];
        return new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.Port > 0 ? uri.Port : 5432,
            Database = uri.AbsolutePath.Trim('/') is { Length: > 0 } name ? Uri.UnescapeDataString(name) : null,
            Username = user.Length > 0 ? Uri.UnescapeDataString(user) : null,
        };
    }
}

/// <summary>The store named for a command is not the one the home records (or the home cannot say which it is): a usage mistake, not a broken home.</summary>
public sealed class StoreConflictException(string message) : ArgumentException(message);
