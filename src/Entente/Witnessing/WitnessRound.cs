using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Entente.Ledger;
using Microsoft.Extensions.Logging;

namespace Entente.Witnessing;

/// <summary>
/// What one witnessing of one partner came to. <see cref="Verdict"/> is null when the partner could not be reached
/// (no alarm: tried again next round).
/// </summary>
public sealed record WitnessOutcome(string Partner, WitnessVerdictKind? Verdict, string Reason, long? TreeSize, bool Cosigned, string? CosignatureProblem, string? Alarm)
{
    /// <summary>Exit status for the CLI: 0 unless the checkpoint was refused or an equivocation was found (1), or the partner was unreachable (3).</summary>
    public int ExitStatus => Verdict switch
    {
        null => 3,
        WitnessVerdictKind.Invalid or WitnessVerdictKind.Equivocation => 1,
        _ => 0,
    };
}

/// <summary>
/// One witness round: for each partner, fetch its checkpoint (and a consistency proof when needed), check it
/// (<see cref="WitnessCheck"/>), keep it, cosign it and give the cosignature back; an equivocation is stored as an
/// alarm, written to the ledger and logged as critical. The I/O around the pure check.
/// </summary>
public sealed class WitnessRound(HttpClient http, WitnessStore store, LedgerStore ledger, ECDsa key, string nodeCode, TimeProvider time, ILogger logger)
{
    public const string AlarmKind = LedgerKinds.EquivocationAlarm;
    public const string AlarmAcknowledgedKind = LedgerKinds.EquivocationAlarmAcknowledged;

    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    public async Task<IReadOnlyList<WitnessOutcome>> RunAsync(IReadOnlyList<WitnessTarget> targets, CancellationToken cancellationToken = default)
    {
        var outcomes = new List<WitnessOutcome>();
        foreach (var target in targets) outcomes.Add(await WitnessAsync(target, cancellationToken));
        return outcomes;
    }

    public async Task<WitnessOutcome> WitnessAsync(WitnessTarget target, CancellationToken cancellationToken = default)
    {
        var partner = target.Code;
        string note;
        try
        {
            using var response = await http.GetAsync(Api(target, "checkpoint"), cancellationToken);
            if (!response.IsSuccessStatusCode) return Unreachable(target, $"GET /api/ledger/checkpoint answered {(int)response.StatusCode}");
            var answer = await response.Content.ReadFromJsonAsync<JsonObject>(Web, cancellationToken);
            note = answer?["note"] is JsonValue v && v.TryGetValue<string>(out var n) ? n : throw new JsonException("note: expected the signed checkpoint");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return Unreachable(target, e.Message);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or NotSupportedException)
        {
            return Refused(partner, $"GET /api/ledger/checkpoint: the answer is not a checkpoint: {e.Message}");
        }

        var size = Checkpoint.Parse(note).Checkpoint?.TreeSize ?? 0;
        var reference = await store.ReferenceAsync(partner, size, cancellationToken);
        IReadOnlyList<byte[]>? proof = null;
        if (WitnessCheck.ProofNeeded(reference?.TreeSize, size) is var (from, to))
        {
            try
            {
                using var response = await http.GetAsync(Api(target, $"consistency?from={from}&to={to}"), cancellationToken);
                if ((int)response.StatusCode >= 500) return Unreachable(target, $"GET /api/ledger/consistency answered {(int)response.StatusCode}");
                if (response.IsSuccessStatusCode)
                {
                    var answer = await response.Content.ReadFromJsonAsync<JsonObject>(Web, cancellationToken);
                    proof = (answer?["proof"] as JsonArray ?? throw new JsonException("proof: expected an array of base64 hashes"))
                        .Select(h => Convert.FromBase64String(h!.GetValue<string>())).ToList();
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                return Unreachable(target, e.Message);
            }
            catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or NotSupportedException)
            {
                return Refused(partner, $"GET /api/ledger/consistency?from={from}&to={to}: the answer is not a proof: {e.Message}");
            }
        }

        var verdict = WitnessCheck.Check(partner, target.SigningKey, reference?.Note, note, proof);
        var now = time.GetUtcNow();
        switch (verdict.Kind)
        {
            case WitnessVerdictKind.Invalid:
                return Refused(partner, verdict.Reason);
            case WitnessVerdictKind.Equivocation:
                return await AlarmAsync(partner, verdict, now, cancellationToken);
        }
        await store.RecordSeenAsync(new SeenCheckpoint(partner, verdict.Checkpoint!.TreeSize, verdict.Checkpoint.Root, verdict.Note!, now, true), cancellationToken);
        string? cosignatureProblem = null;
        if (verdict.Cosign) cosignatureProblem = await CosignAsync(target, verdict.Checkpoint, now, cancellationToken);
        var cosigned = verdict.Cosign && cosignatureProblem is null;
        WitnessLog.Witnessed(logger, partner, verdict.Kind, verdict.Reason, cosigned);
        return new WitnessOutcome(partner, verdict.Kind, verdict.Reason, verdict.Checkpoint.TreeSize, cosigned, cosignatureProblem, null);
    }

    private async Task<WitnessOutcome> AlarmAsync(string partner, WitnessVerdict verdict, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var evidence = verdict.Evidence!;
        var json = evidence.ToJson();
        var digest = EquivocationEvidence.DigestOf(json);
        // The same evidence seen again (the partner keeps showing the forked checkpoint) is one alarm, not one per round.
        var id = "eq-" + digest["sha256:".Length..][..24];
        await store.RecordSeenAsync(new SeenCheckpoint(partner, verdict.Checkpoint!.TreeSize, verdict.Checkpoint.Root, verdict.Note!, now, false), cancellationToken);
        var earlier = Checkpoint.Parse(evidence.Earlier).Checkpoint!;
        // The alarm and its ledger entry commit together: an alarm is never stored without its entry.
        var entries = await ledger.AppendAsync(async (connection, transaction, ct) =>
            await store.RecordAlarmAsync(connection, transaction, new EquivocationAlarm(id, partner, now, evidence.Kind, json, null, null), ct)
                ? [LedgerEntry.Now(ledger.Time, AlarmKind, new LedgerActor("witness", nodeCode), new JsonObject
                {
                    ["partner"] = partner,
                    ["alarm"] = id,
                    ["kind"] = evidence.Kind,
                    ["evidence"] = digest,
                    ["earlierSize"] = earlier.TreeSize,
                    ["laterSize"] = verdict.Checkpoint.TreeSize,
                })]
                : [], cancellationToken);
        if (entries.Count > 0) WitnessLog.Equivocation(logger, partner, verdict.Reason, id, digest, entries[0]);
        return new WitnessOutcome(partner, WitnessVerdictKind.Equivocation, verdict.Reason, verdict.Checkpoint.TreeSize, false, null, id);
    }

    /// <summary>Signs and POSTs the cosignature; returns why the partner did not take it, or null.</summary>
    private async Task<string?> CosignAsync(WitnessTarget target, Checkpoint checkpoint, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var line = Cosignature.Sign(checkpoint, nodeCode, key, now);
        var submission = new CosignatureSubmission(nodeCode, Convert.ToBase64String(key.ExportSubjectPublicKeyInfo()), checkpoint.TreeSize,
            Convert.ToBase64String(checkpoint.Root), line);
        string? problem;
        try
        {
            using var response = await http.PostAsJsonAsync(Api(target, "cosignatures"), submission, Web, cancellationToken);
            problem = response.IsSuccessStatusCode ? null : $"{(int)response.StatusCode}: {await DetailAsync(response, cancellationToken)}";
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            problem = e.Message;
        }
        if (problem is not null) WitnessLog.CosignatureNotAccepted(logger, target.Code, checkpoint.TreeSize, problem);
        return problem;
    }

    private static async Task<string> DetailAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        try
        {
            return JsonNode.Parse(text)?["detail"]?.GetValue<string>() ?? text;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return text;
        }
    }

    private WitnessOutcome Unreachable(WitnessTarget target, string reason)
    {
        WitnessLog.Unreachable(logger, target.Code, target.Endpoint, reason);
        return new WitnessOutcome(target.Code, null, reason, null, false, null, null);
    }

    private WitnessOutcome Refused(string partner, string reason)
    {
        WitnessLog.Refused(logger, partner, reason);
        return new WitnessOutcome(partner, WitnessVerdictKind.Invalid, reason, null, false, null, null);
    }

    private static Uri Api(WitnessTarget target, string path) => new(target.Endpoint.AbsoluteUri.TrimEnd('/') + "/api/ledger/" + path);
}
