using System.Text.Json.Nodes;
using Entente.Access;
using Entente.Agreements;
using Entente.Declarations;
using Entente.Ledger;
using Entente.Storage;

namespace Entente.Exchange;

public abstract record DiscloseResult
{
    /// <summary>Decided, projected, sealed and queued; the dispatcher delivers it.</summary>
    public sealed record Queued(DisclosureOutcome.Queued Outcome) : DiscloseResult
    {
        public DisclosureAnswer Answer => new(Outcome.Item.MessageId, Outcome.Item.ConversationId, Outcome.Item.ConversationSeq, Outcome.Item.Recipient,
            Outcome.Item.AgreementId, Outcome.Permit.Obligations.HandlingCode.ToString(), Outcome.Projected);
    }

    /// <summary>No agreement in force permits it.</summary>
    public sealed record Refused(string Reason) : DiscloseResult;

    /// <summary>The declaration named is not stored; <see cref="Detail"/> names the field.</summary>
    public sealed record NotFound(string Detail) : DiscloseResult;

    /// <summary>The request is not understood: a short <see cref="Title"/> and a <see cref="Detail"/> naming the field.</summary>
    public sealed record Invalid(string Title, string Detail) : DiscloseResult;
}

/// <summary>
/// A disclosure to a partner, for the API (POST /api/exchange/disclosures) and the console (`exchange share`): the
/// request checked, a stored declaration read by id, then decided by the agreements, projected, sealed and queued.
/// </summary>
public sealed class Disclose(ExchangeNode exchange, IDeclarationStore store, AccessRecorder recorder)
{
    public async Task<DiscloseResult> HandleAsync(LocalUser user, DisclosureRequest request, CancellationToken cancellationToken = default)
    {
        if (Check(request) is { } invalid) return invalid;
        JsonObject document;
        var subjects = new List<string>();
        string[] partyIds = [];
        if (request.DeclarationId is { } id)
        {
            if (await store.GetAsync(id, cancellationToken) is not { } stored) return new DiscloseResult.NotFound($"/declarationId: no declaration '{id}'");
            document = (JsonNode.Parse(EntenteJson.Serialize(stored.Declaration)) as JsonObject)!;
            partyIds = stored.Declaration.Parties.Select(p => p.Id).OfType<string>().Where(p => !string.IsNullOrWhiteSpace(p)).ToArray();
            // Filed under the declaration and its parties, permitted or refused, as a local read of them is.
            subjects.AddRange(recorder.Subjects([], [(id, partyIds)]));
        }
        else document = request.Document!;
        AgreementDocument.TryEnum<DataCategory>(request.Category, out var category);
        AgreementDocument.TryEnum<Purpose>(request.Purpose, out var purpose);
        var disclosure = new Disclosure(request.Recipient, category, purpose, request.Kind ?? PolicyEngine.Name(category), document)
        {
            AgreementId = request.Agreement,
            ConversationId = request.Conversation,
            AlertCategory = request.AlertCategory,
            CaseReference = request.CaseReference,
            Subjects = subjects,
            PartyIds = partyIds,
        };
        return await exchange.DiscloseAsync(disclosure, new LedgerActor(user.Name, user.Authority ?? exchange.Code), cancellationToken) switch
        {
            DisclosureOutcome.Queued q => new DiscloseResult.Queued(q),
            DisclosureOutcome.Refused r => new DiscloseResult.Refused(r.Deny.Reason),
            _ => throw new InvalidOperationException(),
        };
    }

    /// <summary>The first thing wrong with a request, naming its field; null when it can be decided.</summary>
    public static DiscloseResult.Invalid? Check(DisclosureRequest request)
    {
        if (!AgreementDocument.TryEnum<DataCategory>(request.Category, out _))
            return new("Invalid category", $"/category: '{request.Category}' is not one of {AgreementDocument.Names<DataCategory>()}");
        if (!AgreementDocument.TryEnum<Purpose>(request.Purpose, out _))
            return new("Invalid purpose", $"/purpose: '{request.Purpose}' is not one of {AgreementDocument.Names<Purpose>()}");
        if (string.IsNullOrWhiteSpace(request.Recipient)) return new("Invalid recipient", "/recipient: name the partner's node code");
        if (request.Kind is not null && !EnvelopeHeader.IsIdentifier(request.Kind)) return new("Invalid kind", "/kind: letters, digits and . _ : - only");
        if (request.Conversation is not null && !EnvelopeHeader.IsIdentifier(request.Conversation))
            return new("Invalid conversation", "/conversation: letters, digits and . _ : - only");
        if (request.DeclarationId is not null && request.Document is not null) return new("Ambiguous", "/document: give a declarationId or a document, not both");
        if (request.DeclarationId is null && request.Document is null)
            return new("Nothing to disclose", "/declarationId or /document: name a declaration or give the document");
        return null;
    }
}
