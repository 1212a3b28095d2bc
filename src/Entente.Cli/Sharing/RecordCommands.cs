using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Entente.Hosting;
using Entente.Ledger;
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
        var home = CommonOptions.Home();
        var database = CommonOptions.Database();
        var json = CommonOptions.Json();
        var kind = new Option<string>("--kind") { Description = $"One of {RecordKind.Names}", Required = true };
        var file = new Option<string>("--file") { Description = "The record as JSON (docs/exchange.md shows each kind)", Required = true };
        var command = new Command("add", "Record one and push it to the subscribed partners (the server delivers)") { home, database, json, kind, file };
        command.SetAction(async (parse, ct) =>
        {
            var node = CommonOptions.LoadNode(parse, home, database);
            await (await CommonOptions.OpenStoreAsync(node, ct)).DisposeAsync();
            var recordKind = RecordKind.Named(parse.GetValue(kind)!) ?? throw new CliException($"--kind: '{parse.GetValue(kind)}' is not one of {RecordKind.Names}");
            var path = parse.GetValue(file)!;
            JsonObject document;
            try
            {
                document = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new CliException($"{path}: expected a JSON object");
            }
            catch (JsonException e)
            {
                throw new CliException($"{path}: not JSON ({e.Message})");
            }
            catch (IOException e)
            {
                throw new CliException($"{path}: {e.Message}");
            }
            await using var opened = OpenedExchange.Open(node, TimeProvider.System);
            StoredRecord stored;
            try
            {
                stored = await new RecordDesk(opened.Node, opened.Database).RecordAsync(recordKind, document, new LedgerActor(Environment.UserName is { Length: > 0 } u ? u : "cli", node.Code), ct);
            }
            catch (RecordException e)
            {
                throw new CliException(string.Join(Environment.NewLine, e.Problems.Select(p => $"{path}: {p}")));
            }
            var output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(stored, Json));
                return 0;
            }
            output.WriteLine($"Recorded {stored.Id} ({stored.Kind})");
            if (stored.Pushed.Count == 0) output.WriteLine("  no agreement in force subscribes a partner to it");
            foreach (var p in stored.Pushed)
                output.WriteLine(p.MessageId is { } m ? $"  pushed to {p.Recipient} under {p.Agreement} for {p.Purpose}: {m}" : $"  not pushed to {p.Recipient}: {p.Refused}");
            return 0;
        });
        return command;
    }

    private static Command List()
    {
        var home = CommonOptions.Home();
        var database = CommonOptions.Database();
        var json = CommonOptions.Json();
        var kind = new Option<string?>("--kind") { Description = "Only this kind" };
        var command = new Command("list", "Records made here, newest first, with where they were pushed") { home, database, json, kind };
        command.SetAction(async (parse, ct) =>
        {
            var node = CommonOptions.LoadNode(parse, home, database);
            await (await CommonOptions.OpenStoreAsync(node, ct)).DisposeAsync();
            await using var opened = OpenedExchange.Open(node, TimeProvider.System);
            var list = await new RecordDesk(opened.Node, opened.Database).ListAsync(parse.GetValue(kind), 1000, ct);
            var output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(json)) output.WriteLine(JsonSerializer.Serialize(list, Json));
            else
                foreach (var r in list)
                    output.WriteLine($"{r.RecordedAt:yyyy-MM-dd HH:mm:ss} {r.Id} {r.Kind} pushed to {(r.Pushed.Count == 0 ? "nobody" : string.Join(", ", r.Pushed.Where(p => p.MessageId is not null).Select(p => p.Recipient)))}");
            return 0;
        });
        return command;
    }
}
