using System.Text.Json;
using System.Text.Json.Nodes;
using Entente.Assistance;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Localization;

namespace Entente.WebConsole.Pages.Assistance;

/// <summary>
/// One assistance request, the workflow page: its deadline, legal basis and subject, the parts answered, its history,
/// and what this side may do next, each with the same use case and desk move as the API (`AnswerAssistanceRequest` as
/// `POST .../answers`, the desk's acknowledge, decline and withdraw): the requested authority acknowledges, answers in
/// parts (text, JSON data or both; the last one final) or declines with grounds; the applicant withdraws. Every
/// refusal is shown next to the field that caused it. The roles are the API's (liaison officers and officers).
/// </summary>
[Authorize(Policy = ConsolePolicies.Assistance)]
public sealed class DetailModel(AssistanceDesk desk, AnswerAssistanceRequest answer, TimeProvider time, IStringLocalizer<Strings> text) : ConsolePage
{
    [BindProperty(SupportsGet = true)] public string Id { get; set; } = "";
    [BindProperty] public string? Text { get; set; }
    [BindProperty] public string? Data { get; set; }
    [BindProperty] public bool Final { get; set; }
    [BindProperty] public string? Grounds { get; set; }
    [BindProperty] public string? Reference { get; set; }
    [BindProperty] public string? Reason { get; set; }

    public AssistanceRequest? Assistance { get; private set; }
    public DateTimeOffset Now { get; private set; }
    public string? Done { get; private set; }

    /// <summary>Problems by the form field they are shown next to ("Text", "Data", "Grounds", "Reference", "Reason").</summary>
    public Dictionary<string, string> Problems { get; } = new(StringComparer.Ordinal);

    /// <summary>This node received the request (it answers) rather than sent it (it withdraws).</summary>
    public bool Received => Assistance is { } r && r.RoleOf(desk.Node) == AssistanceRole.Requested;

    public bool Open => Assistance?.IsOpen == true;

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken);

    public async Task<IActionResult> OnPostAnswerAsync(CancellationToken cancellationToken)
    {
        JsonObject? data = null;
        if (!string.IsNullOrWhiteSpace(Data))
        {
            try
            {
                data = JsonNode.Parse(Data) as JsonObject;
                if (data is null) Problems["Data"] = "/data: " + text["ExpectedJsonObject"];
            }
            catch (JsonException e)
            {
                Problems["Data"] = text["JsonNotRead", (e.LineNumber ?? 0) + 1, (e.BytePositionInLine ?? 0) + 1, e.Message];
            }
        }
        if (Problems.Count == 0)
        {
            var input = new AnswerAssistanceRequestInput(Id, string.IsNullOrWhiteSpace(Text) ? null : Text.Trim(), data, Final);
            switch (await answer.HandleAsync(Me.Name, input, cancellationToken))
            {
                case AssistanceOutcome.Done d:
                    Done = text["AnswerSent", d.Request.Id, IndexModel.Name(d.Request.Status)];
                    Text = Data = null;
                    Final = false;
                    break;
                case AssistanceOutcome.Invalid i: Place(i.Problems, "Text"); break;
                case AssistanceOutcome.NotAllowed n: Place(n.Problems, "Text"); break;
                case AssistanceOutcome.NotFound n: Place(n.Problems, "Text"); break;
                case AssistanceOutcome.NoLegalBasis n: Place(n.Problems, "Text"); break;
            }
        }
        return await LoadAsync(cancellationToken);
    }

    /// <summary>Declined with grounds (required, as the API requires them).</summary>
    public Task<IActionResult> OnPostDeclineAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(Grounds))
        {
            Problems["Grounds"] = text["GroundsRequired"];
            return LoadAsync(cancellationToken);
        }
        return MoveAsync("Grounds", () => desk.DeclineAsync(Id, Grounds.Trim(), Me.Name, cancellationToken), r => text["RequestDeclined", r.Id], cancellationToken);
    }

    public Task<IActionResult> OnPostAcknowledgeAsync(CancellationToken cancellationToken) =>
        MoveAsync("Reference", () => desk.AcknowledgeAsync(Id, Me.Name, Blank(Reference), cancellationToken), r => text["RequestAcknowledged", r.Id], cancellationToken);

    public Task<IActionResult> OnPostWithdrawAsync(CancellationToken cancellationToken) =>
        MoveAsync("Reason", () => desk.WithdrawAsync(Id, Blank(Reason), Me.Name, cancellationToken), r => text["RequestWithdrawn", r.Id], cancellationToken);

    public string? Problem(string field) => Problems.TryGetValue(field, out var p) ? p : null;

    public string PurposeLabel(string purpose) => text["Purpose_" + purpose] is { ResourceNotFound: false } label ? label.Value : purpose;

    private async Task<IActionResult> MoveAsync(string field, Func<Task<AssistanceRequest>> move, Func<AssistanceRequest, string> said, CancellationToken cancellationToken)
    {
        try
        {
            Done = said(await move());
            Grounds = Reference = Reason = null;
        }
        catch (AssistanceException e)
        {
            Problems[field] = AssistanceOutcome.Message(e.Problems);
        }
        return await LoadAsync(cancellationToken);
    }

    /// <summary>Each problem next to the field its path names (/answer/data, /grounds), else next to <paramref name="fallback"/>.</summary>
    private void Place(IReadOnlyList<AssistanceProblem> problems, string fallback)
    {
        foreach (var problem in problems)
        {
            var segments = problem.Field.TrimStart('/').Split('/');
            var field = (segments is ["answer", var member, ..] ? member : segments[0]) switch
            {
                "data" => "Data",
                "grounds" => "Grounds",
                _ => fallback,
            };
            Problems[field] = Problems.TryGetValue(field, out var before) ? before + "; " + problem : problem.ToString();
        }
    }

    private async Task<IActionResult> LoadAsync(CancellationToken cancellationToken)
    {
        Now = time.GetUtcNow();
        Assistance = await desk.GetAsync(Id, cancellationToken);
        if (Assistance is null) return NotFound();
        return Page();
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
