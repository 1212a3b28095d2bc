using Entente.Agreements;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace Entente.WebConsole.Pages.Agreements;

/// <summary>
/// Agreements: the node's agreement files with their status today and the reasons (what `GET /api/agreements` lists),
/// and one agreement in full: its text, its parties and who signed it when, and what each category allows.
/// </summary>
[Authorize(Policy = ConsolePolicies.Agreements)]
public sealed class IndexModel(AgreementShelf shelf, TimeProvider time) : ConsolePage
{
    [BindProperty(SupportsGet = true)] public string? Id { get; set; }

    public IReadOnlyList<AgreementFile> Files { get; private set; } = [];
    public AgreementFile? Selected { get; private set; }
    public string? Text { get; private set; }
    public bool Missing { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Files = [.. shelf.Files(time.GetUtcNow()).OrderBy(f => f.Agreement?.Id ?? Path.GetFileName(f.Path), StringComparer.Ordinal)];
        if (string.IsNullOrWhiteSpace(Id)) return;
        Selected = Files.Where(f => f.Agreement?.Id == Id).MaxBy(f => f.Agreement!.Version);
        if (Selected is null) Missing = true;
        else Text = await System.IO.File.ReadAllTextAsync(Selected.Path, cancellationToken);
    }

    public static string Name<T>(T value) where T : struct, Enum => PolicyEngine.Name(value);

    /// <summary>Whether a party's signature is there and verifies over this text with the key the agreement lists.</summary>
    public static bool Holds(Agreement agreement, AgreementSignature signature) =>
        agreement.Party(signature.Party) is { } party && AgreementSignatures.Fingerprint(signature.PublicKey) == party.Fingerprint
        && AgreementSignatures.Verifies(agreement, signature);
}
