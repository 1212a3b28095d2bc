using System.Collections.Concurrent;
using Entente.Agreements;
using Entente.Partners;

namespace Entente.Exchange;

/// <summary>
/// The partners the exchange may talk to, read from the partner directory and kept for a few seconds (a partner
/// added with the CLI while the server runs is seen within <see cref="Refresh"/>). A partner is usable only while
/// an agreement in force lists its signing key's fingerprint: the agreements are the root of trust.
/// </summary>
public sealed class PartnerBook(PartnerDirectory directory, Func<DateTimeOffset, IReadOnlyList<Agreement>> agreements, TimeProvider time)
{
    public static readonly TimeSpan Refresh = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, (ExchangePartner? Partner, DateTimeOffset Read)> _cache = new(StringComparer.Ordinal);
    private volatile Tuple<HashSet<string>, DateTimeOffset>? _fingerprints;

    public async Task<ExchangePartner?> GetAsync(string code, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_cache.TryGetValue(code, out var cached) && now - cached.Read < Refresh && now >= cached.Read) return cached.Partner;
        var partner = await directory.GetAsync(code, cancellationToken);
        ExchangePartner? usable = null;
        if (partner is not null)
        {
            var fingerprint = partner.Fingerprint;
            if (agreements(now).Any(a => a.Party(code)?.Fingerprint == fingerprint))
                usable = new ExchangePartner(partner.Code, partner.Endpoint, partner.SigningKey(), fingerprint, partner.EncryptionKey());
        }
        // Only partners found are kept: one added while the server runs is seen at once.
        if (usable is not null) _cache[code] = (usable, now);
        else _cache.TryRemove(code, out _);
        return usable;
    }

    /// <summary>The signing-key fingerprints of every partner in the directory (to pin their TLS certificates).</summary>
    public HashSet<string> Fingerprints()
    {
        var now = time.GetUtcNow();
        if (_fingerprints is { } f && now - f.Item2 < Refresh) return f.Item1;
        var set = directory.ListAsync().GetAwaiter().GetResult().Select(p => p.Fingerprint).ToHashSet(StringComparer.Ordinal);
        _fingerprints = Tuple.Create(set, now);
        return set;
    }
}
