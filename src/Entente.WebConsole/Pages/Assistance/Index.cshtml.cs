using Entente.Assistance;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Localization;

namespace Entente.WebConsole.Pages.Assistance;

/// <summary>
/// Assistance: the requests this node received and sent, with their deadlines (the API's list), and for a received
/// request still open, an answer in parts (`AnswerAssistanceRequest`, as `POST .../answers`) or a refusal with grounds
/// (the desk's decline, as `POST .../decline`).
/// </summary>
[Authorize(Policy = ConsolePolicies.Assistance)]
public sealed class IndexModel(AssistanceDesk desk, AnswerAssistanceRequest answer, TimeProvider time, IStringLocalizer<Strings> text) : ConsolePage
{
    public const int Shown = 100;

    [BindProperty] public string? Id { get; set; }
    [BindProperty] public string? Text { get; set; }
    [BindProperty] public bool Final { get; set; }
    [BindProperty] public string? Grounds { get; set; }

    public IReadOnlyList<AssistanceSummary> Received { get; private set; } = [];
    public IReadOnlyList<AssistanceSummary> Sent { get; private set; } = [];
    public DateTimeOffset Now { get; private set; }
    /// <summary>Problems by request id and field ("answer" or "grounds").</summary>
    public Dictionary<(string Id, string Field), string> Problems { get; } = [];
    public string? Done { get; private set; }

    public Task OnGetAsync(CancellationToken cancellationToken) => LoadAsync(cancellationToken);

    public async Task OnPostAnswerAsync(CancellationToken cancellationToken)
    {
        var id = Id?.Trim() ?? "";
        switch (await answer.HandleAsync(Me.Name, new AnswerAssistanceRequestInput(id, string.IsNullOrWhiteSpace(Text) ? null : Text.Trim(), null, Final), cancellationToken))
        {
            case AssistanceOutcome.Done d:
                Done = text["AnswerSent", d.Request.Id, Name(d.Request.Status)];
                break;
            case AssistanceOutcome.Invalid i: Problems[(id, "answer")] = AssistanceOutcome.Message(i.Problems); break;
            case AssistanceOutcome.NotAllowed n: Problems[(id, "answer")] = AssistanceOutcome.Message(n.Problems); break;
            case AssistanceOutcome.NotFound n: Problems[(id, "answer")] = AssistanceOutcome.Message(n.Problems); break;
            case AssistanceOutcome.NoLegalBasis n: Problems[(id, "answer")] = AssistanceOutcome.Message(n.Problems); break;
        }
        await LoadAsync(cancellationToken);
    }

    public async Task OnPostDeclineAsync(CancellationToken cancellationToken)
    {
        var id = Id?.Trim() ?? "";
        if (string.IsNullOrWhiteSpace(Grounds)) Problems[(id, "grounds")] = text["GroundsRequired"];
        else
        {
            try
            {
                var declined = await desk.DeclineAsync(id, Grounds.Trim(), Me.Name, cancellationToken);
                Done = text["RequestDeclined", declined.Id];
            }
            catch (AssistanceException e)
            {
                Problems[(id, "grounds")] = AssistanceOutcome.Message(e.Problems);
            }
        }
        await LoadAsync(cancellationToken);
    }

    public string? Problem(string id, string field) => Problems.TryGetValue((id, field), out var p) ? p : null;

    public static string Name<T>(T value) where T : struct, Enum => Entente.Agreements.PolicyEngine.Name(value);

    public static bool Open(AssistanceStatus status) => status is AssistanceStatus.Sent or AssistanceStatus.Acknowledged or AssistanceStatus.PartiallyAnswered;

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        Now = time.GetUtcNow();
        Received = await desk.ListAsync(new AssistanceFilter(Role: AssistanceRole.Requested, Limit: Shown), cancellationToken);
        Sent = await desk.ListAsync(new AssistanceFilter(Role: AssistanceRole.Applicant, Limit: Shown), cancellationToken);
    }
}
