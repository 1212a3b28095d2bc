using Entente.Access;
using Entente.Screening;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Localization;

namespace Entente.WebConsole.Pages.Alerts;

/// <summary>
/// Hits: a hit names a person or a company and what an officer found, so the list is shown only after the purpose
/// dialog (`ReadHits`, as GET /api/hits: the read recorded in the ledger, a purpose refused recorded and shown next to
/// the field); filtered by state and overdue; officers confirm a hit (what was done, found, where) or discard it with the
/// reason (`ScreeningDesk`, as POST /api/hits/{id}/confirmation and /discard); each hit shows its action-taken report.
/// </summary>
[Authorize(Policy = ConsolePolicies.Read)]
public sealed class HitsModel(ReadHits read, ScreeningDesk desk, TimeProvider time, IStringLocalizer<Strings> text) : ConsolePage
{
    [BindProperty] public string? State { get; set; }
    [BindProperty] public bool Overdue { get; set; }
    [BindProperty] public string? Purpose { get; set; }
    [BindProperty] public string? Justification { get; set; }

    [BindProperty] public string? HitId { get; set; }
    [BindProperty] public string? ActionTaken { get; set; }
    [BindProperty] public string? Found { get; set; }
    [BindProperty] public string? Place { get; set; }
    [BindProperty] public string? Reason { get; set; }

    public IReadOnlyList<Hit>? Hits { get; private set; }
    public DateTimeOffset Now { get; private set; }
    public bool DialogOpen { get; private set; }
    public string? Done { get; private set; }
    public Dictionary<string, string> Problems { get; } = new(StringComparer.Ordinal);

    /// <summary>A decision's problems by hit id and field ("actionTaken", "reason"...).</summary>
    public Dictionary<(string Hit, string Field), string> DecisionProblems { get; } = [];

    public static IEnumerable<string> States => Enum.GetValues<HitState>().Select(HitJson.Name);

    public bool MayDecide => Can(AccessPolicies.Submit);

    /// <summary>Nothing is shown before a purpose: the page opens on the dialog.</summary>
    public void OnGet() => Now = time.GetUtcNow();

    public Task OnPostReadAsync(CancellationToken cancellationToken) => ListAsync(cancellationToken);

    public async Task<IActionResult> OnPostConfirmAsync(CancellationToken cancellationToken)
    {
        if (!MayDecide) return Refuse();
        var id = HitId?.Trim() ?? "";
        Decided(id, "HitConfirmed", await desk.ConfirmAsync(id, Blank(ActionTaken), Blank(Found), Blank(Place), Me.Name, cancellationToken));
        await ListAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostDiscardAsync(CancellationToken cancellationToken)
    {
        if (!MayDecide) return Refuse();
        var id = HitId?.Trim() ?? "";
        Decided(id, "HitDiscarded", await desk.DiscardAsync(id, Blank(Reason), Me.Name, cancellationToken));
        await ListAsync(cancellationToken);
        return Page();
    }

    public string? Problem(string field) => Problems.TryGetValue(field, out var p) ? p : null;

    public string? DecisionProblem(string hit, string field) => DecisionProblems.TryGetValue((hit, field), out var p) ? p : null;

    /// <summary>The action-taken report's status in words: none owed, sent (message), not sent yet (why, attempts).</summary>
    public string ReportStatus(Hit hit) => hit switch
    {
        { IssuerToInform: false } => text["ReportNotOwed"],
        { Report: { MessageId: { } message } } => text["ReportSent", message],
        { Report: { Refused: { } refused } report } => text["ReportNotSent", refused, report.Attempts],
        { State: HitState.Confirmed } => text["ReportPending"],
        _ => text["ReportAfterConfirmation"],
    };

    private void Decided(string id, string said, HitOutcome outcome)
    {
        if (outcome is HitOutcome.Done d)
        {
            Done = text[said, d.Hit.Id];
            return;
        }
        foreach (var problem in outcome.Problems)
        {
            var field = problem.Path.TrimStart('/') is { Length: > 0 } f ? f : "hit";
            DecisionProblems[(id, field)] = DecisionProblems.TryGetValue((id, field), out var before) ? before + "; " + problem : problem.ToString();
        }
    }

    private async Task ListAsync(CancellationToken cancellationToken)
    {
        Now = time.GetUtcNow();
        if (string.IsNullOrWhiteSpace(Purpose)) Problems["purpose"] = text["PurposeRequired"];
        if (string.IsNullOrWhiteSpace(Justification)) Problems["justification"] = text["JustificationRequired"];
        var filter = new HitFilter(Overdue: Overdue, Limit: 100);
        if (!string.IsNullOrWhiteSpace(State))
        {
            if (HitJson.ParseState(State) is { } s) filter = filter with { State = s };
            else Problems["state"] = text["ExpectedOneOf", string.Join(", ", States)];
        }
        if (Problems.Count > 0)
        {
            DialogOpen = true;
            return;
        }
        switch (await read.ListAsync(Me, Channel, filter, Purpose!.Trim(), Justification!.Trim(), cancellationToken))
        {
            case ReadHitsResult.Read r: Hits = r.Hits; break;
            case ReadHitsResult.Refused r:
                Problems["purpose"] = r.Reason;
                DialogOpen = true;
                break;
        }
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
