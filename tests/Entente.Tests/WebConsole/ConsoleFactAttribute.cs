using Entente.Tests.Storage;

namespace Entente.Tests.WebConsole;

/// <summary>A browser test: skipped, saying why, when Debian's chromium is missing (and, for the PostgreSQL flows, when no server is configured).</summary>
public sealed class ConsoleFactAttribute : FactAttribute
{
    public ConsoleFactAttribute(bool postgres = false)
    {
        if (ConsoleFixture.SkipReason is { } reason) Skip = reason;
        else if (postgres && TestDatabases.PostgresSkipReason is { } noServer) Skip = noServer;
    }
}
