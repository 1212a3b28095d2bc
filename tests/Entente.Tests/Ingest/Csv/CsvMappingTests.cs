using Entente.Declarations;
using Entente.Ingest;
using Entente.Ingest.Csv;
using Entente.Tests.Support;

namespace Entente.Tests.Ingest.Csv;

public class CsvMappingTests
{
    private static IngestError SingleProblem(string yaml)
    {
        var e = Assert.Throws<CsvMappingException>(() => CsvMapping.Parse(yaml, "bad.yaml"));
        return Assert.Single(e.Errors);
    }

    private static string WithField(string field) => $"""
        name: t
        fields:
          - {"{"} target: declaration.lrn, column: LRN {"}"}
        {field}
        """;

    [Fact]
    public void Loads_the_shipped_mappings()
    {
        foreach (var file in Directory.GetFiles(Path.Combine(SharedData.RepositoryRoot, "mappings"), "*.yaml"))
        {
            var mapping = CsvMapping.Load(file);
            Assert.Equal(Path.GetFileNameWithoutExtension(file), mapping.Name);
            Assert.Contains("Declaration ID", mapping.Columns);
        }
    }

    [Fact]
    public void Names_an_unknown_target_its_line_and_the_nearest_known_one()
    {
        var error = SingleProblem(WithField("  - { target: item.hscode, column: HS }"));

        Assert.Equal(("bad.yaml", 4L, "fields[1].target"), (error.File, error.Line, error.Path));
        Assert.Contains("unknown target 'item.hscode'", error.Message, StringComparison.Ordinal);
        Assert.Contains("did you mean 'item.hs-code'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Names_an_unknown_party_role()
    {
        var error = SingleProblem(WithField("  - { target: party.shipper.id, column: S }"));

        Assert.Contains("unknown party role 'shipper'", error.Message, StringComparison.Ordinal);
        Assert.Contains("consignor", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_a_field_with_both_a_column_and_a_value()
    {
        var error = SingleProblem(WithField("  - { target: item.currency, column: Cur, value: EUR }"));

        Assert.Equal(4, error.Line);
        Assert.Contains("both a column and a value", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_a_field_with_neither_a_column_nor_a_value()
    {
        var error = SingleProblem(WithField("  - { target: item.currency }"));

        Assert.Contains("needs a column", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_a_map_value_that_is_not_a_transport_mode_and_names_its_line()
    {
        var error = SingleProblem(WithField("""
              - target: transport.mode-at-border
                column: Mode
                map:
                  "10": 1
                  "40": air
            """));

        Assert.Equal(8, error.Line);
        Assert.Equal("fields[1].map.40", error.Path);
        Assert.Contains("UN/ECE Rec. 19", error.Message, StringComparison.Ordinal);
        Assert.Contains("'air'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_a_constant_that_does_not_fit_its_target()
    {
        var error = SingleProblem(WithField("  - { target: item.net-mass, value: heavy }"));

        Assert.Equal("fields[1].value", error.Path);
        Assert.Contains("expected a number", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_a_format_on_a_target_that_is_not_a_date()
    {
        var error = SingleProblem(WithField("  - { target: declaration.office, column: O, format: yyyy }"));

        Assert.Contains("format applies to date targets", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_an_unknown_commodity_code_scheme()
    {
        var error = SingleProblem(WithField("  - { target: item.hs-code, column: HS, scheme: HS7 }"));

        Assert.Contains("unknown commodity code scheme 'HS7'", error.Message, StringComparison.Ordinal);
        Assert.Contains("HSK", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Suggests_the_key_meant_by_a_misspelt_one()
    {
        var e = Assert.Throws<CsvMappingException>(() => CsvMapping.Parse(WithField("  - { target: item.description, colum: D }"), "bad.yaml"));

        var error = e.Errors[0];
        Assert.Equal("fields[1].colum", error.Path);
        Assert.Contains("did you mean 'column'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_a_target_mapped_twice()
    {
        var error = SingleProblem(WithField("  - { target: declaration.lrn, column: Other }"));

        Assert.Contains("already mapped at line 3", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_a_price_without_a_currency()
    {
        var error = SingleProblem(WithField("  - { target: item.price, column: P }"));

        Assert.Contains("needs item.currency", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_to_feed_a_label_column_into_the_declaration()
    {
        var error = SingleProblem("""
            name: t
            fields:
              - { target: declaration.lrn, column: LRN }
              - { target: national.fraud, column: Fraud }
            labels:
              fraud: Fraud
            """);

        Assert.Equal(4, error.Line);
        Assert.Contains("label column", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Asks_which_values_mean_critical_fraud()
    {
        var error = SingleProblem("""
            name: t
            fields:
              - { target: declaration.lrn, column: LRN }
            labels:
              fraud: Fraud
              critical-fraud: Critical
            """);

        Assert.Contains("critical-values", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reports_every_problem_of_a_mapping_at_once()
    {
        var e = Assert.Throws<CsvMappingException>(() => CsvMapping.Parse("""
            description: no name
            csv:
              separator: ";;"
              encoding: klingon-8
            fields:
              - { target: declaration.lrn }
              - { target: item.origin, column: O, value: FR }
            """, "bad.yaml"));

        Assert.Equal(["name", "csv.separator", "csv.encoding", "fields[0]", "fields[1]"], e.Errors.Select(x => x.Path));
        Assert.Equal([1L, 3, 4, 6, 7], e.Errors.Select(x => x.Line!.Value));
        Assert.Contains("5 problems", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reports_a_yaml_syntax_error_with_its_line()
    {
        var e = Assert.Throws<CsvMappingException>(() => CsvMapping.Parse("name: t\nfields: [a, b\n", "bad.yaml"));

        var error = Assert.Single(e.Errors);
        Assert.NotNull(error.Line);
        Assert.Equal(3, error.Line);
        Assert.StartsWith("not valid YAML", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_a_mapping_file_that_does_not_exist()
    {
        var e = Assert.Throws<CsvMappingException>(() => CsvMapping.Load("/nowhere/mapping.yaml"));

        Assert.Contains("does not exist", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Checks_a_header_against_the_mapping_before_reading()
    {
        var mapping = CsvMapping.Parse(CsvReaderTests.Mapping, "test.yaml");

        Assert.Empty(mapping.CheckHeader(CsvReaderTests.Header.Split(';')));
        var problem = Assert.Single(mapping.CheckHeader(CsvReaderTests.Header.Replace("Net", "net", StringComparison.Ordinal).Split(';'), "x.csv"));
        Assert.Equal("Net", problem.Path);
        Assert.Contains("names are case-sensitive", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reads_the_worked_example_of_the_documentation()
    {
        var samples = Path.Combine(SharedData.RepositoryRoot, "tests", "Entente.Tests", "Ingest", "Csv", "Samples");
        var reader = new CsvReader(CsvMapping.Load(Path.Combine(samples, "de-import-extract.yaml")));
        using var csv = File.OpenRead(Path.Combine(samples, "de-import-extract.csv"));

        var records = reader.Read(csv, "de-import-extract.csv").ToList();

        Assert.Equal(2, records.Count);
        Assert.All(records, r => Assert.Empty(r.Errors));
        Assert.All(records, r => Assert.Empty(Entente.Declarations.DeclarationValidator.Validate(r.Declaration!)));
        Assert.Equal([2, 1], records.Select(r => r.Declaration!.GoodsShipment.GoodsItems.Count));
        Assert.Equal(new InspectionLabels(true, 1, 412.80m), records[0].Labels);
        Assert.Equal("Smartphones; 20 units", records[1].Declaration!.GoodsShipment.GoodsItems[0].Description);
    }

    [Fact]
    public void Documents_every_target()
    {
        var documented = File.ReadAllText(Path.Combine(SharedData.RepositoryRoot, "docs", "formats", "csv-mapping.md"));

        Assert.All(CsvTargets.All.Keys.Where(t => !t.StartsWith("party.", StringComparison.Ordinal)), t => Assert.Contains($"`{t}`", documented, StringComparison.Ordinal));
        Assert.All(CsvTargets.Roles.Keys, r => Assert.Contains($"`{r}`", documented, StringComparison.Ordinal));
        foreach (var attribute in CsvTargets.All.Keys.Where(t => t.StartsWith("party.importer.", StringComparison.Ordinal)))
            Assert.Contains($"`{attribute["party.importer.".Length..]}`", documented, StringComparison.Ordinal);
    }
}
