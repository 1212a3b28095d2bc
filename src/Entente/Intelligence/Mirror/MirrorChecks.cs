using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Entente.Agreements;
using Entente.Common;
using Entente.Declarations;
using Entente.Exchange;
using Entente.Ledger;
using Entente.Storage;

namespace Entente.Intelligence.Mirror;

/// <summary>A mirror check as asked: whose exports, read for which purpose, and the import dates to consider.</summary>
public sealed record MirrorRunInput(string? Partner, string? Purpose = null, string? From = null, string? To = null, int? WindowDays = null);

/// <summary>What a run found: how many exports and imports were read, the pairs by key, and the pairs with discrepancies.</summary>
public sealed record MirrorRunReport(
    string Partner, string Purpose, int Exports, int Imports, int Pairs, IReadOnlyDictionary<string, int> ByKey, int WithDiscrepancies, IReadOnlyList<MirrorPairRecord> Discrepant);

public abstract record MirrorResult
{
    public sealed record Ran(MirrorRunReport Report) : MirrorResult;

    public sealed record Invalid(IReadOnlyList<FieldError> Errors) : MirrorResult;
}

/// <summary>One cell of the mirror statistics: a partner, an HS subheading and a month, both sides' totals and the gap.</summary>
public sealed record MirrorStatistic(string Partner, string Hs6, string Month, string? Currency, int Pairs, int Discrepant, decimal ExportValue, decimal ImportValue)
{
    /// <summary>(export − import) / export: the share of the partner-reported value missing from our imports; null without an export value.</summary>
    public double? Gap => ExportValue > 0 ? (double)((ExportValue - ImportValue) / ExportValue) : null;
}

/// <summary>
/// The use case behind `entente mirror run|list|stats` and /api/mirror/*: a partner's export declarations received
/// under an agreement (category declarations, for the purpose asked) paired with this node's imports of the same
/// consignment (<see cref="MirrorMatcher"/>), the discrepancies written as findings on the imports (so rules read
/// <c>finding.mirror-undervaluation</c> and the model reads the findings), the pairs kept for the statistics, and one
/// ledger entry per run.
/// </summary>
public sealed class MirrorChecks(string node, NodeDatabase database, ExchangeStore exchange, LedgerStore ledger, TimeProvider time)
{
    private const int MaxExports = 1_000_000;

    public async Task<MirrorResult> RunAsync(MirrorRunInput input, string user, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        var errors = new List<FieldError>();
        if (string.IsNullOrWhiteSpace(input.Partner) || !EnvelopeHeader.IsIdentifier(input.Partner)) errors.Add(new("partner", "name the partner's node code (e.g. KR)"));
        var purpose = input.Purpose ?? "risk-management";
        if (!AgreementDocument.TryEnum<Purpose>(purpose, out _)) errors.Add(new("purpose", $"'{purpose}' is not one of {AgreementDocument.Names<Purpose>()}"));
        var from = Day(input.From, "from", errors);
        var to = Day(input.To, "to", errors);
        if (input.WindowDays is < 1 or > 365) errors.Add(new("windowDays", $"expected 1 to 365 days, got {input.WindowDays}"));
        if (errors.Count > 0) return new MirrorResult.Invalid(errors);
        var tolerances = new MirrorTolerances { WindowDays = input.WindowDays ?? 60 };
        var partner = input.Partner!;

        // The partner's exports, as received: only messages its agreement let it send for the purpose asked.
        var exports = new List<(MirrorConsignment Facts, string? Mrn)>();
        foreach (var item in await exchange.ListInboxAsync(partner, null, MaxExports, cancellationToken))
        {
            if (item.ErasedAt is not null || item.Category != "declarations" || item.Purpose != purpose) continue;
            Declaration declaration;
            try
            {
                declaration = EntenteJson.Deserialize(item.Payload);
            }
            catch (JsonException)
            {
                continue;
            }
            if (declaration.TypeCode?.StartsWith("EX", StringComparison.OrdinalIgnoreCase) != true) continue;
            exports.Add((MirrorConsignment.Of(item.MessageId, declaration), declaration.Mrn));
        }

        var earliest = exports.Select(e => e.Facts.Date).Min();
        var latest = exports.Select(e => e.Facts.Date).Max();
        var start = from ?? (earliest is { } a ? DateOnly.FromDateTime(a.UtcDateTime.AddDays(-tolerances.EarlyDays)) : DateOnly.MinValue);
        var end = to ?? (latest is { } b ? DateOnly.FromDateTime(b.UtcDateTime.AddDays(tolerances.WindowDays)) : DateOnly.MaxValue);
        var imports = exports.Count == 0 ? [] : await ImportsAsync(partner, start, end, cancellationToken);

        var exportFacts = exports.Select(e => e.Facts).ToList();
        var importFacts = imports.Select(i => i.Facts).ToList();
        var pairs = MirrorMatcher.Match(exportFacts, importFacts, tolerances);
        var now = time.GetUtcNow();
        var records = new List<MirrorPairRecord>(pairs.Count);
        foreach (var pair in pairs)
        {
            var export = exportFacts[pair.Export];
            var import = importFacts[pair.Import];
            var found = MirrorMatcher.Compare(export, import, tolerances);
            var month = (import.Date ?? export.Date ?? now).UtcDateTime.ToString("yyyy-MM", CultureInfo.InvariantCulture);
            records.Add(new MirrorPairRecord(import.Id, partner, export.Id, exports[pair.Export].Mrn, KeyName(pair.Key), now, month, import.PrincipalHs6 ?? export.PrincipalHs6,
                import.Currency == export.Currency ? import.Currency : null, export.Value, import.Value, export.GrossMassKg, import.GrossMassKg, found));
        }
        var discrepant = records.Where(r => r.Discrepancies.Count > 0).ToList();
        await ledger.AppendAsync(async (connection, transaction, ct) =>
        {
            foreach (var record in records) await MirrorStore.SaveAsync(database, connection, transaction, record, ct);
            var subjects = discrepant.Select(r => LedgerSubjects.Declaration(r.ImportId)).Concat(discrepant.Select(r => LedgerSubjects.Message(r.MessageId))).Take(1000);
            var body = new JsonObject
            {
                ["partner"] = partner,
                ["exports"] = exports.Count,
                ["imports"] = imports.Count,
                ["pairs"] = records.Count,
                ["discrepancies"] = discrepant.Count,
                ["purpose"] = purpose,
                [LedgerSubjects.Field] = LedgerSubjects.ToJson(subjects),
            };
            return [LedgerEntry.Now(time, LedgerKinds.MirrorCheck, new LedgerActor(user, node), body)];
        }, cancellationToken);
        var byKey = records.GroupBy(r => r.Key).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        return new MirrorResult.Ran(new MirrorRunReport(partner, purpose, exports.Count, imports.Count, records.Count, byKey, discrepant.Count, discrepant));
    }

    public Task<IReadOnlyList<MirrorPairRecord>> ListAsync(string? partner, bool discrepanciesOnly, int limit, CancellationToken cancellationToken = default) =>
        MirrorStore.ListAsync(database, partner, discrepanciesOnly, Math.Clamp(limit, 1, 100_000), cancellationToken);

    /// <summary>The statistics by partner × HS6 × month over every stored pair, largest gap first.</summary>
    public async Task<IReadOnlyList<MirrorStatistic>> StatisticsAsync(string? partner, CancellationToken cancellationToken = default)
    {
        var pairs = await MirrorStore.ListAsync(database, partner, false, int.MaxValue, cancellationToken);
        return Aggregate(pairs);
    }

    /// <summary>Pairs grouped by partner, HS6 and month; values summed where both sides used one currency.</summary>
    public static IReadOnlyList<MirrorStatistic> Aggregate(IEnumerable<MirrorPairRecord> pairs) =>
        pairs.GroupBy(p => (p.Partner, Hs6: p.Hs6 ?? "-", p.Month))
            .Select(g =>
            {
                var currencies = g.Select(p => p.Currency).Distinct().ToList();
                var comparable = g.Where(p => p.Currency is not null && p.ExportValue is not null && p.ImportValue is not null).ToList();
                return new MirrorStatistic(g.Key.Partner, g.Key.Hs6, g.Key.Month, currencies.Count == 1 ? currencies[0] : null, g.Count(),
                    g.Count(p => p.Discrepancies.Count > 0), comparable.Sum(p => p.ExportValue!.Value), comparable.Sum(p => p.ImportValue!.Value));
            })
            .OrderBy(s => s.Partner, StringComparer.Ordinal).ThenBy(s => s.Month, StringComparer.Ordinal).ThenBy(s => s.Hs6, StringComparer.Ordinal)
            .ToList();

    public static string KeyName(MatchKey key) => key switch
    {
        MatchKey.ExportMrn => "export-mrn",
        MatchKey.Ucr => "ucr",
        MatchKey.TransportDocument => "transport-document",
        _ => "container",
    };

    private async Task<List<(MirrorConsignment Facts, Declaration Declaration)>> ImportsAsync(string partner, DateOnly start, DateOnly end, CancellationToken cancellationToken)
    {
        var list = new List<(MirrorConsignment, Declaration)>();
        await using var connection = await database.ConnectAsync(cancellationToken);
        await using var command = NodeDatabase.Command(connection, null,
            "SELECT id, document FROM declarations WHERE declaration_date IS NULL OR (declaration_date >= @start AND declaration_date <= @end)",
            ("@start", start), ("@end", end));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var declaration = EntenteJson.Deserialize(reader.GetString(1));
            if (declaration.TypeCode?.StartsWith("EX", StringComparison.OrdinalIgnoreCase) == true) continue;
            var shipment = declaration.GoodsShipment;
            var country = shipment.ExportCountryCode ?? shipment.Consignment.DepartureCountryCode;
            if (country is not null && !string.Equals(country, partner, StringComparison.OrdinalIgnoreCase)) continue;
            list.Add((MirrorConsignment.Of(reader.GetString(0), declaration), declaration));
        }
        return list;
    }

    private static DateOnly? Day(string? text, string field, List<FieldError> errors)
    {
        if (text is null) return null;
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)) return day;
        errors.Add(new(field, $"expected a date yyyy-MM-dd, got '{text}'"));
        return null;
    }
}
