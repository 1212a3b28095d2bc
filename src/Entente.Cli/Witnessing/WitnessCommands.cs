using System.CommandLine;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Entente.Identity;
using Entente.Ledger;
using Entente.Witnessing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Entente.Cli.Witnessing;

/// <summary>`entente ledger witness|alarms|cosignatures`: witnessing partners' ledgers from the console.</summary>
internal static class WitnessCommands
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static Command AddTo(Command ledger)
    {
        ledger.Add(Witness());
        ledger.Add(Alarms());
        ledger.Add(Acknowledge());
        ledger.Add(Cosignatures());
        return ledger;
    }

    private static Command Witness()
    {
        var partner = new Option<string>("--partner") { Description = "The partner's node code (its checkpoint origin is entente/CODE/ledger)", Required = true };
        var endpoint = new Option<string>("--endpoint") { Description = "The partner node's base URL, e.g. https://entente.customs.example", Required = true };
        var key = new Option<string>("--key") { Description = "The partner's signing key: PEM public key or certificate, or SubjectPublicKeyInfo DER", Required = true };
        var witness = new NodeCommand("witness",
            "Witness one partner's ledger once: fetch its checkpoint, check it against the last one seen, cosign it; exit 1 when refused or an equivocation, 3 when unreachable",
            json: true)
        {
            partner, endpoint, key,
        };
        witness.SetNodeAction(async (parse, node, ct) =>
        {
            var options = node.Node;
            var code = parse.GetValue(partner)!;
            if (!Uri.TryCreate(parse.GetValue(endpoint), UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
                throw new CliException($"--endpoint {parse.GetValue(endpoint)}: expected an http(s) URL");
            var target = new WitnessTarget(code, url, ReadPublicKey(parse.GetValue(key)!));
            if (!NodeKeys.HasSigningKey(options.Home)) throw CliException.Environment($"{options.Home} has no signing key ({NodeKeys.SigningKeyPath(options.Home)})");
            using var signingKey = NodeKeys.LoadSigningKey(options.Home);
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            var round = new WitnessRound(http, node.Get<WitnessStore>(), node.Get<LedgerStore>(), signingKey, options.Code, node.Get<TimeProvider>(), NullLogger.Instance);
            var outcome = await round.WitnessAsync(target, ct);
            var output = parse.InvocationConfiguration.Output;
            if (witness.Json(parse))
            {
                output.WriteLine(JsonSerializer.Serialize(new
                {
                    partner = outcome.Partner,
                    verdict = outcome.Verdict is { } v ? Kebab(v) : "unreachable",
                    reason = outcome.Reason,
                    treeSize = outcome.TreeSize,
                    cosigned = outcome.Cosigned,
                    cosignatureProblem = outcome.CosignatureProblem,
                    alarm = outcome.Alarm,
                }, Json));
            }
            else
            {
                output.WriteLine($"{outcome.Partner}: {(outcome.Verdict is { } v ? Kebab(v) : "unreachable")} — {outcome.Reason}");
                if (outcome.Cosigned) output.WriteLine($"Cosigned checkpoint {outcome.TreeSize}; {outcome.Partner} accepted the cosignature.");
                if (outcome.CosignatureProblem is { } problem) output.WriteLine($"Cosignature not accepted: {problem}");
                if (outcome.Alarm is { } alarm) output.WriteLine($"EQUIVOCATION ALARM {alarm}: see entente ledger alarms --home {options.Home}");
            }
            return outcome.ExitStatus;
        });
        return witness;
    }

    private static Command Alarms()
    {
        var alarms = new NodeCommand("alarms", "List the equivocation alarms raised against partners, newest first", json: true);
        alarms.SetNodeAction(async (parse, node, ct) =>
        {
            var found = await node.Get<WitnessStore>().AlarmsAsync(ct);
            var output = parse.InvocationConfiguration.Output;
            if (alarms.Json(parse))
            {
                output.WriteLine(JsonSerializer.Serialize(found.Select(a => new
                {
                    id = a.Id,
                    partner = a.Partner,
                    detectedAt = a.DetectedAt,
                    kind = a.Kind,
                    evidenceDigest = EquivocationEvidence.DigestOf(a.Evidence),
                    evidence = JsonDocument.Parse(a.Evidence).RootElement,
                    acknowledgedBy = a.AcknowledgedBy,
                    acknowledgedAt = a.AcknowledgedAt,
                }), Json));
                return 0;
            }
            if (found.Count == 0) output.WriteLine("No equivocation alarms.");
            foreach (var a in found)
            {
                var evidence = EquivocationEvidence.FromJson(a.Evidence);
                output.WriteLine($"{a.Id}  {a.DetectedAt:yyyy-MM-dd HH:mm:ss}Z  {a.Partner}  {a.Kind}{(a.AcknowledgedBy is null ? "" : $"  (acknowledged by {a.AcknowledgedBy})")}");
                output.WriteLine($"  {evidence.Reason}");
                output.WriteLine($"  evidence {EquivocationEvidence.DigestOf(a.Evidence)} (--json prints both signed checkpoints and the proof)");
            }
            return 0;
        });
        return alarms;
    }

    private static Command Acknowledge()
    {
        var id = new Option<string>("--alarm") { Description = "The alarm's id (entente ledger alarms)", Required = true };
        var acknowledge = new NodeCommand("acknowledge", "Acknowledge an equivocation alarm (recorded in the ledger); exit 1 when there is no such alarm or it was acknowledged before", json: true)
        {
            id,
        };
        acknowledge.SetNodeAction(async (parse, node, ct) =>
        {
            var user = new Access.LocalUser(Environment.UserName is { Length: > 0 } u ? u : "cli", node.Node.Code, null);
            var outcome = await node.Get<AcknowledgeAlarm>().HandleAsync(user, parse.GetValue(id)!, ct);
            if (outcome is not AlarmAcknowledgement.Done done) throw CliException.Refused($"--alarm {parse.GetValue(id)}: {outcome.Problem}");
            var output = parse.InvocationConfiguration.Output;
            if (acknowledge.Json(parse))
                output.WriteLine(JsonSerializer.Serialize(new { id = done.Alarm.Id, partner = done.Alarm.Partner, acknowledgedBy = done.Alarm.AcknowledgedBy, acknowledgedAt = done.Alarm.AcknowledgedAt }, Json));
            else output.WriteLine($"Alarm {done.Alarm.Id} ({done.Alarm.Partner}) acknowledged by {done.Alarm.AcknowledgedBy}; recorded in the ledger.");
            return 0;
        });
        return acknowledge;
    }

    private static Command Cosignatures()
    {
        var cosignatures = new NodeCommand("cosignatures", "List the cosignatures partners' witnesses made of this node's checkpoints", json: true);
        cosignatures.SetNodeAction(async (parse, node, ct) =>
        {
            var found = await node.Get<WitnessStore>().CosignaturesAsync(cancellationToken: ct);
            var output = parse.InvocationConfiguration.Output;
            if (cosignatures.Json(parse))
            {
                output.WriteLine(JsonSerializer.Serialize(found.Select(c => new
                {
                    witness = c.Witness,
                    treeSize = c.TreeSize,
                    root = Convert.ToBase64String(c.Root),
                    signature = c.Signature,
                    cosignedAt = c.CosignedAt,
                    receivedAt = c.ReceivedAt,
                }), Json));
                return 0;
            }
            if (found.Count == 0) output.WriteLine("No cosignatures received.");
            foreach (var c in found) output.WriteLine($"checkpoint {c.TreeSize}  cosigned by {c.Witness} at {c.CosignedAt:yyyy-MM-dd HH:mm:ss}Z  {c.Signature}");
            return 0;
        });
        return cosignatures;
    }

    private static string Kebab(WitnessVerdictKind kind) => JsonNamingPolicy.KebabCaseLower.ConvertName(kind.ToString());

    private static byte[] ReadPublicKey(string file)
    {
        if (!File.Exists(file)) throw new CliException($"--key {file}: no such file");
        var bytes = File.ReadAllBytes(file);
        var text = System.Text.Encoding.ASCII.GetString(bytes);
        try
        {
            if (text.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal))
            {
                using var certificate = X509Certificate2.CreateFromPem(text);
                using var fromCertificate = certificate.GetECDsaPublicKey() ?? throw CliException.Refused($"--key {file}: the certificate's key is not ECDSA");
                return fromCertificate.ExportSubjectPublicKeyInfo();
            }
            using var key = ECDsa.Create();
            if (text.Contains("-----BEGIN", StringComparison.Ordinal)) key.ImportFromPem(text);
            else key.ImportSubjectPublicKeyInfo(bytes, out _);
            return key.ExportSubjectPublicKeyInfo();
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            throw CliException.Refused($"--key {file}: expected an ECDSA P-256 public key (PEM BEGIN PUBLIC KEY, a PEM certificate, or SubjectPublicKeyInfo DER): {e.Message}");
        }
    }
}
