using System.Security.Cryptography;
using Entente.Agreements;
using Entente.Assistance;
using Entente.Ledger;
using Entente.Storage;
using Entente.Tests.Storage;
using Microsoft.Extensions.Time.Testing;

namespace Entente.Tests.Assistance;

/// <summary>
/// Two liaison desks, NL (applicant) and KR (requested), each on its own database, wired to each other: what one sends
/// the other receives at once. Every message sent is kept, to deliver again.
/// </summary>
internal sealed class DeskPair : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _owned = [];

    private DeskPair(FakeTimeProvider time) => Time = time;

    public FakeTimeProvider Time { get; }

    public AssistanceDesk Nl { get; private set; } = null!;

    public AssistanceDesk Kr { get; private set; } = null!;

    public LedgerStore NlLedger { get; private set; } = null!;

    public LedgerStore KrLedger { get; private set; } = null!;

    public TestStore NlStore { get; private set; } = null!;

    public List<AssistanceMessage> Sent { get; } = [];

    public List<AssistanceReceipt> Receipts { get; } = [];

    /// <summary>KR's agreements in force; by default the same agreement NL holds.</summary>
    public List<Agreement> KrAgreements { get; } = [AssistanceTestKit.Agreement()];

    public static async Task<DeskPair> CreateAsync(StorageProvider provider)
    {
        var pair = new DeskPair(new FakeTimeProvider(AssistanceTestKit.Start));
        var nlAgreements = new List<Agreement> { AssistanceTestKit.Agreement() };
        (pair.Nl, pair.NlLedger, pair.NlStore) = await pair.DeskAsync(provider, "NL", () => nlAgreements, m => pair.Kr.ReceiveAsync(m));
        (pair.Kr, pair.KrLedger, _) = await pair.DeskAsync(provider, "KR", () => pair.KrAgreements, m => pair.Nl.ReceiveAsync(m));
        return pair;
    }

    private async Task<(AssistanceDesk, LedgerStore, TestStore)> DeskAsync(StorageProvider provider, string code, Func<IReadOnlyList<Agreement>> agreements,
        Func<AssistanceMessage, Task<AssistanceReceipt>> deliver)
    {
        var store = await TestStore.CreateAsync(provider);
        var database = NodeDatabase.Open(store.Database);
        var ledger = LedgerStore.Open(store.Database, Time);
        _owned.AddRange([ledger, database, store]);
        var desk = new AssistanceDesk(code, database, ledger, Time, agreements, async (message, _) =>
        {
            Sent.Add(message);
            Receipts.Add(await deliver(message));
        }, RandomNumberGenerator.GetBytes(32));
        return (desk, ledger, store);
    }

    public static async Task<List<string>> KindsAsync(LedgerStore ledger, string requestId) =>
        (await ledger.EntriesAboutAsync(AssistanceDesk.SubjectPrefix + requestId, 100)).OrderBy(e => e.Index).Select(e => e.Entry.Kind).ToList();

    public async ValueTask DisposeAsync()
    {
        foreach (var owned in _owned) await owned.DisposeAsync();
    }
}
