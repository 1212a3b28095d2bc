using System.Text.Json.Nodes;
using Entente.Access;
using Entente.Alerts;
using Entente.Common;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Localization;

namespace Entente.WebConsole.Pages.Alerts;

/// <summary>
/// Alerts: own, partners' and lists' alerts with the API's filters (`ReadAlerts`, as GET /api/alerts), one alert in
/// detail (?id=); a person's names, birth date, documents and remarks withheld until the purpose dialog, whose read
/// lands in the ledger as the API's; for officers and liaison officers (the API's `disclose` policy) a new alert
/// (`AlertBook.IssueAsync`, as POST /api/alerts, each problem next to its field with its JSON pointer), the withdrawal
/// of an own alert and the flag of a partner's, each with its reason.
/// </summary>
[Authorize(Policy = ConsolePolicies.Read)]
public sealed class IndexModel(ReadAlerts read, AlertBook book, IStringLocalizer<Strings> text) : ConsolePage
{
    [BindProperty(SupportsGet = true)] public string? State { get; set; }
    [BindProperty(SupportsGet = true)] public string? Kind { get; set; }
    [BindProperty(SupportsGet = true)] public string? Category { get; set; }
    [BindProperty(SupportsGet = true)] public string? Source { get; set; }
    [BindProperty(SupportsGet = true)] public string? Id { get; set; }

    [BindProperty] public string? Purpose { get; set; }
    [BindProperty] public string? Justification { get; set; }
    [BindProperty] public string? AlertId { get; set; }
    [BindProperty] public string? Reason { get; set; }

    /// <summary>The new alert's fields, by the name of their form input.</summary>
    [BindProperty] public Dictionary<string, string?> New { get; set; } = new(StringComparer.Ordinal);

    public IReadOnlyList<StoredAlert> Alerts { get; private set; } = [];
    public StoredAlert? Selected { get; private set; }
    public bool Revealed { get; private set; }
    public bool DialogOpen { get; private set; }
    public string? Done { get; private set; }
    public IReadOnlyList<Entente.Alerts.AlertPush> Pushed { get; private set; } = [];

    /// <summary>Problems of the filters and the purpose dialog, by field.</summary>
    public Dictionary<string, string> Problems { get; } = new(StringComparer.Ordinal);

    /// <summary>Problems of a withdrawal or a flag, by alert id.</summary>
    public Dictionary<string, string> ActionProblems { get; } = new(StringComparer.Ordinal);

    /// <summary>The new alert's problems by input ("" for those no input holds), each with its JSON pointer.</summary>
    public Dictionary<string, List<string>> NewProblems { get; } = new(StringComparer.Ordinal);

    /// <summary>The form's inputs and the JSON pointer each fills.</summary>
    public static readonly IReadOnlyList<(string Input, string Pointer)> NewFields =
    [
        ("kind", "/subject/kind"), ("names", "/subject/names"), ("birthDate", "/subject/birthDate"), ("eori", "/subject/eori"),
        ("containerNumber", "/subject/containerNumber"), ("imo", "/subject/imo"), ("hsPrefix", "/subject/hsPrefix"), ("countryCode", "/subject/countryCode"),
        ("category", "/category"), ("action", "/action"), ("from", "/validity/from"), ("until", "/validity/until"),
        ("agreement", "/legalBasis/agreement"), ("national", "/legalBasis/national"), ("handlingCode", "/handlingCode"), ("remarks", "/remarks"), ("state", "/state"),
    ];

    public static IEnumerable<string> States => Enum.GetValues<AlertState>().Select(AlertJson.Name);
    public static IEnumerable<string> Kinds => Enum.GetValues<AlertSubjectKind>().Select(AlertJson.Name);
    public static IEnumerable<string> Categories => Enum.GetValues<AlertCategory>().Select(AlertJson.Name);
    public static IEnumerable<string> Sources => Enum.GetValues<AlertSource>().Select(AlertJson.Name);
    public static IEnumerable<string> Actions => Enum.GetValues<AlertAction>().Select(AlertJson.Name);

    public bool MayAct => Can(AccessPolicies.Disclose);

    public Task OnGetAsync(CancellationToken cancellationToken) => LoadAsync(null, null, cancellationToken);

    /// <summary>The purpose dialog: the same list or alert read again with a purpose and a justification, recorded as the API's read.</summary>
    public async Task OnPostRevealAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(Purpose)) Problems["purpose"] = text["PurposeRequired"];
        if (string.IsNullOrWhiteSpace(Justification)) Problems["justification"] = text["JustificationRequired"];
        if (Problems.Count > 0)
        {
            DialogOpen = true;
            await LoadAsync(null, null, cancellationToken);
            return;
        }
        await LoadAsync(Purpose!.Trim(), Justification!.Trim(), cancellationToken);
    }

    public Task<IActionResult> OnPostWithdrawAsync(CancellationToken cancellationToken) =>
        ActAsync((id, reason) => book.WithdrawAsync(id, reason, Me.Name, cancellationToken), "AlertWithdrawn", cancellationToken);

    public Task<IActionResult> OnPostFlagAsync(CancellationToken cancellationToken) =>
        ActAsync((id, reason) => book.FlagAsync(id, reason, Me.Name, cancellationToken), "AlertFlagged", cancellationToken);

    /// <summary>A new alert from the form, checked by the book as POST /api/alerts is: refused fields come back next to their inputs.</summary>
    public async Task<IActionResult> OnPostIssueAsync(CancellationToken cancellationToken)
    {
        if (!MayAct) return Refuse();
        switch (await book.IssueAsync(Document(), Me.Name, cancellationToken))
        {
            case AlertOutcome.Done d:
                Done = text["AlertIssued", d.Change.Alert.Alert.Id, AlertJson.Name(d.Change.Alert.State)];
                Pushed = d.Change.Pushed;
                New.Clear();
                break;
            case var refused:
                foreach (var problem in refused.Problems) Place(problem);
                break;
        }
        await LoadAsync(null, null, cancellationToken);
        return Page();
    }

    public string? Problem(string field) => Problems.TryGetValue(field, out var p) ? p : null;

    public string? NewProblem(string input) => NewProblems.TryGetValue(input, out var p) ? string.Join("; ", p) : null;

    public string? NewValue(string input) => New.TryGetValue(input, out var v) ? v : null;

    public string? ActionProblem(string id) => ActionProblems.TryGetValue(id, out var p) ? p : null;

    /// <summary>This page's address with the filters, and one alert (or none).</summary>
    public string Link(string? id)
    {
        var query = new List<KeyValuePair<string, string?>>();
        void Add(string name, string? value)
        {
            if (!string.IsNullOrWhiteSpace(value)) query.Add(new(name, value));
        }
        Add("state", State);
        Add("kind", Kind);
        Add("category", Category);
        Add("source", Source);
        Add("id", id);
        return "/console/alerts" + Microsoft.AspNetCore.Http.QueryString.Create(query);
    }

    private async Task<IActionResult> ActAsync(Func<string, string, Task<AlertOutcome>> act, string said, CancellationToken cancellationToken)
    {
        if (!MayAct) return Refuse();
        var id = AlertId?.Trim() ?? "";
        if (string.IsNullOrWhiteSpace(Reason)) ActionProblems[id] = text["ReasonRequired"];
        else
        {
            switch (await act(id, Reason.Trim()))
            {
                case AlertOutcome.Done d:
                    Done = text[said, id];
                    Pushed = d.Change.Pushed;
                    break;
                case var refused:
                    ActionProblems[id] = FieldError.Detail(refused.Problems);
                    break;
            }
        }
        await LoadAsync(null, null, cancellationToken);
        return Page();
    }

    /// <summary>The alert document the form describes, as the API's body: empty inputs left out, lists split at commas.</summary>
    private JsonObject Document()
    {
        string? Value(string input) => New.TryGetValue(input, out var v) && !string.IsNullOrWhiteSpace(v) ? v.Trim() : null;
        var subject = new JsonObject { ["kind"] = Value("kind") };
        if (Value("names") is { } names) subject["names"] = new JsonArray([.. names.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(n => (JsonNode?)n)]);
        foreach (var member in new[] { "birthDate", "eori", "containerNumber", "imo", "hsPrefix", "countryCode" })
            if (Value(member) is { } v) subject[member] = v;
        var validity = new JsonObject { ["from"] = Value("from") };
        if (Value("until") is { } until) validity["until"] = until;
        var basis = new JsonObject();
        if (Value("agreement") is { } agreement) basis["agreement"] = agreement;
        if (Value("national") is { } national) basis["national"] = national;
        var document = new JsonObject
        {
            ["subject"] = subject,
            ["category"] = Value("category"),
            ["action"] = Value("action"),
            ["validity"] = validity,
            ["legalBasis"] = basis,
            ["handlingCode"] = Value("handlingCode") ?? "H0",
        };
        if (Value("remarks") is { } remarks) document["remarks"] = remarks;
        if (Value("state") is { } state) document["state"] = state;
        return document;
    }

    /// <summary>A problem next to the input whose pointer is the longest prefix of its path (a member of the subject the form has no input for: at the form's head).</summary>
    private void Place(FieldError problem)
    {
        var input = NewFields.Where(f => problem.Path == f.Pointer || problem.Path.StartsWith(f.Pointer + "/", StringComparison.Ordinal))
            .OrderByDescending(f => f.Pointer.Length).Select(f => f.Input).FirstOrDefault()
            ?? (problem.Path.StartsWith("/legalBasis", StringComparison.Ordinal) ? "agreement" : problem.Path.StartsWith("/validity", StringComparison.Ordinal) ? "from" : "");
        if (!NewProblems.TryGetValue(input, out var list)) NewProblems[input] = list = [];
        list.Add(problem.ToString());
    }

    private async Task LoadAsync(string? purpose, string? justification, CancellationToken cancellationToken)
    {
        var filter = new AlertFilter(Limit: 100);
        if (!string.IsNullOrWhiteSpace(State)) filter = AlertJson.Parse<AlertState>(State) is { } s ? filter with { State = s } : Invalid("state", AlertJson.Names<AlertState>(), filter);
        if (!string.IsNullOrWhiteSpace(Kind)) filter = AlertJson.Parse<AlertSubjectKind>(Kind) is { } k ? filter with { Kind = k } : Invalid("kind", AlertJson.Names<AlertSubjectKind>(), filter);
        if (!string.IsNullOrWhiteSpace(Category)) filter = AlertJson.Parse<AlertCategory>(Category) is { } c ? filter with { Category = c } : Invalid("category", AlertJson.Names<AlertCategory>(), filter);
        if (!string.IsNullOrWhiteSpace(Source)) filter = AlertJson.Parse<AlertSource>(Source) is { } o ? filter with { Source = o } : Invalid("source", AlertJson.Names<AlertSource>(), filter);
        if (Problems.Keys.Any(k => k is "state" or "kind" or "category" or "source")) return;

        var result = string.IsNullOrWhiteSpace(Id)
            ? await read.ListAsync(Me, Channel, filter, purpose, justification, cancellationToken)
            : await read.GetAsync(Me, Channel, Id.Trim(), purpose, justification, cancellationToken);
        switch (result)
        {
            case ReadAlertsResult.Read r when string.IsNullOrWhiteSpace(Id):
                Alerts = r.Alerts;
                Revealed = r.PersonalDataShown && purpose is not null;
                break;
            case ReadAlertsResult.Read r:
                Selected = r.Alerts[0];
                Revealed = r.PersonalDataShown && purpose is not null;
                break;
            case ReadAlertsResult.Refused r:
                Problems["purpose"] = r.Reason;
                DialogOpen = true;
                // Refused and recorded: the alerts are shown as a read without a purpose shows them.
                await LoadAsync(null, null, cancellationToken);
                break;
            case ReadAlertsResult.NotFound n:
                Problems["id"] = text["NoSuchAlert", n.Id];
                break;
        }
    }

    private AlertFilter Invalid(string field, string expected, AlertFilter filter)
    {
        Problems[field] = text["ExpectedOneOf", expected];
        return filter;
    }
}
