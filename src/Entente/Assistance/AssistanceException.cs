namespace Entente.Assistance;

/// <summary>What went wrong: a bad field, no legal basis for the request, a move its status does not allow, or no such request.</summary>
public enum AssistanceError { Invalid, NoLegalBasis, IllegalMove, NotFound }

/// <summary>One problem, with the field it concerns as a JSON pointer ("/request/purpose"; "" for the whole).</summary>
public sealed record AssistanceProblem(string Field, string Message)
{
    public override string ToString() => Field.Length > 0 ? $"{Field}: {Message}" : Message;
}

/// <summary>A refused command or message: every problem found, each naming its field.</summary>
public sealed class AssistanceException(AssistanceError error, IReadOnlyList<AssistanceProblem> problems)
    : Exception(string.Join("; ", problems))
{
    public AssistanceException(AssistanceError error, string field, string message) : this(error, [new AssistanceProblem(field, message)])
    {
    }

    public AssistanceError Error { get; } = error;

    public IReadOnlyList<AssistanceProblem> Problems { get; } = problems;

    internal static void ThrowIf(AssistanceError error, List<AssistanceProblem> problems)
    {
        if (problems.Count > 0) throw new AssistanceException(error, problems.ToArray());
    }
}
