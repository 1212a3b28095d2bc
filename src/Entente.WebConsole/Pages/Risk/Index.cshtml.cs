using Entente.Access;
using Entente.Risk.Assessment;
using Entente.Risk.Rules;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Localization;

namespace Entente.WebConsole.Pages.Risk;

/// <summary>
/// The risk desk: the red and yellow queues with their reasons in words (reasons naming a party withheld, as the API
/// withholds them), an inspection outcome recorded from the queue (officers), what is in service, the model card, and
/// the hit rate of each lane against the base rate of random selection.
/// </summary>
[Authorize(Policy = ConsolePolicies.Assess)]
public sealed class IndexModel(RiskDesk desk, RiskQueue queue, IStringLocalizer<Strings> text) : ConsolePage
{
    public const int PageSize = 25;

    [BindProperty(SupportsGet = true)] public string Lane { get; set; } = "red";
    [BindProperty(SupportsGet = true)] public long? Before { get; set; }

    [BindProperty] public string? DeclarationId { get; set; }
    [BindProperty] public string? Found { get; set; }
    [BindProperty] public bool Critical { get; set; }
    [BindProperty] public string? What { get; set; }
    [BindProperty] public string? Revenue { get; set; }

    public QueuePage? Queue { get; private set; }
    public Dictionary<string, string> Labels { get; } = new(StringComparer.Ordinal);
    public Targeting? InService { get; private set; }
    public HitRates? Rates { get; private set; }
    public Dictionary<string, string> Problems { get; } = new(StringComparer.Ordinal);
    public string? Done { get; private set; }

    public Lane Showing => Lane == "yellow" ? Entente.Risk.Rules.Lane.Yellow : Entente.Risk.Rules.Lane.Red;

    public async Task OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken);

    /// <summary>An inspection outcome from the queue, checked as POST /api/risk/outcomes checks it (officers only).</summary>
    public async Task<IActionResult> OnPostOutcomeAsync(CancellationToken cancellationToken)
    {
        if (!Can(AccessPolicies.RecordOutcome)) return Refuse();
        decimal? revenue = null;
        if (string.IsNullOrWhiteSpace(DeclarationId)) Problems["declarationId"] = text["OutcomeNoDeclaration"];
        if (Found is not ("yes" or "no")) Problems["found"] = text["OutcomeFoundRequired"];
        if (!string.IsNullOrWhiteSpace(Revenue))
        {
            if (!decimal.TryParse(Revenue, System.Globalization.NumberStyles.Number, System.Globalization.CultureInfo.CurrentCulture, out var r)
                && !decimal.TryParse(Revenue, System.Globalization.NumberStyles.Number, System.Globalization.CultureInfo.InvariantCulture, out r))
                Problems["revenue"] = text["RevenueNotANumber"];
            else if (r < 0) Problems["revenue"] = text["RevenueNegative"];
            else revenue = r;
        }
        if (What is { Length: > 2000 }) Problems["what"] = text["TooLong2000"];
        if (Problems.Count == 0)
        {
            var outcome = new InspectionOutcome(DeclarationId!, Found == "yes", Critical, string.IsNullOrWhiteSpace(What) ? null : What.Trim(), revenue);
            if (await desk.Store.RecordOutcomeAsync(outcome, Me.Name, desk.Time.GetUtcNow(), cancellationToken))
            {
                RiskFigures.Forget(desk);
                Done = text["OutcomeRecorded", DeclarationId!];
                DeclarationId = null;
                Found = null;
                What = null;
                Revenue = null;
                Critical = false;
            }
            else Problems["declarationId"] = text["NoSuchDeclaration", DeclarationId!];
        }
        await LoadAsync(cancellationToken);
        return Page();
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        var page = await queue.PageAsync(Showing, PageSize, Before, cancellationToken);
        // One query for the whole page: the labels and the parties whose names reasons are withheld for.
        var known = await queue.LabelsAsync([.. page.Items.Select(i => i.DeclarationId)], cancellationToken);
        var items = new List<QueuedDeclaration>(page.Items.Count);
        foreach (var item in page.Items)
        {
            var found = known.GetValueOrDefault(item.DeclarationId);
            Labels[item.DeclarationId] = found?.Label ?? item.DeclarationId;
            var shown = RiskApi.Withhold(new RiskAssessment(item.DeclarationId, item.AssessedAt, item.Score, item.Lane, item.RandomlySelected, null, null, null, [], item.Reasons), found?.Parties ?? []);
            items.Add(item with { Reasons = shown.Reasons });
        }
        Queue = page with { Items = items };
        InService = desk.InService();
        Rates = (await RiskFigures.ReadAsync(desk, queue, desk.Time, cancellationToken)).Rates;
    }
}
