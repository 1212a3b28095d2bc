using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Entente.Cli.Terminal;
using Entente.Ingest;
using Entente.Ingest.Csv;

namespace Entente.Cli.Ingest;

internal static class IngestCommand
{
    /// <summary>The name standard input has on the command line and in the report.</summary>
    public const string StandardInput = "-";

    public static Command Create()
    {
        var files = new Argument<string[]>("files")
        {
            Description = "Declarations files (WCO XML, EDIFACT CUSDEC, JSON, CSV); a directory for the files in it (by name, not its subdirectories); - for standard input",
            Arity = ArgumentArity.OneOrMore,
        };
        var format = new Option<string>("--format") { Description = "auto, wco-xml, edifact, json or csv", DefaultValueFactory = _ => "auto" };
        format.AcceptOnlyFromAmong("auto", "wco-xml", "edifact", "json", "csv");
        var mapping = new Option<string?>("--mapping") { Description = "Column mapping (YAML) for CSV extracts; a file or the name of a shipped mapping" };
        var partial = new Option<bool>("--partial") { Description = "Keep the good records of a file with bad ones" };
        var rejects = new Option<string?>("--rejects") { Description = "Where the reject report goes (default: HOME/rejects/ingest-TIMESTAMP.json); checked before anything is stored" };
        var strict = new Option<bool>("--strict") { Description = "Refuse every record with a finding (check digits, code lists...) instead of keeping it with its findings" };
        var noAssess = new Option<bool>("--no-assess") { Description = "Do not assess what was stored, even with a rule set or model in service (assess later: risk assess --pending)" };
        var command = new NodeCommand("ingest", "Read, validate and store declarations files; each file is all-or-nothing unless --partial", json: true)
        {
            files, format, mapping, partial, rejects, strict, noAssess,
        };
        command.SetNodeAction(async (parse, services, ct) =>
        {
            var node = services.Node;
            var json = command.Json(parse);
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
            var arguments = parse.GetValue(files)!;
            if (arguments.Count(a => a == StandardInput) > 1) throw new CliException("standard input (-) can be read once");

            // The reject report's place is settled, and known writable, before anything is stored.
            var rejectsPath = parse.GetValue(rejects) ?? DefaultRejectsPath(node.Home, services.Get<TimeProvider>().GetUtcNow());
            var rejectsExisted = File.Exists(rejectsPath);
            if (Probe(rejectsPath) is { } unwritable)
                throw CliException.Environment($"the reject report cannot be written to {rejectsPath}: {unwritable}; nothing was stored (--rejects FILE names another place)");

            string? spool = null;
            try
            {
                var (paths, unread) = Expand(arguments);
                var names = new Dictionary<string, string>(StringComparer.Ordinal);
                if (arguments.Contains(StandardInput))
                {
                    spool = Path.Combine(Path.GetTempPath(), $"entente-stdin-{Guid.NewGuid():N}.spool");
                    await using (var input = Console.OpenStandardInput())
                    await using (var file = new FileStream(spool, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
                    {
                        await input.CopyToAsync(file, ct);
                    }
                    paths[paths.IndexOf(StandardInput)] = spool;
                    names[spool] = StandardInput;
                }

                var clock = Stopwatch.StartNew();
                IngestOutcome outcome;
                using (var progress = ProgressBar.ForTerminal())
                {
                    outcome = await services.Get<IngestDeclarations>().FilesAsync(paths,
                        new IngestInput(declaredFormat, csvMapping, parse.GetValue(partial))
                        {
                            Assess = !parse.GetValue(noAssess),
                            BulkLoad = true,
                            Strict = parse.GetValue(strict),
                            Names = names,
                            Unread = unread,
                        }, progress, ct);
                }
                clock.Stop();
                var report = outcome.Report;
                if (outcome.AssessmentProblem is { } problem) parse.InvocationConfiguration.Error.WriteLine($"Stored, but not assessed: {problem}");

                string? rejectReport = null;
                if (!report.Succeeded)
                {
                    rejectReport = rejectsPath;
                    await File.WriteAllTextAsync(rejectReport, ReportJson(report, indented: true), ct);
                }
                else if (!rejectsExisted)
                {
                    File.Delete(rejectsPath);
                }

                var output = parse.InvocationConfiguration.Output;
                if (json)
                {
                    output.WriteLine(ReportJson(report, indented: false, outcome.Assessed, rejectReport));
                }
                else
                {
                    WriteText(parse, report, clock.Elapsed, rejectReport, outcome.Assessed);
                }
                return report.Succeeded ? 0 : 1;
            }
            finally
            {
                if (spool is not null) File.Delete(spool);
            }
        });
        return command;
    }

    /// <summary>HOME/rejects/ingest-yyyyMMddTHHmmssZ.json, numbered when a report of that second is there already.</summary>
    public static string DefaultRejectsPath(string home, DateTimeOffset now)
    {
        var folder = Path.Combine(home, "rejects");
        var stamp = now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var path = Path.Combine(folder, $"ingest-{stamp}.json");
        for (var n = 2; File.Exists(path); n++) path = Path.Combine(folder, $"ingest-{stamp}-{n}.json");
        return path;
    }

    /// <summary>Creates the report's folder and opens the file for writing; null when it can be written, else why not.</summary>
    private static string? Probe(string path)
    {
        try
        {
            if (Directory.Exists(path)) return "it is a directory";
            var folder = Path.GetDirectoryName(Path.GetFullPath(path));
            if (!string.IsNullOrEmpty(folder)) Directory.CreateDirectory(folder);
            using (new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite)) { }
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            return e.Message;
        }
    }

    /// <summary>
    /// The files named, a directory replaced by the files directly in it in ordinal order of their names (subdirectories and
    /// names starting with '.' left out); an empty directory is a failed input. Standard input stays "-".
    /// </summary>
    internal static (List<string> Paths, List<(string Name, string Problem)> Unread) Expand(IEnumerable<string> arguments)
    {
        var paths = new List<string>();
        var unread = new List<(string, string)>();
        foreach (var argument in arguments)
        {
            if (argument != StandardInput && Directory.Exists(argument))
            {
                var inside = Directory.EnumerateFiles(argument)
                    .Where(f => !Path.GetFileName(f).StartsWith('.'))
                    .Order(StringComparer.Ordinal)
                    .ToList();
                if (inside.Count == 0) unread.Add((argument, "the directory holds no files to ingest (its subdirectories are not read)"));
                paths.AddRange(inside);
            }
            else
            {
                paths.Add(argument);
            }
        }
        return (paths, unread);
    }

    private static void WriteText(ParseResult parse, IngestReport report, TimeSpan elapsed, string? rejectReport, long? assessed)
    {
        var output = parse.InvocationConfiguration.Output;
        var error = parse.InvocationConfiguration.Error;
        foreach (var file in report.Files)
        {
            if (file.Problem is { } problem)
            {
                output.WriteLine($"{file.File}: failed, {problem}");
                continue;
            }
            var findings = file.Findings > 0 ? $" ({file.Findings:N0} findings)" : "";
            output.WriteLine($"{file.File}: {FormatDetector.Name(file.Format)}, {file.Accepted:N0} accepted{findings}, {file.Rejected:N0} rejected, {file.Duplicates:N0} duplicates{Amendments(file.Amended, file.Cancelled, file.PendingAmendments)}{(file.Committed ? "" : " — nothing stored")}");
        }
        foreach (var e in report.Errors) error.WriteLine(e.ToString());
        if (report.UnlistedErrors > 0) error.WriteLine($"... and {report.UnlistedErrors:N0} more errors");
        foreach (var duplicate in report.DuplicateRecords.Take(20)) output.WriteLine(duplicate.ToString());
        if (report.Duplicates > 20) output.WriteLine($"... and {report.Duplicates - 20:N0} more duplicates");
        if (report.FindingCounts.Count > 0)
        {
            output.WriteLine($"Findings on {report.WithFindings:N0} stored declarations (kept; declarations search --finding CODE): " +
                string.Join(", ", report.FindingCounts.OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key} {c.Value:N0}")));
        }
        var rate = report.Accepted / Math.Max(0.001, elapsed.TotalSeconds);
        var byOutcome = string.Join(", ", report.Files.GroupBy(f => f.Outcome).OrderBy(g => Array.IndexOf(Outcomes, g.Key)).Select(g => $"{g.Count():N0} {g.Key}"));
        output.WriteLine($"Total: {report.Files.Count:N0} files ({byOutcome}); {report.Accepted:N0} accepted, {report.Rejected:N0} rejected, {report.Duplicates:N0} duplicates{Amendments(report.Amended, report.Cancelled, report.PendingAmendments)} in {elapsed.TotalSeconds:N1} s ({rate:N0}/s)");
        if (rejectReport is not null) output.WriteLine($"Reject report: {rejectReport}");
        if (assessed is { } n) output.WriteLine($"Assessed {n:N0} declarations with the targeting in service (risk report, risk assess REFERENCE)");
    }

    private static readonly string[] Outcomes = ["stored", "partial", "refused", "failed"];

    private static string Amendments(long amended, long cancelled, long pending) =>
        amended + cancelled + pending == 0 ? "" : $", {amended:N0} amended, {cancelled:N0} cancelled, {pending:N0} amendments pending";

    public static string ReportJson(IngestReport report, bool indented, long? assessed = null, string? rejectReport = null)
    {
        var result = IngestResult.From(report);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = indented }))
        {
            writer.WriteStartObject();
            writer.WriteNumber("accepted", result.Accepted);
            writer.WriteNumber("rejected", result.Rejected);
            writer.WriteNumber("duplicates", result.Duplicates);
            writer.WriteNumber("amended", report.Amended);
            writer.WriteNumber("cancelled", report.Cancelled);
            writer.WriteNumber("pendingAmendments", report.PendingAmendments);
            writer.WriteNumber("totalFiles", report.Files.Count);
            writer.WriteNumber("failedFiles", report.FilesFailed);
            writer.WriteStartArray("files");
            foreach (var file in report.Files)
            {
                writer.WriteStartObject();
                writer.WriteString("file", file.File);
                writer.WriteString("outcome", file.Outcome);
                if (file.Problem is null) writer.WriteString("format", FormatDetector.Name(file.Format));
                writer.WriteNumber("accepted", file.Accepted);
                writer.WriteNumber("rejected", file.Rejected);
                writer.WriteNumber("duplicates", file.Duplicates);
                writer.WriteNumber("findings", file.Findings);
                if (file.Amended + file.Cancelled + file.PendingAmendments > 0)
                {
                    writer.WriteNumber("amended", file.Amended);
                    writer.WriteNumber("cancelled", file.Cancelled);
                    writer.WriteNumber("pendingAmendments", file.PendingAmendments);
                }
                if (file.Problem is { } problem) writer.WriteString("problem", problem);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteStartObject("findings");
            foreach (var (code, count) in result.Findings) writer.WriteNumber(code, count);
            writer.WriteEndObject();
            writer.WriteNumber("withFindings", report.WithFindings);
            writer.WriteStartArray("findingDetails");
            foreach (var f in result.FindingDetails)
            {
                writer.WriteStartObject();
                writer.WriteString("file", f.File);
                if (f.Line is { } line) writer.WriteNumber("line", line);
                else writer.WriteNull("line");
                writer.WriteString("path", f.Path);
                writer.WriteString("code", f.Code);
                writer.WriteString("message", f.Message);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            WriteErrors(writer, "errors", result.Errors);
            if (report.UnlistedErrors > 0) writer.WriteNumber("unlistedErrors", report.UnlistedErrors);
            WriteErrors(writer, "duplicateRecords", result.DuplicateRecords);
            if (assessed is { } n) writer.WriteNumber("assessed", n);
            if (rejectReport is not null) writer.WriteString("rejectReport", rejectReport);
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
