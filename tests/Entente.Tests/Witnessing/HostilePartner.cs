using Entente.Ledger;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Entente.Tests.Witnessing;

/// <summary>
/// A hand-made partner on loopback (real Kestrel, real HTTP) that serves whatever checkpoint and proof the test
/// tells it to, signed with a key the test holds, and counts the cosignatures handed to it.
/// </summary>
internal sealed class HostilePartner : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _cosignatures;

    private HostilePartner(WebApplication app) => _app = app;

    /// <summary>The signed note served at GET /api/ledger/checkpoint.</summary>
    public string Note { get; set; } = "";

    /// <summary>The proof served at GET /api/ledger/consistency for (from, to).</summary>
    public Func<long, long, IReadOnlyList<byte[]>> Proof { get; set; } = (_, _) => [];

    public int CosignaturesReceived => Volatile.Read(ref _cosignatures);

    public Uri Endpoint => new(_app.Urls.First());

    public static async Task<HostilePartner> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var partner = new HostilePartner(app);
        app.MapGet("/api/ledger/checkpoint", () =>
        {
            var checkpoint = Checkpoint.Parse(partner.Note).Checkpoint;
            return Results.Json(new { treeSize = checkpoint?.TreeSize ?? 0, root = checkpoint is null ? "" : Convert.ToBase64String(checkpoint.Root), note = partner.Note });
        });
        app.MapGet("/api/ledger/consistency", (long from, long to) =>
            Results.Json(new { from, to, proof = partner.Proof(from, to).Select(Convert.ToBase64String).ToArray() }));
        app.MapPost("/api/ledger/cosignatures", () =>
        {
            Interlocked.Increment(ref partner._cosignatures);
            return Results.Ok();
        });
        await app.StartAsync();
        return partner;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
