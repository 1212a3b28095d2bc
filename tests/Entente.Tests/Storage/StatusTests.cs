using Entente.Declarations;
using Entente.Storage;

namespace Entente.Tests.Storage;

public class StatusTests
{
    [StoreTheory, BothStores]
    public async Task An_allowed_move_changes_the_status_the_document_and_the_history(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider);
        var declaration = DeclarationBuilder.Import("L1").Declarant("GB1").Build();
        await test.Store.IngestAsync(new PendingDeclaration(declaration, null, Entente.Declarations.DeclarationFormat.Csv, "day.csv"));
        var id = declaration.Id!;

        test.Time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(new StatusChange(true, true, DeclarationStatus.Received, DeclarationStatus.Accepted),
            await test.Store.ChangeStatusAsync(id, DeclarationStatus.Accepted, "officer-17", null));
        test.Time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(new StatusChange(true, true, DeclarationStatus.Accepted, DeclarationStatus.Control),
            await test.Store.ChangeStatusAsync(id, DeclarationStatus.Control, "analyst-3", "red lane: rule R12"));

        Assert.Equal(DeclarationStatus.Control, (await test.Store.GetAsync(id))!.Declaration.Status);
        Assert.Equal(DeclarationStatus.Control, Assert.Single((await test.Store.SearchAsync(new() { Reference = id })).Items).Status);
        Assert.Equal(
            [
                new StatusEvent(TestStore.Start, null, DeclarationStatus.Received, "ingest", "day.csv"),
                new StatusEvent(TestStore.Start.AddMinutes(5), DeclarationStatus.Received, DeclarationStatus.Accepted, "officer-17", null),
                new StatusEvent(TestStore.Start.AddMinutes(10), DeclarationStatus.Accepted, DeclarationStatus.Control, "analyst-3", "red lane: rule R12"),
            ],
            await test.Store.GetHistoryAsync(id));
    }

    [StoreTheory, BothStores]
    public async Task A_move_the_lifecycle_forbids_is_refused_and_changes_nothing(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider);
        var declaration = DeclarationBuilder.Import("L1").Build();
        await test.Store.IngestAsync(declaration.ToPending());

        var change = await test.Store.ChangeStatusAsync(declaration.Id!, DeclarationStatus.Cleared, "officer-17", "skip ahead");

        Assert.Equal(new StatusChange(true, false, DeclarationStatus.Received, DeclarationStatus.Cleared), change);
        Assert.Equal(DeclarationStatus.Received, (await test.Store.GetAsync(declaration.Id!))!.Declaration.Status);
        Assert.Single(await test.Store.GetHistoryAsync(declaration.Id!));
    }

    [StoreTheory, BothStores]
    public async Task Moving_an_unknown_declaration_reports_it_was_not_found(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider);
        var change = await test.Store.ChangeStatusAsync("0190a000-0000-7000-8000-000000000000", DeclarationStatus.Accepted, "officer", null);
        Assert.False(change.Found);
        Assert.False(change.Allowed);
        Assert.Empty(await test.Store.GetHistoryAsync("0190a000-0000-7000-8000-000000000000"));
    }
}

internal static class PendingExtensions
{
    public static PendingDeclaration ToPending(this Declaration declaration) => new(declaration, null, Entente.Declarations.DeclarationFormat.WcoXml, "batch.xml");
}
