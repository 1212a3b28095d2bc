using Entente.Storage;

namespace Entente.Tests.Storage;

public class DeclarationStoresTests
{
    [Theory]
    [InlineData("node.db", StorageProvider.Sqlite)]
    [InlineData("/var/lib/entente/node.db", StorageProvider.Sqlite)]
    [InlineData("Data Source=/var/lib/entente/node.db", StorageProvider.Sqlite)]
    [InlineData("Data Source=node.db;Cache=Private", StorageProvider.Sqlite)]
    [InlineData("Host=db.customs.example;Database=entente;Username=entente", StorageProvider.PostgreSql)]
    [InlineData("host=10.0.0.5;port=5433;database=entente", StorageProvider.PostgreSql)]
    [InlineData("Server=db;Database=entente", StorageProvider.PostgreSql)]
    public void Tells_sqlite_from_postgresql_by_the_setting(string database, StorageProvider expected) =>
        Assert.Equal(expected, DeclarationStores.ProviderOf(database));

    [Fact]
    public void Refuses_a_postgresql_url_and_says_what_to_give_instead()
    {
        var error = Assert.Throws<ArgumentException>(() => DeclarationStores.ProviderOf("postgres://entente@db/entente"));
        Assert.Contains("Host=", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_an_in_memory_sqlite_database()
    {
        var error = Assert.Throws<ArgumentException>(() => DeclarationStores.Open("Data Source=:memory:", TimeProvider.System));
        Assert.Contains("file", error.Message, StringComparison.Ordinal);
    }
}
