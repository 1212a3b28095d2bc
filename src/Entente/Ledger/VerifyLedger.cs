namespace Entente.Ledger;

/// <summary>Verify the node's ledger; checkpoint signatures are checked with <see cref="PublicKey"/>, else with the node's own key.</summary>
public sealed record VerifyLedgerInput(byte[]? PublicKey = null);

public abstract record VerifyLedgerResult
{
    private VerifyLedgerResult(LedgerVerification verification) => Verification = verification;

    public LedgerVerification Verification { get; }

    /// <summary>The chain, the tree and every checkpoint hold (kinds' warnings may remain: they are not a break in the log).</summary>
    public sealed record Verified : VerifyLedgerResult
    {
        public Verified(LedgerVerification verification) : base(verification)
        {
        }
    }

    /// <summary>Something is wrong: <see cref="LedgerVerification.Problems"/> says what.</summary>
    public sealed record NotVerified : VerifyLedgerResult
    {
        public NotVerified(LedgerVerification verification) : base(verification)
        {
        }
    }
}

/// <summary>
/// The full verification of the node's ledger, for `entente ledger verify`: recomputes the whole tree from the stored
/// entries, checks every stored hash and checkpoint, and warns of entries that do not fit their kind's body schema.
/// </summary>
public sealed class VerifyLedger(LedgerStore ledger, Func<byte[]?> nodePublicKey)
{
    public async Task<VerifyLedgerResult> HandleAsync(VerifyLedgerInput input, CancellationToken cancellationToken = default)
    {
        var verification = await ledger.VerifyAsync(input.PublicKey ?? nodePublicKey(), cancellationToken);
        return verification.Ok ? new VerifyLedgerResult.Verified(verification) : new VerifyLedgerResult.NotVerified(verification);
    }
}
