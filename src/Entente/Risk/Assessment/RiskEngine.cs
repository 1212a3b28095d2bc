using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Entente.Declarations;
using Entente.Risk.Model;
using Entente.Risk.Rules;

namespace Entente.Risk.Assessment;

/// <summary>Why an assessment came out as it did, one line per cause: a rule, the model, a partner, the random draw, capacity, missing data.</summary>
/// <param name="Source">"rule tobacco-risky-origin", "model 20261128-101500", "partner NL", "random selection", "capacity", "missing data".</param>
/// <summary>One reason of an assessment in words; its text is null only where a read without a purpose withholds it (the assessment's withheld lists it).</summary>
public sealed record RiskReason(string Source, string? Text, double? Points = null);

/// <summary>
/// One declaration's risk assessment: the score, the lane (red physical, yellow documents, blue post-clearance audit,
/// green release), whether it was a random selection, every reason in words, and the rule-set and model versions.
/// </summary>
public sealed record RiskAssessment(
    string? DeclarationId,
    DateTimeOffset AssessedAt,
    double Score,
    Lane Lane,
    bool RandomlySelected,
    string? RuleSet,
    string? Model,
    double? Probability,
    IReadOnlyList<string> FiredRules,
    IReadOnlyList<RiskReason> Reasons)
{
    /// <summary>What a read without a purpose left out, as JSON pointers relative to the assessment ("/reasons/2/text").</summary>
    public IReadOnlyList<string>? Withheld { get; init; }
}

/// <summary>How many declarations already went red today (for the capacity limit).</summary>
public readonly record struct LaneLoad(int RedToday)
{
    public static LaneLoad None => new(0);
}

/// <summary>The risk decision: a pure function from a declaration, the rule set and model in service, the partners'
/// results, the lane policy and today's load to a scored, explained lane.</summary>
public static class RiskEngine
{
    public static RiskAssessment Assess(
        Declaration declaration, RuleSet? rules, RiskModel? model, PartnerIndicators partners, LanePolicy policy, LaneLoad load, DateTimeOffset now)
    {
        var reasons = new List<RiskReason>();
        var outcome = rules?.Evaluate(declaration, partners);
        var score = 0.0;
        if (outcome is not null)
        {
            score += outcome.Score;
            foreach (var fired in outcome.Fired)
            {
                var effect = fired.Lane is { } l ? $" (asks for {Name(l)})" : "";
                reasons.Add(new RiskReason($"rule {fired.Id}", $"{fired.Name}: {fired.Reason}{effect}", fired.Score));
            }
        }
        double? probability = null;
        if (model is not null)
        {
            var opinion = model.Score(declaration);
            probability = opinion.Probability;
            var points = policy.ModelWeight * opinion.Probability;
            score += points;
            var why = opinion.Reasons.Count == 0 ? "" : ": " + string.Join("; ", opinion.Reasons.Select(r => r.Text));
            reasons.Add(new RiskReason($"model {model.Version}",
                $"fraud probability {opinion.Probability.ToString("0.00", CultureInfo.InvariantCulture)}{why}", points));
        }
        foreach (var result in partners.Results)
        {
            var about = result.Subject is null ? "" : $" about {result.Subject}";
            var reference = result.Reference is null ? "" : $" (their reference {result.Reference})";
            reasons.Add(new RiskReason($"partner {result.Partner}", $"{result.Partner} gave {Name(result.Lane)}{about}{reference}"));
        }
        if (outcome is not null)
        {
            foreach (var missing in outcome.Missing) reasons.Add(new RiskReason("missing data", missing));
        }
        if (rules is null && model is null) reasons.Add(new RiskReason("no targeting", "no rule set and no model are in service: only the random selection applies"));

        score = Math.Round(score, 2);
        var lane = policy.LaneOf(score);
        var ruleLane = outcome?.Lane;
        if (ruleLane is { } asked && asked > lane) lane = asked;

        var random = Draw(policy.Seed, declaration) < policy.RandomRate;
        if (random)
        {
            reasons.Add(new RiskReason("random selection",
                $"selected at random: {Percent(policy.RandomRate)} of declarations are, whatever their score, so inspection results stay an unbiased sample"));
            if (policy.RandomLane > lane) lane = policy.RandomLane;
        }

        // Capacity decides only what the score alone sent to red: a rule's red and a random selection stand.
        if (lane == Lane.Red && ruleLane != Lane.Red && !random && policy.RedCapacityPerDay is { } capacity && load.RedToday >= capacity)
        {
            lane = Lane.Yellow;
            reasons.Add(new RiskReason("capacity", $"red lane full ({capacity} physical inspections a day, {load.RedToday} today): documentary check instead"));
        }
        if (reasons.Count == 0 || reasons.All(r => r.Source is "missing data"))
            reasons.Insert(0, new RiskReason("score", $"no rule fired and the score {score.ToString("0.##", CultureInfo.InvariantCulture)} is below every lane threshold"));

        return new RiskAssessment(
            declaration.Id, now, score, lane, random, outcome?.RuleSet, model?.Version, probability,
            outcome?.Fired.Select(f => f.Id).ToArray() ?? [], reasons);
    }

    /// <summary>A reproducible draw in [0, 1) for a declaration: the same declaration under the same seed always draws the same.</summary>
    public static double Draw(string seed, Declaration declaration)
    {
        var key = declaration.Id ?? declaration.Mrn ?? $"{declaration.Lrn}|{declaration.FindParty(PartyRole.Declarant)?.Id}";
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes($"{seed}|{key}"), hash);
        return (BinaryPrimitives.ReadUInt64BigEndian(hash) >> 11) * (1.0 / (1UL << 53));
    }

    public static string Name(Lane lane) => lane.ToString().ToLowerInvariant();

    private static string Percent(double share) => (share * 100).ToString("0.##", CultureInfo.InvariantCulture) + " %";
}
