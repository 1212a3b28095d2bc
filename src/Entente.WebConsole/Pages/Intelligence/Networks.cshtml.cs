using Entente.Access;
using Entente.Intelligence.Networks;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Localization;

namespace Entente.WebConsole.Pages.Intelligence;

/// <summary>
/// Trader networks (the use case behind /api/network/*, <see cref="NetworkQueries"/>): the neighbourhood of a party,
/// container or seized consignment, a path between two, communities with their seizure history and who is near each
/// seized consignment. Party identifiers, addresses and contacts are shown as tags until a purpose and a justification
/// are stated in the dialog; asking about a party is itself refused without one, as the API refuses it; each read is
/// recorded in the ledger.
/// </summary>
[Authorize(Policy = ConsolePolicies.Assess)]
public sealed class NetworksModel(NetworkQueries network, IStringLocalizer<Strings> text) : ConsolePage
{
    public static readonly string[] Modes = ["neighbourhood", "path", "communities", "seized"];

    [BindProperty(SupportsGet = true)] public string? Mode { get; set; }
    [BindProperty(SupportsGet = true)] public string? Node { get; set; }
    [BindProperty(SupportsGet = true)] public string? To { get; set; }
    [BindProperty(SupportsGet = true)] public int? Hops { get; set; }
    [BindProperty] public string? Purpose { get; set; }
    [BindProperty] public string? Justification { get; set; }

    public NetworkAnswer? Answer { get; private set; }
    public bool Revealed { get; private set; }
    public Dictionary<string, string> Problems { get; } = new(StringComparer.Ordinal);

    public bool Asked => Mode is not null;

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        if (Mode is null) return;
        await AskAsync(null, null, cancellationToken);
    }

    /// <summary>The purpose dialog's submission: the same question with a purpose, recorded in the ledger.</summary>
    public async Task OnPostRevealAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(Purpose)) Problems["purpose"] = text["PurposeRequired"];
        if (string.IsNullOrWhiteSpace(Justification)) Problems["justification"] = text["JustificationRequired"];
        if (Problems.Count > 0)
        {
            await AskAsync(null, null, cancellationToken);
            return;
        }
        await AskAsync(Purpose!.Trim(), Justification!.Trim(), cancellationToken);
    }

    private async Task AskAsync(string? purpose, string? justification, CancellationToken cancellationToken)
    {
        if (!Modes.Contains(Mode)) Mode = "neighbourhood";
        var query = new NetworkQuery(Blank(Node), Blank(To), Hops, null, purpose, justification);
        var result = Mode switch
        {
            "path" => await network.PathAsync(Me, Channel, query, cancellationToken),
            "communities" => await network.CommunitiesAsync(Me, Channel, query with { Node = null, To = null, Hops = null }, cancellationToken),
            "seized" => await network.SeizedAsync(Me, Channel, query with { Node = null, To = null }, cancellationToken),
            _ => await network.NeighbourhoodAsync(Me, Channel, query, cancellationToken),
        };
        switch (result)
        {
            case NetworkResult.Found found:
                Answer = found.Answer;
                Revealed = purpose is not null && found.Answer.Notice is null;
                break;
            case NetworkResult.Refused refused:
                // Asking about a party without a purpose, or a purpose the role may not state: said in the dialog.
                Problems["purpose"] = refused.Reason;
                break;
            case NetworkResult.NotFound notFound:
                Problems[notFound.Detail.StartsWith("to:", StringComparison.Ordinal) ? "To" : "Node"] = notFound.Detail;
                break;
            case NetworkResult.Invalid invalid:
                foreach (var e in invalid.Errors) Problems[e.Path switch { "node" => "Node", "to" => "To", "hops" => "Hops", _ => "Node" }] = e.Message;
                break;
        }
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    /// <summary>Whether a node's key names personal data (a party, an address, a contact), shown as a tag until a purpose is given.</summary>
    public static bool IsPersonal(NetworkNodeView node) => node.Kind is "party" or "address" or "contact";

    /// <summary>The console's link to a consignment's page, if it has one.</summary>
    public static string? Link(NetworkNodeView node) => node.Kind switch
    {
        "declaration" => "/console/declarations/" + Uri.EscapeDataString(node.Key["declaration:".Length..]),
        "seizure" => "/console/intelligence/seizures/" + Uri.EscapeDataString(node.Key[(node.Key.IndexOf(':', StringComparison.Ordinal) + 1)..]),
        _ => null,
    };

    public bool ShowsPartyPurposeButton => Purposes.Count > 0 && (Answer?.Notice is not null || Problems.ContainsKey("purpose"));

    public bool MayAsk => Can(AccessPolicies.Assess);
}
