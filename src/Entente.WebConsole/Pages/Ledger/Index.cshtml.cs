using Entente.Access;
using Entente.Audit;
using Entente.Ledger;
using Entente.Witnessing;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Localization;

namespace Entente.WebConsole.Pages.Ledger;

/// <summary>
/// Ledger and audit: verify the whole ledger now (the `ledger verify` use case), the latest checkpoint and the partners'
/// cosignatures, the inclusion proof of an entry, and the auditor's accountability query (the API's use case, recorded).
/// </summary>
public sealed class IndexModel(LedgerStore ledger, WitnessStore witnesses, VerifyLedger verify, AuditSubject audit, IStringLocalizer<Strings> text) : ConsolePage
{
    [BindProperty(SupportsGet = true)] public long? Entry { get; set; }
    [BindProperty] public string? Party { get; set; }
    [BindProperty] public string? Declaration { get; set; }
    [BindProperty] public string? Justification { get; set; }

    public TreeHead? Head { get; private set; }
    public StoredCheckpoint? Checkpoint { get; private set; }
    public IReadOnlyList<ReceivedCosignature> Cosignatures { get; private set; } = [];
    public LedgerVerification? Verification { get; private set; }
    public InclusionProof? Proof { get; private set; }
    public StoredLedgerEntry? ProvedEntry { get; private set; }
    public AuditSubjectResult.Answered? Answer { get; private set; }
    public Dictionary<string, string> Problems { get; } = new(StringComparer.Ordinal);

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        await LoadAsync(cancellationToken);
        if (Entry is { } entry && Can(AccessPolicies.Audit))
        {
            var size = Checkpoint?.TreeSize ?? Head!.Size;
            if (entry < 0 || entry >= size) Problems["entry"] = text["EntryOutOfRange", size.ToString("N0", System.Globalization.CultureInfo.CurrentCulture)];
            else
            {
                Proof = await ledger.InclusionProofAsync(entry, size, cancellationToken);
                ProvedEntry = await ledger.GetEntryAsync(entry, cancellationToken);
            }
        }
    }

    public async Task OnPostVerifyAsync(CancellationToken cancellationToken)
    {
        Verification = (await verify.HandleAsync(new VerifyLedgerInput(), cancellationToken)).Verification;
        await LoadAsync(cancellationToken);
    }

    /// <summary>The accountability query (auditors): about a party (justification required, recorded) or a declaration.</summary>
    public async Task<IActionResult> OnPostAuditAsync(CancellationToken cancellationToken)
    {
        if (!Can(AccessPolicies.Audit)) return Refuse();
        var party = string.IsNullOrWhiteSpace(Party) ? null : Party.Trim();
        var declaration = string.IsNullOrWhiteSpace(Declaration) ? null : Declaration.Trim();
        var justification = string.IsNullOrWhiteSpace(Justification) ? null : Justification.Trim();
        if (party is not null && justification is null) Problems["justification"] = text["JustificationRequired"];
        else
        {
            switch (await audit.HandleAsync(Me, Channel, new AuditSubjectInput(party, declaration, justification), cancellationToken))
            {
                case AuditSubjectResult.Answered answered:
                    Answer = answered;
                    break;
                case AuditSubjectResult.Refused refused:
                    Problems["justification"] = refused.Reason;
                    break;
                case AuditSubjectResult.Invalid:
                    Problems["party"] = text["AuditOneSubject"];
                    break;
            }
        }
        await LoadAsync(cancellationToken);
        return Page();
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        Head = await ledger.GetHeadAsync(cancellationToken);
        Checkpoint = await ledger.LatestCheckpointAsync(cancellationToken);
        if (Checkpoint is not null) Cosignatures = await witnesses.CosignaturesAsync(Checkpoint.TreeSize, cancellationToken);
    }
}
