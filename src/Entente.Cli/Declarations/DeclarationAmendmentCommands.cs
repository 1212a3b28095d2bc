using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using Entente.Access;
using Entente.Ingest;

namespace Entente.Cli.Declarations;

/// <summary>`entente declarations versions REFERENCE` and `entente declarations pending-amendments`: what amendments did and what they wait for.</summary>
internal static class DeclarationAmendmentCommands
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    public static Command Versions()
    {
        var reference = new Argument<string>("reference") { Description = "Declaration id, MRN or LRN" };
        var purpose = new Option<string?>("--purpose") { Description = $"Why party (personal) data is read: {string.Join(", ", PersonalData.ConsolePurposes.Order(StringComparer.Ordinal))}" };
        var justification = new Option<string?>("--justification") { Description = "The case, control or request that needs it (recorded)" };
        var command = new NodeCommand("versions", "The versions of a declaration that amendments superseded, oldest first (party data needs --purpose and --justification)")
        {
            reference, purpose, justification,
        };
        command.SetNodeAction(async (parse, node, ct) =>
        {
            var input = new ReadDeclarationInput(parse.GetValue(reference)!, parse.GetValue(purpose), parse.GetValue(justification));
            var versions = await node.Get<ReadDeclarationVersions>().HandleAsync(new LocalUser(Environment.UserName, node.Node.Code, null), AccessRecorder.Console, input, ct) switch
            {
                DeclarationVersionsResult.Read r => r.Versions,
                DeclarationVersionsResult.Refused r => throw new CliException(r.Reason),
                _ => throw CliException.Refused($"no declaration with id, MRN or LRN '{input.Reference}'"),
            };
            var output = parse.InvocationConfiguration.Output;
            if (command.Json(parse))
            {
                output.WriteLine(JsonSerializer.Serialize(versions, Json));
                return 0;
            }
            output.WriteLine($"{versions.Id}: version {versions.Current} now ({versions.Status}); {versions.Versions.Count} superseded");
            foreach (var v in versions.Versions)
                output.WriteLine($"  version {v.Version}: superseded {v.SupersededAt:yyyy-MM-dd HH:mm:ss}Z by {v.SupersededBy}; {v.Declaration.GoodsShipment.GoodsItems.Count} item(s), type {v.Declaration.TypeCode}");
            if (versions.Notice is { } notice) output.WriteLine($"Party data withheld: {notice} (--purpose, --justification)");
            return 0;
        });
        return command;
    }

    public static Command PendingAmendments()
    {
        var command = new NodeCommand("pending-amendments", "The amendments kept until the declaration they name arrives, oldest first");
        command.SetNodeAction(async (parse, node, ct) =>
        {
            var pending = await node.Get<ListPendingAmendments>().HandleAsync(ct);
            var output = parse.InvocationConfiguration.Output;
            if (command.Json(parse))
            {
                output.WriteLine(JsonSerializer.Serialize(pending, Json));
                return 0;
            }
            foreach (var p in pending)
                output.WriteLine($"{p.Id}  {p.Kind,-7} {p.Reference,-22} received {p.ReceivedAt:yyyy-MM-dd HH:mm:ss}Z from {p.SourceFile}{(p.Reason is null ? "" : $": {p.Reason}")}");
            output.WriteLine($"{pending.Count} pending");
            return 0;
        });
        return command;
    }
}
