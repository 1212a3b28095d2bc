using Entente.Agreements;

namespace Entente.Tests.Agreements;

/// <summary>
/// The simplest possible reading of the decision semantics in docs/agreements.md, written apart from
/// <see cref="PolicyEngine"/> to be compared with it: no early exits, no precomputed paths, plain LINQ.
/// </summary>
internal static class NaivePolicy
{
    public sealed record Outcome(bool Permit, Obligations? Obligations, string[] AgreementIds);

    private static string[] Segments(string path) => path.Split('/').Skip(1).ToArray();

    private static bool Covers(string pattern, string field)
    {
        var p = Segments(pattern);
        var f = Segments(field);
        return p.Length <= f.Length && Enumerable.Range(0, p.Length).All(i => p[i] == "*" || p[i] == f[i]);
    }

    private static bool Overlap(string a, string b)
    {
        var x = Segments(a);
        var y = Segments(b);
        return Enumerable.Range(0, Math.Min(x.Length, y.Length)).All(i => x[i] == "*" || y[i] == "*" || x[i] == y[i]);
    }

    private static bool DenyMatches(DenyRule d, AccessRequest q) =>
        (d.Parties.Count == 0 || d.Parties.Contains(q.Requester.Node) || d.Parties.Contains(q.Recipient))
        && (d.Categories.Count == 0 || d.Categories.Contains(q.Category))
        && (d.Purposes.Count == 0 || d.Purposes.Contains(q.Purpose!.Value))
        && (d.Roles.Count == 0 || (q.Requester.Role is { } role && d.Roles.Contains(role)))
        && (d.Fields.Count == 0 || d.Fields.Any(p => q.Fields.Any(f => Overlap(p.Path, f))));

    private static Treatment? TreatmentOf(CategoryRule r, string field)
    {
        var covering = r.Disclose.Where(p => Covers(p.Path, field)).Select(_ => Treatment.Disclose)
            .Concat(r.Transforms.Where(t => Covers(t.Field.Path, field)).Select(t => t.Treatment))
            .ToList();
        if (covering.Count > 0) return covering.Max();
        return r.OtherFields == OtherFields.Drop ? Treatment.Drop : null;
    }

    public static Outcome Decide(IEnumerable<Agreement> agreements, AccessRequest q)
    {
        var deny = new Outcome(false, null, []);
        if (q.Purpose is null || q.Fields.Count == 0) return deny;
        var concerning = agreements.Where(a => new[] { q.Provider, q.Requester.Node, q.Recipient }.All(c => a.Parties.Any(p => p.Code == c))).ToList();
        if (concerning.Any(a => a.Denials.Any(d => DenyMatches(d, q)))) return deny;

        var permits = (
            from a in concerning
            where q.LegalBasis is null || q.LegalBasis == a.Id
            from r in a.Rules
            where r.Category == q.Category
            where r.AlertCategories.Count == 0 || (q.AlertCategory is not null && r.AlertCategories.Contains(q.AlertCategory))
            where (r.Roles.Count > 0) == (q.Requester.Role is not null)
            where r.Roles.Count == 0 || r.Roles.Contains(q.Requester.Role!)
            where r.Purposes.Contains(q.Purpose.Value)
            where q.Fields.All(f => TreatmentOf(r, f) is not null)
            select (Agreement: a, Rule: r)).ToList();
        if (permits.Count == 0) return deny;

        var treatment = q.Fields.ToDictionary(f => f, f => permits.Max(p => TreatmentOf(p.Rule, f)!.Value));
        string[] With(Treatment t) => treatment.Where(kv => kv.Value == t).Select(kv => kv.Key).Order(StringComparer.Ordinal).ToArray();
        var evaluations = permits.Where(p => p.Rule.Evaluation is not null).Select(p => p.Rule.Evaluation!.Value).ToList();
        EvaluationCode? evaluation = evaluations.Count == 0 ? null
            : new EvaluationCode(evaluations.Select(e => e.Source).MaxBy(s => "ABCX".IndexOf(s, StringComparison.Ordinal)), evaluations.Max(e => e.Accuracy));
        var answers = permits.Where(p => p.Rule.AnswerWithin is not null).Select(p => p.Rule.AnswerWithin!.Value.After(q.At)).ToList();
        OnwardTransfer onward;
        if (permits.Any(p => p.Rule.OnwardTransfer.Kind == OnwardTransferKind.Forbidden)) onward = OnwardTransfer.Forbidden;
        else if (permits.Any(p => p.Rule.OnwardTransfer.Kind == OnwardTransferKind.WithConsent)) onward = OnwardTransfer.WithConsent;
        else
        {
            var common = Nodes().Where(n => permits.All(p => p.Rule.OnwardTransfer.Parties.Contains(n))).Order(StringComparer.Ordinal).ToArray();
            onward = common.Length == 0 ? OnwardTransfer.Forbidden : new OnwardTransfer(OnwardTransferKind.AllowedTo, common);
        }
        var obligations = new Obligations(
            With(Treatment.Disclose), With(Treatment.GeneraliseToMonth), With(Treatment.Pseudonymise), With(Treatment.Mask), With(Treatment.Drop),
            permits.Max(p => p.Rule.HandlingCode),
            evaluation,
            permits.Min(p => p.Rule.Retention.Period.After(q.At)),
            permits.Any(p => p.Rule.Retention.Then == RetentionEnd.Erase) ? RetentionEnd.Erase : RetentionEnd.Review,
            onward,
            answers.Count == 0 ? null : answers.Min());
        return new Outcome(true, obligations, permits.Select(p => p.Agreement.Id).Distinct().Order(StringComparer.Ordinal).ToArray());

        IEnumerable<string> Nodes() => permits.SelectMany(p => p.Rule.OnwardTransfer.Parties).Distinct();
    }
}
