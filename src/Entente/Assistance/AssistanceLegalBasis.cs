using Entente.Agreements;

namespace Entente.Assistance;

/// <summary>
/// Whether an agreement in force gives a request its legal basis (pure): the cited agreement is in force and binds both
/// authorities, the cited legal-basis text is one of its entries, and the policy decision with that agreement as legal
/// basis permits assistance-requests from the applicant to the requested authority for the purpose. The applicant runs
/// it before sending, the requested authority again on receipt, each with its own agreements.
/// </summary>
public sealed record AssistanceLegalBasis(AccessRequest Access, Decision Decision, IReadOnlyList<AssistanceProblem> Problems)
{
    public bool Holds => Problems.Count == 0 && Decision is Permit;

    /// <summary>The answer-by time the agreement sets (its answer-within from <see cref="AccessRequest.At"/>), when it permits.</summary>
    public DateTimeOffset? AnswerBy => (Decision as Permit)?.Obligations.AnswerBy;

    /// <summary>The decision as the ledger records it: the engine's, or a deny naming every problem when a check beyond the engine's failed.</summary>
    public Decision Recorded => Holds || Decision is Deny ? Decision : new Deny(Problems.Select(p => p.Message).ToArray(), Decision.Agreements);

    /// <summary>"no legal basis: " and every reason, as an automatic decline gives its grounds.</summary>
    public string Grounds => "no legal basis: " + string.Join("; ", Problems.Select(p => p.Message));

    public static AssistanceLegalBasis Check(IReadOnlyList<Agreement> inForce, string applicant, string requested, string agreementId, string legalBasis,
        Purpose purpose, string caseReference, DateTimeOffset at)
    {
        var access = new AccessRequest(applicant, new Requester(requested), requested, DataCategory.AssistanceRequests, purpose, ["/request"], at)
        {
            LegalBasis = agreementId,
            CaseReference = caseReference,
        };
        var decision = PolicyEngine.Decide(inForce, access);
        var problems = new List<AssistanceProblem>();
        var agreement = inForce.FirstOrDefault(a => a.Id == agreementId);
        if (agreement is null)
        {
            var known = inForce.Count == 0 ? "none" : string.Join(", ", inForce.Select(a => a.ToString()));
            problems.Add(new("/agreement", $"agreement {agreementId} is not in force (in force: {known})"));
        }
        else
        {
            foreach (var code in new[] { applicant, requested })
                if (agreement.Party(code) is null)
                    problems.Add(new(code == applicant ? "/from" : "/to", $"{code} is not a party to {agreement} (parties: {string.Join(", ", agreement.Parties.Select(p => p.Code))})"));
            if (!agreement.LegalBasis.Contains(legalBasis, StringComparer.Ordinal))
            {
                var entries = agreement.LegalBasis.Count == 0 ? "it lists none" : "cite one of: " + string.Join(" | ", agreement.LegalBasis.Select(b => $"\"{b}\""));
                problems.Add(new("/legalBasis", $"\"{legalBasis}\" is not a legal-basis entry of {agreement}; {entries}"));
            }
        }
        if (decision is Deny && agreement is not null)
            problems.Add(new("/purpose", $"{PolicyEngine.Name(DataCategory.AssistanceRequests)} for {PolicyEngine.Name(purpose)} from {applicant} to {requested} not permitted: {decision.Reason}"));
        return new AssistanceLegalBasis(access, decision, problems);
    }
}
