using System.Text.Json.Nodes;
using Entente.Intelligence.Seizures;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Localization;

namespace Entente.WebConsole.Pages.Intelligence;

/// <summary>
/// One seizure, own or a partner's, as GET /api/seizures/{id} shows it: offenders withheld until a purpose and a
/// justification are stated in the dialog; the read then goes through <see cref="SeizureBook.ShowAsync"/> and lands in
/// the ledger as the API's does (channel "web"), a refusal too.
/// </summary>
public sealed class SeizureModel(SeizureBook book, IStringLocalizer<Strings> text) : ConsolePage
{
    [BindProperty(SupportsGet = true)] public string Id { get; set; } = "";
    [BindProperty] public string? Purpose { get; set; }
    [BindProperty] public string? Justification { get; set; }

    public SeizureView? View { get; private set; }
    public bool Revealed { get; private set; }
    public Dictionary<string, string> Problems { get; } = new(StringComparer.Ordinal);

    public JsonObject Body => (JsonObject)View!.Document["seizure"]!;

    public IEnumerable<JsonObject> Offenders => (Body["offenders"] as JsonArray)?.OfType<JsonObject>() ?? [];

    public Task<IActionResult> OnGetAsync(CancellationToken cancellationToken) => ShowAsync(null, null, cancellationToken);

    public async Task<IActionResult> OnPostRevealAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(Purpose)) Problems["purpose"] = text["PurposeRequired"];
        if (string.IsNullOrWhiteSpace(Justification)) Problems["justification"] = text["JustificationRequired"];
        if (Problems.Count > 0) return await ShowAsync(null, null, cancellationToken);
        return await ShowAsync(Purpose!.Trim(), Justification!.Trim(), cancellationToken);
    }

    private async Task<IActionResult> ShowAsync(string? purpose, string? justification, CancellationToken cancellationToken)
    {
        switch (await book.ShowAsync(Me, Channel, Id, purpose, justification, cancellationToken))
        {
            case SeizureRead.Read read:
                View = read.View;
                Revealed = purpose is not null;
                return Page();
            case SeizureRead.Refused refused:
                Problems["purpose"] = refused.Reason;
                return await ShowAsync(null, null, cancellationToken);
            default:
                return NotFound();
        }
    }

    public static string Text(JsonNode? node) => node switch
    {
        null => "—",
        JsonValue v => v.ToString(),
        JsonArray a => string.Join(", ", a.Select(Text)),
        JsonObject o => string.Join(", ", o.Select(p => $"{p.Key}: {Text(p.Value)}")),
        _ => node.ToJsonString(),
    };
}
