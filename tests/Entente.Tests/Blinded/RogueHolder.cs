using System.Security.Cryptography;
using Entente.Blinded;
using Entente.Exchange;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Entente.Tests.Blinded;

/// <summary>
/// A holder gone wrong, on loopback (real Kestrel, real HTTP) at a partner's address with that partner's signing key:
/// it serves the index the partner signed and answers evaluations under whatever OPRF key the test sets, proving that
/// key honestly and claiming the index's key id — what a holder evaluating with another key than its index commits to does.
/// </summary>
internal sealed class RogueHolder : IAsyncDisposable
{
    private readonly WebApplication _app;

    private RogueHolder(WebApplication app) => _app = app;

    /// <summary>The OPRF private key evaluations are made with.</summary>
    public byte[] Key { get; set; } = [];

    public static async Task<RogueHolder> StartAsync(Uri address, string code, ECDsa signingKey, byte[] signedIndex)
    {
        var index = BlindedIndex.FromCbor(SignedCbor.Read(signedIndex, BlindedIndex.ContentType, "index").Payload);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(address.ToString().TrimEnd('/'));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var rogue = new RogueHolder(app);
        app.MapGet(BlindedPaths.Index, (HttpRequest request, HttpResponse response) =>
        {
            response.Headers.ETag = index.ETag;
            return request.Headers.IfNoneMatch.ToString() == index.ETag ? Results.StatusCode(StatusCodes.Status304NotModified) : Results.Bytes(signedIndex, BlindedIndex.ContentType);
        });
        app.MapPost(BlindedPaths.Evaluate, async (HttpRequest http) =>
        {
            using var body = new MemoryStream();
            await http.Body.CopyToAsync(body);
            var request = BlindedRequest.FromCbor(SignedCbor.Read(body.ToArray(), BlindedRequest.ContentType, "request").Payload, 100);
            var evaluation = Voprf.BlindEvaluate(rogue.Key, Oprf.PublicKeyOf(rogue.Key), request.Elements);
            return Results.Bytes(BlindedRequest.SignEvaluation(code, index.KeyId, index.Version, request.Nonce, evaluation.Evaluated, evaluation.Proof, signingKey),
                BlindedRequest.EvaluationContentType);
        });
        await app.StartAsync();
        return rogue;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
