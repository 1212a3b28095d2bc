using System.Security.Cryptography.X509Certificates;
using Entente.Access;
using Entente.Agreements;
using Entente.Partners;
using Entente.Witnessing;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Localization;

namespace Entente.WebConsole.Pages.Partners;

/// <summary>
/// Partners: the directory (`partner list`) with each partner's certificates and their fingerprints, the agreements in
/// force that name it; for auditors, as the API's witnessing endpoints give them, the partners' checkpoints this node
/// witnessed and the equivocation alarms raised against them.
/// </summary>
[Authorize(Policy = ConsolePolicies.Exchange)]
public sealed class IndexModel(PartnerDirectory directory, AgreementShelf shelf, WitnessStore witnesses, AcknowledgeAlarm acknowledge,
    IStringLocalizer<Strings> text, TimeProvider time) : ConsolePage
{
    public IReadOnlyList<PartnerView> Partners { get; private set; } = [];
    public IReadOnlyList<SeenCheckpoint> Witnessed { get; private set; } = [];
    public IReadOnlyList<EquivocationAlarm> Alarms { get; private set; } = [];

    [BindProperty] public string? AlarmId { get; set; }

    public string? Done { get; private set; }
    public string? AlarmProblem { get; private set; }

    public Task OnGetAsync(CancellationToken cancellationToken) => LoadAsync(cancellationToken);

    /// <summary>An auditor acknowledges an alarm (`AcknowledgeAlarm`, as POST /api/ledger/alarms/{id}/acknowledge), recorded in the ledger.</summary>
    public async Task<IActionResult> OnPostAcknowledgeAsync(CancellationToken cancellationToken)
    {
        if (!Can(AccessPolicies.Audit)) return Refuse();
        switch (await acknowledge.HandleAsync(Me, AlarmId?.Trim() ?? "", cancellationToken))
        {
            case AlarmAcknowledgement.Done done: Done = text["AlarmAcknowledged", done.Alarm.Id, done.Alarm.Partner]; break;
            case var refused: AlarmProblem = refused.Problem; break;
        }
        await LoadAsync(cancellationToken);
        return Page();
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var inForce = shelf.InForce(now);
        Partners = [.. (await directory.ListAsync(cancellationToken)).OrderBy(p => p.Code, StringComparer.Ordinal).Select(p => PartnerView.Of(p, inForce))];
        if (!Can(AccessPolicies.Audit)) return;
        // The latest checkpoint witnessed of each partner, and every alarm.
        Witnessed = [.. (await witnesses.WitnessedAsync(null, cancellationToken)).GroupBy(s => s.Partner, StringComparer.Ordinal)
            .Select(g => g.MaxBy(s => s.TreeSize)!).OrderBy(s => s.Partner, StringComparer.Ordinal)];
        Alarms = await witnesses.AlarmsAsync(cancellationToken);
    }
}

/// <summary>One partner as the page shows it: its certificates' fingerprints and validity, and the agreements naming it.</summary>
public sealed record PartnerView(Partner Partner, string KeyFingerprint, string SigningThumbprint, DateTimeOffset SigningUntil,
    string EncryptionThumbprint, DateTimeOffset EncryptionUntil, IReadOnlyList<string> Agreements, IReadOnlyList<string> Mismatches)
{
    public static PartnerView Of(Partner partner, IReadOnlyList<Agreement> inForce)
    {
        using var signing = partner.SigningX509();
        using var encryption = partner.EncryptionX509();
        var fingerprint = partner.Fingerprint;
        var naming = inForce.Where(a => a.Party(partner.Code) is not null).ToList();
        return new PartnerView(partner, fingerprint, Thumbprint(signing), signing.NotAfter.ToUniversalTime(), Thumbprint(encryption), encryption.NotAfter.ToUniversalTime(),
            [.. naming.Select(a => a.ToString())],
            [.. naming.Where(a => a.Party(partner.Code)!.Fingerprint != fingerprint).Select(a => a.ToString())]);
    }

    private static string Thumbprint(X509Certificate2 certificate) =>
        "sha256:" + Convert.ToHexStringLower(certificate.GetCertHash(System.Security.Cryptography.HashAlgorithmName.SHA256));
}
