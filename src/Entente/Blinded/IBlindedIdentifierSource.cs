namespace Entente.Blinded;

/// <summary>
/// Where the identifiers a node holds come from, for its blinded index: declarations in the store now; alerts
/// implement it next (docs/blinded.md). <see cref="StampAsync"/> is cheap and changes whenever the identifiers may have
/// changed, so the index is rebuilt only then, and only new identifiers are evaluated.
/// </summary>
public interface IBlindedIdentifierSource
{
    string Name { get; }

    Task<string> StampAsync(CancellationToken cancellationToken);

    IAsyncEnumerable<BlindedIdentifier> IdentifiersAsync(CancellationToken cancellationToken);
}

/// <summary>A fixed set of identifiers (tests, benchmarks).</summary>
public sealed class ListedIdentifiers(string name, IReadOnlyCollection<BlindedIdentifier> identifiers) : IBlindedIdentifierSource
{
    public string Name => name;

    public Task<string> StampAsync(CancellationToken cancellationToken) => Task.FromResult(identifiers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public async IAsyncEnumerable<BlindedIdentifier> IdentifiersAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var identifier in identifiers) yield return identifier;
        await Task.CompletedTask;
    }
}
