using Entente.Agreements;

namespace Entente.Assistance;

/// <summary>The agreements a node's <see cref="AssistanceDesk"/> reads.</summary>
public static class AssistanceDesks
{
    /// <summary>The agreements in force now in HOME/agreements (highest version per id), read at each call.</summary>
    public static Func<IReadOnlyList<Agreement>> AgreementsInForce(string home, TimeProvider time) => () =>
    {
        var now = time.GetUtcNow();
        return AgreementStatus.SelectInForce(AgreementFile.ReadFolder(Path.Combine(home, "agreements"), now).Select(f => f.Agreement).OfType<Agreement>(), now);
    };
}
