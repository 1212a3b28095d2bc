using Entente.Agreements;

namespace Entente.Assistance;

/// <summary>A request as the applicant's officer writes it (the body of POST /api/assistance-requests, the options of `request new`).</summary>
public sealed record NewAssistanceRequestInput(
    string? To, string? Agreement, string? LegalBasis, string? Purpose, string? CaseReference, string? Subject,
    IReadOnlyList<string>? Declarations, IReadOnlyList<string>? Parties, DateTimeOffset? AnswerBy);

/// <summary>What became of a command on an assistance request: done, or refused with every problem, each naming its field.</summary>
public abstract record AssistanceOutcome
{
    public sealed record Done(AssistanceRequest Request) : AssistanceOutcome;

    /// <summary>Fields missing or not understood.</summary>
    public sealed record Invalid(IReadOnlyList<AssistanceProblem> Problems) : AssistanceOutcome;

    /// <summary>No agreement in force gives the request a legal basis (the decision is in the ledger).</summary>
    public sealed record NoLegalBasis(IReadOnlyList<AssistanceProblem> Problems) : AssistanceOutcome;

    /// <summary>The request's status, or this node's role in it, does not allow the move.</summary>
    public sealed record NotAllowed(IReadOnlyList<AssistanceProblem> Problems) : AssistanceOutcome;

    public sealed record NotFound(IReadOnlyList<AssistanceProblem> Problems) : AssistanceOutcome;

    public static AssistanceOutcome Of(AssistanceException e) => e.Error switch
    {
        AssistanceError.NoLegalBasis => new NoLegalBasis(e.Problems),
        AssistanceError.IllegalMove => new NotAllowed(e.Problems),
        AssistanceError.NotFound => new NotFound(e.Problems),
        _ => new Invalid(e.Problems),
    };

    /// <summary>The refusal as one message: the problems joined, as <see cref="AssistanceException"/> words them.</summary>
    public static string Message(IReadOnlyList<AssistanceProblem> problems) => string.Join("; ", problems);
}

/// <summary>
/// An officer asks a partner authority for assistance, for the API (POST /api/assistance-requests) and the console
/// (`request new`): the purpose read, then the desk checks the fields and the legal basis, records, stores and sends.
/// </summary>
public sealed class NewAssistanceRequest(AssistanceDesk desk)
{
    public async Task<AssistanceOutcome> HandleAsync(string user, NewAssistanceRequestInput input, CancellationToken cancellationToken = default)
    {
        if (Draft(input) is not { } draft)
            return new AssistanceOutcome.Invalid([new AssistanceProblem("/purpose", $"expected one of {AgreementDocument.Names<Purpose>()}")]);
        try
        {
            return new AssistanceOutcome.Done(await desk.NewAsync(draft, user, cancellationToken));
        }
        catch (AssistanceException e)
        {
            return AssistanceOutcome.Of(e);
        }
    }

    /// <summary>The draft the desk checks; null when the purpose is not one of <see cref="Purpose"/>.</summary>
    public static AssistanceDraft? Draft(NewAssistanceRequestInput input) =>
        input.Purpose is not null && AgreementDocument.TryEnum<Purpose>(input.Purpose, out var purpose)
            ? new AssistanceDraft(input.To ?? "", input.Agreement ?? "", input.LegalBasis ?? "", purpose, input.CaseReference ?? "", input.Subject ?? "")
            {
                Declarations = input.Declarations ?? [],
                Parties = input.Parties ?? [],
                AnswerBy = input.AnswerBy,
            }
            : null;
}
