using Entente.Access;
using Entente.Declarations;
using Entente.Risk.Assessment;
using Entente.Storage;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Localization;

namespace Entente.WebConsole.Pages.Declarations;

/// <summary>
/// One declaration: goods items, findings, status history, risk assessments with their reasons, status moves. Party
/// data is withheld until a purpose and a justification are stated in the dialog; the read then goes through the
/// API's use case (<see cref="ReadDeclaration"/>) and lands in the ledger as the API's does.
/// </summary>
public sealed class DetailModel(ReadDeclaration read, IDeclarationStore store, RiskDesk risk, IStringLocalizer<Strings> text) : ConsolePage
{
    [BindProperty(SupportsGet = true)] public string Reference { get; set; } = "";

    [BindProperty] public string? Purpose { get; set; }
    [BindProperty] public string? Justification { get; set; }
    [BindProperty] public string? NewStatus { get; set; }
    [BindProperty] public string? Reason { get; set; }

    public DeclarationEnvelope? Envelope { get; private set; }
    public bool Revealed { get; private set; }
    public IReadOnlyList<StatusEvent> History { get; private set; } = [];
    public IReadOnlyList<RiskAssessment> Assessments { get; private set; } = [];
    public IReadOnlyList<RecordedOutcome> Outcomes { get; private set; } = [];
    public Dictionary<string, string> Problems { get; } = new(StringComparer.Ordinal);
    public string? Done { get; private set; }

    public IReadOnlyList<DeclarationStatus> Moves => Envelope is null ? [] : DeclarationLifecycle.AllowedFrom(Envelope.Declaration.Status);

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken) => await ShowAsync(null, null, cancellationToken);

    /// <summary>The purpose dialog's submission: the read with a purpose, recorded; a refusal is shown in the dialog next to the field.</summary>
    public async Task<IActionResult> OnPostRevealAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(Purpose)) Problems["purpose"] = text["PurposeRequired"];
        if (string.IsNullOrWhiteSpace(Justification)) Problems["justification"] = text["JustificationRequired"];
        if (Problems.Count > 0) return await ShowAsync(null, null, cancellationToken);
        return await ShowAsync(Purpose!.Trim(), Justification!.Trim(), cancellationToken);
    }

    /// <summary>A status move (officers, administrators), as POST /api/declarations/{ref}/status does it.</summary>
    public async Task<IActionResult> OnPostMoveAsync(CancellationToken cancellationToken)
    {
        if (!Can(AccessPolicies.ChangeStatus)) return Refuse();
        if (NewStatus is null || !DeclarationLifecycle.TryParse(NewStatus, out var to)) Problems["newStatus"] = text["StatusUnknown"];
        else if (Reason is { Length: > 1000 }) Problems["reason"] = text["TooLong1000"];
        else
        {
            var stored = await store.FindAsync(Reference, cancellationToken);
            if (stored is null) return NotFound();
            var change = await store.ChangeStatusAsync(stored.Declaration.Id!, to, Me.Name, string.IsNullOrWhiteSpace(Reason) ? null : Reason.Trim(), cancellationToken);
            if (!change.Allowed)
                Problems["newStatus"] = text["MoveNotAllowed", DeclarationLifecycle.ToName(change.From ?? to), DeclarationLifecycle.ToName(to)];
            else
            {
                Done = text["Moved", DeclarationLifecycle.ToName(change.From!.Value), DeclarationLifecycle.ToName(to)];
                Reason = null;
            }
        }
        return await ShowAsync(null, null, cancellationToken);
    }

    private async Task<IActionResult> ShowAsync(string? purpose, string? justification, CancellationToken cancellationToken)
    {
        switch (await read.HandleAsync(Me, Channel, new ReadDeclarationInput(Reference, purpose, justification), cancellationToken))
        {
            case ReadDeclarationResult.NotFound:
                return NotFound();
            case ReadDeclarationResult.Refused refused:
                Problems["purpose"] = refused.Reason;
                return await ShowAsync(null, null, cancellationToken);
            case ReadDeclarationResult.Read r:
                Envelope = r.Envelope;
                Revealed = purpose is not null;
                break;
        }
        var id = Envelope!.Id;
        History = await store.GetHistoryAsync(id, cancellationToken);
        var assessments = await risk.Store.HistoryAsync(id, cancellationToken);
        // Reasons naming a party are party data: withheld as the API withholds them, unless this read stated a purpose
        // (which the read above recorded under the declaration and its parties).
        if (!Revealed)
        {
            var parties = (await store.GetAsync(id, cancellationToken))?.Declaration.Parties.Select(p => p.Id).OfType<string>().ToArray() ?? [];
            assessments = [.. assessments.Select(a => RiskApi.Withhold(a, parties))];
        }
        Assessments = assessments;
        Outcomes = await risk.Store.OutcomesAsync(id, cancellationToken);
        return Page();
    }
}
