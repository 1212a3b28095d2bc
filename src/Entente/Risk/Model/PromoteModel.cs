using System.Text.Json.Nodes;
using Entente.Ledger;

namespace Entente.Risk.Model;

/// <summary>Put a saved model version into service; one whose validation precision@5 % is below the one in service only when forced.</summary>
public sealed record PromoteModelInput(ModelCard Candidate, bool Force, string User);

public abstract record PromoteModelResult
{
    private PromoteModelResult()
    {
    }

    /// <summary>In service from now, recorded in the ledger at <see cref="LedgerIndex"/>.</summary>
    public sealed record Promoted(string Reason, bool Forced, InService InService, long LedgerIndex) : PromoteModelResult;

    /// <summary>Worse on validation than the model in service, and not forced: nothing changed.</summary>
    public sealed record Refused(string Reason) : PromoteModelResult;
}

/// <summary>
/// The promotion of a trained model (`entente risk train`): the precision check against the model in service
/// (<see cref="ModelRegistry.Decide"/>), the in-service file, and its ledger entry.
/// </summary>
public sealed class PromoteModel(string home, string nodeCode, LedgerStore ledger, TimeProvider time)
{
    public async Task<PromoteModelResult> HandleAsync(PromoteModelInput input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        var card = input.Candidate;
        var decision = ModelRegistry.Decide(card, ModelRegistry.ReadInService(home), input.Force);
        if (!decision.Promote) return new PromoteModelResult.Refused(decision.Reason);
        var inService = ModelRegistry.Promote(home, card, time.GetUtcNow(), decision.Forced);
        var index = await ledger.AppendAsync(ModelRegistry.LedgerKind, new LedgerActor(input.User, nodeCode), new JsonObject
        {
            ["model"] = card.Version,
            ["trainer"] = card.Trainer,
            ["rows"] = card.Training.Rows,
            ["validationPrecisionAt5"] = card.Validation?.PrecisionAt(5),
            ["forced"] = decision.Forced,
            ["reason"] = decision.Reason,
        }, cancellationToken);
        return new PromoteModelResult.Promoted(decision.Reason, decision.Forced, inService, index);
    }
}
