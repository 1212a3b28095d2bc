using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Nodes;
using Entente.Access;
using Entente.Exchange;
using Entente.Hosting;
using Entente.Identity;
using Entente.Ledger;
using Entente.Partners;
using AgreementDocument = Entente.Agreements.AgreementDocument;
using Purpose = Entente.Agreements.Purpose;

namespace Entente.Cli.Exchange;

/// <summary>`entente exchange status|share|inbox|show|export|verify`: the exchange with partner nodes (docs/exchange.md).</summary>
internal static class ExchangeCommands
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static Command Create()
    {
        var exchange = new Command("exchange", "Messages with partner nodes: what waits, what arrived, disclosures, receipts");
        exchange.Add(Status());
        exchange.Add(Share());
        exchange.Add(Inbox());
        exchange.Add(Show());
        exchange.Add(Forward());
        exchange.Add(Consent());
        exchange.Add(Export());
        exchange.Add(Verify());
        return exchange;
    }

    private static Command Status()
    {
        var command = new NodeCommand("status", "Per partner: messages waiting, the oldest waiting, the last delivery, failures; recent refusals", json: true);
        command.SetNodeAction(async (parse, node, ct) =>
        {
            var store = node.Get<ExchangeStore>();
            var status = new ExchangeStatus(node.Node.Code, await store.QueuesAsync(ct), await store.RejectionsAsync(10, ct));
            var output = parse.InvocationConfiguration.Output;
            if (command.Json(parse))
            {
                output.WriteLine(JsonSerializer.Serialize(status, Json));
                return 0;
            }
            var now = node.Get<TimeProvider>().GetUtcNow();
            output.WriteLine($"Exchange of {node.Node.Code}");
            if (status.Partners.Count == 0) output.WriteLine("  nothing sent yet");
            foreach (var q in status.Partners)
            {
                var oldest = q.OldestPending is { } o ? $"oldest waiting {Age(now - o)}" : "none waiting";
                var last = q.LastDelivered is { } d ? $"last delivery {Age(now - d)} ago" : "never delivered";
                output.WriteLine($"  {q.Partner,-8} waiting {q.Pending,6}  delivered {q.Delivered,7}  failed {q.Failed,4}  {oldest}; {last}");
                if (q.Pending > 0 && q.LastError is { } error) output.WriteLine($"           last problem: {error}");
            }
            if (status.RecentRejections.Count > 0)
            {
                output.WriteLine("Recent refusals:");
                foreach (var r in status.RecentRejections)
                    output.WriteLine($"  {r.At:yyyy-MM-dd HH:mm:ss} {r.Direction,-3} {r.Partner ?? "?",-6} {r.Code}: {r.Detail}");
            }
            return 0;
        });
        return command;
    }

    private static Command Share()
    {
        var to = new Option<string>("--to") { Description = "The partner's node code", Required = true };
        var category = new Option<string>("--category") { Description = "The data category (declarations, seizure-reports, alerts, risk-results, aeo-status...)", Required = true };
        var purpose = new Option<string>("--purpose") { Description = "The purpose the partner may use it for (risk-management, investigation...)", Required = true };
        var declaration = new Option<string?>("--declaration") { Description = "A stored declaration's id" };
        var document = new Option<string?>("--document") { Description = "A JSON file with the document to disclose (a seizure report, an alert...)" };
        var agreement = new Option<string?>("--agreement") { Description = "The agreement relied on (default: the first in force that permits)" };
        var conversation = new Option<string?>("--conversation") { Description = "Continue this conversation (messages of one conversation arrive in order)" };
        var kind = new Option<string?>("--kind") { Description = "The message kind the partner routes on (default: the category)" };
        var command = new NodeCommand("share", "Disclose a declaration or document to a partner: decided by the agreements, projected, sealed and queued (the server delivers it)", json: true)
        {
            to, category, purpose, declaration, document, agreement, conversation, kind,
        };
        command.SetNodeAction(async (parse, node, ct) =>
        {
            JsonObject? given = null;
            if (parse.GetValue(document) is { } file)
            {
                try
                {
                    given = JsonNode.Parse(File.ReadAllText(file)) as JsonObject ?? throw CliException.Refused($"{file}: expected a JSON object");
                }
                catch (JsonException e)
                {
                    throw CliException.Refused($"{file}: not JSON ({e.Message})");
                }
                catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
                {
                    throw new CliException($"--document {file}: no such file");
                }
            }
            var request = new DisclosureRequest(parse.GetValue(to)!, parse.GetValue(category)!, parse.GetValue(purpose)!, parse.GetValue(kind),
                parse.GetValue(declaration), given, parse.GetValue(agreement), parse.GetValue(conversation));
            var output = parse.InvocationConfiguration.Output;
            switch (await node.Get<Disclose>().HandleAsync(CliUser(node.Node), request, ct))
            {
                case DiscloseResult.Queued q:
                    var permit = q.Outcome.Permit;
                    if (command.Json(parse))
                        output.WriteLine(JsonSerializer.Serialize(q.Answer, Json));
                    else
                        output.WriteLine($"Queued {q.Answer.MessageId} for {q.Answer.Recipient} under {q.Answer.Agreement} ({permit.Obligations.HandlingCode}); " +
                            $"{permit.Obligations.Drop.Count} field(s) dropped, {permit.Obligations.Pseudonymise.Count} pseudonymised. The server delivers it.");
                    return 0;
                case DiscloseResult.Refused r:
                    throw CliException.Refused($"refused: {r.Reason}");
                case DiscloseResult.NotFound n:
                    throw CliException.Refused(n.Detail);
                case DiscloseResult.Invalid i:
                    throw new CliException(i.Detail);
                default:
                    throw new InvalidOperationException("unexpected outcome of the disclosure");
            }
        });
        return command;
    }

    private static Command Forward()
    {
        var id = new Argument<string>("message") { Description = "A received message's id" };
        var to = new Option<string>("--to") { Description = "The third node's code", Required = true };
        var purpose = new Option<string>("--purpose") { Description = "The purpose the third node may use it for", Required = true };
        var command = new NodeCommand("forward", "Pass a received message on to a third node, if the provider's terms allow it (onward transfer, H2 needs consent)") { id, to, purpose };
        command.SetNodeAction(async (parse, node, ct) =>
        {
            if (!AgreementDocument.TryEnum<Purpose>(parse.GetValue(purpose)!, out var p))
                throw new CliException($"--purpose must be one of {AgreementDocument.Names<Purpose>()} (got '{parse.GetValue(purpose)}')");
            try
            {
                var outcome = await node.Get<ExchangeNode>().ForwardAsync(parse.GetValue(id)!, parse.GetValue(to)!, p, Actor(node.Node), ct);
                if (outcome is DisclosureOutcome.Refused r) throw CliException.Refused($"refused: {r.Deny.Reason}");
                var q = (DisclosureOutcome.Queued)outcome;
                command.Print(parse, new { messageId = q.Item.MessageId, recipient = q.Item.Recipient, agreement = q.Item.AgreementId },
                    o => o.WriteLine($"Queued {q.Item.MessageId} for {q.Item.Recipient} under {q.Item.AgreementId}"));
                return 0;
            }
            catch (KeyNotFoundException e)
            {
                throw CliException.Refused(e.Message);
            }
        });
        return command;
    }

    private static Command Consent()
    {
        var id = new Argument<string>("message") { Description = "A message this node sent" };
        var to = new Option<string>("--to") { Description = "The third node its recipient may pass it on to", Required = true };
        var command = new NodeCommand("consent", "As the provider, consent to the recipient of one of this node's messages passing it on to a third node") { id, to };
        command.SetNodeAction(async (parse, node, ct) =>
        {
            try
            {
                var item = await node.Get<ExchangeNode>().ConsentAsync(parse.GetValue(id)!, parse.GetValue(to)!, Actor(node.Node), ct);
                command.Print(parse, new { messageId = item.MessageId, recipient = item.Recipient, consentsTo = parse.GetValue(to), message = parse.GetValue(id) },
                    o => o.WriteLine($"Consent {item.MessageId} queued for {item.Recipient}: it may pass {parse.GetValue(id)} on to {parse.GetValue(to)}"));
                return 0;
            }
            catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException)
            {
                throw CliException.Refused(e.Message);
            }
        });
        return command;
    }

    /// <summary>The operator at the console, for the node's own authority.</summary>
    private static LocalUser CliUser(NodeOptions node) => new(Environment.UserName is { Length: > 0 } u ? u : "cli", node.Code, null);

    private static LedgerActor Actor(NodeOptions node) => new(CliUser(node).Name, node.Code);

    private static Command Inbox()
    {
        var from = new Option<string?>("--from") { Description = "Only messages from this partner" };
        var kind = new Option<string?>("--kind") { Description = "Only messages of this kind" };
        var limit = new Option<int>("--limit") { Description = "At most this many (newest first)", DefaultValueFactory = _ => 50 };
        var command = new NodeCommand("inbox", "Messages received from partners, newest first", json: true) { from, kind, limit };
        command.SetNodeAction(async (parse, node, ct) =>
        {
            var items = (await node.Get<ExchangeStore>().ListInboxAsync(parse.GetValue(from), parse.GetValue(kind), Math.Clamp(parse.GetValue(limit), 1, 10_000), ct))
                .Select(InboxSummary.Of).ToList();
            var output = parse.InvocationConfiguration.Output;
            if (command.Json(parse))
            {
                output.WriteLine(JsonSerializer.Serialize(items, Json));
                return 0;
            }
            if (items.Count == 0) output.WriteLine("No message received.");
            foreach (var i in items)
                output.WriteLine($"{i.ReceivedAt:yyyy-MM-dd HH:mm:ss} {i.MessageId} from {i.Sender} {i.Kind} ({i.Category}, {i.Purpose}) under {i.Agreement}, {i.HandlingCode}, onward transfer {i.OnwardTransfer}" +
                    (i.ErasedAt is { } erased ? $", erased at retention {erased:yyyy-MM-dd}" : ""));
            return 0;
        });
        return command;
    }

    private static Command Show()
    {
        var id = new Argument<string>("message") { Description = "A message id (received or sent)" };
        var purpose = new Option<string?>("--purpose") { Description = $"Why a received payload (personal data) is read: {string.Join(", ", PersonalData.ConsolePurposes.Order(StringComparer.Ordinal))}" };
        var justification = new Option<string?>("--justification") { Description = "The case, control or request that needs it (recorded)" };
        var command = new NodeCommand("show", "One message: a received one with its payload (needs --purpose and --justification), or a sent one with its state and receipt")
        {
            id, purpose, justification,
        };
        command.SetNodeAction(async (parse, node, ct) =>
        {
            var store = node.Get<ExchangeStore>();
            var messageId = parse.GetValue(id)!;
            var output = parse.InvocationConfiguration.Output;
            if (await store.GetInboxAsync(messageId, ct) is not null)
            {
                var message = await node.Get<ReadReceived>().HandleAsync(CliUser(node.Node), AccessRecorder.Console, messageId, parse.GetValue(purpose), parse.GetValue(justification), ct) switch
                {
                    ReadReceivedResult.Read r => r.Message,
                    ReadReceivedResult.Erased e => e.Message,
                    ReadReceivedResult.Refused r => throw new CliException(r.Reason),
                    _ => throw CliException.Refused($"no message {messageId} at {node.Node.Code}"),
                };
                output.WriteLine(JsonSerializer.Serialize(message, Json));
                return 0;
            }
            if (await store.GetOutboxAsync(messageId, ct) is { } sent)
            {
                var receipt = await store.ReceiptForAsync(messageId, ct);
                output.WriteLine(JsonSerializer.Serialize(new OutboxMessage(sent.MessageId, sent.ConversationId, sent.ConversationSeq, sent.Recipient, sent.Kind, sent.State,
                    sent.Attempts, sent.LastError, receipt is null ? null : Convert.ToBase64String(receipt)), Json));
                return 0;
            }
            throw CliException.Refused($"no message {messageId} at {node.Node.Code}");
        });
        return command;
    }

    private static Command Export()
    {
        var id = new Argument<string>("message") { Description = "A delivered or received message id" };
        var into = new Option<string>("--out") { Description = "The folder to write the evidence into", Required = true };
        var command = new NodeCommand("export", "Write a message's evidence for a third party: envelope, receipt, and both nodes' certificates") { id, into };
        command.SetNodeAction(async (parse, node, ct) =>
        {
            var store = node.Get<ExchangeStore>();
            var directory = node.Get<PartnerDirectory>();
            var identity = node.Get<NodeIdentity>();
            var messageId = parse.GetValue(id)!;
            byte[] envelope, receipt;
            string senderPem, recipientPem;
            if (await store.GetInboxAsync(messageId, ct) is { } received)
            {
                if (received.ErasedAt is { } erased)
                    throw CliException.Refused($"{messageId} was erased at retention on {erased:yyyy-MM-dd}: its envelope is gone; `entente exchange show {messageId}` gives the digest and the receipt this node signed");
                var partner = await directory.GetAsync(received.Sender, ct) ?? throw CliException.Refused($"{received.Sender} is no longer in the partner directory");
                (envelope, receipt) = (received.Envelope, received.Receipt);
                using var senderCertificate = partner.SigningX509();
                (senderPem, recipientPem) = (WithChain(senderCertificate, partner.ChainX509()), WithChain(identity.SigningCertificate, identity.Chain));
            }
            else if (await store.GetOutboxAsync(messageId, ct) is { } sent)
            {
                receipt = await store.ReceiptForAsync(messageId, ct) ?? throw CliException.Refused($"{messageId} is {sent.State}: no receipt yet");
                var partner = await directory.GetAsync(sent.Recipient, ct) ?? throw CliException.Refused($"{sent.Recipient} is no longer in the partner directory");
                envelope = sent.Envelope;
                using var recipientCertificate = partner.SigningX509();
                (senderPem, recipientPem) = (WithChain(identity.SigningCertificate, identity.Chain), WithChain(recipientCertificate, partner.ChainX509()));
            }
            else throw CliException.Refused($"no message {messageId} at {node.Node.Code}");
            var folder = parse.GetValue(into)!;
            Directory.CreateDirectory(folder);
            await File.WriteAllBytesAsync(Path.Combine(folder, "envelope.cose"), envelope, ct);
            await File.WriteAllBytesAsync(Path.Combine(folder, "receipt.cose"), receipt, ct);
            await File.WriteAllTextAsync(Path.Combine(folder, "sender.crt"), senderPem, ct);
            await File.WriteAllTextAsync(Path.Combine(folder, "recipient.crt"), recipientPem, ct);
            var agreementId = Envelope.Read(envelope).Header.AgreementId;
            if (command.Json(parse))
            {
                CliOutput.WriteJson(parse, new { message = messageId, folder, agreement = agreementId, files = new[] { "envelope.cose", "receipt.cose", "sender.crt", "recipient.crt" } });
                return 0;
            }
            parse.InvocationConfiguration.Output.WriteLine($"Wrote envelope.cose, receipt.cose, sender.crt, recipient.crt to {folder}; check them against the signed agreement with " +
                $"`entente exchange verify --evidence {folder} --agreement {agreementId}.yaml`");
            return 0;
        });
        return command;
    }

    private static string WithChain(X509Certificate2 certificate, IReadOnlyList<X509Certificate2> chain) =>
        NodeCertificates.Pem([certificate, .. chain]);

    private static Command Verify()
    {
        var evidence = new Option<string>("--evidence") { Description = "A folder written by `exchange export` (envelope.cose, receipt.cose, sender.crt, recipient.crt)", Required = true };
        var agreement = new Option<string?>("--agreement") { Description = "The signed agreement the message names (YAML): its parties' keys are the ones trusted" };
        var directory = new Option<string?>("--directory") { Description = "A partner directory signed by a node (`partner export --signed`): the keys it lists are the ones trusted" };
        var signer = new Option<string?>("--signer") { Description = "With --directory: the fingerprint (sha256:...) of the node trusted to have signed it, obtained from that node out of band" };
        var json = CommonOptions.Json();
        var command = new Command("verify", "Check offline that a message was sent by one node and received by the other under an agreement, against the agreement or a signed partner directory (needs no node); exit 1 when not valid")
        {
            evidence, agreement, directory, signer, json,
        };
        command.SetAction(parse =>
        {
            var folder = parse.GetValue(evidence)!;
            var anchors = new List<TrustAnchor>();
            if (parse.GetValue(agreement) is { } agreementFile)
            {
                try
                {
                    anchors.Add(TrustAnchor.Of(AgreementDocument.Load(agreementFile)));
                }
                catch (Entente.Agreements.AgreementFormatException e)
                {
                    throw CliException.Refused(e.Message);
                }
            }
            if (parse.GetValue(directory) is { } directoryFile)
            {
                var trusted = parse.GetValue(signer) ?? throw new CliException("--directory needs --signer FINGERPRINT: the key fingerprint of the node you trust to have signed it");
                var (opened, problems) = SignedDirectory.Open(ReadFile(directoryFile), trusted);
                if (opened is null) throw CliException.Refused(string.Join(Environment.NewLine, problems.Select(p => $"{directoryFile}: {p}")));
                anchors.Add(TrustAnchor.Of(opened));
            }
            else if (parse.GetValue(signer) is not null) throw new CliException("--signer goes with --directory FILE");
            if (anchors.Count == 0)
                throw new CliException("say what you trust: --agreement FILE (the signed agreement the message names) and/or --directory FILE --signer FINGERPRINT " +
                    "(a partner directory signed by a node you trust); the certificates in the evidence folder prove nothing by themselves");

            var envelope = ReadFile(Path.Combine(folder, "envelope.cose"));
            var receiptBytes = ReadFile(Path.Combine(folder, "receipt.cose"));
            var certificates = new EvidenceCertificates(Certificates(Path.Combine(folder, "sender.crt")), Certificates(Path.Combine(folder, "recipient.crt")));
            var verdicts = anchors.Select(a => (Anchor: a, Verdict: Evidence.Verify(envelope, receiptBytes, certificates, a))).ToArray();
            var refused = verdicts.Where(v => !v.Verdict.Valid).ToArray();
            if (refused.Length > 0)
            {
                if (parse.GetValue(json))
                {
                    CliOutput.WriteJson(parse, new { valid = false, problems = refused.Select(v => new { against = v.Anchor.Name, problems = v.Verdict.Problems }) });
                    return ExitCodes.Refused;
                }
                var error = parse.InvocationConfiguration.Error;
                foreach (var (anchor, verdict) in refused)
                {
                    error.WriteLine($"Not valid against {anchor.Name}:");
                    foreach (var p in verdict.Problems) error.WriteLine("  " + p);
                }
                return ExitCodes.Refused;
            }
            var (_, valid) = verdicts[0];
            var header = valid.Header!;
            if (parse.GetValue(json))
            {
                CliOutput.WriteJson(parse, new
                {
                    valid = true,
                    message = header.MessageId,
                    kind = header.Kind,
                    category = header.Category,
                    purpose = header.Purpose,
                    sender = header.Sender,
                    senderKey = valid.SenderKey,
                    sentAt = header.CreatedAt,
                    recipient = header.Recipient,
                    recipientKey = valid.RecipientKey,
                    receivedAt = valid.Receipt!.ReceivedAt,
                    agreement = header.AgreementId,
                    agreementHash = header.AgreementHash,
                    envelopeSha256 = Convert.ToHexStringLower(SHA256.HashData(envelope)),
                    checkedAgainst = anchors.Select(a => a.Name),
                });
                return 0;
            }
            parse.InvocationConfiguration.Output.WriteLine($"Valid: message {header.MessageId} ({header.Kind}, {header.Category}, for {header.Purpose}) sent by {header.Sender} " +
                $"(key {valid.SenderKey}) at {header.CreatedAt:O}, received by {header.Recipient} (key {valid.RecipientKey}) at {valid.Receipt!.ReceivedAt:O}, " +
                $"under agreement {header.AgreementId} ({header.AgreementHash}); envelope sha256 {Convert.ToHexStringLower(SHA256.HashData(envelope))}; " +
                $"checked against {string.Join(" and ", anchors.Select(a => a.Name))}");
            return 0;
        });
        return command;
    }

    private static byte[] ReadFile(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new CliException($"{path}: no such file");
        }
    }

    /// <summary>The certificates of a PEM (the node's first, then its chain) or DER file, as DER, unparsed: the verdict judges them.</summary>
    private static byte[][] Certificates(string path)
    {
        var bytes = ReadFile(path);
        if (bytes.AsSpan().IndexOf("-----BEGIN"u8) < 0) return [bytes];
        var text = System.Text.Encoding.ASCII.GetString(bytes).AsSpan();
        var found = new List<byte[]>();
        while (PemEncoding.TryFind(text, out var fields))
        {
            if (text[fields.Label].SequenceEqual("CERTIFICATE"))
            {
                var der = new byte[fields.DecodedDataLength];
                if (!Convert.TryFromBase64Chars(text[fields.Base64Data], der, out _)) throw CliException.Refused($"{path}: a CERTIFICATE block is not base64");
                found.Add(der);
            }
            text = text[fields.Location.End..];
        }
        return found.Count > 0 ? found.ToArray() : throw CliException.Refused($"{path}: no CERTIFICATE block in this PEM file");
    }

    private static string Age(TimeSpan t) =>
        t.TotalDays >= 1 ? $"{t.TotalDays.ToString("0.#", CultureInfo.InvariantCulture)} d"
        : t.TotalHours >= 1 ? $"{t.TotalHours.ToString("0.#", CultureInfo.InvariantCulture)} h"
        : t.TotalMinutes >= 1 ? $"{t.TotalMinutes.ToString("0", CultureInfo.InvariantCulture)} min"
        : $"{Math.Max(0, t.TotalSeconds).ToString("0", CultureInfo.InvariantCulture)} s";
}
