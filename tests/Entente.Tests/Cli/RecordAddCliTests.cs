using System.Diagnostics;
using System.Text.Json;

namespace Entente.Tests.Cli;

/// <summary>`entente record add` records several in one run (repeated --file, or '-' for lines on standard input), all checked first.</summary>
public sealed class RecordAddCliTests : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), $"entente-record-cli-{Guid.NewGuid():N}");
    private string Home => Path.Combine(folder, "home");

    public RecordAddCliTests() => Directory.CreateDirectory(folder);

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private static string Seizure(string id, string category = "drugs") =>
        $$$"""{"seizure":{"id":"{{{id}}}","category":"{{{category}}}","seizedAt":"2026-12-01T10:00:00Z","goods":"cocaine","hsCode":"080390","quantityKg":1.5}}""";

    private string Write(string name, string text)
    {
        var path = Path.Combine(folder, name);
        File.WriteAllText(path, text);
        return path;
    }

    private async Task<List<string>> RecordedAsync()
    {
        var (status, output, error) = await Support.Cli.Run("record", "list", "--home", Home, "--json");
        Assert.True(status == 0, error);
        return [.. JsonDocument.Parse(output).RootElement.EnumerateArray().Select(r => r.GetProperty("document").GetProperty("seizure").GetProperty("id").GetString()!).Order()];
    }

    [Fact]
    public async Task Several_files_are_recorded_in_one_run_and_one_bad_file_records_none()
    {
        Assert.Equal(0, (await Support.Cli.Run("node", "init", "--home", Home, "--code", "NL", "--name", "Douane Nederland")).Status);

        var bad = await Support.Cli.Run("record", "add", "--home", Home, "--kind", "seizure-report",
            "--file", Write("a.json", Seizure("S-A")), Write("b.json", Seizure("S-B", category: "kittens")));
        Assert.Equal(1, bad.Status);
        Assert.Contains("b.json", bad.Error);
        Assert.Contains("nothing was recorded", bad.Error);
        Assert.Empty(await RecordedAsync());

        var good = await Support.Cli.Run("record", "add", "--home", Home, "--kind", "seizure-report", "--json",
            "--file", Write("c.json", Seizure("S-C")), "--file", Write("d.json", Seizure("S-D")));
        Assert.True(good.Status == 0, good.Error);
        Assert.Equal(2, JsonDocument.Parse(good.Output).RootElement.GetArrayLength());
        Assert.Equal(["S-C", "S-D"], await RecordedAsync());
    }

    [Fact]
    public async Task Record_add_dash_records_one_per_line_of_standard_input()
    {
        Assert.Equal(0, (await Support.Cli.Run("node", "init", "--home", Home, "--code", "NL", "--name", "Douane Nederland")).Status);
        var start = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "Entente.Cli.dll"), "record", "add", "--home", Home, "--kind", "seizure-report", "--file", "-" })
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        foreach (var id in new[] { "S-1", "S-2", "S-3" }) await process.StandardInput.WriteLineAsync(Seizure(id));
        process.StandardInput.Close();
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.True(process.ExitCode == 0, error + output);
        Assert.Equal(3, output.Split('\n').Count(l => l.StartsWith("Recorded ", StringComparison.Ordinal)));
        Assert.Equal(["S-1", "S-2", "S-3"], await RecordedAsync());
    }
}
