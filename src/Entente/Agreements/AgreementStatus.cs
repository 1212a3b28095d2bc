namespace Entente.Agreements;

public enum AgreementState { InForce, Malformed, Unsigned, FingerprintMismatch, BadSignature, NotYetValid, Expired }

/// <summary>
/// Whether an agreement is in force at a time, and if not, every reason why. In force means: each party has a
/// signature whose public key has the fingerprint the document lists for it and which verifies over the canonical
/// bytes, and the UTC date is within validity.from..validity.until (both days included).
/// </summary>
public sealed record AgreementStatus(AgreementState State, IReadOnlyList<string> Reasons)
{
    public bool InForce => State == AgreementState.InForce;

    public string Reason => string.Join("; ", Reasons);

    public static AgreementStatus Of(Agreement agreement, TimeProvider clock) => Of(agreement, clock.GetUtcNow());

    public static AgreementStatus Of(Agreement agreement, DateTimeOffset now)
    {
        var problems = new List<(AgreementState State, string Reason)>();
        foreach (var party in agreement.Parties)
        {
            var signatures = agreement.Signatures.Where(s => s.Party == party.Code).ToList();
            if (signatures.Count == 0)
            {
                problems.Add((AgreementState.Unsigned, $"unsigned by {party.Code}"));
                continue;
            }
            if (signatures.Count > 1)
            {
                problems.Add((AgreementState.Malformed, $"{party.Code} has {signatures.Count} signatures; keep one"));
                continue;
            }
            var signature = signatures[0];
            var fingerprint = AgreementSignatures.Fingerprint(signature.PublicKey);
            if (fingerprint != party.Fingerprint)
                problems.Add((AgreementState.FingerprintMismatch, $"fingerprint mismatch for {party.Code}: signed with {fingerprint}, the agreement lists {party.Fingerprint}"));
            else if (!AgreementSignatures.Verifies(agreement, signature))
                problems.Add((AgreementState.BadSignature, $"bad signature by {party.Code} (not made over this text with its key)"));
        }
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        if (today < agreement.ValidFrom) problems.Add((AgreementState.NotYetValid, $"not yet valid until {agreement.ValidFrom:yyyy-MM-dd}"));
        if (today > agreement.ValidUntil) problems.Add((AgreementState.Expired, $"expired on {agreement.ValidUntil.AddDays(1):yyyy-MM-dd} (valid until {agreement.ValidUntil:yyyy-MM-dd})"));
        if (problems.Count == 0)
            return new AgreementStatus(AgreementState.InForce, [$"in force: signed by {string.Join(", ", agreement.Parties.Select(p => p.Code))}, valid {agreement.ValidFrom:yyyy-MM-dd} to {agreement.ValidUntil:yyyy-MM-dd}"]);
        return new AgreementStatus(problems.Min(p => p.State), problems.Select(p => p.Reason).ToArray());
    }

    public static AgreementStatus Malformed(AgreementFormatException e) => new(AgreementState.Malformed, e.Errors.Select(x => "malformed: " + x).ToArray());

    /// <summary>Per agreement id, the highest version in force at <paramref name="now"/>; versions not in force never take effect.</summary>
    public static IReadOnlyList<Agreement> SelectInForce(IEnumerable<Agreement> agreements, DateTimeOffset now) =>
        agreements.Where(a => Of(a, now).InForce)
            .GroupBy(a => a.Id, StringComparer.Ordinal)
            .Select(g => g.MaxBy(a => a.Version)!)
            .OrderBy(a => a.Id, StringComparer.Ordinal)
            .ToArray();
}

/// <summary>An agreement file read from a folder: the agreement when it could be read, and its status.</summary>
public sealed record AgreementFile(string Path, Agreement? Agreement, AgreementStatus Status)
{
    /// <summary>Reads every *.yaml and *.yml in <paramref name="folder"/> (none when it does not exist), in file-name order.</summary>
    public static IReadOnlyList<AgreementFile> ReadFolder(string folder, DateTimeOffset now)
    {
        if (!Directory.Exists(folder)) return [];
        return Directory.EnumerateFiles(folder)
            .Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(f => Read(f, now))
            .ToArray();
    }

    public static AgreementFile Read(string path, DateTimeOffset now)
    {
        try
        {
            var agreement = AgreementDocument.Load(path);
            return new AgreementFile(path, agreement, AgreementStatus.Of(agreement, now));
        }
        catch (AgreementFormatException e)
        {
            return new AgreementFile(path, null, AgreementStatus.Malformed(e));
        }
    }
}
