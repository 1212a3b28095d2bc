using System.Security.Cryptography;
using System.Text.Json;
using Entente.Assistance;
using Entente.Hosting;
using Entente.Identity;
using Entente.Storage;
using static Entente.Tests.Assistance.AssistanceTestKit;

namespace Entente.Tests.Assistance;

/// <summary>`entente request ...` against a real home (SQLite), with an NL-KR agreement in force today.</summary>
public sealed class RequestCommandsTests : IAsyncLifetime
{
    private string _home = "";

    public async Task InitializeAsync()
    {
        _home = Path.Combine(Path.GetTempPath(), $"entente-request-{Guid.NewGuid():N}");
        await NodeHome.InitAsync(new NodeOptions { Home = _home, Code = "NL", Name = "Douane" }, TimeProvider.System);
        await WriteAgreementAsync(_home, "NL", "KR");
    }

    /// <summary>
    /// Writes an assistance agreement between the home's node and a partner, signed by both, valid 2020 to 2099, and
    /// puts the partner in the directory at an address where nothing listens: what is sent to it waits in the outbox.
    /// </summary>
    internal static async Task WriteAgreementAsync(string home, string ours, string theirs, string? database = null)
    {
        using var key = NodeKeys.LoadSigningKey(home);
        using var partner = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var yaml = SignedYaml(Yaml(AgreementId, ours, key, theirs, partner, from: "2020-01-01", until: "2099-12-31"), key, partner);
        Directory.CreateDirectory(Path.Combine(home, "agreements"));
        await File.WriteAllTextAsync(Path.Combine(home, "agreements", AgreementId + ".yaml"), yaml);

        var now = TimeProvider.System.GetUtcNow();
        using var encryption = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        using var certificate = NodeCertificates.IssueSelf(partner, theirs, "Partner " + theirs, now);
        using var encryptionCertificate = NodeCertificates.IssueEncryption(certificate, partner, encryption, theirs, "Partner " + theirs, now);
        await using var db = NodeDatabase.Open(NodeHome.Load(home, database).DatabaseOrDefault);
        await new Entente.Partners.PartnerDirectory(db, TimeProvider.System).AddAsync(new Entente.Partners.Partner(theirs, "Partner " + theirs,
            new Uri("http://127.0.0.1:9/"), certificate.RawData, encryptionCertificate.RawData, [], now, now));
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_home, recursive: true);
        return Task.CompletedTask;
    }

    private string[] NewArgs(params string[] extra) => NewArgsFor("investigation", extra);

    private string[] NewArgsFor(string purpose, params string[] extra) =>
        ["request", "new", "--home", _home, "--to", "KR", "--agreement", AgreementId, "--legal-basis", Article3, "--purpose", purpose,
         "--case", "NL-FIOD-7", "--subject", "Confirm the origin", "--declaration", "26NL0000000000042", .. extra];

    [Fact]
    public async Task An_officer_sends_lists_shows_and_withdraws_a_request()
    {
        var (status, output, error) = await Entente.Tests.Support.Cli.Run(NewArgs("--json"));
        Assert.True(status == 0, error);
        var sent = JsonDocument.Parse(output).RootElement;
        var id = sent.GetProperty("id").GetString()!;
        Assert.Equal("sent", sent.GetProperty("status").GetString());
        Assert.Equal("applicant", sent.GetProperty("role").GetString());

        var list = await Entente.Tests.Support.Cli.Run("request", "list", "--home", _home);
        Assert.Contains(id, list.Output, StringComparison.Ordinal);
        Assert.Contains("to KR", list.Output, StringComparison.Ordinal);
        Assert.Equal("No overdue requests", (await Entente.Tests.Support.Cli.Run("request", "list", "--home", _home, "--overdue")).Output.Trim());

        var show = await Entente.Tests.Support.Cli.Run("request", "show", id, "--home", _home);
        Assert.Equal(0, show.Status);
        Assert.Contains($"Legal basis: {Article3}", show.Output, StringComparison.Ordinal);
        Assert.Contains("Answer by:   ", show.Output, StringComparison.Ordinal);
        Assert.Contains("request         NL -> KR", show.Output, StringComparison.Ordinal);

        var answer = await Entente.Tests.Support.Cli.Run("request", "answer", id, "--home", _home, "--text", "my own answer");
        Assert.Equal(1, answer.Status);
        Assert.Contains("only the requested authority (KR) may answer", answer.Error, StringComparison.Ordinal);

        var withdraw = await Entente.Tests.Support.Cli.Run("request", "withdraw", id, "--home", _home, "--reason", "case closed");
        Assert.Equal(0, withdraw.Status);
        Assert.Contains($"Withdrew {id}", withdraw.Output, StringComparison.Ordinal);
        Assert.Contains("Status:      withdrawn", withdraw.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_request_without_a_legal_basis_is_refused_with_the_reason()
    {
        var (status, _, error) = await Entente.Tests.Support.Cli.Run(NewArgsFor("statistics"));

        Assert.Equal(1, status);
        Assert.Contains("refused: no legal basis", error, StringComparison.Ordinal);
        Assert.Contains("/purpose: assistance-requests for statistics from NL to KR not permitted", error, StringComparison.Ordinal);
        Assert.Equal("No requests", (await Entente.Tests.Support.Cli.Run("request", "list", "--home", _home)).Output.Trim());
    }

    [Fact]
    public async Task The_requested_authority_acknowledges_answers_in_parts_and_declines_from_the_command_line()
    {
        // Two requests from KR arrive (as the transport will hand them over) at this NL node.
        var node = NodeHome.Load(_home);
        var agreement = Entente.Agreements.AgreementReference.Of(AssistanceDesks.AgreementsInForce(_home, TimeProvider.System)().Single());
        await using (var services = await NodeServices.OpenAsync(node))
        {
            var desk = services.Get<AssistanceDesk>();
            foreach (var id in new[] { "KR-AR-1", "KR-AR-2" })
            {
                var draft = new AssistanceDraft("NL", AgreementId, Article3, Entente.Agreements.Purpose.Investigation, "KCS-9", "Who imported these containers?");
                var message = AssistanceRequest.Compose(id, "KR", draft, agreement, null, TimeProvider.System.GetUtcNow());
                Assert.Equal(AssistanceReceiptOutcome.Applied, (await desk.ReceiveAsync(message)).Outcome);
            }
        }

        Assert.Equal(0, (await Entente.Tests.Support.Cli.Run("request", "acknowledge", "KR-AR-1", "--home", _home, "--reference", "NL-REF-1")).Status);
        Assert.Equal(0, (await Entente.Tests.Support.Cli.Run("request", "answer", "KR-AR-1", "--home", _home, "--text", "First container: importer A")).Status);
        var final = await Entente.Tests.Support.Cli.Run("request", "answer", "KR-AR-1", "--home", _home, "--text", "Second container: importer B", "--final", "--json");
        Assert.Equal(0, final.Status);
        var answered = JsonDocument.Parse(final.Output).RootElement;
        Assert.Equal("answered", answered.GetProperty("status").GetString());
        Assert.Equal(2, answered.GetProperty("answers").GetArrayLength());

        var decline = await Entente.Tests.Support.Cli.Run("request", "decline", "KR-AR-2", "--home", _home, "--grounds", "Art. 12: ongoing proceedings");
        Assert.Equal(0, decline.Status);
        Assert.Contains("Declined:    Art. 12: ongoing proceedings", decline.Output, StringComparison.Ordinal);
        var again = await Entente.Tests.Support.Cli.Run("request", "decline", "KR-AR-2", "--home", _home, "--grounds", "again");
        Assert.Equal(1, again.Status);
        Assert.Contains("request KR-AR-2 is declined: it cannot decline it", again.Error, StringComparison.Ordinal);

        var list = JsonDocument.Parse((await Entente.Tests.Support.Cli.Run("request", "list", "--home", _home, "--json")).Output).RootElement;
        Assert.Equal(["declined", "answered"], list.EnumerateArray().OrderBy(r => r.GetProperty("id").GetString(), StringComparer.Ordinal).Reverse()
            .Select(r => r.GetProperty("status").GetString()));
        Assert.All(list.EnumerateArray(), r => Assert.Equal("requested", r.GetProperty("role").GetString()));
    }
}
