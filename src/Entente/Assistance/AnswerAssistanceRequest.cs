using System.Text.Json.Nodes;

namespace Entente.Assistance;

/// <summary>One part of an answer to a request received: text, JSON data or both; <see cref="Final"/> completes the answer.</summary>
public sealed record AnswerAssistanceRequestInput(string Id, string? Text, JsonObject? Data, bool Final);

/// <summary>
/// The requested authority answers, for the API (POST /api/assistance-requests/{id}/answers) and the console
/// (`request answer`): the request's rules decide whether the part is allowed; the desk records, stores and sends it.
/// </summary>
public sealed class AnswerAssistanceRequest(AssistanceDesk desk)
{
    public async Task<AssistanceOutcome> HandleAsync(string user, AnswerAssistanceRequestInput input, CancellationToken cancellationToken = default)
    {
        try
        {
            return new AssistanceOutcome.Done(await desk.AnswerAsync(input.Id, input.Text, input.Data, input.Final, user, cancellationToken));
        }
        catch (AssistanceException e)
        {
            return AssistanceOutcome.Of(e);
        }
    }
}
