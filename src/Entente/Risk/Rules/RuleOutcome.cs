namespace Entente.Risk.Rules;

/// <summary>The lanes of ASYCUDA selectivity, weakest first: green (release), blue (post-clearance audit), yellow (documents), red (physical).</summary>
public enum Lane
{
    Green,
    Blue,
    Yellow,
    Red,
}

/// <summary>One risk result a partner sent about this declaration's consignment, containers or traders (an ICS-style risk result).</summary>
/// <param name="Partner">The partner's code (e.g. NL).</param>
/// <param name="Lane">The lane the partner gave.</param>
/// <param name="Subject">What it concerns, in words ("consignment", "container MSCU1234565", "exporter CN12345678"), when known.</param>
/// <param name="Reference">The partner's reference of the result, when known.</param>
public sealed record PartnerIndication(string Partner, Lane Lane, string? Subject = null, string? Reference = null);

/// <summary>The partner results that concern one declaration, gathered by the caller (from received risk-result records or a local source).</summary>
public sealed record PartnerIndicators(IReadOnlyList<PartnerIndication> Results)
{
    public static PartnerIndicators None { get; } = new([]);
}

/// <summary>A rule that fired, with its weight, lane and a reason an officer understands (the actual values).</summary>
public sealed record FiredRule(string Id, string Name, int Score, Lane? Lane, string Reason);

/// <summary>What a rule set made of one declaration.</summary>
/// <param name="RuleSet">The rule set and its version ("uk-targeting 3").</param>
/// <param name="Fired">The rules that fired, in the rule set's order.</param>
/// <param name="Score">The sum of the fired rules' scores.</param>
/// <param name="Lane">The strongest lane a fired rule named; null when none did.</param>
/// <param name="Missing">What was missing and which rules it kept from being checked ("value per kg missing on item 2: ...").</param>
public sealed record RuleOutcome(string RuleSet, IReadOnlyList<FiredRule> Fired, int Score, Lane? Lane, IReadOnlyList<string> Missing);
