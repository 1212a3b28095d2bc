namespace Entente.Blinded;

/// <summary>
/// Keeps the node's blinded index: rebuilt when a source's stamp changes, evaluating only identifiers not evaluated
/// before under the current key (the rest come from memory), so a refresh costs what was added. The version is the
/// build time (Unix milliseconds), strictly increasing; the same set of tags keeps its version. With a
/// <see cref="BlindedIndexHistory"/> the last index and the changes are kept in the database, so a restarted node keeps
/// its version when nothing changed and still serves deltas from the versions it built before.
/// </summary>
public sealed class BlindedIndexer(string holder, Func<BlindedKey> key, IReadOnlyList<IBlindedIdentifierSource> sources, TimeProvider time, int deltaHistory = BlindedIndexer.DeltaHistory,
    BlindedIndexHistory? history = null)
{
    /// <summary>How many successive changes of the index are kept, so an asker that many versions behind gets a delta.</summary>
    public const int DeltaHistory = 64;

    private readonly List<BlindedIndexDelta> _deltas = [];
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<string, ulong> _evaluated = new(StringComparer.Ordinal);
    private BlindedKey? _key;
    private string? _stamp;
    private BlindedIndex? _index;
    private string? _loadedKey;

    /// <summary>The index last built, if any (evaluations answer with its version without reading the sources).</summary>
    public BlindedIndex? Last => _index;

    /// <summary>The key of the last index built.</summary>
    public BlindedKey Key => _key ??= key();

    /// <summary>The index as the sources are now.</summary>
    public async Task<BlindedIndex> CurrentAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            // The key file is read each time: a rotation by the command line reaches a running node at once.
            var current = key();
            if (_key is null || _key.Id != current.Id)
            {
                _evaluated.Clear();
                _deltas.Clear();
                _key = current;
            }
            if (history is not null && _index is null && _loadedKey != current.Id)
            {
                // The first build in this process: the index and changes the node kept before start from where it left off.
                var (kept, changes) = await history.LoadAsync(holder, current, cancellationToken);
                _loadedKey = current.Id;
                _index = kept;
                _deltas.AddRange(changes.TakeLast(deltaHistory));
            }
            var stamps = new List<string> { current.Id };
            foreach (var source in sources) stamps.Add($"{source.Name}={await source.StampAsync(cancellationToken)}");
            var stamp = string.Join(";", stamps);
            if (_index is not null && stamp == _stamp) return _index;

            var identifiers = new HashSet<string>(StringComparer.Ordinal);
            var toEvaluate = new List<BlindedIdentifier>();
            foreach (var source in sources)
            {
                await foreach (var identifier in source.IdentifiersAsync(cancellationToken))
                {
                    var text = identifier.ToString();
                    if (identifiers.Add(text) && !_evaluated.ContainsKey(text)) toEvaluate.Add(identifier);
                }
            }
            var tags = new ulong[toEvaluate.Count];
            Parallel.For(0, toEvaluate.Count, new ParallelOptions { CancellationToken = cancellationToken }, i => tags[i] = current.Tag(toEvaluate[i]));
            for (var i = 0; i < tags.Length; i++) _evaluated[toEvaluate[i].ToString()] = tags[i];
            foreach (var gone in _evaluated.Keys.Where(k => !identifiers.Contains(k)).ToList()) _evaluated.Remove(gone);

            var sorted = _evaluated.Values.Distinct().Order().ToArray();
            var version = _index is { } previous && previous.KeyId == current.Id && previous.Tags.AsSpan().SequenceEqual(sorted)
                ? previous.Version
                : Math.Max(time.GetUtcNow().ToUnixTimeMilliseconds(), (_index?.Version ?? 0) + 1);
            var built = new BlindedIndex(holder, current.Id, current.PublicElement(), version, sorted);
            var deltas = new List<BlindedIndexDelta>(_deltas);
            BlindedIndexDelta? change = null;
            if (_index is { } before && before.KeyId == built.KeyId && before.Version != built.Version)
            {
                change = BlindedIndexDelta.Between(before, built);
                deltas.Add(change);
                if (deltas.Count > deltaHistory) deltas.RemoveRange(0, deltas.Count - deltaHistory);
            }
            // Kept in the database first: what is served from memory is never ahead of what a restart finds.
            if (history is not null && (_index is null || _index.KeyId != built.KeyId || _index.Version != built.Version))
                await history.SaveAsync(built, change, deltas.Count > 0 ? deltas[0].From : null, cancellationToken);
            _deltas.Clear();
            _deltas.AddRange(deltas);
            _index = built;
            _stamp = stamp;
            return _index;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// The change from the asker's version to the index last built, or null when there is none to give: another key, a
    /// version this node never built or built longer ago than the changes kept (the asker then fetches the whole index).
    /// </summary>
    public async Task<BlindedIndexDelta?> DeltaSinceAsync(string keyId, long version, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_index is null || _index.KeyId != keyId || _index.Version == version) return null;
            var start = _deltas.FindIndex(d => d.From == version);
            return start < 0 ? null : BlindedIndexDelta.Combine(_deltas.GetRange(start, _deltas.Count - start));
        }
        finally
        {
            _gate.Release();
        }
    }
}
