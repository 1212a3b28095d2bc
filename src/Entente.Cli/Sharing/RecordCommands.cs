using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Entente.Access;
using Entente.Sharing;

namespace Entente.Cli.Sharing;

/// <summary>`entente record add|list`: seizure reports, risk results, AEO status and alerts, pushed to partners by the agreements' subscriptions.</summary>
internal static class RecordCommands
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static Command Create()
    {
        var record = new Command("record", "Seizure reports, risk results, AEO status and alerts: recorded here, pushed to the partners the agreements subscribe");
        record.Add(Add());
        record.Add(List());
        return record;
    }

    private static Command Add()
    {
        var kind = new Option<string>("--kind") { Description = $"One of {RecordKind.Names}", Required = true };
        var file = new Option<string[]>("--file")
        {
            Description = "The record as JSON (docs/exchange.md shows each kind). Repeat it, or give '-' for one record per line on standard input, to record several in one run: all are checked before any is recorded",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var command = new NodeCommand("add", "Record one or more and push them to the subscribed partners (the server delivers)", json: true) { kind, file };
        command.SetNodeAction(async (parse, node, ct) =>
        {
            var recordKind = RecordKind.Named(parse.GetValue(kind)!) ?? throw new CliException($"--kind: '{parse.GetValue(kind)}' is not one of {RecordKind.Names}");
            var documents = await ReadAsync(parse.GetValue(file)!, ct);
            var problems = documents.SelectMany(d => RecordShared.Check(recordKind, d.Document).Select(p => $"{d.Where}: {p}")).ToList();
            if (problems.Count > 0) throw CliException.Refused(string.Join(Environment.NewLine, problems) + Environment.NewLine + "nothing was recorded");
            // The pushes wait in the node's outbox; the server (entente serve) delivers them.
            var user = new LocalUser(Environment.UserName is { Length: > 0 } u ? u : "cli", node.Node.Code, null);
            var recorded = new List<StoredRecord>();
            foreach (var (where, document) in documents)
            {
                recorded.Add(await node.Get<RecordShared>().HandleAsync(user, recordKind.Name, document, ct) switch
                {
                    RecordSharedResult.Recorded r => r.Record,
                    RecordSharedResult.Invalid i => throw CliException.Refused(string.Join(Environment.NewLine, i.Problems.Select(p => $"{where}: {p}"))),
                    _ => throw new CliException($"--kind: '{parse.GetValue(kind)}' is not one of {RecordKind.Names}"),
                });
            }
            var output = parse.InvocationConfiguration.Output;
            if (command.Json(parse))
            {
                output.WriteLine(recorded.Count == 1 ? JsonSerializer.Serialize(recorded[0], Json) : JsonSerializer.Serialize(recorded, Json));
                return 0;
            }
            foreach (var stored in recorded)
            {
                output.WriteLine($"Recorded {stored.Id} ({stored.Kind})");
                if (stored.Pushed.Count == 0) output.WriteLine("  no agreement in force subscribes a partner to it");
                foreach (var p in stored.Pushed)
                    output.WriteLine(p.MessageId is { } m ? $"  pushed to {p.Recipient} under {p.Agreement} for {p.Purpose}: {m}" : $"  not pushed to {p.Recipient}: {p.Refused}");
            }
            return 0;
        });
        return command;
    }

    /// <summary>The documents named by --file: a file holds one JSON object; '-' is one object per line on standard input.</summary>
    private static async Task<List<(string Where, JsonObject Document)>> ReadAsync(string[] files, CancellationToken cancellationToken)
    {
        var documents = new List<(string, JsonObject)>();
        foreach (var path in files)
        {
            if (path == "-")
            {
                var line = 0;
                while (await Console.In.ReadLineAsync(cancellationToken) is { } text)
                {
                    line++;
                    if (text.Trim().Length == 0) continue;
                    documents.Add(($"standard input, line {line}", Parse(text, $"standard input, line {line}")));
                }
                continue;
            }
            string content;
            try
            {
                content = await File.ReadAllTextAsync(path, cancellationToken);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw CliException.ForFile(path, e);
            }
            documents.Add((path, Parse(content, path)));
        }
        return documents;
    }

    private static JsonObject Parse(string text, string where)
    {
        try
        {
            return JsonNode.Parse(text) as JsonObject ?? throw CliException.Refused($"{where}: expected a JSON object");
        }
        catch (JsonException e)
        {
            throw CliException.Refused($"{where}: not JSON ({e.Message})");
        }
    }

    private static Command List()
    {
        var kind = new Option<string?>("--kind") { Description = "Only this kind" };
        var command = new NodeCommand("list", "Records made here, newest first, with where they were pushed", json: true) { kind };
        command.SetNodeAction(async (parse, node, ct) =>
        {
            var list = await node.Get<RecordDesk>().ListAsync(parse.GetValue(kind), 1000, ct);
            var output = parse.InvocationConfiguration.Output;
            if (command.Json(parse)) output.WriteLine(JsonSerializer.Serialize(list, Json));
            else
                foreach (var r in list)
                    output.WriteLine($"{r.RecordedAt:yyyy-MM-dd HH:mm:ss} {r.Id} {r.Kind} pushed to {(r.Pushed.Count == 0 ? "nobody" : string.Join(", ", r.Pushed.Where(p => p.MessageId is not null).Select(p => p.Recipient)))}");
            return 0;
        });
        return command;
    }
}
