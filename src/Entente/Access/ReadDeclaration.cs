using Entente.Declarations;
using Entente.Storage;

namespace Entente.Access;

/// <summary>A stored declaration as a reader sees it; <see cref="Withheld"/> lists the personal data left out and <see cref="Notice"/> says how to read it.</summary>
public sealed record DeclarationEnvelope(string Id, string Status, DateTimeOffset ReceivedAt, string Format, string SourceFile, Declaration Declaration)
{
    public IReadOnlyList<string>? Withheld { get; init; }

    public string? Notice { get; init; }

    public static DeclarationEnvelope Of(StoredDeclaration stored) => new(
        stored.Declaration.Id!, DeclarationLifecycle.ToName(stored.Declaration.Status), stored.ReceivedAt,
        DeclarationFormats.Name(stored.Format), stored.SourceFile, stored.Declaration);
}

/// <summary>Read one declaration by id, MRN or LRN, under a stated purpose (optional; without one, party data is withheld).</summary>
public sealed record ReadDeclarationInput(string Reference, string? Purpose, string? Justification);

public abstract record ReadDeclarationResult
{
    public sealed record Read(DeclarationEnvelope Envelope) : ReadDeclarationResult;

    public sealed record Refused(string Reason) : ReadDeclarationResult;

    public sealed record NotFound(string Reference) : ReadDeclarationResult;
}

/// <summary>
/// The read of a declaration, for the API (GET /api/declarations/{reference}) and the console (`declarations show`):
/// the personal-data decision, the ledger entry of the read or of the refusal, and the projection (party data withheld
/// without an allowed purpose).
/// </summary>
public sealed class ReadDeclaration(IDeclarationStore store, AccessRecorder recorder)
{
    public async Task<ReadDeclarationResult> HandleAsync(LocalUser user, string channel, ReadDeclarationInput input, CancellationToken cancellationToken = default)
    {
        var asked = recorder.Query("get declaration", [new("reference", input.Reference)]);
        // Looked up first so that a refused read is filed under the declaration it asked for; it still answers
        // "refused", not "not found", so a refusal says nothing about what is stored.
        var stored = await store.FindAsync(input.Reference, cancellationToken);
        IReadOnlyList<(string, IEnumerable<string>)> about = stored is null ? [] : [(stored.Declaration.Id!, PartyIds(stored.Declaration))];
        var access = await recorder.CheckAsync(user, channel, input.Purpose, input.Justification, asked, about, cancellationToken);
        if (access.Refused) return new ReadDeclarationResult.Refused(access.Reason!);
        if (stored is null) return new ReadDeclarationResult.NotFound(input.Reference);
        var envelope = DeclarationEnvelope.Of(stored);
        if (access.Allowed)
        {
            await recorder.RecordReadAsync(user, channel, access, asked, about, cancellationToken);
            return new ReadDeclarationResult.Read(envelope);
        }
        var (withheld, pointers) = PersonalData.Withhold(stored.Declaration);
        // The file a declaration came from may be named after the trader.
        // The file a declaration came from may be named after the trader: masked like the declaration's references, and
        // listed as "/sourceFile" (the read's own member; the declaration has none of that name).
        var sourceFile = EmbeddedIdentifiers.Of(stored.Declaration).Apply(envelope.SourceFile)!;
        if (sourceFile != envelope.SourceFile) pointers = [.. pointers, SourceFilePointer];
        return new ReadDeclarationResult.Read(envelope with
        {
            Declaration = withheld,
            SourceFile = sourceFile,
            Withheld = pointers,
            Notice = pointers.Count > 0 ? PersonalData.NoticeFor(user) : null,
        });
    }

    /// <summary>How a read lists its masked source file name in withheld.</summary>
    public const string SourceFilePointer = "/sourceFile";

    private static IEnumerable<string> PartyIds(Declaration declaration) => declaration.Parties.Select(p => p.Id).OfType<string>().ToArray();
}
