using System.Security.Cryptography;
using System.Text.Json;
using Entente.Agreements;
using Entente.Hosting;
using Entente.Identity;
using Entente.Storage;

namespace Entente.Tests.Alerts;

/// <summary>`entente alert ...` end to end against a real home (SQLite): exit statuses, --json, imports, sanctions lists.</summary>
public sealed class AlertCommandsTests : IAsyncLifetime
{
    private string _home = "";

    public async Task InitializeAsync()
    {
        _home = Path.Combine(Path.GetTempPath(), $"entente-alert-{Guid.NewGuid():N}");
        await NodeHome.InitAsync(new NodeOptions { Home = _home, Code = "NL", Name = "Douane" }, TimeProvider.System);
        await WriteAgreementAsync(_home);
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_home, recursive: true);
        return Task.CompletedTask;
    }

    /// <summary>An NL-KR agreement whose alerts rule pushes to every party, signed by both; KR in the directory where nothing listens (messages wait in the outbox).</summary>
    private static async Task WriteAgreementAsync(string home)
    {
        using var key = NodeKeys.LoadSigningKey(home);
        using var partner = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var yaml = $$"""
            agreement: {{AlertsTestKit.AgreementId}}
            version: 1
            kind: bilateral
            parties:
              - { code: NL, name: "Douane", fingerprint: {{AgreementSignatures.Fingerprint(key.ExportSubjectPublicKeyInfo())}} }
              - { code: KR, name: "Korea Customs Service", fingerprint: {{AgreementSignatures.Fingerprint(partner.ExportSubjectPublicKeyInfo())}} }
            legal-basis:
              - "NL-KR customs cooperation agreement, Art. 5"
            validity: { from: 2020-01-01, until: 2099-12-31 }
            categories:
              alerts:
                purposes: [specific-check]
                disclose: [/alert]
                handling-code: H1
                onward-transfer: forbidden
                retention: { period: P1Y, then: erase }
                push: { to: all-parties, purpose: specific-check }
            """;
        foreach (var k in new[] { key, partner })
            yaml = AgreementSignatures.AddTo(yaml, "a.yaml", AgreementSignatures.Sign(AgreementDocument.Parse(yaml, "a.yaml"), k, TimeProvider.System.GetUtcNow()));
        Directory.CreateDirectory(Path.Combine(home, "agreements"));
        await File.WriteAllTextAsync(Path.Combine(home, "agreements", AlertsTestKit.AgreementId + ".yaml"), yaml);

        var now = TimeProvider.System.GetUtcNow();
        using var encryption = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        using var certificate = NodeCertificates.IssueSelf(partner, "KR", "Partner KR", now);
        using var encryptionCertificate = NodeCertificates.IssueEncryption(certificate, partner, encryption, "KR", "Partner KR", now);
        await using var db = NodeDatabase.Open(NodeHome.Load(home, null).DatabaseOrDefault);
        await new Entente.Partners.PartnerDirectory(db, TimeProvider.System).AddAsync(new Entente.Partners.Partner("KR", "Partner KR",
            new Uri("http://127.0.0.1:9/"), certificate.RawData, encryptionCertificate.RawData, [], now, now));
    }

    private async Task<string> FileAsync(string name, string text)
    {
        var path = Path.Combine(_home, name);
        await File.WriteAllTextAsync(path, text);
        return path;
    }

    /// <summary>The message and details of a --json error.</summary>
    private static string ErrorText(string output)
    {
        var error = JsonDocument.Parse(output).RootElement.GetProperty("error");
        var details = error.TryGetProperty("details", out var d) ? d.EnumerateArray().Select(x => x.GetString()) : [];
        return string.Join("\n", [error.GetProperty("message").GetString(), .. details]);
    }

    private static Task<(int Status, string Output, string Error)> Run(params string[] args) => Support.Cli.Run(args);

    [Fact]
    public async Task An_officer_adds_lists_shows_and_withdraws_an_alert_and_it_is_queued_for_the_partner()
    {
        var alert = AlertsTestKit.Company(agreement: AlertsTestKit.AgreementId, until: "2099-01-01");
        var (status, output, error) = await Run("alert", "add", "--home", _home, "--file", await FileAsync("alert.json", alert.ToJsonString()), "--json");
        Assert.True(status == 0, error + output);
        var added = JsonDocument.Parse(output).RootElement;
        var id = added.GetProperty("alert").GetProperty("alert").GetProperty("id").GetString()!;
        var push = Assert.Single(added.GetProperty("pushed").EnumerateArray());
        Assert.Equal("KR", push.GetProperty("recipient").GetString());
        Assert.StartsWith("m-", push.GetProperty("messageId").GetString(), StringComparison.Ordinal);

        (status, output, error) = await Run("alert", "list", "--home", _home, "--state", "in-force", "--kind", "company", "--json");
        Assert.True(status == 0, error);
        Assert.Equal(id, Assert.Single(JsonDocument.Parse(output).RootElement.EnumerateArray()).GetProperty("alert").GetProperty("id").GetString());
        (status, output, _) = await Run("alert", "list", "--home", _home);
        Assert.Contains("Nordwind Handels GmbH", output, StringComparison.Ordinal);

        (status, output, _) = await Run("alert", "show", id, "--home", _home, "--json");
        Assert.Equal(0, status);
        Assert.Equal("in-force", JsonDocument.Parse(output).RootElement.GetProperty("state").GetString());

        (status, _, error) = await Run("alert", "flag", id, "--home", _home, "--reason", "not ours to flag");
        Assert.Equal(1, status);
        Assert.Contains("not a partner's alert", error, StringComparison.Ordinal);

        (status, output, error) = await Run("alert", "withdraw", id, "--home", _home, "--reason", "trader cleared", "--json");
        Assert.True(status == 0, error);
        var withdrawn = JsonDocument.Parse(output).RootElement;
        Assert.Equal("withdrawn", withdrawn.GetProperty("alert").GetProperty("state").GetString());
        Assert.Single(withdrawn.GetProperty("pushed").EnumerateArray());

        (status, _, _) = await Run("alert", "withdraw", id, "--home", _home, "--reason", "again");
        Assert.Equal(1, status);
        (status, _, _) = await Run("alert", "show", "NL-AL-none", "--home", _home);
        Assert.Equal(1, status);
        (status, output, _) = await Run("alert", "list", "--home", _home, "--state", "dormant", "--json");
        Assert.Equal(2, status);
        Assert.Contains("draft, in-force, expired, withdrawn", output, StringComparison.Ordinal);
        (status, _, _) = await Run("alert", "withdraw", id, "--home", _home);
        Assert.Equal(2, status);
    }

    [Fact]
    public async Task A_bad_alert_is_refused_with_its_pointer_and_nothing_is_stored()
    {
        var alert = AlertsTestKit.Company(until: "2020-01-01");
        alert["subject"]!["kind"] = "spaceship";
        var (status, output, _) = await Run("alert", "add", "--home", _home, "--file", await FileAsync("bad.json", alert.ToJsonString()), "--json");
        Assert.Equal(1, status);
        Assert.Equal("refused", JsonDocument.Parse(output).RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Contains("/subject/kind", ErrorText(output), StringComparison.Ordinal);

        (status, output, _) = await Run("alert", "add", "--home", _home, "--file", await FileAsync("outside.json", AlertsTestKit.Company(agreement: "nl-xx-none").ToJsonString()));
        Assert.Equal(1, status);
        (status, output, _) = await Run("alert", "list", "--home", _home, "--json");
        Assert.Equal(0, status);
        Assert.Equal(0, JsonDocument.Parse(output).RootElement.GetArrayLength());
        (status, _, _) = await Run("alert", "add", "--home", _home, "--file", Path.Combine(_home, "missing.json"));
        Assert.Equal(2, status);
    }

    [Fact]
    public async Task Import_takes_every_row_or_none_and_names_file_line_and_column()
    {
        var mapping = AlertsTestKit.Sample("alerts-mapping.yaml");
        var (status, output, _) = await Run("alert", "import", AlertsTestKit.Sample("alerts-bad.csv"), "--mapping", mapping, "--home", _home, "--json");
        Assert.Equal(1, status);
        var text = ErrorText(output);
        Assert.Contains("nothing was imported", text, StringComparison.Ordinal);
        Assert.Contains("alerts-bad.csv:3: /subject/kind: column 'Kind'", text, StringComparison.Ordinal);
        Assert.Contains("alerts-bad.csv:4: /validity/until: column 'Until'", text, StringComparison.Ordinal);

        (status, output, var error) = await Run("alert", "import", AlertsTestKit.Sample("alerts.csv"), "--mapping", mapping, "--home", _home, "--json");
        Assert.True(status == 0, error + output);
        Assert.Equal(3, JsonDocument.Parse(output).RootElement.GetProperty("imported").GetInt32());
        // A person's names are personal data: withheld without a purpose, shown (and the read recorded) with one.
        (status, output, _) = await Run("alert", "list", "--home", _home, "--kind", "person", "--json");
        Assert.Equal(0, status);
        Assert.DoesNotContain("김민준", output, StringComparison.Ordinal);
        Assert.Contains("/alert/subject/names", output, StringComparison.Ordinal);
        (status, output, _) = await Run("alert", "list", "--home", _home, "--kind", "person", "--purpose", "customs-control", "--justification", "control at Rotterdam", "--json");
        Assert.Equal(0, status);
        Assert.Contains("김민준", output, StringComparison.Ordinal);
        (status, _, _) = await Run("alert", "list", "--home", _home, "--kind", "person", "--purpose", "tourism", "--justification", "x");
        Assert.Equal(2, status);

        (status, _, error) = await Run("alert", "import", AlertsTestKit.Sample("alerts.csv"), "--mapping", AlertsTestKit.Sample("alerts.jsonl"), "--home", _home);
        Assert.Equal(1, status);
        Assert.Contains("alerts.jsonl", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_sanctions_list_is_imported_and_importing_its_next_version_withdraws_the_entity_gone()
    {
        string[] Args(string file) => ["alert", "import-sanctions", AlertsTestKit.Sample(file), "--list", "invented", "--basis", "Sanctions Act, Art. 2", "--home", _home, "--json"];
        var (status, output, error) = await Run(Args("sanctions-v1.ftm.jsonl"));
        Assert.True(status == 0, error + output);
        var first = JsonDocument.Parse(output).RootElement;
        Assert.Equal((4, 1), (first.GetProperty("created").GetInt32(), first.GetProperty("skipped").GetInt32()));

        (status, output, _) = await Run(Args("sanctions-v2.ftm.jsonl"));
        Assert.Equal(0, status);
        var second = JsonDocument.Parse(output).RootElement;
        Assert.Equal((1, 1, 2), (second.GetProperty("updated").GetInt32(), second.GetProperty("withdrawn").GetInt32(), second.GetProperty("unchanged").GetInt32()));
        Assert.Contains("sanctions-v2.ftm.jsonl", second.GetProperty("errors")[0].GetProperty("file").GetString(), StringComparison.Ordinal);

        (status, output, _) = await Run("alert", "list", "--home", _home, "--source", "list", "--state", "withdrawn", "--json");
        Assert.Contains("Golden Lotus Foundation", output, StringComparison.Ordinal);
        (status, _, _) = await Run("alert", "import-sanctions", AlertsTestKit.Sample("sanctions-v1.ftm.jsonl"), "--basis", "x", "--category", "piracy", "--home", _home);
        Assert.Equal(2, status);
    }
}
