using Entente.Agreements;
using Entente.Ledger;
using Entente.Nodes;
using Entente.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Entente.Assistance;

/// <summary>The one place a node's <see cref="AssistanceDesk"/> is made, for the server and the CLI; the transport is the <c>send</c> given.</summary>
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

    /// <summary>The desk of the node whose home is <paramref name="node"/>.Home: its code, agreements and subject key.</summary>
    public static AssistanceDesk ForHome(NodeOptions node, NodeDatabase database, LedgerStore ledger, TimeProvider time, Func<AssistanceMessage, CancellationToken, Task> send) =>
        new(node.Code, database, ledger, time, AgreementsInForce(node.Home, time), send, NodeKeys.LoadSubjectKey(node.Home));

    /// <summary>Registers the node's desk (sending through <paramref name="send"/>, default <see cref="NotConnected"/>).</summary>
    public static IServiceCollection AddAssistanceDesk(this IServiceCollection services, NodeOptions node, Func<IServiceProvider, Func<AssistanceMessage, CancellationToken, Task>>? send = null) =>
        services.AddSingleton(sp => ForHome(node, sp.GetRequiredService<NodeDatabase>(), sp.GetRequiredService<LedgerStore>(),
            sp.GetRequiredService<TimeProvider>(), send?.Invoke(sp) ?? NotConnected));
}
