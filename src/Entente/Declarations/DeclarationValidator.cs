using System.Globalization;
using System.Runtime.CompilerServices;
using Entente.CodeLists;

namespace Entente.Declarations;

/// <summary>A problem with one field of a canonical declaration: a JSON pointer and what was expected.</summary>
public sealed record ValidationProblem(string Path, string Message);

/// <summary>Checks a declaration against the code lists and identifier rules. Pure.</summary>
public static class DeclarationValidator
{
    public static List<ValidationProblem> Validate(Declaration declaration, CodeLists.CodeLists? lists = null)
    {
        lists ??= CodeLists.CodeLists.Default;
        var problems = new List<ValidationProblem>();
        // A good declaration, the common case, is checked without writing out a single pointer; one with problems is
        // checked again to say where they are.
        Check(declaration, new Checker(problems, lists, reporting: false));
        if (problems.Count == 0) return problems;
        problems.Clear();
        Check(declaration, new Checker(problems, lists, reporting: true));
        return problems;
    }

    private static void Check(Declaration declaration, Checker v)
    {
        if (string.IsNullOrWhiteSpace(declaration.Lrn) && string.IsNullOrWhiteSpace(declaration.Mrn))
            v.Add("/lrn", "a declaration needs a local reference number (LRN) or a movement reference number (MRN)");
        v.Length("/lrn", declaration.Lrn, 35);
        v.Length("/mrn", declaration.Mrn, 35);
        v.Length("/ucr", declaration.Ucr, 35);
        v.Length("/typeCode", declaration.TypeCode, 10);
        v.Date("/issueDateTime", declaration.IssueDateTime);
        v.Date("/acceptanceDateTime", declaration.AcceptanceDateTime);
        v.NonNegative("/goodsItemQuantity", declaration.GoodsItemQuantity);
        v.NonNegative("/totalPackageQuantity", declaration.TotalPackageQuantity);
        v.Amount("/invoiceAmount", declaration.InvoiceAmount);
        v.NonNegative("/totalGrossMassKg", declaration.TotalGrossMassKg);

        for (var i = 0; i < declaration.Parties.Count; i++)
            v.Party(v.Path($"/parties/{i}"), declaration.Parties[i]);
        for (var i = 0; i < declaration.PreviousDocuments.Count; i++)
            v.Length(v.Path($"/previousDocuments/{i}/id"), declaration.PreviousDocuments[i].Id, 70);
        for (var i = 0; i < declaration.AdditionalDocuments.Count; i++)
            v.Length(v.Path($"/additionalDocuments/{i}/id"), declaration.AdditionalDocuments[i].Id, 70);

        var shipment = declaration.GoodsShipment;
        v.Country("/goodsShipment/exportCountryCode", shipment.ExportCountryCode);
        v.Country("/goodsShipment/destinationCountryCode", shipment.DestinationCountryCode);
        v.Consignment("/goodsShipment/consignment", shipment.Consignment);

        var items = shipment.GoodsItems;
        if (items.Count == 0)
            v.Add("/goodsShipment/goodsItems", "a declaration has at least one goods item");
        var sequences = items.Count > 1 ? new HashSet<int>() : null;
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            var path = v.Path($"/goodsShipment/goodsItems/{i}");
            if (item.Sequence < 1)
                v.Add(v.Path($"{path}/sequence"), $"goods item numbers start at 1, got {item.Sequence}");
            else if (sequences is not null && !sequences.Add(item.Sequence))
                v.Add(v.Path($"{path}/sequence"), $"goods item number {item.Sequence} is used twice");
            v.GoodsItem(path, item);
        }
        if (declaration.GoodsItemQuantity is { } declared && items.Count > 0 && declared != items.Count)
            v.Add("/goodsItemQuantity", $"declares {declared} goods items but {items.Count} are present");
    }

    /// <summary>
    /// Writes a JSON pointer only when the checker reports where problems are: checking a good declaration formats none.
    /// </summary>
    [InterpolatedStringHandler]
    private ref struct PointerHandler
    {
        private DefaultInterpolatedStringHandler _text;
        private readonly bool _writing;

        public PointerHandler(int literalLength, int formattedCount, Checker checker, out bool shouldAppend)
        {
            _writing = shouldAppend = checker.Reporting;
            if (_writing) _text = new DefaultInterpolatedStringHandler(literalLength, formattedCount, CultureInfo.InvariantCulture);
        }

        public void AppendLiteral(string value) => _text.AppendLiteral(value);

        public void AppendFormatted(string? value) => _text.AppendFormatted(value);

        public void AppendFormatted(int value) => _text.AppendFormatted(value);

        public string ToStringAndClear() => _writing ? _text.ToStringAndClear() : "";
    }

    private readonly struct Checker(List<ValidationProblem> problems, CodeLists.CodeLists lists, bool reporting)
    {
        public bool Reporting => reporting;

        /// <summary>The pointer, written out when reporting; empty otherwise.</summary>
        public string Path([InterpolatedStringHandlerArgument("")] ref PointerHandler pointer) => pointer.ToStringAndClear();

        public void Add(string path, string message) => problems.Add(new(path, message));

        public void Length(string path, string? value, int max)
        {
            if (value is not null && value.Length > max)
                Add(path, $"at most {max} characters, got {value.Length}");
        }

        public void Country(string path, string? code)
        {
            if (code is null) return;
            if (!lists.IsCountry(code))
                Add(path, $"expected an ISO 3166-1 alpha-2 country code, got '{Clip(code)}'");
        }

        public void Currency(string path, string? code)
        {
            if (code is null) return;
            if (!lists.IsCurrency(code))
                Add(path, $"expected an ISO 4217 alpha-3 currency code, got '{Clip(code)}'");
        }

        public void NonNegative(string path, decimal? value)
        {
            if (value < 0) Add(path, $"must not be negative, got {value}");
        }

        public void NonNegative(string path, int? value)
        {
            if (value < 0) Add(path, $"must not be negative, got {value}");
        }

        public void Amount(string path, Amount? amount)
        {
            if (amount is null) return;
            NonNegative(Path($"{path}/value"), amount.Value);
            Currency(Path($"{path}/currency"), amount.Currency);
        }

        public void Date(string path, DateTimeOffset? value)
        {
            if (value is { } d && (d.Year < 1950 || d.Year > 2200))
                Add(path, $"expected a date between 1950 and 2200, got {d:yyyy-MM-dd}");
        }

        public void Party(string path, Party party)
        {
            // A representative may be named by its status alone (DMS: the declarant acts as the representative).
            if (party.Id is null && party.Name is null && !(party.Role == PartyRole.Representative && party.FunctionCode is not null))
                Add(path, $"the {party.Role} needs an identification number or a name");
            Length(Path($"{path}/id"), party.Id, 35);
            Length(Path($"{path}/name"), party.Name, 256);
            if (party.IdScheme == "EORI" && party.Id is { } eori && !IsEoriShaped(eori))
                Add(Path($"{path}/id"), $"an EORI is an ISO country code followed by up to 15 letters or digits, got '{Clip(eori)}'");
            if (party.Address is { } address)
            {
                Country(Path($"{path}/address/countryCode"), address.CountryCode);
                Length(Path($"{path}/address/line"), address.Line, 256);
            }
        }

        // XI is the EORI prefix of Northern Ireland traders under the Windsor Framework; it is not an ISO 3166 code.
        private bool IsEoriShaped(string eori) =>
            eori.Length is > 2 and <= 17 && (lists.IsCountry(eori[..2]) || eori.StartsWith("XI", StringComparison.Ordinal)) && eori.Skip(2).All(char.IsAsciiLetterOrDigit);

        public void Consignment(string path, Consignment consignment)
        {
            Mode(Path($"{path}/modeOfTransportAtBorder"), consignment.ModeOfTransportAtBorder);
            Mode(Path($"{path}/inlandModeOfTransport"), consignment.InlandModeOfTransport);
            Means(Path($"{path}/borderTransportMeans"), consignment.BorderTransportMeans);
            Means(Path($"{path}/arrivalTransportMeans"), consignment.ArrivalTransportMeans);
            for (var i = 0; i < consignment.ItineraryCountryCodes.Count; i++)
            {
                if (consignment.ItineraryCountryCodes[i] is var code && !lists.IsCountry(code))
                    Add(Path($"{path}/itineraryCountryCodes/{i}"), $"expected an ISO 3166-1 alpha-2 country code, got '{Clip(code)}'");
            }
            Locode(Path($"{path}/loadingLocation"), consignment.LoadingLocation);
            Locode(Path($"{path}/unloadingLocation"), consignment.UnloadingLocation);
            Country(Path($"{path}/departureCountryCode"), consignment.DepartureCountryCode);
            for (var i = 0; i < consignment.Containers.Count; i++)
            {
                var container = consignment.Containers[i];
                if (!CheckDigits.IsValidContainerNumber(container.Id, out var reason))
                    Add(Path($"{path}/containers/{i}/id"), $"{reason} ('{Clip(container.Id)}')");
                for (var s = 0; s < container.Seals.Count; s++)
                    Length(Path($"{path}/containers/{i}/seals/{s}"), container.Seals[s], 35);
            }
        }

        private void Mode(string path, int? mode)
        {
            if (mode is { } m && !lists.TransportModes.ContainsKey(m))
                Add(path, $"expected a UN/ECE Rec. 19 transport mode (0-9), got {m}");
        }

        private void Means(string path, TransportMeans? means)
        {
            if (means is null) return;
            Country(Path($"{path}/nationalityCode"), means.NationalityCode);
            Mode(Path($"{path}/modeCode"), means.ModeCode);
            // DMS identification type 10 is an IMO ship identification number.
            if (means.IdentificationTypeCode == "10" && means.Id is { } imo && !CheckDigits.IsValidImoNumber(imo, out var reason))
                Add(Path($"{path}/id"), $"{reason} ('{Clip(imo)}')");
        }

        private void Locode(string path, string? code)
        {
            if (code is not null && !CheckDigits.IsValidLocode(code, lists, out var reason))
                Add(path, $"{reason}, got '{Clip(code)}'");
        }

        public void GoodsItem(string path, GoodsItem item)
        {
            Length(Path($"{path}/description"), item.Description, 512);
            if (item.Classification is null)
                Add(Path($"{path}/classification"), "a goods item needs a commodity code");
            else
                Classification(Path($"{path}/classification"), item.Classification);
            Country(Path($"{path}/originCountryCode"), item.OriginCountryCode);
            Amount(Path($"{path}/itemPrice"), item.ItemPrice);
            Amount(Path($"{path}/customsValue"), item.CustomsValue);
            NonNegative(Path($"{path}/netMassKg"), item.NetMassKg);
            NonNegative(Path($"{path}/grossMassKg"), item.GrossMassKg);
            if (item.NetMassKg is { } net && item.GrossMassKg is { } gross && net > gross)
                Add(Path($"{path}/netMassKg"), $"net mass {net} kg exceeds gross mass {gross} kg");
            if (item.SupplementaryQuantity is { } q) NonNegative(Path($"{path}/supplementaryQuantity/value"), q.Value);
            for (var i = 0; i < item.Packages.Count; i++)
            {
                var p = item.Packages[i];
                NonNegative(Path($"{path}/packages/{i}/quantity"), p.Quantity);
                if (p.TypeCode is { } t && (t.Length != 2 || !t.All(char.IsAsciiLetterOrDigit)))
                    Add(Path($"{path}/packages/{i}/typeCode"), $"expected a 2-character UN/ECE Rec. 21 package type, got '{Clip(t)}'");
            }
            for (var i = 0; i < item.DutyTaxFees.Count; i++)
            {
                var d = item.DutyTaxFees[i];
                NonNegative(Path($"{path}/dutyTaxFees/{i}/ratePercent"), d.RatePercent);
                Amount(Path($"{path}/dutyTaxFees/{i}/taxBase"), d.TaxBase);
                Amount(Path($"{path}/dutyTaxFees/{i}/payable"), d.Payable);
            }
            for (var i = 0; i < item.AdditionalClassifications.Count; i++)
            {
                if (item.AdditionalClassifications[i].Code.Length is 0 or > 18)
                    Add(Path($"{path}/additionalClassifications/{i}/code"), "expected 1 to 18 characters");
            }
        }

        private void Classification(string path, Classification c)
        {
            if (!lists.ClassificationSchemes.TryGetValue(c.Scheme, out var scheme))
            {
                Add(Path($"{path}/scheme"), $"unknown commodity code scheme '{Clip(c.Scheme)}'; expected one of {string.Join(", ", lists.ClassificationSchemes.Keys.Order(StringComparer.Ordinal))}");
                return;
            }
            if (c.Code.Length == 0 || c.Code.AsSpan().ContainsAnyExceptInRange('0', '9'))
            {
                Add(Path($"{path}/code"), $"a {scheme.Name} code is made of digits only, got '{Clip(c.Code)}'");
                return;
            }
            if (!scheme.Digits.Contains(c.Code.Length))
            {
                Add(Path($"{path}/code"), $"a {scheme.Name} code has {string.Join(" or ", scheme.Digits)} digits, got {c.Code.Length} ('{Clip(c.Code)}')");
                return;
            }
            var chapter = c.Code[..2];
            if (chapter == "77")
                Add(Path($"{path}/code"), "HS chapter 77 is reserved for future use");
            else if (!lists.HsChapters.ContainsKey(chapter))
                Add(Path($"{path}/code"), $"HS chapters run from 01 to 97; '{chapter}' is not one");
        }

        private static string Clip(string value) => value.Length <= 40 ? value : value[..40] + "…";
    }
}
