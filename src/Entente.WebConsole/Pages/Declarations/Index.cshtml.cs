using Entente.Access;
using Entente.Declarations;
using Entente.Storage;
using Microsoft.AspNetCore.Mvc;

namespace Entente.WebConsole.Pages.Declarations;

/// <summary>Declarations: the API's search (same filters, same checks, same ledger entry for a party search), paged.</summary>
public sealed class IndexModel(SearchDeclarations search) : ConsolePage
{
    public const int PageSize = 25;

    [BindProperty(SupportsGet = true)] public string? Reference { get; set; }
    [BindProperty(SupportsGet = true)] public string? Party { get; set; }
    [BindProperty(SupportsGet = true)] public string? Hs { get; set; }
    [BindProperty(SupportsGet = true)] public string? Origin { get; set; }
    [BindProperty(SupportsGet = true)] public string? From { get; set; }
    [BindProperty(SupportsGet = true)] public string? To { get; set; }
    [BindProperty(SupportsGet = true)] public string? Container { get; set; }
    [BindProperty(SupportsGet = true)] public string? Status { get; set; }
    [BindProperty(SupportsGet = true)] public string? Finding { get; set; }
    [BindProperty(SupportsGet = true)] public string? After { get; set; }
    [BindProperty(SupportsGet = true)] public string? Purpose { get; set; }
    [BindProperty(SupportsGet = true)] public string? Justification { get; set; }

    public SearchPage? Results { get; private set; }
    public string? Notice { get; private set; }

    /// <summary>A problem per filter (the API's parameter name), shown next to the field.</summary>
    public Dictionary<string, string> Problems { get; } = new(StringComparer.Ordinal);

    public string? Refusal { get; private set; }

    public static IEnumerable<string> Statuses => Enum.GetValues<DeclarationStatus>().Select(DeclarationLifecycle.ToName);

    public static IEnumerable<string> Findings => FindingCodes.All.Keys.Order(StringComparer.Ordinal);

    public async Task OnGetAsync(CancellationToken cancellationToken)
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
