using Entente.CodeLists;
using Entente.Declarations;
using Entente.Ingest;

namespace Entente.Tools.Generation;

/// <summary>
/// Makes realistic import declarations for demos, tests and benchmarks when no national data is at hand:
/// a stable population of traders, commodity codes with their typical origins, values and masses, sea and
/// air routes with valid container, IMO and UN/LOCODE identifiers, and inspection labels drawn from
/// patterns a targeting analyst would recognise (under-valuation, risky origin for the goods, new traders).
/// Deterministic for a seed.
/// </summary>
public sealed class DeclarationGenerator
{
    private sealed record Goods(string Hs, string Description, string[] Origins, decimal KgPrice, decimal TaxRate);

    private sealed record Route(string Loading, string Unloading, int Mode, string[] Itinerary);

    private static readonly Goods[] Catalogue =
    [
        new("851712", "Smartphones", ["CN", "VN", "KR", "IN"], 180m, 0m),
        new("847130", "Portable laptop computers", ["CN", "TW", "VN"], 95m, 0m),
        new("610910", "T-shirts of cotton, knitted", ["BD", "CN", "TR", "VN", "IN"], 14m, 12m),
        new("640399", "Footwear with leather uppers", ["VN", "CN", "IT", "ID"], 28m, 8m),
        new("240220", "Cigarettes containing tobacco", ["AE", "CN", "BY", "ID"], 45m, 57.6m),
        new("220421", "Wine of fresh grapes, in containers of 2 l or less", ["FR", "IT", "ES", "CL", "AU"], 6m, 15m),
        new("300490", "Medicaments, packaged for retail sale", ["IN", "DE", "CH", "US"], 120m, 0m),
        new("870323", "Motor cars, spark-ignition, 1500-3000 cc", ["DE", "JP", "US", "KR"], 14m, 10m),
        new("940161", "Upholstered seats with wooden frames", ["CN", "VN", "PL", "IT"], 9m, 0m),
        new("392690", "Other articles of plastics", ["CN", "TH", "MY"], 7m, 6.5m),
        new("080810", "Fresh apples", ["NZ", "CL", "US", "ZA"], 1.1m, 9m),
        new("090111", "Coffee, not roasted, not decaffeinated", ["BR", "CO", "VN", "ET"], 4m, 0m),
        new("710813", "Gold, semi-manufactured forms", ["AE", "CH", "TR"], 58000m, 0m),
        new("950300", "Toys; scale models; puzzles", ["CN", "VN"], 11m, 4.7m),
        new("420221", "Handbags with outer surface of leather", ["IT", "FR", "CN"], 160m, 3m),
        new("300220", "Vaccines for human medicine", ["BE", "US", "IN"], 900m, 0m),
        new("271019", "Medium oils and preparations (gas oil)", ["NL", "US", "SA"], 0.7m, 3.5m),
        new("030617", "Frozen shrimps and prawns", ["VN", "IN", "EC", "TH"], 8m, 12m),
        new("850760", "Lithium-ion accumulators", ["CN", "KR", "JP"], 22m, 2.7m),
        new("901890", "Medical instruments and appliances", ["US", "DE", "CN", "JP"], 140m, 0m),
    ];

    private static readonly Route[] Routes =
    [
        new("CNSHA", "NLRTM", 1, ["CN", "SG", "EG", "NL"]),
        new("CNNGB", "DEHAM", 1, ["CN", "MY", "EG", "DE"]),
        new("VNSGN", "BEANR", 1, ["VN", "SG", "BE"]),
        new("KRPUS", "USLGB", 1, ["KR", "US"]),
        new("INNSA", "GBFXT", 1, ["IN", "AE", "GB"]),
        new("AEJEA", "NLRTM", 1, ["AE", "EG", "NL"]),
        new("BRSSZ", "ESVLC", 1, ["BR", "ES"]),
        new("CNPVG", "NLAMS", 4, ["CN", "NL"]),
        new("HKHKG", "DEFRA", 4, ["HK", "DE"]),
        new("TRIST", "DEMUC", 3, ["TR", "BG", "RS", "HU", "AT", "DE"]),
    ];

    private static readonly string[] Currencies = ["USD", "EUR", "CNY", "GBP", "KRW", "JPY"];
    private static readonly string[] PackageTypes = ["CT", "PK", "BX", "PL", "BG", "CS"];
    private static readonly string[] CarrierPrefixes = ["MSCU", "MAEU", "CMAU", "HLXU", "OOLU", "TGHU", "CSQU"];
    private static readonly string[] TraderWords = ["Global", "Pacific", "Nordic", "Atlas", "Meridian", "Harbour", "Orient", "Summit", "Delta", "Crown", "Union", "Silver"];
    private static readonly string[] TraderKinds = ["Trading", "Logistics", "Imports", "Commerce", "Supply", "Industries"];
    private static readonly string[] RiskyOrigins = ["AE", "BY", "ID"];

    private readonly Random random;
    private readonly string importingCountry;
    private readonly string referencePrefix;
    private readonly DateOnly firstDay;
    private readonly int days;
    private readonly (string Id, string Name, string Country)[] importers;
    private readonly (string Id, string Name, string Country)[] exporters;
    private readonly string[] declarants;
    private readonly HashSet<int> riskyImporters;
    private long counter;

    /// <param name="referencePrefix">Starts every LRN (default: the importing country), so two generators never collide.</param>
    public DeclarationGenerator(int seed, string importingCountry = "GB", DateOnly? firstDay = null, int days = 365, int traders = 400, string? referencePrefix = null)
    {
        random = new Random(seed);
        this.importingCountry = importingCountry;
        this.referencePrefix = referencePrefix ?? importingCountry;
        this.firstDay = firstDay ?? new DateOnly(2026, 1, 1);
        this.days = days;
        importers = Enumerable.Range(0, traders).Select(i => (Eori(importingCountry), TraderName(), importingCountry)).ToArray();
        exporters = Enumerable.Range(0, traders).Select(i =>
        {
            var country = Catalogue[random.Next(Catalogue.Length)].Origins[0];
            return ($"{country}{random.Next(10_000_000, 99_999_999)}", TraderName(), country);
        }).ToArray();
        declarants = Enumerable.Range(0, Math.Max(4, traders / 20)).Select(_ => Eori(importingCountry)).ToArray();
        riskyImporters = Enumerable.Range(0, traders / 25).Select(_ => random.Next(traders)).ToHashSet();
    }

    public IEnumerable<SourceRecord> Generate(long count, string file = "generated")
    {
        for (long i = 0; i < count; i++)
        {
            var declaration = Next(out var labels);
            yield return new SourceRecord { File = file, Line = i + 1, RecordPath = $"/{i}", Declaration = declaration, Labels = labels };
        }
    }

    public Declaration Next(out InspectionLabels labels)
    {
        var n = ++counter;
        var day = firstDay.AddDays(random.Next(days));
        var route = Routes[random.Next(Routes.Length)];
        var importerIndex = Skewed(importers.Length);
        var importer = importers[importerIndex];
        var currency = Currencies[random.Next(Currencies.Length)];
        var declarant = declarants[random.Next(declarants.Length)];
        var itemCount = random.NextDouble() < 0.7 ? 1 : random.Next(2, 6);
        var fraudScore = riskyImporters.Contains(importerIndex) ? 0.25 : 0.0;

        var declaration = new Declaration
        {
            FunctionCode = "9",
            Lrn = $"{referencePrefix}{day:yyMMdd}-{n:D8}",
            TypeCode = "IMA",
            IssueDateTime = new DateTimeOffset(day.ToDateTime(new TimeOnly(random.Next(6, 20), random.Next(60))), TimeSpan.Zero),
            DeclarationOfficeId = $"{importingCountry}{random.Next(100, 120):D6}",
            Ucr = $"{day.Year % 10}{importer.Id}-{n}",
            Parties =
            [
                new Party { Role = PartyRole.Importer, Id = importer.Id, IdScheme = "EORI", Name = importer.Name, Address = new Address { CountryCode = importer.Country, CityName = "London", Line = $"{random.Next(1, 300)} Dock Road" } },
                new Party { Role = PartyRole.Declarant, Id = declarant, IdScheme = "EORI" },
            ],
        };
        var exporter = exporters[random.Next(exporters.Length)];
        declaration.Parties.Add(new Party { Role = PartyRole.Exporter, Id = exporter.Id, Name = exporter.Name, Address = new Address { CountryCode = exporter.Country } });

        var shipment = declaration.GoodsShipment;
        shipment.ExportCountryCode = route.Itinerary[0];
        shipment.DestinationCountryCode = importingCountry;
        shipment.TransactionNatureCode = "1";
        var consignment = shipment.Consignment;
        consignment.ModeOfTransportAtBorder = route.Mode;
        consignment.LoadingLocation = route.Loading;
        consignment.UnloadingLocation = route.Unloading;
        consignment.DepartureCountryCode = route.Itinerary[0];
        consignment.ItineraryCountryCodes = [.. route.Itinerary];
        if (route.Mode == 1)
        {
            consignment.Containerised = true;
            consignment.BorderTransportMeans = new TransportMeans { Id = ImoNumber(), IdentificationTypeCode = "10", NationalityCode = "PA", ModeCode = 1 };
            var containers = random.Next(1, 4);
            for (var c = 0; c < containers; c++)
                consignment.Containers.Add(new Container { Sequence = c + 1, Id = ContainerNumber(), Seals = [$"SL{random.Next(1_000_000, 9_999_999)}"] });
        }
        else
        {
            consignment.Containerised = false;
            consignment.BorderTransportMeans = new TransportMeans { Id = route.Mode == 4 ? $"CA{random.Next(100, 999)}" : $"34ABC{random.Next(100, 999)}", ModeCode = route.Mode, NationalityCode = route.Itinerary[0] };
        }

        decimal gross = 0;
        var fraud = false;
        var critical = false;
        for (var i = 0; i < itemCount; i++)
        {
            var goods = Catalogue[random.Next(Catalogue.Length)];
            var origin = goods.Origins[Skewed(goods.Origins.Length)];
            var net = Math.Round((decimal)(random.NextDouble() * 4000 + 20), 1);
            var kgPrice = goods.KgPrice * (decimal)(0.7 + random.NextDouble() * 0.6);
            var risk = fraudScore + (RiskyOrigins.Contains(origin) ? 0.2 : 0) + (goods.TaxRate > 10 ? 0.1 : 0);
            var undervalued = random.NextDouble() < risk;
            if (undervalued) kgPrice *= 0.25m;
            var value = Math.Round(net * kgPrice, 2);
            fraud |= undervalued || random.NextDouble() < 0.03;
            critical |= undervalued && (goods.Hs.StartsWith("2402", StringComparison.Ordinal) || goods.Hs.StartsWith("7108", StringComparison.Ordinal));
            var itemGross = Math.Round(net * 1.08m, 1);
            gross += itemGross;
            shipment.GoodsItems.Add(new GoodsItem
            {
                Sequence = i + 1,
                Description = goods.Description,
                Classification = new Classification("HS", "2022", goods.Hs),
                OriginCountryCode = origin,
                OriginTypeCode = "1",
                NetMassKg = net,
                GrossMassKg = itemGross,
                ItemPrice = new Amount(value, currency),
                CustomsValue = new Amount(value, currency),
                RequestedProcedureCode = "40",
                PreviousProcedureCode = "00",
                ValuationMethodCode = "1",
                Packages = [new Packaging { Sequence = 1, TypeCode = PackageTypes[random.Next(PackageTypes.Length)], Quantity = random.Next(1, 400), Marks = $"M{n}-{i + 1}" }],
                DutyTaxFees = [new DutyTaxFee { TypeCode = "A00", RatePercent = goods.TaxRate, TaxBase = new Amount(value, currency), DutyRegimeCode = "100", PaymentMethodCode = "E" }],
            });
        }
        declaration.GoodsItemQuantity = itemCount;
        declaration.TotalGrossMassKg = gross;
        declaration.TotalPackageQuantity = shipment.GoodsItems.Sum(g => g.Packages.Sum(p => p.Quantity ?? 0));
        labels = new InspectionLabels(fraud, critical ? 2 : fraud ? 1 : 0, null);
        return declaration;
    }

    private int Skewed(int length) => Math.Min(length - 1, (int)(length * random.NextDouble() * random.NextDouble()));

    private string Eori(string country) => $"{country}{random.Next(100_000_000, 999_999_999)}{random.Next(100, 999)}";

    private string TraderName() => $"{TraderWords[random.Next(TraderWords.Length)]} {TraderWords[random.Next(TraderWords.Length)]} {TraderKinds[random.Next(TraderKinds.Length)]} Ltd";

    private string ContainerNumber()
    {
        var first = $"{CarrierPrefixes[random.Next(CarrierPrefixes.Length)]}{random.Next(0, 1_000_000):D6}";
        return first + CheckDigits.ContainerCheckDigit(first).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private string ImoNumber()
    {
        var six = random.Next(900_000, 999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var sum = 0;
        for (var i = 0; i < 6; i++) sum += (six[i] - '0') * (7 - i);
        return six + (sum % 10).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
