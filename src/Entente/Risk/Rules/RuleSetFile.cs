namespace Entente.Risk.Rules;

/// <summary>The result of one test case of a rule set.</summary>
public sealed record RuleSetTestResult(RuleSetTestCase Case, RuleOutcome Outcome, IReadOnlyList<string> Problems)
{
    public bool Passed => Problems.Count == 0;
}

/// <summary>Reads a rule set from disk: one .rules file, or a folder of .rules files with their list files and test declarations.</summary>
public static class RuleSetFile
{
    public const string Extension = ".rules";

    /// <summary>Compiles the rule set at <paramref name="path"/>; throws <see cref="RuleSetException"/> naming each problem's file, line and column.</summary>
    public static RuleSet Load(string path)
    {
        if (Directory.Exists(path))
        {
            var folder = Path.GetFullPath(path);
            var ruleFiles = Directory.GetFiles(folder, "*" + Extension, SearchOption.TopDirectoryOnly)
                .Order(StringComparer.Ordinal)
                .Select(f => new RuleSetFileContent(Path.GetFileName(f), File.ReadAllBytes(f)))
                .ToList();
            if (ruleFiles.Count == 0) throw new RuleSetException([new RuleSetError(path, 0, 0, $"the folder has no {Extension} file")]);
            return RuleSetCompiler.Compile(ruleFiles, relative => File.ReadAllBytes(Inside(folder, relative)));
        }
        if (!File.Exists(path)) throw new RuleSetException([new RuleSetError(path, 0, 0, "no such file or folder")]);
        var full = Path.GetFullPath(path);
        var home = Path.GetDirectoryName(full)!;
        return RuleSetCompiler.Compile([new RuleSetFileContent(Path.GetFileName(full), File.ReadAllBytes(full))], relative => File.ReadAllBytes(Inside(home, relative)));
    }

    // A list file or test declaration belongs to the rule set: it is read from the set's folder or below, never elsewhere.
    internal static string Inside(string folder, string relative)
    {
        if (Path.IsPathRooted(relative)) throw new ArgumentException($"'{relative}' is not relative to the rule set's folder");
        var full = Path.GetFullPath(Path.Combine(folder, relative));
        if (!full.StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new ArgumentException($"'{relative}' is outside the rule set's folder");
        return full;
    }

    /// <summary>Runs the set's own test cases, in order.</summary>
    public static IReadOnlyList<RuleSetTestResult> RunTests(RuleSet set) =>
        set.Tests.Select(t =>
        {
            var outcome = set.Evaluate(t.Declaration, t.Partners);
            return new RuleSetTestResult(t, outcome, t.Check(outcome));
        }).ToList();
}
