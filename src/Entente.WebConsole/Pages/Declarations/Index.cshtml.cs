using Entente.Access;
using Entente.Declarations;
using Entente.Storage;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Localization;

namespace Entente.WebConsole.Pages.Declarations;

/// <summary>Declarations: the API's search (same filters, same checks, same ledger entry for a party search), paged.</summary>
public sealed class IndexModel(SearchDeclarations search, IStringLocalizer<Strings> text) : ConsolePage
{
    public const int PageSize = 25;

    [BindProperty(SupportsGet = true)] public string? Reference { get; set; }
    [BindProperty] public string? Party { get; set; }
    [BindProperty(SupportsGet = true)] public string? Hs { get; set; }
    [BindProperty(SupportsGet = true)] public string? Origin { get; set; }
    [BindProperty(SupportsGet = true)] public string? From { get; set; }
    [BindProperty(SupportsGet = true)] public string? To { get; set; }
    [BindProperty(SupportsGet = true)] public string? Container { get; set; }
    [BindProperty(SupportsGet = true)] public string? Status { get; set; }
    [BindProperty(SupportsGet = true)] public string? Finding { get; set; }
    [BindProperty(SupportsGet = true)] public string? After { get; set; }
    [BindProperty] public string? Purpose { get; set; }
    [BindProperty] public string? Justification { get; set; }

    public SearchPage? Results { get; private set; }
    public string? Notice { get; private set; }

    /// <summary>A problem per filter (the API's parameter name), shown next to the field.</summary>
    public Dictionary<string, string> Problems { get; } = new(StringComparer.Ordinal);

    public string? Refusal { get; private set; }

    public static IEnumerable<string> Statuses => Enum.GetValues<DeclarationStatus>().Select(DeclarationLifecycle.ToName);

    public static IEnumerable<string> Findings => FindingCodes.All.Keys.Order(StringComparer.Ordinal);

    /// <summary>Whether the results come from a party search (a POST with a purpose): its pages are posted again, each recorded.</summary>
    public bool PartySearch { get; private set; }

    /// <summary>The filters alone (GET): no party, nothing personal asked, nothing recorded.</summary>
    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Party = Purpose = Justification = null;
        await SearchAsync(cancellationToken);
    }

    /// <summary>
    /// The purpose dialog's party search (a POST with its anti-forgery token, never a link): the party, the purpose and
    /// the justification go to <see cref="SearchDeclarations"/> with the filters, which checks and records it as the API does.
    /// </summary>
    public async Task OnPostPartyAsync(CancellationToken cancellationToken)
    {
        PartySearch = true;
        if (string.IsNullOrWhiteSpace(Party)) Problems["party"] = text["PartyRequired"];
        if (string.IsNullOrWhiteSpace(Purpose)) Problems["purpose"] = text["PurposeRequired"];
        if (string.IsNullOrWhiteSpace(Justification)) Problems["justification"] = text["JustificationRequired"];
        if (Problems.Count == 0) await SearchAsync(cancellationToken);
    }

    /// <summary>Whether the purpose dialog comes back open (a party search refused: its problems are shown in it).</summary>
    public bool DialogOpen => PartySearch && Results is null && (Problems.ContainsKey("party") || Problems.ContainsKey("purpose") || Problems.ContainsKey("justification"));

    private async Task SearchAsync(CancellationToken cancellationToken)
    {
        var input = new SearchDeclarationsInput
        {
            Reference = Blank(Reference),
            Party = Blank(Party),
            Hs = Blank(Hs),
            Origin = Blank(Origin),
            From = Blank(From),
            To = Blank(To),
            Container = Blank(Container),
            Status = Blank(Status),
            Finding = Blank(Finding),
            After = Blank(After),
            Limit = PageSize,
            Purpose = Blank(Purpose),
            Justification = Blank(Justification),
        };
        switch (await search.HandleAsync(Me, Channel, input, cancellationToken))
        {
            case SearchDeclarationsResult.Found found:
                Results = found.Page;
                Notice = found.Notice;
                break;
            case SearchDeclarationsResult.Refused { Parameter: { } parameter } refused:
                Problems[parameter] = refused.Reason;
                break;
            case SearchDeclarationsResult.Refused refused:
                Problems["purpose"] = refused.Reason;
                break;
            case SearchDeclarationsResult.Invalid invalid:
                foreach (var problem in invalid.Problems) Problems.TryAdd(problem.Parameter, problem.Message);
                break;
        }
    }

    /// <summary>This search's address with another page position.</summary>
    public string PageLink(string? after)
    {
        var query = new List<KeyValuePair<string, string?>>();
        void Add(string name, string? value)
        {
            if (!string.IsNullOrWhiteSpace(value)) query.Add(new(name, value));
        }
        Add("reference", Reference);
        Add("hs", Hs);
        Add("origin", Origin);
        Add("from", From);
        Add("to", To);
        Add("container", Container);
        Add("status", Status);
        Add("finding", Finding);
        Add("after", after);
        return "/console/declarations" + Microsoft.AspNetCore.Http.QueryString.Create(query);
    }

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
