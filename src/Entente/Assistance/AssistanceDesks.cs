using Entente.Agreements;

namespace Entente.Assistance;

/// <summary>What a node's <see cref="AssistanceDesk"/> is made with when it has no exchange (the CLI's default), and the agreements it reads.</summary>
public static class AssistanceDesks
{
    /// <summary>A send that delivers nothing: until the outbox is wired, moves are stored and recorded here only.</summary>
    public static Func<AssistanceMessage, CancellationToken, Task> NotConnected { get; } = static (_, _) => Task.CompletedTask;

    /// <summary>The agreements in force now in HOME/agreements (highest version per id), read at each call.</summary>
    public static Func<IReadOnlyList<Agreement>> AgreementsInForce(string home, TimeProvider time) => () =>
    {
        var now = time.GetUtcNow();
        return AgreementStatus.SelectInForce(AgreementFile.ReadFolder(Path.Combine(home, "agreements"), now).Select(f => f.Agreement).OfType<Agreement>(), now);
    };
}
