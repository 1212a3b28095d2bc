namespace Entente.Agreements;

/// <summary>
/// The agreements in force read from the home's folder. The folder is read again when a file in it changes (name,
/// size or time) or the day changes (validity is by date); otherwise the parsed, checked agreements are kept.
/// </summary>
public sealed class AgreementShelf(string folder)
{
    public string Folder => folder;

    /// <summary>Every agreement file in the folder as read now, with its status and problems.</summary>
    public IReadOnlyList<AgreementFile> Files(DateTimeOffset now) => AgreementFile.ReadFolder(folder, now);

    private volatile Shelved? _cached;

    public IReadOnlyList<Agreement> InForce(DateTimeOffset now)
    {
        var stamp = Stamp();
        var day = DateOnly.FromDateTime(now.UtcDateTime);
        if (_cached is { } c && c.Stamp == stamp && c.Day == day) return c.InForce;
        var inForce = AgreementStatus.SelectInForce(AgreementFile.ReadFolder(folder, now).Select(f => f.Agreement).OfType<Agreement>(), now);
        _cached = new Shelved(stamp, day, inForce);
        return inForce;
    }

    private sealed record Shelved(string Stamp, DateOnly Day, IReadOnlyList<Agreement> InForce);

    private string Stamp()
    {
        if (!Directory.Exists(folder)) return "";
        var files = new DirectoryInfo(folder).GetFiles().OrderBy(f => f.Name, StringComparer.Ordinal);
        return string.Join("|", files.Select(f => $"{f.Name}:{f.Length}:{f.LastWriteTimeUtc.Ticks}"));
    }
}
