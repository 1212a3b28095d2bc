using System.CommandLine;
using System.Net.Security;
using System.Text.Json;
using Entente.Agreements;
using Entente.Conformance;
using Entente.Hosting;
using Entente.Identity;

namespace Entente.Cli.Conformance;

/// <summary>`entente conformance --target URL --as HOME`: the open conformance suite against a live node (docs/protocol.md §13.2).</summary>
internal static class ConformanceCommand
{
    public static Command Create()
    {
        var target = new Option<string>("--target") { Description = "The node to test: its base URL (http://host:port or https://...)", Required = true };
        var home = new Option<string>("--as")
        {
            Description = "The home of the partner node to act as: its keys sign, and an agreement in force in its agreements/ must list it and the target (and the target must have it as a partner)",
            Required = true,
        };
        var agreement = new Option<string?>("--agreement") { Description = "The agreement to send under (default: the first in force listing both nodes)" };
        var json = CommonOptions.Json();
        var command = new Command("conformance", "Run the conformance suite of docs/protocol.md against a live node over HTTP; exit 0 only if every check passes")
        {
            target, home, agreement, json,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (!Uri.TryCreate(parse.GetValue(target), UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
                throw new CliException($"--target: '{parse.GetValue(target)}' is not an http(s) URL");
            NodeOptions node;
            try
            {
                node = NodeHome.Load(parse.GetValue(home)!);
            }
            catch (Exception e) when (e is FileNotFoundException or InvalidDataException or JsonException)
            {
                throw new CliException("--as: " + e.Message);
            }
            NodeIdentity identity;
            try
            {
                identity = NodeIdentity.Load(node.Home, node.Code, node.Name);
            }
            catch (Exception e) when (e is FileNotFoundException or InvalidDataException)
            {
                throw new CliException("--as: " + e.Message);
            }
            using (identity)
            {
                var time = TimeProvider.System;
                var inForce = new AgreementShelf(Path.Combine(node.Home, "agreements")).InForce(time.GetUtcNow());
                var listed = inForce.SelectMany(a => a.Parties).Select(p => p.Fingerprint).ToHashSet(StringComparer.Ordinal);
                using var client = identity.SigningCertificateWithKey();
                using var handler = new HttpClientHandler
                {
                    // A node's TLS certificate is its node certificate: trusted when an agreement in force lists its key.
                    ServerCertificateCustomValidationCallback = (_, certificate, _, errors) =>
                        errors == SslPolicyErrors.None || (certificate is not null && listed.Contains(NodeCertificates.KeyFingerprint(certificate))),
                    ClientCertificates = { client },
                };
                using var http = new HttpClient(handler) { Timeout = TimeSpan.FromMinutes(2) };
                var suite = new LiveSuite(http, url, identity, inForce, time, parse.GetValue(agreement));
                var checks = await suite.RunAsync(cancellationToken);
                Print(parse, checks, url, node.Code, parse.GetValue(json));
                return checks.Count > 0 && checks.All(c => c.Passed) ? 0 : 1;
            }
        });
        return command;
    }

    private static void Print(ParseResult parse, IReadOnlyList<SuiteCheck> checks, Uri target, string self, bool json)
    {
        var output = parse.InvocationConfiguration.Output;
        var passed = checks.Count(c => c.Passed);
        if (json)
        {
            output.WriteLine(JsonSerializer.Serialize(new { target, actingAs = self, passed, failed = checks.Count - passed, checks },
                new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true }));
            return;
        }
        output.WriteLine($"Conformance of {target} (docs/protocol.md), acting as {self}");
        var width = checks.Count == 0 ? 10 : checks.Max(c => c.Name.Length);
        foreach (var c in checks)
            output.WriteLine($"  {(c.Passed ? "PASS" : "FAIL")}  {c.Name.PadRight(width)}  {(c.Passed ? c.Actual : $"expected {c.Expected}, got {c.Actual}")}");
        output.WriteLine($"{passed} passed, {checks.Count - passed} failed");
    }
}
