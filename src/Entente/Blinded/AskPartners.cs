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

/// <summary>One partner's answer: hit or no-hit with the reference to quote in an assistance request, or why it could not be asked.</summary>
public sealed record PartnerAnswer(string Partner, string? Agreement, string Outcome, string? Reference = null, long? IndexVersion = null, int? IndexSize = null, string? Error = null)
{
    public const string Hit = "hit", NoHit = "no-hit", Failed = "error";
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
/// partner evaluate it in parallel over signed requests, finalizes, and looks the tag up in the partner's blinded
/// index (cached in the home, refreshed with If-None-Match). The partner sees only a random-looking element; the
/// asker learns hit or no-hit. The query is recorded in this node's ledger with its purpose, the identifier's type
/// (not its value), the partners asked and their outcomes.
/// </summary>
public sealed class AskPartners(string code, ECDsa signingKey, PartnerBook partners, PartnerDirectory directory, Func<DateTimeOffset, IReadOnlyList<Agreement>> agreements,
    LedgerStore ledger, HttpClient http, string cacheFolder, BlindedOptions options, TimeProvider time)
{
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
        answers.AddRange(await Task.WhenAll(asked.Select(a => AskOneAsync(a.Partner, a.Agreement, purposeName, input1, cancellationToken))));
        answers.Sort((a, b) => string.CompareOrdinal(a.Partner, b.Partner));
        var hits = answers.Count(a => a.Outcome == PartnerAnswer.Hit);

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

    private async Task<PartnerAnswer> AskOneAsync(ExchangePartner partner, string agreement, string purpose, byte[] input, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.PartnerTimeout);
        try
        {
            var blind = Oprf.Blind(input);
            var (keyId, version, evaluated) = await EvaluateAsync(partner, agreement, purpose, blind.BlindedElement, timeout.Token);
            var tag = BlindedIndex.TagOf(Oprf.Finalize(input, blind.Blind, evaluated));
            // The copy kept is used while it is the version the partner evaluated against and younger than IndexMaxAge;
            // otherwise it is revalidated (If-None-Match), which also has the partner rebuild its index if its data changed.
            var index = Kept(partner);
            if (index is null || index.Value.Index.KeyId != keyId || index.Value.Index.Version != version || time.GetUtcNow() - index.Value.Fetched > options.IndexMaxAge)
                index = await IndexAsync(partner, agreement, purpose, index?.Index, timeout.Token);
            var current = index.Value.Index;
            if (current.KeyId != keyId) return new PartnerAnswer(partner.Code, agreement, PartnerAnswer.Failed, Error: $"{partner.Code} evaluated with key {keyId} but its index is under {current.KeyId}");
            return current.Contains(tag)
                ? new PartnerAnswer(partner.Code, agreement, PartnerAnswer.Hit, $"{partner.Code}:{current.KeyId}:{current.Version}:{BlindedIndex.Hex(tag)}", current.Version, current.Count)
                : new PartnerAnswer(partner.Code, agreement, PartnerAnswer.NoHit, null, current.Version, current.Count);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or FormatException or EnvelopeFormatException or OprfException or BlindedPartnerException)
        {
            var why = e is OperationCanceledException && !cancellationToken.IsCancellationRequested ? $"no answer within {options.PartnerTimeout.TotalSeconds} s" : e.Message;
            return new PartnerAnswer(partner.Code, agreement, PartnerAnswer.Failed, Error: why);
        }
    }

    private async Task<(string KeyId, long Version, byte[] Evaluated)> EvaluateAsync(ExchangePartner partner, string agreement, string purpose, byte[] blinded, CancellationToken cancellationToken)
    {
        var request = BlindedRequest.New(BlindedOperation.Evaluate, code, partner.Code, agreement, purpose, time.GetUtcNow(), [blinded]);
        using var content = new ByteArrayContent(request.Sign(signingKey));
        content.Headers.ContentType = new MediaTypeHeaderValue(BlindedRequest.ContentType);
        using var response = await http.PostAsync(new Uri(partner.Endpoint, BlindedPaths.Evaluate), content, cancellationToken);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        if (!response.IsSuccessStatusCode) throw new BlindedPartnerException(partner.Code, response.StatusCode, body);
        var payload = SignedCbor.Verify(body, BlindedRequest.EvaluationContentType, partner.SigningKey, "evaluation", $"{partner.Code}'s signing key");
        var (keyId, version, nonce, evaluated) = BlindedRequest.ReadEvaluation(payload);
        if (!nonce.AsSpan().SequenceEqual(request.Nonce)) throw new FormatException($"{partner.Code}'s evaluation answers another request (nonce)");
        if (evaluated.Count != 1) throw new FormatException($"{partner.Code} returned {evaluated.Count} evaluated elements for 1");
        return (keyId, version, evaluated[0]);
    }

    /// <summary>The partner's index as kept in memory, else in the home's cache folder (fetched at the file's time).</summary>
    private (BlindedIndex Index, DateTimeOffset Fetched)? Kept(ExchangePartner partner)
    {
        if (_indexes.TryGetValue(partner.Code, out var kept)) return kept;
        var file = Path.Combine(cacheFolder, partner.Code + ".index");
        try
        {
            if (!File.Exists(file)) return null;
            var read = (Verify(File.ReadAllBytes(file), partner), new DateTimeOffset(File.GetLastWriteTimeUtc(file), TimeSpan.Zero));
            _indexes[partner.Code] = read;
            return read;
        }
        catch (Exception e) when (e is IOException or FormatException or EnvelopeFormatException)
        {
            return null;
        }
    }

    /// <summary>Fetches the partner's index, or confirms the copy kept (304).</summary>
    private async Task<(BlindedIndex Index, DateTimeOffset Fetched)> IndexAsync(ExchangePartner partner, string agreement, string purpose, BlindedIndex? known, CancellationToken cancellationToken)
    {
        var request = BlindedRequest.New(BlindedOperation.Index, code, partner.Code, agreement, purpose, time.GetUtcNow());
        using var message = new HttpRequestMessage(HttpMethod.Get, new Uri(partner.Endpoint, BlindedPaths.Index));
        message.Headers.Add(BlindedRequest.Header, Convert.ToBase64String(request.Sign(signingKey)).TrimEnd('=').Replace('+', '-').Replace('/', '_'));
        if (known is not null) message.Headers.TryAddWithoutValidation("If-None-Match", known.ETag);
        using var response = await http.SendAsync(message, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotModified && known is not null) return _indexes[partner.Code] = (known, time.GetUtcNow());
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        if (!response.IsSuccessStatusCode) throw new BlindedPartnerException(partner.Code, response.StatusCode, body);
        var index = Verify(body, partner);
        _indexes[partner.Code] = (index, time.GetUtcNow());
        var file = Path.Combine(cacheFolder, partner.Code + ".index");
        try
        {
            Directory.CreateDirectory(cacheFolder);
            var temporary = file + ".tmp";
            await File.WriteAllBytesAsync(temporary, body, cancellationToken);
            File.Move(temporary, file, overwrite: true);
        }
        catch (IOException)
        {
            // The cache is only a saving: the index is used from memory.
        }
        return _indexes[partner.Code];
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
