namespace Entente.Tests.Intelligence.Seizures;

/// <summary>The seizure and analytics commands as an operator runs them: bad input refused with the field, the plot written.</summary>
public sealed class SeizureCommandsTests
{
    [Fact]
    public async Task A_bad_seizure_file_is_refused_with_each_field_and_nothing_recorded_then_the_import_and_the_plot_work()
    {
        var folder = Directory.CreateTempSubdirectory("entente-seizure-cli-").FullName;
        try
        {
            var home = Path.Combine(folder, "nl");
            Assert.Equal(0, (await Entente.Tests.Support.Cli.Run("node", "init", "--home", home, "--code", "NL", "--name", "Douane")).Status);
            var bad = Path.Combine(folder, "bad.json");
            await File.WriteAllTextAsync(bad, """{"seizure":{"id":"S-9","seizedAt":"2026-09-01T00:00:00Z","category":"drugs","quantity":{"amount":-1,"unit":"KGM"},"route":{"departureCountryCode":"ZZ"}}}""");
            var (status, _, error) = await Entente.Tests.Support.Cli.Run("seizure", "add", bad, "--home", home);
            Assert.Equal(1, status);
            Assert.Contains("bad.json: /seizure/quantity/amount: a quantity cannot be negative", error, StringComparison.Ordinal);
            Assert.Contains("/seizure/route/departureCountryCode: 'ZZ' is not an ISO 3166-1 alpha-2 country code", error, StringComparison.Ordinal);
            Assert.Contains("nothing was recorded", error, StringComparison.Ordinal);

            var mapping = Path.Combine(folder, "national.yaml");
            var csv = Path.Combine(folder, "seizures.csv");
            await File.WriteAllTextAsync(mapping, SeizureStoreTests.Mapping);
            await File.WriteAllTextAsync(csv, SeizureStoreTests.Good);
            var imported = await Entente.Tests.Support.Cli.Run("seizure", "import", csv, "--mapping", mapping, "--home", home);
            Assert.True(imported.Status == 0, imported.Error);
            Assert.Contains("Recorded 3 seizure(s)", imported.Output, StringComparison.Ordinal);
            var listed = await Entente.Tests.Support.Cli.Run("seizure", "list", "--home", home);
            Assert.Contains("NL-1 NL drugs/cocaine 120 KGM EC→NL reefer-unit scanner", listed.Output, StringComparison.Ordinal);

            var png = Path.Combine(folder, "trend.png");
            var trends = await Entente.Tests.Support.Cli.Run("analytics", "trends", "--by", "commodity", "--plot", png, "--home", home);
            Assert.True(trends.Status == 0, trends.Error);
            Assert.Contains($"plot: {png}", trends.Output, StringComparison.Ordinal);
            Assert.True(new FileInfo(png).Length > 5_000);
            var wrong = await Entente.Tests.Support.Cli.Run("analytics", "trends", "--plot", Path.Combine(folder, "trend.pdf"), "--home", home);
            Assert.Equal(2, wrong.Status);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
