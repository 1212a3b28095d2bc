namespace Entente.Storage;

/// <summary>Whether a node's database answers and carries every migration this build knows (for readiness probes).</summary>
public static class SchemaCheck
{
    /// <summary>Null when the schema is current; otherwise what is wrong.</summary>
    public static async Task<string?> ProblemAsync(NodeDatabase database, CancellationToken cancellationToken = default)
    {
        var latest = Migrations.For(database.IsPostgres ? "postgres" : "sqlite")[^1].Version;
        await using var connection = await database.ConnectAsync(cancellationToken);
        await using var command = NodeDatabase.Command(connection, null, "SELECT MAX(version) FROM schema_migrations");
        object? applied;
        try
        {
            applied = await command.ExecuteScalarAsync(cancellationToken);
        }
        catch (System.Data.Common.DbException e)
        {
            return $"the schema cannot be read ({e.Message}); run `entente node init` or start the node to migrate it";
        }
        var version = applied is null or DBNull ? 0 : Convert.ToInt32(applied, System.Globalization.CultureInfo.InvariantCulture);
        return version >= latest ? null : $"the schema is at migration {version}, this build needs {latest}";
    }
}
