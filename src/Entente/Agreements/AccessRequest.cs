namespace Entente.Agreements;

/// <summary>Who asks: a partner node, or a local user with a role on this node (then <see cref="Role"/> is set).</summary>
public sealed record Requester(string Node, string? User = null, string? Role = null)
{
    public bool IsLocal => Role is not null;

    public override string ToString() => IsLocal ? $"{User ?? "?"} ({Role}) at {Node}" : Node;
}

/// <summary>
/// A request to disclose or read data: whose data (<see cref="Provider"/>, normally this node), who asks, who receives,
/// the data category, the purpose, and the canonical field paths asked for. <see cref="At"/> is when it is decided
/// (retention and answer deadlines count from it). <see cref="LegalBasis"/>, when given, is the id of the agreement the
/// requester relies on: only that agreement can permit (deny rules of every agreement still apply).
/// </summary>
public sealed record AccessRequest(
    string Provider,
    Requester Requester,
    string Recipient,
    DataCategory Category,
    Purpose? Purpose,
    IReadOnlyList<string> Fields,
    DateTimeOffset At)
{
    /// <summary>For <see cref="DataCategory.Alerts"/>: the alert category (discreet-check, objects-for-seizure, ...).</summary>
    public string? AlertCategory { get; init; }

    public string? LegalBasis { get; init; }

    public string? CaseReference { get; init; }
}
