using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Entente.Hosting;
using Entente.Identity;
using Entente.Ledger;
using Entente.Partners;
using Entente.Storage;
using Entente.Tests.Agreements;
using Entente.Tests.Support;

namespace Entente.Tests.Partners;

/// <summary>`entente partner` against a real partner node serving its identity over HTTP on loopback.</summary>
public sealed class PartnerCommandsTests : IAsyncLifetime
{
    private readonly string _home = Path.Combine(Path.GetTempPath(), $"entente-partners-{Guid.NewGuid():N}");
    private NodeProcess _korea = null!;

    public async Task InitializeAsync()
    {
        _korea = await NodeProcess.StartAsync(code: "KR");
        await NodeHome.InitAsync(new NodeOptions { Home = _home, Code = "NL", Name = "Douane Nederland" }, TimeProvider.System);
    }

    public async Task DisposeAsync()
    {
        await _korea.DisposeAsync();
        if (Directory.Exists(_home)) Directory.Delete(_home, recursive: true);
    }

    private void SignAgreementBetweenBothNodes()
    {
        using var nl = NodeKeys.LoadSigningKey(_home);
        using var kr = NodeKeys.LoadSigningKey(_korea.Home);
        // The sample agreement with these two nodes' keys, valid around today, signed by both.
        var yaml = File.ReadAllText(AgreementTestKit.SamplePath("bilateral.yaml"))
            .Replace("{NL}", NodeKeys.Fingerprint(nl), StringComparison.Ordinal)
            .Replace("{KR}", NodeKeys.Fingerprint(kr), StringComparison.Ordinal)
            .Replace("from: 2026-01-01", "from: 2020-01-01", StringComparison.Ordinal)
            .Replace("until: 2026-12-31", "until: 2099-12-31", StringComparison.Ordinal);
        Directory.CreateDirectory(Path.Combine(_home, "agreements"));
        File.WriteAllText(Path.Combine(_home, "agreements", "nl-kr.yaml"), AgreementTestKit.SignedText(yaml, nl, kr));
    }

    [Fact]
    public async Task A_node_serves_its_identity_to_anyone()
    {
        using var client = _korea.Client();

        var identity = await client.GetFromJsonAsync<IdentityDocument>("/api/exchange/identity", new JsonSerializerOptions(JsonSerializerDefaults.Web));

        using var local = NodeIdentity.Load(_korea.Home, "KR", "Test administration");
        Assert.NotNull(identity);
        Assert.Equal("KR", identity.Code);
        Assert.Equal(local.Fingerprint, identity.Fingerprint);
        Assert.Equal(local.SigningCertificate.ExportCertificatePem(), identity.SigningCertificate);
        Assert.Equal(local.EncryptionCertificate.ExportCertificatePem(), identity.EncryptionCertificate);
        Assert.Empty(identity.Chain);
    }

    [Fact]
    public async Task A_partner_an_agreement_in_force_names_is_added_from_its_endpoint_shown_and_recorded_in_the_ledger()
    {
        SignAgreementBetweenBothNodes();

        var (status, output, error) = await Support.Cli.Run("partner", "add", "--home", _home, "--code", "KR", "--endpoint", _korea.BaseAddress.ToString());

        Assert.True(status == 0, error);
        Assert.Contains("Partner KR (Test administration) added", output, StringComparison.Ordinal);
        using var kr = NodeKeys.LoadSigningKey(_korea.Home);
        var list = await Support.Cli.Run("partner", "list", "--home", _home, "--json");
        var listed = Assert.Single(JsonDocument.Parse(list.Output).RootElement.EnumerateArray());
        Assert.Equal("KR", listed.GetProperty("code").GetString());
        Assert.Equal(NodeKeys.Fingerprint(kr), listed.GetProperty("fingerprint").GetString());
        var shown = await Support.Cli.Run("partner", "show", "KR", "--home", _home);
        Assert.Contains("Agreement:    nl-kr-test v1, in force until 2099-12-31", shown.Output, StringComparison.Ordinal);
        Assert.Contains("self-issued", shown.Output, StringComparison.Ordinal);

        var again = await Support.Cli.Run("partner", "add", "--home", _home, "--code", "KR", "--endpoint", _korea.BaseAddress.ToString().Replace("127.0.0.1", "localhost", StringComparison.Ordinal));
        Assert.True(again.Status == 0, again.Error);
        Assert.Contains("updated", again.Output, StringComparison.Ordinal);
        var removed = await Support.Cli.Run("partner", "remove", "KR", "--home", _home);
        Assert.True(removed.Status == 0, removed.Error);

        var entries = await LedgerEntriesAsync();
        Assert.Equal([PartnerLedger.PartnerAdded, PartnerLedger.PartnerAdded, PartnerLedger.PartnerRemoved], entries.Select(e => e.Kind));
        Assert.Equal("KR", entries[0].Body["code"]!.GetValue<string>());
        Assert.Equal(NodeKeys.Fingerprint(kr), entries[0].Body["fingerprint"]!.GetValue<string>());
        Assert.StartsWith("http://localhost:", entries[1].Body["endpoint"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_partner_no_agreement_names_is_refused_with_the_reason_and_not_added()
    {
        var (status, _, error) = await Support.Cli.Run("partner", "add", "--home", _home, "--code", "KR", "--endpoint", _korea.BaseAddress.ToString());

        Assert.Equal(1, status);
        Assert.Contains("partner KR refused", error, StringComparison.Ordinal);
        Assert.Contains("no agreement in force lists KR", error, StringComparison.Ordinal);
        var list = await Support.Cli.Run("partner", "list", "--home", _home, "--json");
        Assert.Empty(JsonDocument.Parse(list.Output).RootElement.EnumerateArray());
        Assert.Empty(await LedgerEntriesAsync());
    }

    [Fact]
    public async Task A_node_that_answers_with_another_code_is_refused()
    {
        SignAgreementBetweenBothNodes();

        var (status, _, error) = await Support.Cli.Run("partner", "add", "--home", _home, "--code", "JP", "--endpoint", _korea.BaseAddress.ToString());

        Assert.Equal(1, status);
        Assert.Contains("the node there is KR, not JP", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Certificates_given_as_files_are_checked_the_same_way()
    {
        SignAgreementBetweenBothNodes();

        var (status, output, error) = await Support.Cli.Run("partner", "add", "--home", _home, "--code", "KR", "--endpoint", "https://entente.customs.go.kr",
            "--signing-cert", NodeKeys.NodeCertificatePath(_korea.Home), "--encryption-cert", NodeKeys.EncryptionCertificatePath(_korea.Home));
        var swapped = await Support.Cli.Run("partner", "add", "--home", _home, "--code", "KR", "--endpoint", "https://entente.customs.go.kr",
            "--signing-cert", NodeKeys.NodeCertificatePath(_home), "--encryption-cert", NodeKeys.EncryptionCertificatePath(_korea.Home));

        Assert.True(status == 0, error);
        Assert.Contains("Partner KR (Korea Customs Service) added", output, StringComparison.Ordinal);
        Assert.Equal(1, swapped.Status);
        Assert.Contains("not issued by the signing certificate", swapped.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plain_http_to_a_partner_off_loopback_is_refused()
    {
        var (status, _, error) = await Support.Cli.Run("partner", "add", "--home", _home, "--code", "KR", "--endpoint", "http://entente.customs.go.kr");

        Assert.Equal(2, status);
        Assert.Contains("plain http is allowed only on loopback", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_identity_of_a_node_without_certificates_is_unavailable_not_an_error_page()
    {
        File.Move(NodeKeys.EncryptionCertificatePath(_korea.Home), NodeKeys.EncryptionCertificatePath(_korea.Home) + ".away");
        using var client = _korea.Client();

        var response = await client.GetAsync(new Uri("/api/exchange/identity", UriKind.Relative));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.DoesNotContain(_korea.Home, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private async Task<IReadOnlyList<LedgerEntry>> LedgerEntriesAsync()
    {
        await using var store = DeclarationStores.Open(Path.Combine(_home, "entente.db"), TimeProvider.System);
        await store.MigrateAsync();
        await using var ledger = LedgerStore.Open(Path.Combine(_home, "entente.db"), TimeProvider.System);
        var head = await ledger.GetHeadAsync();
        var entries = new List<LedgerEntry>();
        for (long i = 0; i < head.Size; i++)
        {
            var entry = (await ledger.GetEntryAsync(i))!.Entry;
            if (entry.Kind.StartsWith("partner-", StringComparison.Ordinal)) entries.Add(entry);
        }
        return entries;
    }
}
