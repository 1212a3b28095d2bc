using Entente.Agreements;

namespace Entente.Tests.Agreements;

/// <summary>Random agreements and requests over a small world (four nodes, a few fields), so that permits, denies and overlaps are all common.</summary>
internal static class PolicyScenarios
{
    public static readonly string[] Nodes = ["NL", "KR", "DE", "US"];
    public static readonly string[] Patterns = ["/a", "/a/b", "/a/c", "/a/*", "/x/0/y", "/x/*/y", "/x/1", "/z"];
    public static readonly string[] Fields = ["/a/b", "/a/c", "/a", "/x/0/y", "/x/1/y", "/x/*/y", "/z", "/a/b/c", "/q"];
    public static readonly DataCategory[] Categories = [DataCategory.Declarations, DataCategory.PersonalPartyData, DataCategory.Alerts];
    public static readonly Purpose[] Purposes = [Purpose.RiskManagement, Purpose.Investigation, Purpose.Statistics];
    public static readonly string[] AlertCategories = ["arrest", "discreet-check"];
    public static readonly string[] Roles = ["analyst", "officer"];
    public static readonly DateTimeOffset At = new(2026, 6, 15, 10, 0, 0, TimeSpan.Zero);

    public sealed record Scenario(List<Agreement> Agreements, AccessRequest Request)
    {
        public override string ToString() =>
            $"request {Request} fields [{string.Join(", ", Request.Fields)}]; agreements: " + string.Join(" | ", Agreements.Select(a =>
                $"{a.Id} [{string.Join(",", a.Parties.Select(p => p.Code))}] rules {a.Rules.Count} denials {a.Denials.Count}"));
    }

    public static Scenario Generate(Random r)
    {
        var agreements = new List<Agreement>();
        var count = r.Next(0, 5);
        for (var i = 0; i < count; i++) agreements.Add(Agreement(r, $"a{i}"));
        return new Scenario(agreements, Request(r, agreements));
    }

    public static Agreement Agreement(Random r, string id)
    {
        var parties = Subset(r, Nodes, 1).Select(c => new AgreementParty(c, c, "sha256:" + new string('0', 64))).ToArray();
        var rules = new List<CategoryRule>();
        for (var i = r.Next(0, 4); i > 0; i--) rules.Add(Rule(r));
        var denials = new List<DenyRule>();
        if (r.NextDouble() < 0.3) denials.Add(Denial(r));
        return new Agreement(id, 1 + r.Next(3), AgreementKind.Multilateral, null, parties, ["test"], new DateOnly(2026, 1, 1), new DateOnly(2026, 12, 31),
            rules, denials, [], "sha256:" + id)
        { CanonicalBytes = Array.Empty<byte>() };
    }

    private static CategoryRule Rule(Random r)
    {
        var category = Pick(r, Categories);
        var disclose = Subset(r, Patterns, 0).Select(p => new FieldPattern(p, null)).ToList();
        var transforms = Subset(r, Patterns, 0).Take(r.Next(0, 3)).Select(p => new FieldTransform(new FieldPattern(p, null), (Treatment)r.Next(1, 5))).ToList();
        if (disclose.Count + transforms.Count == 0) disclose.Add(new FieldPattern(Pick(r, Patterns), null));
        var onward = r.Next(3) switch
        {
            0 => OnwardTransfer.Forbidden,
            1 => OnwardTransfer.WithConsent,
            _ => new OnwardTransfer(OnwardTransferKind.AllowedTo, Subset(r, Nodes, 1).Order(StringComparer.Ordinal).ToArray()),
        };
        return new CategoryRule(
            category,
            category == DataCategory.Alerts && r.Next(2) == 0 ? Subset(r, AlertCategories, 1) : [],
            r.Next(4) == 0 ? Subset(r, Roles, 1) : [],
            Subset(r, Purposes, 1),
            disclose,
            transforms,
            r.Next(2) == 0 ? OtherFields.Refuse : OtherFields.Drop,
            (HandlingCode)r.Next(4),
            r.Next(3) == 0 ? null : new EvaluationCode("ABCX"[r.Next(4)], r.Next(1, 5)),
            onward,
            new Entente.Agreements.Retention(new Period(r.Next(0, 3), r.Next(0, 12), r.Next(0, 40), 0), r.Next(2) == 0 ? RetentionEnd.Erase : RetentionEnd.Review),
            r.Next(2) == 0 ? null : new Period(0, 0, r.Next(0, 30), r.Next(0, 48)));
    }

    public static DenyRule Denial(Random r)
    {
        while (true)
        {
            var d = new DenyRule(
                r.Next(2) == 0 ? null : "because",
                r.Next(3) == 0 ? Subset(r, Nodes, 1) : [],
                r.Next(3) == 0 ? Subset(r, Categories, 1) : [],
                r.Next(3) == 0 ? Subset(r, Purposes, 1) : [],
                r.Next(3) == 0 ? Subset(r, Patterns, 1).Select(p => new FieldPattern(p, null)).ToList() : [],
                r.Next(5) == 0 ? Subset(r, Roles, 1) : []);
            if (d.Parties.Count + d.Categories.Count + d.Purposes.Count + d.Fields.Count + d.Roles.Count > 0) return d;
        }
    }

    public static AccessRequest Request(Random r, List<Agreement> agreements)
    {
        var pool = agreements.Count > 0 && r.Next(5) > 0 ? Pick(r, agreements).Parties.Select(p => p.Code).ToArray() : Nodes;
        var local = r.Next(4) == 0;
        var provider = Pick(r, pool);
        var requester = local ? new Requester(provider, "u", Pick(r, Roles)) : new Requester(Pick(r, pool));
        var category = Pick(r, Categories);
        return new AccessRequest(provider, requester, local ? provider : Pick(r, pool), category,
            r.Next(20) == 0 ? null : Pick(r, Purposes), Subset(r, Fields, 1).Take(3).ToArray(), At)
        {
            AlertCategory = category == DataCategory.Alerts && r.Next(3) > 0 ? Pick(r, AlertCategories) : null,
            LegalBasis = agreements.Count > 0 && r.Next(10) == 0 ? Pick(r, agreements).Id : null,
        };
    }

    public static T Pick<T>(Random r, IReadOnlyList<T> items) => items[r.Next(items.Count)];

    public static List<T> Subset<T>(Random r, IReadOnlyList<T> items, int atLeast)
    {
        while (true)
        {
            var chosen = items.Where(_ => r.Next(2) == 0).ToList();
            if (chosen.Count >= atLeast) return chosen;
        }
    }

    public static List<T> Shuffled<T>(Random r, IEnumerable<T> items) => items.OrderBy(_ => r.Next()).ToList();

    /// <summary>The same agreements with every list whose order carries no meaning shuffled, in a shuffled order.</summary>
    public static List<Agreement> Shuffle(Random r, List<Agreement> agreements) =>
        Shuffled(r, agreements.Select(a => a with
        {
            Parties = Shuffled(r, a.Parties),
            Rules = Shuffled(r, a.Rules.Select(x => x with
            {
                Purposes = Shuffled(r, x.Purposes),
                Disclose = Shuffled(r, x.Disclose),
                Transforms = Shuffled(r, x.Transforms),
                AlertCategories = Shuffled(r, x.AlertCategories),
                Roles = Shuffled(r, x.Roles),
            })),
            Denials = Shuffled(r, a.Denials),
        }));
}
