using System.Security.Cryptography;

namespace Entente.Identity;

/// <summary>Where a node's keys and certificates are kept (its home folder), and the code and name they are issued to.</summary>
public sealed record IdentityHome(string Home, string Code, string Name)
{
    /// <summary>The identity as the files hold it now (`node cert import` may replace the certificates while the node runs).</summary>
    public NodeIdentity Load() => NodeIdentity.Load(Home, Code, Name);

    public ECDsa LoadSigningKey() => NodeKeys.LoadSigningKey(Home);

    /// <summary>The key that turns party identifiers into ledger subjects.</summary>
    public byte[] LoadSubjectKey() => NodeKeys.LoadSubjectKey(Home);
}
