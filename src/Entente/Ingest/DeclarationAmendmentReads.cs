using Entente.Access;
using Entente.Declarations;
using Entente.Storage;

namespace Entente.Ingest;

/// <summary>A version of a declaration an amendment superseded, as a reader sees it (party data withheld without a purpose).</summary>
public sealed record DeclarationVersionView(int Version, DateTimeOffset SupersededAt, string SupersededBy, Declaration Declaration);

/// <summary>
/// The versions of one declaration: <see cref="Current"/> is the version stored now (1 when never amended); <see cref="Versions"/>
/// the versions amendments superseded, oldest first. <see cref="Withheld"/> lists the personal data left out of them.
/// </summary>
public sealed record DeclarationVersions(string Id, int Current, string Status, IReadOnlyList<DeclarationVersionView> Versions)
{
    public IReadOnlyList<string>? Withheld { get; init; }

    public string? Notice { get; init; }
}

public abstract record DeclarationVersionsResult
{
    public sealed record Read(DeclarationVersions Versions) : DeclarationVersionsResult;

    public sealed record Refused(string Reason) : DeclarationVersionsResult;

    public sealed record NotFound(string Reference) : DeclarationVersionsResult;
}

/// <summary>
/// The versions a declaration had before its amendments (`entente declarations versions`, GET
/// /api/declarations/{reference}/versions): superseded declarations hold party data as the current one does, so the
/// read is bound to a purpose exactly as a declaration's read (<see cref="ReadDeclaration"/>): with an allowed
/// purpose and justification the versions are whole and the read is in the ledger; without one, party data is withheld;
/// a purpose the user may not state is refused and the refusal recorded.
/// </summary>
public sealed class ReadDeclarationVersions(IDeclarationStore store, AccessRecorder recorder)
{
    public async Task<DeclarationVersionsResult> HandleAsync(LocalUser user, string channel, ReadDeclarationInput input, CancellationToken cancellationToken = default)
    {
        var asked = recorder.Query("get declaration versions", [new("reference", input.Reference)]);
        var stored = await store.FindAsync(input.Reference, cancellationToken);
        var versions = stored is null ? [] : await store.GetVersionsAsync(stored.Declaration.Id!, cancellationToken);
        IReadOnlyList<(string, IEnumerable<string>)> about = stored is null
            ? []
            : [(stored.Declaration.Id!, versions.SelectMany(v => v.Declaration.Parties).Concat(stored.Declaration.Parties).Select(p => p.Id).OfType<string>().Distinct().ToArray())];
        var access = await recorder.CheckAsync(user, channel, input.Purpose, input.Justification, asked, about, cancellationToken);
        if (access.Refused) return new DeclarationVersionsResult.Refused(access.Reason!);
        if (stored is null) return new DeclarationVersionsResult.NotFound(input.Reference);
        var id = stored.Declaration.Id!;
        var status = DeclarationLifecycle.ToName(stored.Declaration.Status);
        if (access.Allowed)
        {
            await recorder.RecordReadAsync(user, channel, access, asked, about, cancellationToken);
            return new DeclarationVersionsResult.Read(new DeclarationVersions(id, versions.Count + 1, status,
                [.. versions.Select(v => new DeclarationVersionView(v.Version, v.SupersededAt, v.SupersededBy, v.Declaration))]));
        }
        var withheld = new SortedSet<string>(StringComparer.Ordinal);
        var views = new List<DeclarationVersionView>();
        foreach (var version in versions)
        {
            var (declaration, pointers) = PersonalData.Withhold(version.Declaration);
            foreach (var pointer in pointers) withheld.Add($"/versions/{views.Count}/declaration{pointer}");
            views.Add(new DeclarationVersionView(version.Version, version.SupersededAt, version.SupersededBy, declaration));
        }
        return new DeclarationVersionsResult.Read(new DeclarationVersions(id, versions.Count + 1, status, views)
        {
            Withheld = [.. withheld],
            Notice = withheld.Count > 0 ? PersonalData.NoticeFor(user) : null,
        });
    }
}

/// <summary>An amendment waiting for its declaration: what it names, its kind (amend, replace, cancel), when and from which file it came.</summary>
public sealed record PendingAmendmentView(string Id, string Reference, string Kind, DateTimeOffset ReceivedAt, string SourceFile, string? Reason);

/// <summary>
/// The amendments kept because the declaration they name is not stored yet (`entente declarations pending-amendments`,
/// GET /api/declarations/amendments/pending), oldest first. They are applied when the declaration arrives. Only
/// references and file names: the amendments' documents (party data) are not shown.
/// </summary>
public sealed class ListPendingAmendments(IDeclarationStore store)
{
    public async Task<IReadOnlyList<PendingAmendmentView>> HandleAsync(CancellationToken cancellationToken = default) =>
        [.. (await store.GetPendingAmendmentsAsync(cancellationToken)).Select(p => new PendingAmendmentView(p.Id, p.Reference, KindName(p.Kind), p.ReceivedAt, p.SourceFile, p.Reason))];

    public static string KindName(AmendmentKind kind) => kind switch
    {
        AmendmentKind.Amend => "amend",
        AmendmentKind.Replace => "replace",
        _ => "cancel",
    };
}
