using Entente.Access;
using Entente.Ledger;
using Entente.Storage;

namespace Entente.Audit;

/// <summary>The accountability query asked about one party (by identifier) or one declaration (by id, MRN or LRN).</summary>
public sealed record AuditSubjectInput(string? Party, string? Declaration, string? Justification);

public abstract record AuditSubjectResult
{
    public sealed record Answered(string Subject, IReadOnlyList<AuditEvent> Events) : AuditSubjectResult;

    /// <summary>Asking about a party without an allowed justification; recorded in the ledger.</summary>
    public sealed record Refused(string Reason) : AuditSubjectResult;

    /// <summary>Not one subject named: <see cref="Parameter"/> says which.</summary>
    public sealed record Invalid(string Parameter, string Message) : AuditSubjectResult;
}

/// <summary>
/// "Who received data about party X or declaration Y, when, why, under which agreement", for the API
/// (GET /api/audit/subject) and the web console. Asking about a person is itself a use of their data: the auditor's
/// purpose is audit, the justification is required, and the question is recorded in the ledger.
/// </summary>
public sealed class AuditSubject(LedgerStore ledger, IDeclarationStore store, AccessRecorder recorder)
{
    public async Task<AuditSubjectResult> HandleAsync(LocalUser user, string channel, AuditSubjectInput input, CancellationToken cancellationToken = default)
    {
        if ((input.Party is null) == (input.Declaration is null))
            return new AuditSubjectResult.Invalid(input.Party is null ? "party" : "declaration", "name one subject: party=ID or declaration=ID|MRN|LRN");
        if (input.Party is { } party)
        {
            var asked = recorder.Query("audit subject", [new("party", party)], "party");
            var access = await recorder.CheckAsync(user, channel, "audit", input.Justification, asked, cancellationToken: cancellationToken);
            if (!access.Allowed) return new AuditSubjectResult.Refused(access.Reason!);
            var subject = recorder.PartySubject(party);
            var events = await AuditTrail.AboutAsync(ledger, subject, cancellationToken: cancellationToken);
            await recorder.RecordReadAsync(user, channel, access, asked, [], cancellationToken);
            return new AuditSubjectResult.Answered(subject, events);
        }
        var id = (await store.FindAsync(input.Declaration!, cancellationToken))?.Declaration.Id ?? input.Declaration!;
        var about = LedgerSubjects.Declaration(id);
        return new AuditSubjectResult.Answered(about, await AuditTrail.AboutAsync(ledger, about, cancellationToken: cancellationToken));
    }
}
