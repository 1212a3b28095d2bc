using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Entente.Agreements;
using Entente.Common;
using Entente.Exchange;
using Entente.Ledger;
using Entente.Partners;

namespace Entente.Blinded;

/// <summary>"Do you hold this?": the identifier (its type and value; a vehicle's country, a person's birth date), the purpose, the partners (all that an agreement allows when none is named), optionally the agreement.</summary>
public sealed record AskInput(string? Type, string? Value, string? Purpose, IReadOnlyList<string>? Partners = null, string? Country = null, string? BirthDate = null, string? Agreement = null);

/// <summary>One partner's answer: hit or no-hit with the reference to quote in an assistance request, or why it could not be asked (error) or its answer was refused (a failed proof).</summary>
/// <param name="IndexTransfer">How the partner's index was had: <c>kept</c> (the copy kept, unchanged), <c>not-modified</c> (revalidated: 304), <c>delta</c> (the change since the copy kept), <c>full</c> (the whole index).</param>
/// <param name="IndexBytes">The bytes the partner sent for its index in this query (0 when kept or not modified).</param>
public sealed record PartnerAnswer(string Partner, string? Agreement, string Outcome, string? Reference = null, long? IndexVersion = null, int? IndexSize = null, string? Error = null,
    string? IndexTransfer = null, long? IndexBytes = null)
{
    public const string Hit = "hit", NoHit = "no-hit", Failed = "error";

    /// <summary>The partner answered, but its evaluation proof does not verify against its signed index's public key: no answer is taken from it.</summary>
    public const string Refused = "refused";

    public const string Kept = "kept", NotModified = "not-modified", Delta = "delta", Full = "full";
}

/// <summary>The query's answers, partner by partner, and how long it took.</summary>
public sealed record BlindedAnswers(string Type, string Purpose, IReadOnlyList<PartnerAnswer> Answers, int Hits, double Milliseconds);

public abstract record AskOutcome
{
    public sealed record Answered(BlindedAnswers Answers) : AskOutcome;

    /// <summary>400: the input is wrong (where and what was expected).</summary>
    public sealed record Invalid(IReadOnlyList<FieldError> Errors) : AskOutcome;

    /// <summary>422: no partner can be asked (none named is a partner under an agreement that allows it).</summary>
    public sealed record NoPartner(IReadOnlyList<FieldError> Errors) : AskOutcome;
}

/// <summary>
/// The asker's use case (docs/blinded.md): blinds the identifier for each partner (a fresh blind each), has each
/// partner evaluate it in parallel over signed requests, verifies the partner's proof (RFC 9497 VOPRF) against the
/// public key its signed index commits to (a failed proof is refused and recorded as blinded-proof-refused),
/// finalizes, and looks the tag up in the partner's blinded
/// index (cached in the home, refreshed with If-None-Match). The partner sees only a random-looking element; the
/// asker learns hit or no-hit. The query is recorded in this node's ledger with its purpose, the identifier's type
/// (not its value), the partners asked and their outcomes.
/// </summary>
public sealed class AskPartners(string code, ECDsa signingKey, PartnerBook partners, PartnerDirectory directory, Func<DateTimeOffset, IReadOnlyList<Agreement>> agreements,
    LedgerStore ledger, HttpClient http, string cacheFolder, BlindedOptions options, TimeProvider time)
{
    /// <summary>Deltas kept on top of a partner's whole index before the next fetch asks for the whole index again.</summary>
    public const int MaxDeltasKept = 32;

    private readonly ConcurrentDictionary<string, (BlindedIndex Index, DateTimeOffset Fetched)> _indexes = new(StringComparer.Ordinal);

    public async Task<AskOutcome> HandleAsync(string user, AskInput input, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        var errors = new List<FieldError>();
        if (!BlindedIdentifier.TryType(input.Type, out var type)) errors.Add(new FieldError("/type", $"expected one of {BlindedIdentifier.TypeNames}"));
        if (!AgreementDocument.TryEnum<Purpose>(input.Purpose ?? "", out var purpose)) errors.Add(new FieldError("/purpose", $"expected one of {AgreementDocument.Names<Purpose>()}"));
        BlindedIdentifier? identifier = null;
        if (errors.Count == 0)
        {
            try
            {
                identifier = BlindedIdentifier.Of(type, input.Value, input.Country, input.BirthDate);
            }
            catch (BlindedIdentifierException e)
            {
                errors.Add(e.Error);
            }
        }
        if (errors.Count > 0) return new AskOutcome.Invalid(errors);
        var purposeName = PolicyEngine.Name(purpose);

        var now = time.GetUtcNow();
        var named = input.Partners is { Count: > 0 };
        var codes = named ? input.Partners!.Distinct(StringComparer.Ordinal).ToList() : (await directory.ListAsync(cancellationToken)).Select(p => p.Code).ToList();
        var asked = new List<(ExchangePartner Partner, string Agreement)>();
        var answers = new List<PartnerAnswer>();
        var refusals = new List<(string Partner, FieldError Error)>();
        foreach (var (partnerCode, i) in codes.Select((c, i) => (c, i)))
        {
            var path = named ? $"/partners/{i}" : "/partners";
            var partner = await partners.GetAsync(partnerCode, cancellationToken);
            if (partner is null)
            {
                refusals.Add((partnerCode, new FieldError(path, $"{partnerCode} is not a partner of {code} that an agreement in force lists")));
                continue;
            }
            var agreement = AgreementFor(partnerCode, purpose, input.Agreement, now);
            if (agreement is null)
            {
                refusals.Add((partnerCode, new FieldError(path, $"no agreement in force between {code} and {partnerCode}{(input.Agreement is null ? "" : $" ({input.Agreement})")} allows {PolicyEngine.Name(DataCategory.BlindedIdentifiers)} for {purposeName}")));
                continue;
            }
            asked.Add((partner, agreement));
        }
        if (asked.Count == 0)
            return new AskOutcome.NoPartner(refusals.Count > 0 ? [.. refusals.Select(r => r.Error)] : [new FieldError("/partners", $"{code} has no partner under an agreement that allows {PolicyEngine.Name(DataCategory.BlindedIdentifiers)} for {purposeName}")]);
        if (named) answers.AddRange(refusals.Select(r => new PartnerAnswer(r.Partner, null, PartnerAnswer.Failed, Error: r.Error.Message)));

        var input1 = identifier!.Input();
        var asks = await Task.WhenAll(asked.Select(a => AskOneAsync(a.Partner, a.Agreement, purposeName, input1, cancellationToken)));
        answers.AddRange(asks.Select(a => a.Answer));
        answers.Sort((a, b) => string.CompareOrdinal(a.Partner, b.Partner));
        var hits = answers.Count(a => a.Outcome == PartnerAnswer.Hit);

        // A partner whose evaluation proof fails evaluated with another key than its index commits to: refused and recorded.
        foreach (var (answer, failure) in asks.Where(a => a.ProofFailure is not null).OrderBy(a => a.Answer.Partner, StringComparer.Ordinal))
        {
            await ledger.AppendAsync(LedgerKinds.BlindedProofRefused, new LedgerActor(user, code), new JsonObject
            {
                ["partner"] = answer.Partner,
                ["agreement"] = answer.Agreement,
                ["key"] = failure!.KeyId,
                ["indexVersion"] = failure.IndexVersion,
                ["reason"] = answer.Error,
            }, cancellationToken);
        }

        await ledger.AppendAsync(LedgerKinds.BlindedQuery, new LedgerActor(user, code), new JsonObject
        {
            ["purpose"] = purposeName,
            ["type"] = BlindedIdentifier.Name(type),
            ["partners"] = new JsonArray([.. answers.Select(a => (JsonNode)new JsonObject
            {
                ["partner"] = a.Partner,
                ["agreement"] = a.Agreement,
                ["outcome"] = a.Outcome,
                ["reference"] = a.Reference,
            })]),
            ["hits"] = hits,
        }, cancellationToken);
        return new AskOutcome.Answered(new BlindedAnswers(BlindedIdentifier.Name(type), purposeName, answers, hits, clock.Elapsed.TotalMilliseconds));
    }

    /// <summary>The agreement to ask under: the one named, or the first in force (by id) that permits blinded-identifiers for the purpose from this partner.</summary>
    private string? AgreementFor(string partner, Purpose purpose, string? named, DateTimeOffset now)
    {
        var inForce = agreements(now);
        foreach (var agreement in inForce.Where(a => named is null || a.Id == named).OrderBy(a => a.Id, StringComparer.Ordinal))
        {
            var decision = PolicyEngine.Decide(inForce, new AccessRequest(partner, new Requester(code), code, DataCategory.BlindedIdentifiers, purpose, [BlindedHolder.Field], now)
            {
                LegalBasis = agreement.Id,
            });
            if (decision.IsPermit) return agreement.Id;
        }
        return null;
    }

    /// <summary>A partner's evaluation whose proof did not verify: the key it named and the version of the index checked against.</summary>
    private sealed record ProofFailure(string KeyId, long IndexVersion);

    private async Task<(PartnerAnswer Answer, ProofFailure? ProofFailure)> AskOneAsync(ExchangePartner partner, string agreement, string purpose, byte[] input, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.PartnerTimeout);
        try
        {
            var blind = Voprf.Blind(input);
            var (keyId, version, evaluated, proof) = await EvaluateAsync(partner, agreement, purpose, blind.BlindedElement, timeout.Token);
            // The copy kept is used while it is the version the partner evaluated against and younger than IndexMaxAge;
            // otherwise it is revalidated (If-None-Match), which also has the partner rebuild its index if its data changed.
            var kept = Kept(partner);
            var (current, transfer, bytes) = (kept?.Index, PartnerAnswer.Kept, 0L);
            if (kept is not { } k || k.Index.KeyId != keyId || k.Index.Version != version || time.GetUtcNow() - k.Fetched > options.IndexMaxAge)
            {
                var fetched = await IndexAsync(partner, agreement, purpose, kept?.Index, timeout.Token);
                (current, transfer, bytes) = (fetched.Kept.Index, fetched.Transfer, fetched.Bytes);
            }
            if (current is null) throw new InvalidOperationException("no index");
            if (current.KeyId != keyId) return (new PartnerAnswer(partner.Code, agreement, PartnerAnswer.Failed, Error: $"{partner.Code} evaluated with key {keyId} but its index is under {current.KeyId}"), null);
            byte[] output;
            try
            {
                // VOPRF Finalize: the proof must show the evaluation used the key whose public element the signed index carries.
                output = Voprf.Finalize(input, blind.Blind, evaluated, blind.BlindedElement, current.PublicKey, proof);
            }
            catch (OprfProofException)
            {
                var why = $"{partner.Code}'s evaluation is refused: its proof does not verify against the public key of its signed index (key {current.KeyId}, version {current.Version}), " +
                    $"so {partner.Code} evaluated with another key than the one its index commits to; no answer is taken from it";
                return (new PartnerAnswer(partner.Code, agreement, PartnerAnswer.Refused, Error: why, IndexVersion: current.Version, IndexSize: current.Count, IndexTransfer: transfer,
                    IndexBytes: bytes), new ProofFailure(keyId, current.Version));
            }
            var tag = BlindedIndex.TagOf(output);
            return (current.Contains(tag)
                ? new PartnerAnswer(partner.Code, agreement, PartnerAnswer.Hit, $"{partner.Code}:{current.KeyId}:{current.Version}:{BlindedIndex.Hex(tag)}", current.Version, current.Count,
                    IndexTransfer: transfer, IndexBytes: bytes)
                : new PartnerAnswer(partner.Code, agreement, PartnerAnswer.NoHit, null, current.Version, current.Count, IndexTransfer: transfer, IndexBytes: bytes), null);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or FormatException or EnvelopeFormatException or OprfException or BlindedPartnerException)
        {
            var why = e is OperationCanceledException && !cancellationToken.IsCancellationRequested ? $"no answer within {options.PartnerTimeout.TotalSeconds} s" : e.Message;
            return (new PartnerAnswer(partner.Code, agreement, PartnerAnswer.Failed, Error: why), null);
        }
    }

    private async Task<(string KeyId, long Version, byte[] Evaluated, byte[] Proof)> EvaluateAsync(ExchangePartner partner, string agreement, string purpose, byte[] blinded, CancellationToken cancellationToken)
    {
        var request = BlindedRequest.New(BlindedOperation.Evaluate, code, partner.Code, agreement, purpose, time.GetUtcNow(), [blinded]);
        using var content = new ByteArrayContent(request.Sign(signingKey));
        content.Headers.ContentType = new MediaTypeHeaderValue(BlindedRequest.ContentType);
        using var response = await http.PostAsync(new Uri(partner.Endpoint, BlindedPaths.Evaluate), content, cancellationToken);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        if (!response.IsSuccessStatusCode) throw new BlindedPartnerException(partner.Code, response.StatusCode, body);
        var payload = SignedCbor.Verify(body, BlindedRequest.EvaluationContentType, partner.SigningKey, "evaluation", $"{partner.Code}'s signing key");
        var (keyId, version, nonce, evaluated, proof) = BlindedRequest.ReadEvaluation(payload);
        if (!nonce.AsSpan().SequenceEqual(request.Nonce)) throw new FormatException($"{partner.Code}'s evaluation answers another request (nonce)");
        if (evaluated.Count != 1) throw new FormatException($"{partner.Code} returned {evaluated.Count} evaluated elements for 1");
        return (keyId, version, evaluated[0], proof);
    }

    private string IndexFile(ExchangePartner partner) => Path.Combine(cacheFolder, partner.Code + ".index");

    private string DeltasFile(ExchangePartner partner) => Path.Combine(cacheFolder, partner.Code + ".deltas");

    /// <summary>
    /// The partner's index as kept in memory, else in the home's cache folder (fetched at the file's time): its whole
    /// index as it signed it (CODE.index) and the signed deltas applied since (CODE.deltas, each a CBOR byte string),
    /// each verified again when read.
    /// </summary>
    private (BlindedIndex Index, DateTimeOffset Fetched)? Kept(ExchangePartner partner)
    {
        if (_indexes.TryGetValue(partner.Code, out var kept)) return kept;
        var file = IndexFile(partner);
        try
        {
            if (!File.Exists(file)) return null;
            var index = Verify(File.ReadAllBytes(file), partner);
            var fetched = File.GetLastWriteTimeUtc(file);
            var deltas = DeltasFile(partner);
            if (File.Exists(deltas))
            {
                var reader = new System.Formats.Cbor.CborReader(File.ReadAllBytes(deltas), System.Formats.Cbor.CborConformanceMode.Lax, allowMultipleRootLevelValues: true);
                while (reader.PeekState() != System.Formats.Cbor.CborReaderState.Finished) index = VerifyDelta(reader.ReadByteString(), partner).ApplyTo(index);
                fetched = File.GetLastWriteTimeUtc(deltas);
            }
            var read = (index, new DateTimeOffset(fetched, TimeSpan.Zero));
            _indexes[partner.Code] = read;
            return read;
        }
        catch (Exception e) when (e is IOException or FormatException or EnvelopeFormatException or InvalidOperationException or System.Formats.Cbor.CborContentException)
        {
            return null;
        }
    }

    /// <summary>
    /// Fetches the partner's index: confirms the copy kept (304), applies the change since it (a delta, when the partner
    /// still has it and fewer than <see cref="MaxDeltasKept"/> are kept on the copy), or takes the whole index.
    /// </summary>
    private async Task<((BlindedIndex Index, DateTimeOffset Fetched) Kept, string Transfer, long Bytes)> IndexAsync(ExchangePartner partner, string agreement, string purpose,
        BlindedIndex? known, CancellationToken cancellationToken)
    {
        var request = BlindedRequest.New(BlindedOperation.Index, code, partner.Code, agreement, purpose, time.GetUtcNow());
        using var message = new HttpRequestMessage(HttpMethod.Get, new Uri(partner.Endpoint, BlindedPaths.Index));
        message.Headers.Add(BlindedRequest.Header, Convert.ToBase64String(request.Sign(signingKey)).TrimEnd('=').Replace('+', '-').Replace('/', '_'));
        if (known is not null)
        {
            message.Headers.TryAddWithoutValidation("If-None-Match", known.ETag);
            if (DeltasKept(partner) < MaxDeltasKept) message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(BlindedIndexDelta.ContentType));
        }
        message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(BlindedIndex.ContentType));
        using var response = await http.SendAsync(message, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotModified && known is not null) return (_indexes[partner.Code] = (known, time.GetUtcNow()), PartnerAnswer.NotModified, 0);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        if (!response.IsSuccessStatusCode) throw new BlindedPartnerException(partner.Code, response.StatusCode, body);
        if (response.Content.Headers.ContentType?.MediaType == BlindedIndexDelta.ContentType && known is not null)
        {
            BlindedIndex applied;
            try
            {
                applied = VerifyDelta(body, partner).ApplyTo(known);
            }
            catch (Exception e) when (e is FormatException or EnvelopeFormatException)
            {
                // The copy kept and the partner disagree: forget the copy, so the next query takes the whole index.
                _indexes.TryRemove(partner.Code, out _);
                Save(() => File.Delete(IndexFile(partner)));
                throw;
            }
            _indexes[partner.Code] = (applied, time.GetUtcNow());
            Save(() =>
            {
                var writer = new System.Formats.Cbor.CborWriter();
                writer.WriteByteString(body);
                using var stream = new FileStream(DeltasFile(partner), FileMode.Append, FileAccess.Write);
                stream.Write(writer.Encode());
            });
            return (_indexes[partner.Code], PartnerAnswer.Delta, body.Length);
        }
        var index = Verify(body, partner);
        _indexes[partner.Code] = (index, time.GetUtcNow());
        Save(() =>
        {
            var file = IndexFile(partner);
            var temporary = file + ".tmp";
            File.WriteAllBytes(temporary, body);
            File.Delete(DeltasFile(partner));
            File.Move(temporary, file, overwrite: true);
        });
        return (_indexes[partner.Code], PartnerAnswer.Full, body.Length);
    }

    /// <summary>How many deltas are kept on top of the partner's whole index in the cache folder.</summary>
    private int DeltasKept(ExchangePartner partner)
    {
        try
        {
            var file = DeltasFile(partner);
            if (!File.Exists(file)) return 0;
            var reader = new System.Formats.Cbor.CborReader(File.ReadAllBytes(file), System.Formats.Cbor.CborConformanceMode.Lax, allowMultipleRootLevelValues: true);
            var count = 0;
            while (reader.PeekState() != System.Formats.Cbor.CborReaderState.Finished)
            {
                reader.SkipValue();
                count++;
            }
            return count;
        }
        catch (Exception e) when (e is IOException or System.Formats.Cbor.CborContentException or InvalidOperationException)
        {
            return MaxDeltasKept;
        }
    }

    private void Save(Action write)
    {
        try
        {
            Directory.CreateDirectory(cacheFolder);
            write();
        }
        catch (IOException)
        {
            // The cache is only a saving: the index is used from memory.
        }
    }

    private static BlindedIndexDelta VerifyDelta(byte[] signed, ExchangePartner partner)
    {
        var delta = BlindedIndexDelta.FromCbor(SignedCbor.Verify(signed, BlindedIndexDelta.ContentType, partner.SigningKey, "index delta", $"{partner.Code}'s signing key"));
        if (delta.Holder != partner.Code) throw new FormatException($"the index delta is {delta.Holder}'s, not {partner.Code}'s");
        return delta;
    }

    private static BlindedIndex Verify(byte[] signed, ExchangePartner partner)
    {
        var index = BlindedIndex.FromCbor(SignedCbor.Verify(signed, BlindedIndex.ContentType, partner.SigningKey, "index", $"{partner.Code}'s signing key"));
        if (index.Holder != partner.Code) throw new FormatException($"the index is {index.Holder}'s, not {partner.Code}'s");
        return index;
    }
}

/// <summary>The paths a holder serves.</summary>
public static class BlindedPaths
{
    public const string Index = "/api/blinded/index";
    public const string Evaluate = "/api/blinded/evaluate";
    public const string Queries = "/api/blinded/queries";
}

/// <summary>A partner refused or failed a request: its status and problem detail.</summary>
public sealed class BlindedPartnerException(string partner, HttpStatusCode status, byte[] body)
    : Exception($"{partner} answered {(int)status}: {Detail(body)}")
{
    private static string Detail(byte[] body)
    {
        try
        {
            return JsonNode.Parse(body)?["detail"]?.GetValue<string>() ?? "(no detail)";
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException)
        {
            return "(no problem document)";
        }
    }
}
