namespace Entente.Tests.Support;

/// <summary>
/// The public data sets live outside the repository (ENTENTE_DATA, default ../shared/data beside the checkout).
/// A test that needs one is skipped, naming the data set and where it is published, when it is absent.
/// </summary>
public static class SharedData
{
    public static readonly IReadOnlyDictionary<string, string> PublishedAt = new Dictionary<string, string>
    {
        ["customs-import-declarations"] = "github.com/Seondong/Customs-Declaration-Datasets (MIT)",
        ["wco-dms-samples"] = "github.com/hmrc/customs-declarations, public/api/conf/1.0 (Apache-2.0)",
        ["merkle-vectors"] = "github.com/transparency-dev/merkle, testdata/ (Apache-2.0)",
    };

    public static string RepositoryRoot { get; } = FindRoot();

    public static string Root =>
        Environment.GetEnvironmentVariable("ENTENTE_DATA") is { Length: > 0 } fromEnv
            ? fromEnv
            : Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "data"));

    /// <summary>Full path of a file or folder inside a data set, e.g. PathOf("wco-dms-samples", "declarations").</summary>
    public static string PathOf(string dataSet, params string[] parts) =>
        System.IO.Path.Combine([Root, dataSet, .. parts]);

    public static bool Has(string dataSet) => Directory.Exists(PathOf(dataSet));

    public static string MissingReason(string dataSet) =>
        $"data set '{dataSet}' is missing at {PathOf(dataSet)} (set ENTENTE_DATA); it is published at {PublishedAt.GetValueOrDefault(dataSet, "see ../shared/README.md")}";

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Entente.slnx"))) return dir.FullName;
        }
        throw new InvalidOperationException("cannot find the repository root (Entente.slnx) above " + AppContext.BaseDirectory);
    }
}

/// <summary>A fact that runs only when the named public data set is present, and says why it was skipped otherwise.</summary>
public sealed class SharedDataFactAttribute : FactAttribute
{
    public SharedDataFactAttribute(string dataSet)
    {
        if (!SharedData.Has(dataSet)) Skip = SharedData.MissingReason(dataSet);
    }
}

/// <summary>A theory that runs only when the named public data set is present.</summary>
public sealed class SharedDataTheoryAttribute : TheoryAttribute
{
    public SharedDataTheoryAttribute(string dataSet)
    {
        if (!SharedData.Has(dataSet)) Skip = SharedData.MissingReason(dataSet);
    }
}
