using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Entente.Agreements;
using Entente.Exchange;
using Entente.Ledger;

namespace Entente.Blinded;

/// <summary>Why a partner's request was refused; the HTTP status the holder answers with.</summary>
public enum RefusalCode { Malformed, Stale, Forged, UnknownPartner, WrongRecipient, OutsideAgreement, Replayed, RateLimited }

/// <summary>What the holder answers.</summary>
public abstract record HolderOutcome
{
    /// <summary>The index, signed; or <see cref="NotModified"/> when the asker's copy is current; or, <see cref="Delta"/>, the signed change from the asker's copy.</summary>
    public sealed record Index(BlindedIndex Current, byte[] Signed, bool NotModified, bool Delta = false) : HolderOutcome;

    public sealed record Evaluated(byte[] Signed, int Count) : HolderOutcome;

    /// <param name="Path">Where in the request: the header, a member of the signed map.</param>
    public sealed record Refused(RefusalCode Code, string Path, string Reason, TimeSpan? RetryAfter = null) : HolderOutcome
    {
        public string Name => Code switch
        {
            RefusalCode.UnknownPartner => "unknown-partner",
            RefusalCode.WrongRecipient => "wrong-recipient",
            RefusalCode.OutsideAgreement => "outside-agreement",
            RefusalCode.RateLimited => "rate-limited",
            _ => Code.ToString().ToLowerInvariant(),
        };

        public int Status => Code switch
        {
            RefusalCode.Malformed or RefusalCode.WrongRecipient => 400,
            RefusalCode.Stale or RefusalCode.Forged => 401,
            RefusalCode.UnknownPartner or RefusalCode.OutsideAgreement => 403,
            RefusalCode.Replayed => 409,
            _ => 429,
        };
    }
}

/// <summary>
/// The holder's side of blinded hit/no-hit: it reads a partner's signed request, checks who signed it (a partner an
/// agreement in force lists with that key), that it is for this node, fresh (within the replay window) and new (its
/// nonce not seen), that an agreement in force between them allows blinded-identifiers for the stated purpose, and
/// the partner's rate under that agreement; then serves the index or evaluates the blinded elements. Every
/// evaluation and every refusal is recorded in the ledger: counts, partner, agreement — never an element or a value.
/// </summary>
public sealed class BlindedHolder(string code, ECDsa signingKey, BlindedIndexer indexer, BlindedNonces nonces, EvaluationLimiter limiter, LedgerStore ledger,
    PartnerBook partners, Func<DateTimeOffset, IReadOnlyList<Agreement>> agreements, BlindedOptions options, TimeProvider time)
{
    public string Code => code;

    /// <param name="ifNoneMatch">The ETag of the asker's copy ("KEYID-VERSION"), if it has one.</param>
    /// <param name="acceptsDelta">The asker applies deltas: the change from its copy is sent instead of the whole index when this node still has it.</param>
    public async Task<HolderOutcome> IndexAsync(byte[] signedRequest, string? ifNoneMatch, CancellationToken cancellationToken = default, bool acceptsDelta = false)
    {
        var (request, refused) = await AuthenticateAsync(signedRequest, BlindedOperation.Index, cancellationToken);
        if (refused is not null) return refused;
        var index = await indexer.CurrentAsync(cancellationToken);
        if (ifNoneMatch == index.ETag) return new HolderOutcome.Index(index, [], true);
        if (acceptsDelta && ParseETag(ifNoneMatch) is { } since && await indexer.DeltaSinceAsync(since.KeyId, since.Version, cancellationToken) is { } delta && delta.Version == index.Version)
            return new HolderOutcome.Index(index, SignedCbor.Sign(delta.ToCbor(), BlindedIndexDelta.ContentType, signingKey, code), false, Delta: true);
        return new HolderOutcome.Index(index, SignedCborOf(index), false);
    }

    /// <summary>"KEYID-VERSION" (quoted) to its parts; null when it is not one.</summary>
    private static (string KeyId, long Version)? ParseETag(string? etag)
    {
        var text = etag?.Trim().Trim('"');
        var dash = text?.LastIndexOf('-') ?? -1;
        return dash > 0 && long.TryParse(text.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var version) ? (text![..dash], version) : null;
    }

    public async Task<HolderOutcome> EvaluateAsync(byte[] signedRequest, CancellationToken cancellationToken = default)
    {
        var (request, refused) = await AuthenticateAsync(signedRequest, BlindedOperation.Evaluate, cancellationToken);
        if (refused is not null) return refused;
        if (!limiter.TryTake(request!.From, request.Agreement, request.Elements.Count, out var retryAfter))
        {
            var reason = retryAfter == TimeSpan.MaxValue
                ? $"{request.Elements.Count} elements is more than the {options.Burst} {request.From} may have evaluated at once under {request.Agreement}"
                : $"{request.From} has had more blinded elements evaluated under {request.Agreement} than its rate allows ({options.EvaluationsPerMinute} a minute, {options.Burst} at once); retry in {retryAfter.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s";
            return await RefuseAsync(new HolderOutcome.Refused(RefusalCode.RateLimited, "request/elements", reason, retryAfter == TimeSpan.MaxValue ? null : retryAfter), request, cancellationToken);
        }
        // The index last built (its version tells the asker whether its copy is current); built now when there is none.
        var index = indexer.Last ?? await indexer.CurrentAsync(cancellationToken);
        var key = indexer.Key;
        var evaluated = new byte[request.Elements.Count][];
        for (var i = 0; i < evaluated.Length; i++)
        {
            try
            {
                evaluated[i] = key.Evaluate(request.Elements[i]);
            }
            catch (OprfException e)
            {
                return await RefuseAsync(new HolderOutcome.Refused(RefusalCode.Malformed, $"request/elements/{i}", e.Message), request, cancellationToken);
            }
        }
        // One batched DLEQ proof (RFC 9497 mode 0x01) that every element was evaluated with the key the index commits to.
        var proof = key.Prove(request.Elements, evaluated);
        var entry = LedgerEntry.Now(time, LedgerKinds.BlindedEvaluation, new LedgerActor("partner:" + request.From, request.From), new JsonObject
        {
            ["partner"] = request.From,
            ["agreement"] = request.Agreement,
            ["purpose"] = request.Purpose,
            ["count"] = evaluated.Length,
            ["key"] = key.Id,
            [LedgerSubjects.Field] = new JsonArray("agreement:" + request.Agreement),
        });
        var now = time.GetUtcNow();
        try
        {
            await ledger.AppendAsync(async (connection, transaction, ct) =>
                await nonces.InsertAsync(connection, transaction, request.From, request.NonceText, now, now - 2 * options.ReplayWindow, ct) ? [entry] : throw new ReplayedException(),
                cancellationToken);
        }
        catch (ReplayedException)
        {
            return await RefuseAsync(Replayed(request), request, cancellationToken);
        }
        return new HolderOutcome.Evaluated(BlindedRequest.SignEvaluation(code, key.Id, index.Version, request.Nonce, evaluated, proof, signingKey),
            evaluated.Length);
    }

    public byte[] SignedCborOf(BlindedIndex index) => SignedCbor.Sign(index.ToCbor(), BlindedIndex.ContentType, signingKey, code);

    private async Task<(BlindedRequest? Request, HolderOutcome.Refused? Refused)> AuthenticateAsync(byte[] signed, BlindedOperation operation, CancellationToken cancellationToken)
    {
        string kid;
        ReadOnlyMemory<byte> payload;
        try
        {
            (_, payload, kid) = SignedCbor.Read(signed, BlindedRequest.ContentType, "request");
        }
        catch (EnvelopeFormatException e)
        {
            return (null, await RefuseAsync(new HolderOutcome.Refused(RefusalCode.Malformed, "request", e.Message), null, cancellationToken));
        }
        BlindedRequest request;
        try
        {
            request = BlindedRequest.FromCbor(payload, options.MaxBatch);
        }
        catch (FormatException e)
        {
            return (null, await RefuseAsync(new HolderOutcome.Refused(RefusalCode.Malformed, "request", e.Message), new PartialRequest(kid, operation), cancellationToken));
        }
        HolderOutcome.Refused? Refuse(RefusalCode refusal, string path, string reason) => new(refusal, path, reason);
        var refused = request.Operation != operation ? Refuse(RefusalCode.Malformed, "request/op", $"this endpoint takes {(operation == BlindedOperation.Index ? "index" : "evaluate")} requests")
            : request.From != kid ? Refuse(RefusalCode.Forged, "request/from", $"signed as {kid} (kid) but claims to be from {request.From}")
            : null;
        if (refused is null)
        {
            var partner = await partners.GetAsync(request.From, cancellationToken);
            if (partner is null)
                refused = Refuse(RefusalCode.UnknownPartner, "request/from", $"{request.From} is not a partner of {code} that an agreement in force lists with its key");
            else
            {
                try
                {
                    SignedCbor.Verify(signed, BlindedRequest.ContentType, partner.SigningKey, "request", $"{request.From}'s signing key ({partner.KeyId})");
                }
                catch (EnvelopeFormatException e)
                {
                    refused = Refuse(RefusalCode.Forged, "request", e.Message);
                }
            }
        }
        var now = time.GetUtcNow();
        if (refused is null && request.To != code) refused = Refuse(RefusalCode.WrongRecipient, "request/to", $"the request is for {request.To}, this node is {code}");
        if (refused is null && (request.At < now - options.ReplayWindow || request.At > now + options.ReplayWindow))
            refused = Refuse(RefusalCode.Stale, "request/at", $"signed at {request.At:O}, more than {options.ReplayWindow} from this node's clock ({now:O})");
        if (refused is null && !AgreementDocument.TryEnum<Purpose>(request.Purpose, out _))
            refused = Refuse(RefusalCode.Malformed, "request/purpose", $"'{request.Purpose}' is not one of {AgreementDocument.Names<Purpose>()}");
        if (refused is null && Decide(request, now) is Deny deny)
            refused = Refuse(RefusalCode.OutsideAgreement, "request/agreement", deny.Reason);
        // An evaluation keeps its nonce in the transaction of its ledger entry (one commit); an index request at once.
        if (refused is null && (nonces.SeenRecently(request.From, request.NonceText, now, now - 2 * options.ReplayWindow)
                || (operation == BlindedOperation.Index && !await nonces.FirstUseAsync(request.From, request.NonceText, now, now - 2 * options.ReplayWindow, cancellationToken))))
            refused = Replayed(request);
        if (refused is null) return (request, null);
        return (null, await RefuseAsync(refused, request, cancellationToken));
    }

    private static HolderOutcome.Refused Replayed(BlindedRequest request) =>
        new(RefusalCode.Replayed, "request/nonce", $"this request (nonce {request.NonceText}) was received before: a replay");

    private sealed class ReplayedException : Exception;

    /// <summary>Whether an agreement in force, the one the request cites, lets the partner have blinded identifiers evaluated for its purpose.</summary>
    private Decision Decide(BlindedRequest request, DateTimeOffset now)
    {
        AgreementDocument.TryEnum<Purpose>(request.Purpose, out var purpose);
        return PolicyEngine.Decide(agreements(now), new AccessRequest(code, new Requester(request.From), request.From, DataCategory.BlindedIdentifiers, purpose, [Field], now)
        {
            LegalBasis = request.Agreement,
        });
    }

    /// <summary>The field a blinded-identifiers rule discloses: the evaluation (docs/blinded.md).</summary>
    public const string Field = "/evaluation";

    private sealed record PartialRequest(string From, BlindedOperation Operation);

    private async Task<HolderOutcome.Refused> RefuseAsync(HolderOutcome.Refused refused, object? request, CancellationToken cancellationToken)
    {
        var (from, operation, agreement, count) = request switch
        {
            BlindedRequest r => (r.From, r.Operation, r.Agreement, (int?)(r.Operation == BlindedOperation.Evaluate ? r.Elements.Count : null)),
            PartialRequest p => (p.From, p.Operation, null, null),
            _ => ("", (BlindedOperation?)null, (string?)null, (int?)null),
        };
        var body = new JsonObject
        {
            ["partner"] = from.Length > 64 ? from[..64] : from,
            ["operation"] = operation switch { BlindedOperation.Index => "index", BlindedOperation.Evaluate => "evaluate", _ => "" },
            ["code"] = refused.Name,
            ["reason"] = refused.Reason,
        };
        if (agreement is not null) body["agreement"] = agreement.Length > 200 ? agreement[..200] : agreement;
        if (count is not null) body["count"] = count;
        await ledger.AppendAsync(LedgerKinds.BlindedRefused, new LedgerActor("partner:" + (from.Length > 0 ? from : "?"), code), body, cancellationToken);
        return refused;
    }
}
