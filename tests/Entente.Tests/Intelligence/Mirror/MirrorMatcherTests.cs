using Entente.Declarations;
using Entente.Intelligence.Mirror;

namespace Entente.Tests.Intelligence.Mirror;

/// <summary>The pure mirror matcher: every match key, the date window, one import per export, and each discrepancy with its tolerance.</summary>
public sealed class MirrorMatcherTests
{
    private static readonly DateTimeOffset Day = new(2025, 3, 1, 10, 0, 0, TimeSpan.Zero);

    internal static Declaration Consignment(string? mrn = null, string? ucr = null, string? container = null, string? billOfLading = null, string? citedMrn = null,
        decimal value = 10_000m, string currency = "USD", decimal mass = 1_000m, int packages = 40, string hs = "851712", string origin = "KR", int day = 0, string type = "IM")
    {
        var declaration = new Declaration
        {
            TypeCode = type,
            Mrn = mrn,
            Ucr = ucr,
            AcceptanceDateTime = Day.AddDays(day),
            TotalGrossMassKg = mass,
            TotalPackageQuantity = packages,
        };
        if (container is not null) declaration.GoodsShipment.Consignment.Containers.Add(new Container { Id = container });
        if (billOfLading is not null) declaration.PreviousDocuments.Add(new Document { CategoryCode = "N", TypeCode = "N705", Id = billOfLading });
        if (citedMrn is not null) declaration.PreviousDocuments.Add(new Document { CategoryCode = "Z", TypeCode = "830", Id = citedMrn });
        declaration.GoodsShipment.GoodsItems.Add(new GoodsItem
        {
            Sequence = 1,
            Classification = new Classification("HS", "2022", hs),
            OriginCountryCode = origin,
            CustomsValue = new Amount(value, currency),
            GrossMassKg = mass,
        });
        return declaration;
    }

    private static MirrorConsignment Facts(string id, Declaration d) => MirrorConsignment.Of(id, d);

    [Fact]
    public void Each_key_pairs_its_consignment_and_the_cited_export_mrn_comes_first()
    {
        var exports = new[]
        {
            Facts("e-mrn", Consignment(mrn: "25KR000000000001X1", type: "EX")),
            Facts("e-ucr", Consignment(ucr: "5KR123456789-UCR1", type: "EX")),
            Facts("e-bl", Consignment(billOfLading: "HDMU-BL-0042", type: "EX")),
            Facts("e-box", Consignment(container: "MSCU1234565", type: "EX")),
        };
        var imports = new[]
        {
            Facts("i-box", Consignment(container: "mscu 1234565", day: 20)),
            Facts("i-bl", Consignment(billOfLading: "HDMUBL0042", day: 20)),
            Facts("i-ucr", Consignment(ucr: "5kr123456789ucr1", container: "MSCU1234565", day: 20)),
            Facts("i-mrn", Consignment(citedMrn: "25KR000000000001X1", ucr: "5KR123456789-UCR1", day: 20)),
            Facts("i-none", Consignment(container: "TGHU0000001", day: 20)),
        };
        var pairs = MirrorMatcher.Match(exports, imports, new MirrorTolerances());
        var byImport = pairs.ToDictionary(p => imports[p.Import].Id, p => (exports[p.Export].Id, p.Key));
        Assert.Equal(("e-box", MatchKey.Container), byImport["i-box"]);
        Assert.Equal(("e-bl", MatchKey.TransportDocument), byImport["i-bl"]);
        // The UCR import also carries the container, already taken: it pairs by its UCR... which the MRN import cites too, but the UCR comes first here.
        Assert.Equal(("e-ucr", MatchKey.Ucr), byImport["i-ucr"]);
        Assert.Equal(("e-mrn", MatchKey.ExportMrn), byImport["i-mrn"]);
        Assert.False(byImport.ContainsKey("i-none"));
        Assert.Equal(4, pairs.Count);
    }

    [Fact]
    public void A_container_pairs_only_inside_the_date_window_and_the_nearest_export_wins()
    {
        var exports = new[]
        {
            Facts("early", Consignment(container: "MSCU1234565", day: -200, type: "EX")),
            Facts("near", Consignment(container: "MSCU1234565", day: 0, type: "EX")),
            Facts("later", Consignment(container: "MSCU1234565", day: 15, type: "EX")),
        };
        var pair = Assert.Single(MirrorMatcher.Match(exports, [Facts("i", Consignment(container: "MSCU1234565", day: 25))], new MirrorTolerances()));
        Assert.Equal("later", exports[pair.Export].Id);
        Assert.Empty(MirrorMatcher.Match([exports[0]], [Facts("i", Consignment(container: "MSCU1234565", day: 25))], new MirrorTolerances()));
        Assert.Empty(MirrorMatcher.Match([exports[1]], [Facts("i", Consignment(container: "MSCU1234565", day: 25))], new MirrorTolerances { WindowDays = 10 }));
        // An import lodged long before the export is not its mirror.
        Assert.Empty(MirrorMatcher.Match([exports[2]], [Facts("i", Consignment(container: "MSCU1234565", day: 5))], new MirrorTolerances()));
    }

    [Fact]
    public void A_reused_container_never_takes_an_export_that_a_later_import_names_by_an_exact_identifier()
    {
        // The container was reused: the export named by MRN, UCR or bill of lading carried it too, nearer in date to the
        // container-only import than that import's own export. Listed first, the container import must still leave it.
        var exports = new[]
        {
            Facts("e-box", Consignment(container: "MSCU1234565", day: 0, type: "EX")),
            Facts("e-mrn", Consignment(mrn: "25KR000000000001X1", container: "MSCU1234565", day: 15, type: "EX")),
            Facts("e-ucr", Consignment(ucr: "5KR123456789-UCR1", container: "MSCU1234565", day: 16, type: "EX")),
            Facts("e-bl", Consignment(billOfLading: "HDMU-BL-0042", container: "MSCU1234565", day: 17, type: "EX")),
        };
        var imports = new[]
        {
            Facts("i-box", Consignment(container: "MSCU1234565", day: 20)),
            Facts("i-mrn", Consignment(citedMrn: "25KR000000000001X1", day: 25)),
            Facts("i-ucr", Consignment(ucr: "5KR123456789UCR1", day: 25)),
            Facts("i-bl", Consignment(billOfLading: "HDMUBL0042", day: 25)),
        };
        var pairs = MirrorMatcher.Match(exports, imports, new MirrorTolerances());
        var byImport = pairs.ToDictionary(p => imports[p.Import].Id, p => (exports[p.Export].Id, p.Key));
        Assert.Equal(("e-mrn", MatchKey.ExportMrn), byImport["i-mrn"]);
        Assert.Equal(("e-ucr", MatchKey.Ucr), byImport["i-ucr"]);
        Assert.Equal(("e-bl", MatchKey.TransportDocument), byImport["i-bl"]);
        Assert.Equal(("e-box", MatchKey.Container), byImport["i-box"]);
        Assert.Equal(4, pairs.Count);
    }

    [Fact]
    public void Undervaluation_mass_packages_hs6_and_origin_are_reported_beyond_their_tolerances()
    {
        var export = Facts("e", Consignment(value: 48_000m, mass: 1_000m, packages: 40, hs: "85171300", origin: "KR", type: "EX"));
        var import = Facts("i", Consignment(value: 12_000m, mass: 1_200m, packages: 38, hs: "851762", origin: "CN"));
        var found = MirrorMatcher.Compare(export, import, new MirrorTolerances());
        Assert.Equal([FindingCodes.MirrorUndervaluation, FindingCodes.MirrorMass, FindingCodes.MirrorQuantity, FindingCodes.MirrorHs6, FindingCodes.MirrorOrigin],
            found.Select(f => f.Code));
        Assert.Equal("declared 12000 USD, the partner's export declaration states 48000 USD (-75%)", found[0].Message);
        Assert.Equal((48_000m, 12_000m), (found[0].Export, found[0].Import));
        Assert.Contains("851762", found[3].Message, StringComparison.Ordinal);

        var same = Facts("i2", Consignment(value: 45_000m, mass: 1_030m, packages: 40, hs: "851713", origin: "KR"));
        Assert.Empty(MirrorMatcher.Compare(export, same, new MirrorTolerances()));
        // Amounts in different currencies are not compared (no exchange rate is assumed).
        Assert.Empty(MirrorMatcher.Compare(export, Facts("i3", Consignment(value: 1_000m, currency: "EUR", mass: 1_000m, hs: "851713")), new MirrorTolerances()));
    }
}
