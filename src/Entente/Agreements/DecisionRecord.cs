using System.Globalization;
using System.Text.Json.Nodes;
using Entente.Ledger;

namespace Entente.Agreements;

/// <summary>A policy decision as the ledger keeps it: the request, the outcome, the agreements (id, version, hash) it rested on, the reason.</summary>
public static class DecisionRecord
{
    public static JsonObject Body(AccessRequest request, Decision decision, IEnumerable<string>? subjects = null)
    {
        var about = (subjects ?? []).ToList();
        var body = new JsonObject
        {
            ["decision"] = decision.IsPermit ? "permit" : "deny",
            ["provider"] = request.Provider,
            ["requester"] = request.Requester.ToString(),
            ["recipient"] = request.Recipient,
            ["category"] = PolicyEngine.Name(request.Category),
            ["purpose"] = request.Purpose is { } p ? PolicyEngine.Name(p) : null,
            ["legalBasis"] = request.LegalBasis,
            ["caseReference"] = request.CaseReference,
            ["fields"] = new JsonArray(request.Fields.Select(f => (JsonNode)f).ToArray()),
            ["agreements"] = new JsonArray(decision.Agreements.Select(a => (JsonNode)new JsonObject
            {
                ["id"] = a.Id,
                ["version"] = a.Version,
                ["hash"] = a.ContentHash,
            }).ToArray()),
            ["reason"] = decision.Reason,
            ["records"] = new JsonArray(about.Where(s => s.StartsWith("declaration:", StringComparison.Ordinal)).Select(s => (JsonNode)s["declaration:".Length..]).ToArray()),
            [LedgerSubjects.Field] = LedgerSubjects.ToJson(about.Concat(decision.Agreements.Select(a => AgreementWatch.Subject(a.Id)))),
        };
        if (decision.Agreements.Count > 0)
        {
            var a = decision.Agreements[0];
            body["agreement"] = new JsonObject { ["id"] = a.Id, ["version"] = a.Version, ["hash"] = a.ContentHash };
        }
        if (decision is Permit permit)
        {
            body["handlingCode"] = permit.Obligations.HandlingCode.ToString();
            body["retainUntil"] = permit.Obligations.RetainUntil.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);
        }
        return body;
    }
}
