using System.Diagnostics;
using System.Text.Json;
using Entente.Declarations;
using Entente.Ingest;
using Entente.Ledger;
using Entente.Storage;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Entente.Hosting;

/// <summary>
/// What a node does once at start, before /health/ready answers 200: opens the connection pool, reads the ledger's
/// head, and runs a small made-up declaration through the ingest path (detection, the JSON reader, validation,
/// preparation, the store's writer in a transaction rolled back: nothing is stored) and the answer's serialisers, so
/// the first submissions do not pay for the just-in-time compiler and the first connections all at once (issue 14:
/// twenty submissions right after start took 13–17 s). A failed warm-up is logged and leaves the node ready: it only
/// costs the first requests time.
/// </summary>
public sealed class NodeWarmUp(IServiceProvider services, ILogger<NodeWarmUp> logger) : BackgroundService
{
    private readonly TaskCompletionSource<TimeSpan> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes with the time the warm-up took.</summary>
    public Task<TimeSpan> Done => _done.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // SQLite's async calls complete synchronously: without this the warm-up would run inside the host's start and
        // keep the node from listening (and /health/live from answering) until it is done.
        await Task.Yield();
        var clock = Stopwatch.StartNew();
        try
        {
            await WarmAsync(stoppingToken);
            Log.WarmedUp(logger, (long)clock.Elapsed.TotalMilliseconds);
        }
        catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            Log.WarmUpFailed(logger, e);
        }
        finally
        {
            _done.TrySetResult(clock.Elapsed);
        }
    }

    private async Task WarmAsync(CancellationToken cancellationToken)
    {
        var database = services.GetRequiredService<NodeDatabase>();
        // A few connections opened together: the pool and the pragmas of each before the first burst needs them.
        var connections = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => database.ConnectAsync(cancellationToken)));
        foreach (var connection in connections) await connection.DisposeAsync();
        await services.GetRequiredService<LedgerStore>().GetHeadAsync(cancellationToken);

        var json = EntenteJson.SerializeToUtf8(Sample());
        _ = FormatDetector.Detect(json, out _);
        var store = services.GetRequiredService<IDeclarationStore>();
        var pending = new List<PendingDeclaration>();
        using (var stream = new MemoryStream(json))
        {
            foreach (var record in DeclarationIngest.CreateReader(DeclarationFormat.Json, null).Read(stream, "warm-up", cancellationToken))
            {
                if (record.Declaration is not { } declaration) continue;
                var problems = DeclarationValidator.Validate(declaration);
                if (problems.Count > 0) throw new InvalidOperationException($"the warm-up declaration is invalid: {problems[0].Path}: {problems[0].Message}");
                pending.Add(new PendingDeclaration(declaration, record.Labels, DeclarationFormat.Json, "warm-up"));
            }
        }
        _ = store.Prepare(pending[0]);
        await using (var session = await store.BeginIngestAsync(cancellationToken))
        {
            // Never committed: disposing the session rolls the transaction back.
            await session.AddAsync(pending, cancellationToken);
        }

        var http = services.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        var report = new IngestReport();
        _ = JsonSerializer.Serialize(IngestResult.From(report) with { Assessed = 1 }, http);
        _ = JsonSerializer.Serialize(new ProblemDetails { Status = 422, Title = "warm-up", Extensions = { ["errors"] = Array.Empty<IngestErrorDto>() } }, http);
    }

    private static Declaration Sample() => new()
    {
        FunctionCode = "9",
        Lrn = "WARMUP-" + Guid.NewGuid().ToString("N")[..16],
        TypeCode = "IMA",
        DeclarationOfficeId = "GB000001",
        Parties =
        [
            new Party { Role = PartyRole.Importer, Id = "GB123456789000", IdScheme = "EORI", Name = "Warm-up Imports", Address = new Address { CountryCode = "GB", CityName = "Dover", PostcodeId = "CT17 9BU", Line = "1 Dock Road" } },
            new Party { Role = PartyRole.Declarant, Id = "GB123456789001", IdScheme = "EORI" },
        ],
        GoodsShipment = new GoodsShipment
        {
            ExportCountryCode = "CN",
            Consignment = new Consignment { ModeOfTransportAtBorder = 1, Containers = [new Container { Id = "CSQU3054383", Seals = ["S1"] }] },
            GoodsItems =
            [
                new GoodsItem
                {
                    Sequence = 1,
                    Description = "Warm-up goods",
                    Classification = new Classification("HS", "2022", "850440"),
                    OriginCountryCode = "CN",
                    CustomsValue = new Amount(100m, "GBP"),
                    NetMassKg = 1m,
                    GrossMassKg = 2m,
                    Packages = [new Packaging { TypeCode = "CT", Quantity = 1 }],
                },
            ],
        },
    };

    /// <summary>Readiness: unhealthy until the warm-up has run.</summary>
    internal sealed class Check(NodeWarmUp warmUp) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(warmUp.Done.IsCompletedSuccessfully
                ? HealthCheckResult.Healthy($"warmed up in {warmUp.Done.Result.TotalMilliseconds:F0} ms")
                : HealthCheckResult.Unhealthy("warming up"));
    }
}

internal static partial class Log
{
    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Warmed up in {Milliseconds} ms: connection pool, ledger head, ingest path, serialisers")]
    public static partial void WarmedUp(ILogger logger, long milliseconds);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Warning, Message = "The warm-up failed; the node serves, its first requests may be slow")]
    public static partial void WarmUpFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "{Method} {Path} answered {Status}: {Reason}")]
    public static partial void RequestRefused(ILogger logger, string method, string path, int status, string reason);
}
