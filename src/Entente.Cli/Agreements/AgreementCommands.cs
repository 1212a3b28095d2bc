using System.CommandLine;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Entente.Agreements;
using Entente.Hosting;
using Entente.Identity;
using Entente.Ledger;

namespace Entente.Cli.Agreements;

internal static class AgreementCommands
{
    public static Command Create()
    {
        var agreement = new Command("agreement", "Write, sign, verify and list agreements (docs/agreements.md)");
        agreement.Add(Init());
        agreement.Add(Sign());
        agreement.Add(Verify());
        agreement.Add(Show());
        agreement.Add(List());
        return agreement;
    }

    private static Command Init()
    {
        var file = new Argument<string>("FILE") { Description = "The agreement file to write" };
        var id = new Option<string>("--id") { Description = "The agreement's id (lowercase, e.g. nl-kr-mutual-assistance)", Required = true };
        var kind = new Option<string>("--kind") { Description = "bilateral, multilateral, regional, mutual-assistance, aeo-mutual-recognition or national", Required = true };
        var party = new Option<string[]>("--party") { Description = "A party as CODE:FINGERPRINT (KR:sha256:...); once per party", Required = true, AllowMultipleArgumentsPerToken = false };
        var json = CommonOptions.Json();
        var command = new Command("init", "Write a commented agreement template to edit, then sign") { file, id, kind, party, json };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(file)!;
            if (File.Exists(path)) throw CliException.Refused($"{path} exists already; amend it as a new version instead");
            if (!AgreementDocument.TryEnum<AgreementKind>(parse.GetValue(kind)!, out var k))
                throw new CliException($"--kind: expected {AgreementDocument.Names<AgreementKind>()}");
            var parties = new List<(string Code, string Fingerprint)>();
            foreach (var p in parse.GetValue(party) ?? [])
            {
                var colon = p.IndexOf(':', StringComparison.Ordinal);
                if (colon <= 0) throw new CliException($"--party {p}: expected CODE:sha256:<64 hex digits>");
                parties.Add((p[..colon], p[(colon + 1)..]));
            }
            var today = DateOnly.FromDateTime(TimeProvider.System.GetUtcNow().UtcDateTime);
            var text = AgreementTemplate.Write(parse.GetValue(id)!, k, parties, today);
            try
            {
                AgreementDocument.Parse(text, path);
            }
            catch (AgreementFormatException e)
            {
                throw new CliException(string.Join(Environment.NewLine, e.Errors.Select(x => x.Message)));
            }
            File.WriteAllText(path, text);
            if (parse.GetValue(json)) CliOutput.WriteJson(parse, new { file = path, id = parse.GetValue(id), kind = AgreementDocument.Kebab(k.ToString()), parties = parties.Select(p => p.Code) });
            else parse.InvocationConfiguration.Output.WriteLine($"Wrote {path}: edit the categories, then each party runs `entente agreement sign {path}`");
            return 0;
        });
        return command;
    }

    private static Command Sign()
    {
        var file = new Argument<string>("FILE") { Description = "The agreement file to sign (the signature is added to it)" };
        var key = new Option<string?>("--key") { Description = "A PKCS#8 PEM ECDSA P-256 key to sign with instead of the node's" };
        // The home is optional here: a party without a node signs with --key, and nothing is recorded.
        var command = new NodeCommand("sign", "Sign an agreement with this node's key (recorded in the node's ledger)") { file, key };
        var home = command.HomeOption;
        command.SetAction(async (parse, ct) =>
        {
            var path = parse.GetValue(file)!;
            var agreement = Load(path);
            using var signing = LoadKey(parse.GetValue(key), parse.GetValue(home));
            AgreementSignature signature;
            try
            {
                signature = AgreementSignatures.Sign(agreement, signing, TimeProvider.System.GetUtcNow());
            }
            catch (InvalidOperationException e)
            {
                throw CliException.Refused(e.Message);
            }
            string text;
            try
            {
                text = AgreementSignatures.AddTo(File.ReadAllText(path), path, signature);
            }
            catch (InvalidOperationException e)
            {
                throw CliException.Refused(e.Message);
            }
            var temporary = path + ".signing";
            File.WriteAllText(temporary, text);
            File.Move(temporary, path, overwrite: true);
            var signed = AgreementDocument.Parse(text, path);
            var status = AgreementStatus.Of(signed, TimeProvider.System);
            var json = command.Json(parse);
            if (!json) parse.InvocationConfiguration.Output.WriteLine($"Signed {agreement} as {signature.Party} ({agreement.ContentHash}); status: {Describe(status)}");
            IReadOnlyList<long>? recorded = null;
            if (parse.GetValue(home) is { Length: > 0 } homeFolder && NodeHome.Exists(homeFolder))
            {
                // The node's own record of what it signed, and of an agreement coming into force by its signature.
                await using var services = await command.OpenAsync(parse, ct);
                var ledger = services.Get<LedgerStore>();
                var actor = new LedgerActor(Environment.UserName, services.Node.Code);
                var reference = new JsonObject { ["id"] = signed.Id, ["version"] = signed.Version, ["hash"] = signed.ContentHash };
                var entries = new List<LedgerEntry>
                {
                    LedgerEntry.Now(TimeProvider.System, LedgerKinds.AgreementSigned, actor,
                        new JsonObject
                        {
                            ["agreement"] = reference.DeepClone(), ["party"] = signature.Party, ["fingerprint"] = NodeKeys.Fingerprint(signature.PublicKey),
                            [LedgerSubjects.Field] = new JsonArray(AgreementWatch.Subject(signed.Id)),
                        }),
                };
                if (status.InForce)
                {
                    entries.Add(LedgerEntry.Now(TimeProvider.System, LedgerKinds.AgreementInForce, actor,
                        new JsonObject
                        {
                            ["agreement"] = reference.DeepClone(),
                            ["parties"] = new JsonArray(signed.Parties.Select(p => (JsonNode)p.Code).ToArray()),
                            [LedgerSubjects.Field] = new JsonArray(AgreementWatch.Subject(signed.Id)),
                        }));
                }
                var indices = await ledger.AppendAsync(entries, ct);
                recorded = indices.ToList();
                if (!json) parse.InvocationConfiguration.Output.WriteLine($"Recorded in the ledger: entr{(indices.Count == 1 ? "y" : "ies")} {string.Join(", ", indices)}");
            }
            if (json)
            {
                CliOutput.WriteJson(parse, new
                {
                    file = path,
                    id = signed.Id,
                    version = signed.Version,
                    hash = signed.ContentHash,
                    party = signature.Party,
                    inForce = status.InForce,
                    status = Describe(status),
                    ledgerEntries = recorded,
                });
            }
            return 0;
        });
        return command;
    }

    private static Command Verify()
    {
        var file = new Argument<string>("FILE") { Description = "The agreement file" };
        var json = CommonOptions.Json();
        var command = new Command("verify", "Check an agreement's signatures and validity; exit 0 only when it is in force") { file, json };
        command.SetAction(parse =>
        {
            if (!File.Exists(parse.GetValue(file))) throw new CliException($"{parse.GetValue(file)}: no such file");
            var read = AgreementFile.Read(parse.GetValue(file)!, TimeProvider.System.GetUtcNow());
            var output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object?>
                {
                    ["inForce"] = read.Status.InForce,
                    ["state"] = AgreementDocument.Kebab(read.Status.State.ToString()),
                    ["id"] = read.Agreement?.Id,
                    ["version"] = read.Agreement?.Version,
                    ["hash"] = read.Agreement?.ContentHash,
                    ["reasons"] = read.Status.Reasons,
                }));
            }
            else
            {
                output.WriteLine(read.Agreement is { } a ? $"{a} {a.ContentHash}" : read.Path);
                foreach (var r in read.Status.Reasons) output.WriteLine($"  {r}");
            }
            return read.Status.InForce ? 0 : 1;
        });
        return command;
    }

    private static Command Show()
    {
        var file = new Argument<string>("FILE") { Description = "The agreement file" };
        var json = CommonOptions.Json();
        var command = new Command("show", "Print an agreement as it is understood: parties, validity, rules, status") { file, json };
        command.SetAction(parse =>
        {
            var a = Load(parse.GetValue(file)!);
            var o = parse.InvocationConfiguration.Output;
            if (parse.GetValue(json))
            {
                var status = AgreementStatus.Of(a, TimeProvider.System);
                CliOutput.WriteJson(parse, new
                {
                    id = a.Id,
                    version = a.Version,
                    kind = AgreementDocument.Kebab(a.Kind.ToString()),
                    title = a.Title,
                    hash = a.ContentHash,
                    validFrom = a.ValidFrom,
                    validUntil = a.ValidUntil,
                    inForce = status.InForce,
                    status = Describe(status),
                    parties = a.Parties.Select(p => new { code = p.Code, name = p.Name, fingerprint = p.Fingerprint, signed = a.Signatures.Any(s => s.Party == p.Code) }),
                    legalBasis = a.LegalBasis,
                    rules = a.Rules.Select(r => new
                    {
                        category = PolicyEngine.Name(r.Category),
                        alertCategories = r.AlertCategories,
                        roles = r.Roles,
                        purposes = r.Purposes.Select(PolicyEngine.Name),
                        disclose = r.Disclose,
                        transforms = r.Transforms.Select(x => new { treatment = PolicyEngine.Name(x.Treatment), field = x.Field }),
                        otherFields = PolicyEngine.Name(r.OtherFields),
                        handlingCode = r.HandlingCode,
                        evaluation = r.Evaluation,
                        onwardTransfer = r.OnwardTransfer.ToString(),
                        retention = new { period = r.Retention.Period.ToString(), then = PolicyEngine.Name(r.Retention.Then) },
                        answerWithin = r.AnswerWithin?.ToString(),
                    }),
                    denials = a.Denials.Select(d => new
                    {
                        parties = d.Parties,
                        categories = d.Categories.Select(PolicyEngine.Name),
                        purposes = d.Purposes.Select(PolicyEngine.Name),
                        fields = d.Fields,
                        roles = d.Roles,
                        reason = d.Reason,
                    }),
                });
                return 0;
            }
            o.WriteLine($"Agreement {a.Id} version {a.Version} ({AgreementDocument.Kebab(a.Kind.ToString())}){(a.Title is { } t ? ": " + t : "")}");
            o.WriteLine($"Hash:      {a.ContentHash}");
            o.WriteLine($"Validity:  {a.ValidFrom:yyyy-MM-dd} to {a.ValidUntil:yyyy-MM-dd}");
            o.WriteLine($"Status:    {Describe(AgreementStatus.Of(a, TimeProvider.System))}");
            foreach (var p in a.Parties)
                o.WriteLine($"Party:     {p.Code,-8} {p.Name} {p.Fingerprint} {(a.Signatures.Any(s => s.Party == p.Code) ? "signed" : "unsigned")}");
            foreach (var basis in a.LegalBasis) o.WriteLine($"Basis:     {basis}");
            foreach (var r in a.Rules)
            {
                var scope = (r.AlertCategories.Count > 0 ? $" [{string.Join(", ", r.AlertCategories)}]" : "") + (r.Roles.Count > 0 ? $" (local roles {string.Join(", ", r.Roles)})" : "");
                o.WriteLine($"Category:  {PolicyEngine.Name(r.Category)}{scope}");
                o.WriteLine($"  purposes:  {string.Join(", ", r.Purposes.Select(PolicyEngine.Name))}");
                o.WriteLine($"  disclose:  {string.Join(", ", r.Disclose)}");
                foreach (var x in r.Transforms) o.WriteLine($"  {PolicyEngine.Name(x.Treatment)}: {x.Field}");
                o.WriteLine($"  others:    {PolicyEngine.Name(r.OtherFields)}; handling {r.HandlingCode}{(r.Evaluation is { } e ? $", evaluation {e}" : "")}; onward transfer {r.OnwardTransfer}");
                o.WriteLine($"  retention: {r.Retention.Period} then {PolicyEngine.Name(r.Retention.Then)}{(r.AnswerWithin is { } w ? $"; answer within {w}" : "")}");
            }
            for (var i = 0; i < a.Denials.Count; i++)
            {
                var d = a.Denials[i];
                var parts = new[]
                {
                    d.Parties.Count > 0 ? "parties " + string.Join(", ", d.Parties) : null,
                    d.Categories.Count > 0 ? "categories " + string.Join(", ", d.Categories.Select(PolicyEngine.Name)) : null,
                    d.Purposes.Count > 0 ? "purposes " + string.Join(", ", d.Purposes.Select(PolicyEngine.Name)) : null,
                    d.Fields.Count > 0 ? "fields " + string.Join(", ", d.Fields) : null,
                    d.Roles.Count > 0 ? "roles " + string.Join(", ", d.Roles) : null,
                };
                o.WriteLine($"Deny[{i}]:   {string.Join("; ", parts.Where(x => x is not null))}{(d.Reason is { } r ? $" — {r}" : "")}");
            }
            return 0;
        });
        return command;
    }

    private static Command List()
    {
        var command = new NodeCommand("list", "List the agreements in <home>/agreements/ with their status", json: true);
        // Reads the home's agreements folder only: a folder with agreements but no node yet (or no database) lists too.
        command.SetAction(parse =>
        {
            var folder = parse.GetValue(command.HomeOption);
            if (string.IsNullOrWhiteSpace(folder)) throw new CliException("name the node's home with --home DIR (or set ENTENTE_HOME)");
            var now = TimeProvider.System.GetUtcNow();
            var files = AgreementFile.ReadFolder(Path.Combine(folder, "agreements"), now);
            var inForce = AgreementStatus.SelectInForce(files.Where(f => f.Agreement is not null).Select(f => f.Agreement!), now).ToHashSet();
            var o = parse.InvocationConfiguration.Output;
            if (command.Json(parse))
            {
                o.WriteLine(JsonSerializer.Serialize(files.Select(f => new Dictionary<string, object?>
                {
                    ["file"] = Path.GetFileName(f.Path),
                    ["id"] = f.Agreement?.Id,
                    ["version"] = f.Agreement?.Version,
                    ["state"] = AgreementDocument.Kebab(f.Status.State.ToString()),
                    ["applies"] = f.Agreement is not null && inForce.Contains(f.Agreement),
                    ["reasons"] = f.Status.Reasons,
                })));
                return 0;
            }
            if (files.Count == 0) o.WriteLine($"No agreements in {Path.Combine(folder, "agreements")}");
            foreach (var f in files)
            {
                var name = f.Agreement is { } a ? $"{a.Id} v{a.Version}" : "?";
                var superseded = f.Status.InForce && !inForce.Contains(f.Agreement!) ? " (superseded by a higher version)" : "";
                o.WriteLine($"{Path.GetFileName(f.Path),-36} {name,-40} {Describe(f.Status)}{superseded}");
            }
            return 0;
        });
        return command;
    }

    private static string Describe(AgreementStatus status) => status.InForce ? "in force" : status.Reason;

    private static Agreement Load(string path)
    {
        if (!File.Exists(path)) throw new CliException($"{path}: no such file");
        try
        {
            return AgreementDocument.Load(path);
        }
        catch (AgreementFormatException e)
        {
            throw CliException.Refused(e.Message);
        }
    }

    private static ECDsa LoadKey(string? keyFile, string? home)
    {
        try
        {
            if (keyFile is not null)
            {
                var key = ECDsa.Create();
                key.ImportFromPem(File.ReadAllText(keyFile));
                return key;
            }
            if (string.IsNullOrWhiteSpace(home)) throw new CliException("sign with the node's key (--home DIR or ENTENTE_HOME) or --key FILE.pem");
            return NodeKeys.LoadSigningKey(home);
        }
        catch (Exception e) when (e is IOException or ArgumentException or CryptographicException or InvalidDataException or UnauthorizedAccessException)
        {
            throw CliException.Refused($"cannot read the signing key: {e.Message}");
        }
    }
}
