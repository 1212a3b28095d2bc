using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Entente.Cli.Terminal;
using Entente.Ingest;
using Entente.Ingest.Csv;

namespace Entente.Cli.Ingest;

internal static class IngestCommand
{
    public static Command Create()
    {
        var files = new Argument<string[]>("files") { Description = "Declarations files (WCO XML, EDIFACT CUSDEC, JSON, CSV)", Arity = ArgumentArity.OneOrMore };
        var format = new Option<string>("--format") { Description = "auto, wco-xml, edifact, json or csv", DefaultValueFactory = _ => "auto" };
        format.AcceptOnlyFromAmong("auto", "wco-xml", "edifact", "json", "csv");
        var mapping = new Option<string?>("--mapping") { Description = "Column mapping (YAML) for CSV extracts; a file or the name of a shipped mapping" };
        var partial = new Option<bool>("--partial") { Description = "Keep the good records of a file with bad ones and write a reject report" };
        var rejects = new Option<string?>("--rejects") { Description = "Where --partial writes the reject report (default: <first file>.rejects.json)" };
        var noAssess = new Option<bool>("--no-assess") { Description = "Do not assess what was stored, even with a rule set or model in service (assess later: risk assess --pending)" };
        var command = new NodeCommand("ingest", "Read, validate and store declarations files; each file is all-or-nothing unless --partial", json: true)
        {
            files, format, mapping, partial, rejects, noAssess,
        };
        command.SetNodeAction(async (parse, services, ct) =>
        {
            var node = services.Node;
            FormatDetector.TryParseName(parse.GetValue(format)!, out var declaredFormat);
            CsvMapping? csvMapping = null;
            if (parse.GetValue(mapping) is { } mappingName)
            {
                var path = File.Exists(mappingName) ? mappingName : IngestDeclarations.FindMapping(mappingName, node.MappingsPath)
                    ?? throw new CliException($"--mapping: no file '{mappingName}' and no shipped mapping of that name");
                try
                {
                    csvMapping = CsvMapping.Load(path);
                }
                catch (Exception e) when (e is InvalidDataException or IOException or FormatException)
                {
                    throw new CliException(e.Message);
                }
            }
            var paths = parse.GetValue(files)!;
            var clock = Stopwatch.StartNew();
            IngestOutcome outcome;
            using (var progress = ProgressBar.ForTerminal())
            {
                outcome = await services.Get<IngestDeclarations>().FilesAsync(paths,
                    new IngestInput(declaredFormat, csvMapping, parse.GetValue(partial)) { Assess = !parse.GetValue(noAssess), BulkLoad = true }, progress, ct);
            }
            clock.Stop();
            var report = outcome.Report;
            var assessed = outcome.Assessed;
            if (outcome.AssessmentProblem is { } problem) parse.InvocationConfiguration.Error.WriteLine($"Stored, but not assessed: {problem}");

            string? rejectReport = null;
            if (parse.GetValue(partial) && (report.Errors.Count > 0 || report.Rejected > 0))
            {
                rejectReport = parse.GetValue(rejects) ?? paths[0] + ".rejects.json";
                await File.WriteAllTextAsync(rejectReport, ReportJson(report, indented: true), ct);
            }

            var output = parse.InvocationConfiguration.Output;
            if (command.Json(parse))
            {
                output.WriteLine(ReportJson(report, indented: false, assessed));
            }
            else
            {
                foreach (var file in report.Files)
                {
                    output.WriteLine($"{file.File}: {FormatDetector.Name(file.Format)}, {file.Accepted:N0} accepted, {file.Rejected:N0} rejected, {file.Duplicates:N0} duplicates{(file.Committed ? "" : " — nothing stored")}");
                }
                foreach (var error in report.Errors) parse.InvocationConfiguration.Error.WriteLine(error.ToString());
                if (report.UnlistedErrors > 0) parse.InvocationConfiguration.Error.WriteLine($"... and {report.UnlistedErrors:N0} more errors");
                foreach (var duplicate in report.DuplicateRecords.Take(20)) output.WriteLine(duplicate.ToString());
                if (report.Duplicates > 20) output.WriteLine($"... and {report.Duplicates - 20:N0} more duplicates");
                var rate = report.Accepted / Math.Max(0.001, clock.Elapsed.TotalSeconds);
                output.WriteLine($"Total: {report.Accepted:N0} accepted, {report.Rejected:N0} rejected, {report.Duplicates:N0} duplicates in {clock.Elapsed.TotalSeconds:N1} s ({rate:N0}/s)");
                if (rejectReport is not null) output.WriteLine($"Reject report: {rejectReport}");
                if (assessed is { } n) output.WriteLine($"Assessed {n:N0} declarations with the targeting in service (risk report, risk assess REFERENCE)");
            }
            return report.Succeeded ? 0 : 1;
        });
        return command;
    }

    public static string ReportJson(IngestReport report, bool indented, long? assessed = null)
    {
        var result = IngestResult.From(report);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = indented }))
        {
            writer.WriteStartObject();
            writer.WriteNumber("accepted", result.Accepted);
            writer.WriteNumber("rejected", result.Rejected);
            writer.WriteNumber("duplicates", result.Duplicates);
            WriteErrors(writer, "errors", result.Errors);
            if (report.UnlistedErrors > 0) writer.WriteNumber("unlistedErrors", report.UnlistedErrors);
            WriteErrors(writer, "duplicateRecords", result.DuplicateRecords);
            if (assessed is { } n) writer.WriteNumber("assessed", n);
            writer.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteErrors(Utf8JsonWriter writer, string name, IReadOnlyList<IngestErrorDto> errors)
    {
        writer.WriteStartArray(name);
        foreach (var e in errors)
        {
            writer.WriteStartObject();
            writer.WriteString("file", e.File);
            if (e.Line is { } line) writer.WriteNumber("line", line);
            else writer.WriteNull("line");
            writer.WriteString("path", e.Path);
            writer.WriteString("message", e.Message);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
    }
}
