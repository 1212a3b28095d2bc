using Entente.Agreements;
using Entente.Assistance;
using Entente.Partners;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Localization;

namespace Entente.WebConsole.Pages.Assistance;

/// <summary>
/// Assistance: the requests this node received and sent, each linking to its page (where it is acknowledged, answered
/// in parts, declined or withdrawn), with its deadline and whether it is overdue (the API's list); and a new request to
/// a partner under an agreement (`NewAssistanceRequest`, as `POST /api/assistance-requests`, each problem next to its
/// field with the API's field path).
/// </summary>
[Authorize(Policy = ConsolePolicies.Assistance)]
public sealed class IndexModel(AssistanceDesk desk, NewAssistanceRequest create, AgreementShelf shelf, PartnerDirectory directory,
    TimeProvider time, IStringLocalizer<Strings> text) : ConsolePage
{
    public const int Shown = 100;

    [BindProperty] public string? NewTo { get; set; }
    [BindProperty] public string? NewAgreement { get; set; }
    [BindProperty] public string? NewLegalBasis { get; set; }
    [BindProperty] public string? NewPurpose { get; set; }
    [BindProperty] public string? NewCase { get; set; }
    [BindProperty] public string? NewSubject { get; set; }
    [BindProperty] public string? NewDeclarations { get; set; }
    [BindProperty] public string? NewParties { get; set; }
    [BindProperty] public string? NewAnswerBy { get; set; }

    /// <summary>The new request's problems by the API's field (its path's first segment: "to", "caseReference", "declarations"...).</summary>
    public Dictionary<string, string> NewProblems { get; } = new(StringComparer.Ordinal);
    public IReadOnlyList<string> PartnerCodes { get; private set; } = [];
    public IReadOnlyList<string> AgreementIds { get; private set; } = [];
    public static IReadOnlyList<string> RequestPurposes { get; } = [.. Enum.GetValues<Purpose>().Select(p => Name(p))];

    public IReadOnlyList<AssistanceSummary> Received { get; private set; } = [];
    public IReadOnlyList<AssistanceSummary> Sent { get; private set; } = [];
    public DateTimeOffset Now { get; private set; }
    public string? Done { get; private set; }

    public Task OnGetAsync(CancellationToken cancellationToken) => LoadAsync(cancellationToken);

    /// <summary>A new request to a partner, checked and sent by the use case the API calls; refused fields come back next to the form's fields.</summary>
    public async Task OnPostNewAsync(CancellationToken cancellationToken)
    {
        DateTimeOffset? answerBy = null;
        if (!string.IsNullOrWhiteSpace(NewAnswerBy))
        {
            if (DateOnly.TryParseExact(NewAnswerBy.Trim(), "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var day))
                answerBy = new DateTimeOffset(day.ToDateTime(new TimeOnly(23, 59, 59)), TimeSpan.Zero);
            else NewProblems["answerBy"] = "/answerBy: " + text["ExpectedDate"];
        }
        if (NewProblems.Count == 0)
        {
            var input = new NewAssistanceRequestInput(Blank(NewTo), Blank(NewAgreement), Blank(NewLegalBasis), Blank(NewPurpose), Blank(NewCase), Blank(NewSubject),
                List(NewDeclarations), List(NewParties), answerBy);
            switch (await create.HandleAsync(Me.Name, input, cancellationToken))
            {
                case AssistanceOutcome.Done d:
                    Done = text["RequestSent", d.Request.Id, d.Request.Requested];
                    NewTo = NewAgreement = NewLegalBasis = NewPurpose = NewCase = NewSubject = NewDeclarations = NewParties = NewAnswerBy = null;
                    break;
                case AssistanceOutcome.Invalid i: Place(i.Problems); break;
                case AssistanceOutcome.NoLegalBasis n: Place(n.Problems); break;
                case AssistanceOutcome.NotAllowed n: Place(n.Problems); break;
                case AssistanceOutcome.NotFound n: Place(n.Problems); break;
            }
        }
        await LoadAsync(cancellationToken);
    }

    public string? NewProblem(string field) => NewProblems.TryGetValue(field, out var p) ? p : null;

    public string PurposeLabel(string purpose) => text["Purpose_" + purpose] is { ResourceNotFound: false } label ? label.Value : purpose;

    /// <summary>Each problem next to the field its path names (the first segment: "/declarations/1" is the declarations field), with the path.</summary>
    private void Place(IReadOnlyList<AssistanceProblem> problems)
    {
        foreach (var problem in problems)
        {
            var field = problem.Field.TrimStart('/').Split('/')[0];
            var said = problem.ToString();
            NewProblems[field] = NewProblems.TryGetValue(field, out var before) ? before + "; " + said : said;
        }
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    /// <summary>Identifiers separated by commas, spaces or lines; none: null (the API's absent list).</summary>
    private static string[]? List(string? value) =>
        string.IsNullOrWhiteSpace(value) ? null : value.Split([',', ' ', '\n', '\r', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public static string Name<T>(T value) where T : struct, Enum => Entente.Agreements.PolicyEngine.Name(value);

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        Now = time.GetUtcNow();
        PartnerCodes = [.. (await directory.ListAsync(cancellationToken)).Select(p => p.Code).Order(StringComparer.Ordinal)];
        AgreementIds = [.. shelf.InForce(Now).Select(a => a.Id).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        Received = await desk.ListAsync(new AssistanceFilter(Role: AssistanceRole.Requested, Limit: Shown), cancellationToken);
        Sent = await desk.ListAsync(new AssistanceFilter(Role: AssistanceRole.Applicant, Limit: Shown), cancellationToken);
    }
}
