using System.Data.Common;
using Entente.Storage.Postgres;
using Entente.Storage.Sqlite;

namespace Entente.Storage;

/// <summary>Opens the declaration store a setting names: a SQLite file or a PostgreSQL connection string.</summary>
public static class DeclarationStores
{
    /// <summary>The most declarations one search page returns, whatever <see cref="DeclarationQuery.Limit"/> asks.</summary>
    public const int MaxPageSize = 1000;

    /// <summary>The declaration store over the node's gateway; disposing the store leaves the gateway open.</summary>
    public static IDeclarationStore Open(NodeDatabase database, TimeProvider time) => Open(database, time, ownsDatabase: false);

    /// <summary>
    /// Opens the gateway a setting names (<see cref="NodeDatabase.Open"/>) and a store over it that closes it when
    /// disposed: for a tool that needs only the declarations. Opening never touches the schema
    /// (<see cref="IDeclarationStore.MigrateAsync"/> on start).
    /// </summary>
    public static IDeclarationStore Open(string database, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        return Open(NodeDatabase.Open(database), time, ownsDatabase: true);
    }

    private static IDeclarationStore Open(NodeDatabase database, TimeProvider time, bool ownsDatabase)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(time);
        return database.Provider switch
        {
            StorageProvider.PostgreSql => new PostgresDeclarationStore(database, time, ownsDatabase),
            _ => new SqliteDeclarationStore(database, time, ownsDatabase),
        };
    }

    /// <summary>Which provider a database setting names: PostgreSQL when it has a Host (or Server), else SQLite.</summary>
    public static StorageProvider ProviderOf(string database)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(database);
        if (database.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) ||
            database.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException("give PostgreSQL as an Npgsql connection string (Host=...;Database=...;Username=...), not a URL", nameof(database));
        var keys = Keys(database);
        return keys is not null && (keys.ContainsKey("host") || keys.ContainsKey("server"))
            ? StorageProvider.PostgreSql
            : StorageProvider.Sqlite;
    }

    internal static string SqliteConnectionString(string database)
    {
        var keys = Keys(database);
        return keys is not null && (keys.ContainsKey("data source") || keys.ContainsKey("datasource") || keys.ContainsKey("filename"))
            ? database
            : new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder { DataSource = database }.ToString();
    }

    /// <summary>The keys of a connection string, or null when the setting is a plain path.</summary>
    private static DbConnectionStringBuilder? Keys(string database)
    {
        if (!database.Contains('=', StringComparison.Ordinal)) return null;
        try
        {
            return new DbConnectionStringBuilder { ConnectionString = database };
        }
        catch (ArgumentException)
        {
            return null;
        }
    }
}
