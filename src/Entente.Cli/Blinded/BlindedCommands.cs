using System.CommandLine;
using System.Globalization;
using Entente.Blinded;

namespace Entente.Cli.Blinded;

/// <summary>`entente blinded ...`: ask partners blinded whether they hold an identifier; this node's index and OPRF key (docs/blinded.md).</summary>
internal static class BlindedCommands
{
    public static Command Create()
    {
        var blinded = new Command("blinded", "Blinded hit/no-hit: ask partners whether they hold an identifier without telling it to those that do not");
        blinded.Add(Ask());
        blinded.Add(Index());
        blinded.Add(RotateKey());
        return blinded;
    }

    private static Command Ask()
    {
        var type = new Option<string>("--type") { Description = $"The identifier's type: {BlindedIdentifier.TypeNames}", Required = true };
        var value = new Option<string>("--value") { Description = "The identifier (an EORI, an IMO number, a container, a registration, a name...)", Required = true };
        var purpose = new Option<string>("--purpose") { Description = "The purpose of the query (risk-management, investigation...)", Required = true };
        var partners = new Option<string[]>("--partner") { Description = "A partner to ask; repeat for several (default: every partner an agreement allows)" };
        var country = new Option<string?>("--country") { Description = "vehicle: the country of registration (ISO 3166-1 alpha-2)" };
        var birthDate = new Option<string?>("--birth-date") { Description = "person: the birth date, yyyy-MM-dd" };
        var agreement = new Option<string?>("--agreement") { Description = "Ask only under this agreement" };
        var command = new NodeCommand("ask", "Ask partners blinded whether they hold an identifier: hit or no-hit each, and a reference to quote in an assistance request", json: true);
        foreach (var o in new Option[] { type, value, purpose, partners, country, birthDate, agreement }) command.Add(o);
        command.SetNodeAction(async (parse, node, ct) =>
        {
            var input = new AskInput(parse.GetValue(type), parse.GetValue(value), parse.GetValue(purpose), parse.GetValue(partners) ?? [], parse.GetValue(country),
                parse.GetValue(birthDate), parse.GetValue(agreement));
            switch (await node.Get<AskPartners>().HandleAsync(Environment.UserName, input, ct))
            {
                case AskOutcome.Invalid i:
                    throw new CliException(string.Join(Environment.NewLine, i.Errors.Select(e => "--" + OptionOf(e.Path) + ": " + e.Message)));
                case AskOutcome.NoPartner n:
                    throw CliException.Refused("no partner to ask" + Environment.NewLine + string.Join(Environment.NewLine, n.Errors.Select(e => "  " + e.Message)));
                case AskOutcome.Answered a:
                    var o = parse.InvocationConfiguration.Output;
                    if (command.Json(parse)) CliOutput.WriteJson(parse, a.Answers);
                    else
                    {
                        foreach (var answer in a.Answers.Answers)
                        {
                            var detail = answer.Outcome switch
                            {
                                PartnerAnswer.Hit => $"reference {answer.Reference}",
                                PartnerAnswer.NoHit => $"index version {answer.IndexVersion}, {answer.IndexSize} identifiers",
                                _ => answer.Error,
                            };
                            o.WriteLine($"{answer.Partner,-8} {answer.Outcome,-7} {detail}");
                        }
                        o.WriteLine($"{a.Answers.Hits} hit(s) from {a.Answers.Answers.Count} partner(s) in {a.Answers.Milliseconds.ToString("0", CultureInfo.InvariantCulture)} ms");
                        foreach (var hit in a.Answers.Answers.Where(x => x.Outcome == PartnerAnswer.Hit))
                            o.WriteLine($"Follow up: entente request new --to {hit.Partner} --agreement {hit.Agreement} --legal-basis \"...\" --purpose {a.Answers.Purpose} --case CASE --subject \"blinded hit {hit.Reference}\" --party {parse.GetValue(value)}");
                    }
                    // No partner answered: a refused proof is a check that failed (1), otherwise the partners could not be reached (3).
                    return a.Answers.Answers.Any(x => x.Outcome is PartnerAnswer.Hit or PartnerAnswer.NoHit) ? 0
                        : a.Answers.Answers.Any(x => x.Outcome == PartnerAnswer.Refused) ? ExitCodes.Refused : ExitCodes.Environment;
                default:
                    throw new InvalidOperationException();
            }
        });
        return command;
    }

    private static string OptionOf(string path) => path.TrimStart('/') switch
    {
        "birthDate" => "birth-date",
        var p when p.StartsWith("partners", StringComparison.Ordinal) => "partner",
        var p => p,
    };

    private static Command Index()
    {
        var command = new NodeCommand("index", "This node's blinded index as partners fetch it: key id, version, identifiers, bytes on the wire", json: true);
        command.SetNodeAction(async (parse, node, ct) =>
        {
            var holder = node.Get<BlindedHolder>();
            var index = await node.Get<BlindedIndexer>().CurrentAsync(ct);
            var bytes = holder.SignedCborOf(index).Length;
            if (command.Json(parse)) CliOutput.WriteJson(parse, new { holder = index.Holder, suite = Voprf.Suite, key = index.KeyId, version = index.Version, identifiers = index.Count, bytes });
            else parse.InvocationConfiguration.Output.WriteLine($"{index.Holder}: key {index.KeyId}, version {index.Version}, {index.Count} identifiers, {bytes} bytes signed on the wire ({Voprf.Suite})");
            return 0;
        });
        return command;
    }

    private static Command RotateKey()
    {
        var command = new NodeCommand("rotate-key", "Replace this node's OPRF key (the old one is kept aside, no longer answered); partners see a new key id and fetch the new index", json: true);
        command.SetNodeAction(async (parse, node, ct) =>
        {
            var rotated = await node.Get<RotateBlindedKey>().HandleAsync(Environment.UserName, ct);
            if (command.Json(parse)) CliOutput.WriteJson(parse, new { key = rotated.Key, @public = rotated.Public, retired = rotated.Retired });
            else parse.InvocationConfiguration.Output.WriteLine($"New OPRF key {rotated.Key} in {rotated.File}{(rotated.Retired is null ? "" : $" (key {rotated.Retired} retired)")}; recorded in the ledger");
            return 0;
        });
        return command;
    }
}
