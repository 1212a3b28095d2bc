using System.ComponentModel.DataAnnotations;

namespace Entente.Blinded;

/// <summary>Settings of blinded hit/no-hit (section Entente:Blinded; docs/blinded.md, docs/configuration.md).</summary>
public sealed class BlindedOptions
{
    public const string Section = "Entente:Blinded";

    /// <summary>Blinded elements a partner may have evaluated per minute under one agreement (sustained rate).</summary>
    [Range(1, 10_000_000)]
    public int EvaluationsPerMinute { get; set; } = 600;

    /// <summary>Elements a partner may have evaluated at once before the sustained rate applies.</summary>
    [Range(1, 10_000_000)]
    public int Burst { get; set; } = 200;

    /// <summary>The most blinded elements in one evaluation request.</summary>
    [Range(1, 10_000)]
    public int MaxBatch { get; set; } = 100;

    /// <summary>How far a signed request's time may be from the holder's clock; its nonce is remembered this long.</summary>
    public TimeSpan ReplayWindow { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long the asker uses a partner's index without revalidating it (when the partner's evaluation names the same version).</summary>
    public TimeSpan IndexMaxAge { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long the asker waits for one partner.</summary>
    public TimeSpan PartnerTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
