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
        var v = new Checker(problems, lists);

        if (string.IsNullOrWhiteSpace(declaration.Lrn) && string.IsNullOrWhiteSpace(declaration.Mrn))
            problems.Add(new("/lrn", "a declaration needs a local reference number (LRN) or a movement reference number (MRN)"));
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
            v.Party($"/parties/{i}", declaration.Parties[i]);
        for (var i = 0; i < declaration.PreviousDocuments.Count; i++)
            v.Length($"/previousDocuments/{i}/id", declaration.PreviousDocuments[i].Id, 70);
        for (var i = 0; i < declaration.AdditionalDocuments.Count; i++)
            v.Length($"/additionalDocuments/{i}/id", declaration.AdditionalDocuments[i].Id, 70);

        var shipment = declaration.GoodsShipment;
        v.Country("/goodsShipment/exportCountryCode", shipment.ExportCountryCode);
        v.Country("/goodsShipment/destinationCountryCode", shipment.DestinationCountryCode);
        v.Consignment("/goodsShipment/consignment", shipment.Consignment);

        if (shipment.GoodsItems.Count == 0)
            problems.Add(new("/goodsShipment/goodsItems", "a declaration has at least one goods item"));
        var sequences = new HashSet<int>();
        for (var i = 0; i < shipment.GoodsItems.Count; i++)
        {
            var item = shipment.GoodsItems[i];
            var path = $"/goodsShipment/goodsItems/{i}";
            if (item.Sequence < 1)
                problems.Add(new($"{path}/sequence", $"goods item numbers start at 1, got {item.Sequence}"));
            else if (!sequences.Add(item.Sequence))
                problems.Add(new($"{path}/sequence", $"goods item number {item.Sequence} is used twice"));
            v.GoodsItem(path, item);
        }
        if (declaration.GoodsItemQuantity is { } declared && shipment.GoodsItems.Count > 0 && declared != shipment.GoodsItems.Count)
            problems.Add(new("/goodsItemQuantity", $"declares {declared} goods items but {shipment.GoodsItems.Count} are present"));
        return problems;
    }

    private readonly struct Checker(List<ValidationProblem> problems, CodeLists.CodeLists lists)
    {
        public void Length(string path, string? value, int max)
        {
            if (value is not null && value.Length > max)
                problems.Add(new(path, $"at most {max} characters, got {value.Length}"));
        }

        public void Country(string path, string? code)
        {
            if (code is null) return;
            if (!lists.IsCountry(code))
                problems.Add(new(path, $"expected an ISO 3166-1 alpha-2 country code, got '{Clip(code)}'"));
        }

        public void Currency(string path, string? code)
        {
            if (code is null) return;
            if (!lists.IsCurrency(code))
                problems.Add(new(path, $"expected an ISO 4217 alpha-3 currency code, got '{Clip(code)}'"));
        }

        public void NonNegative(string path, decimal? value)
        {
            if (value < 0) problems.Add(new(path, $"must not be negative, got {value}"));
        }

        public void NonNegative(string path, int? value)
        {
            if (value < 0) problems.Add(new(path, $"must not be negative, got {value}"));
        }

        public void Amount(string path, Amount? amount)
        {
            if (amount is null) return;
            NonNegative($"{path}/value", amount.Value);
            Currency($"{path}/currency", amount.Currency);
        }

        public void Date(string path, DateTimeOffset? value)
        {
            if (value is { } d && (d.Year < 1950 || d.Year > 2200))
                problems.Add(new(path, $"expected a date between 1950 and 2200, got {d:yyyy-MM-dd}"));
        }

        public void Party(string path, Party party)
        {
            // A representative may be named by its status alone (DMS: the declarant acts as the representative).
            if (party.Id is null && party.Name is null && !(party.Role == PartyRole.Representative && party.FunctionCode is not null))
                problems.Add(new(path, $"the {party.Role} needs an identification number or a name"));
            Length($"{path}/id", party.Id, 35);
            Length($"{path}/name", party.Name, 256);
            if (party.IdScheme == "EORI" && party.Id is { } eori && !IsEoriShaped(eori))
                problems.Add(new($"{path}/id", $"an EORI is an ISO country code followed by up to 15 letters or digits, got '{Clip(eori)}'"));
            if (party.Address is { } address)
            {
                Country($"{path}/address/countryCode", address.CountryCode);
                Length($"{path}/address/line", address.Line, 256);
            }
        }

        // XI is the EORI prefix of Northern Ireland traders under the Windsor Framework; it is not an ISO 3166 code.
        private bool IsEoriShaped(string eori) =>
            eori.Length is > 2 and <= 17 && (lists.IsCountry(eori[..2]) || eori.StartsWith("XI", StringComparison.Ordinal)) && eori.Skip(2).All(char.IsAsciiLetterOrDigit);

        public void Consignment(string path, Consignment consignment)
        {
            Mode($"{path}/modeOfTransportAtBorder", consignment.ModeOfTransportAtBorder);
            Mode($"{path}/inlandModeOfTransport", consignment.InlandModeOfTransport);
            Means($"{path}/borderTransportMeans", consignment.BorderTransportMeans);
            Means($"{path}/arrivalTransportMeans", consignment.ArrivalTransportMeans);
            for (var i = 0; i < consignment.ItineraryCountryCodes.Count; i++)
            {
                if (consignment.ItineraryCountryCodes[i] is var code && !lists.IsCountry(code))
                    problems.Add(new($"{path}/itineraryCountryCodes/{i}", $"expected an ISO 3166-1 alpha-2 country code, got '{Clip(code)}'"));
            }
            Locode($"{path}/loadingLocation", consignment.LoadingLocation);
            Locode($"{path}/unloadingLocation", consignment.UnloadingLocation);
            Country($"{path}/departureCountryCode", consignment.DepartureCountryCode);
            for (var i = 0; i < consignment.Containers.Count; i++)
            {
                var container = consignment.Containers[i];
                if (!CheckDigits.IsValidContainerNumber(container.Id, out var reason))
                    problems.Add(new($"{path}/containers/{i}/id", $"{reason} ('{Clip(container.Id)}')"));
                for (var s = 0; s < container.Seals.Count; s++)
                    Length($"{path}/containers/{i}/seals/{s}", container.Seals[s], 35);
            }
        }

        private void Mode(string path, int? mode)
        {
            if (mode is { } m && !lists.TransportModes.ContainsKey(m))
                problems.Add(new(path, $"expected a UN/ECE Rec. 19 transport mode (0-9), got {m}"));
        }

        private void Means(string path, TransportMeans? means)
        {
            if (means is null) return;
            Country($"{path}/nationalityCode", means.NationalityCode);
            Mode($"{path}/modeCode", means.ModeCode);
            // DMS identification type 10 is an IMO ship identification number.
            if (means.IdentificationTypeCode == "10" && means.Id is { } imo && !CheckDigits.IsValidImoNumber(imo, out var reason))
                problems.Add(new($"{path}/id", $"{reason} ('{Clip(imo)}')"));
        }

        private void Locode(string path, string? code)
        {
            if (code is not null && !CheckDigits.IsValidLocode(code, lists, out var reason))
                problems.Add(new(path, $"{reason}, got '{Clip(code)}'"));
        }

        public void GoodsItem(string path, GoodsItem item)
        {
            Length($"{path}/description", item.Description, 512);
            if (item.Classification is null)
                problems.Add(new($"{path}/classification", "a goods item needs a commodity code"));
            else
                Classification($"{path}/classification", item.Classification);
            Country($"{path}/originCountryCode", item.OriginCountryCode);
            Amount($"{path}/itemPrice", item.ItemPrice);
            Amount($"{path}/customsValue", item.CustomsValue);
            NonNegative($"{path}/netMassKg", item.NetMassKg);
            NonNegative($"{path}/grossMassKg", item.GrossMassKg);
            if (item.NetMassKg is { } net && item.GrossMassKg is { } gross && net > gross)
                problems.Add(new($"{path}/netMassKg", $"net mass {net} kg exceeds gross mass {gross} kg"));
            if (item.SupplementaryQuantity is { } q) NonNegative($"{path}/supplementaryQuantity/value", q.Value);
            for (var i = 0; i < item.Packages.Count; i++)
            {
                var p = item.Packages[i];
                NonNegative($"{path}/packages/{i}/quantity", p.Quantity);
                if (p.TypeCode is { } t && (t.Length != 2 || !t.All(char.IsAsciiLetterOrDigit)))
                    problems.Add(new($"{path}/packages/{i}/typeCode", $"expected a 2-character UN/ECE Rec. 21 package type, got '{Clip(t)}'"));
            }
            for (var i = 0; i < item.DutyTaxFees.Count; i++)
            {
                var d = item.DutyTaxFees[i];
                NonNegative($"{path}/dutyTaxFees/{i}/ratePercent", d.RatePercent);
                Amount($"{path}/dutyTaxFees/{i}/taxBase", d.TaxBase);
                Amount($"{path}/dutyTaxFees/{i}/payable", d.Payable);
            }
            for (var i = 0; i < item.AdditionalClassifications.Count; i++)
            {
                if (item.AdditionalClassifications[i].Code.Length is 0 or > 18)
                    problems.Add(new($"{path}/additionalClassifications/{i}/code", "expected 1 to 18 characters"));
            }
        }

        private void Classification(string path, Classification c)
        {
            if (!lists.ClassificationSchemes.TryGetValue(c.Scheme, out var scheme))
            {
                problems.Add(new($"{path}/scheme", $"unknown commodity code scheme '{Clip(c.Scheme)}'; expected one of {string.Join(", ", lists.ClassificationSchemes.Keys.Order(StringComparer.Ordinal))}"));
                return;
            }
            if (c.Code.Length == 0 || !c.Code.All(char.IsAsciiDigit))
            {
                problems.Add(new($"{path}/code", $"a {scheme.Name} code is made of digits only, got '{Clip(c.Code)}'"));
                return;
            }
            if (!scheme.Digits.Contains(c.Code.Length))
            {
                problems.Add(new($"{path}/code", $"a {scheme.Name} code has {string.Join(" or ", scheme.Digits)} digits, got {c.Code.Length} ('{Clip(c.Code)}')"));
                return;
            }
            var chapter = c.Code[..2];
            if (chapter == "77")
                problems.Add(new($"{path}/code", "HS chapter 77 is reserved for future use"));
            else if (!lists.HsChapters.ContainsKey(chapter))
                problems.Add(new($"{path}/code", $"HS chapters run from 01 to 97; '{chapter}' is not one"));
        }

        private static string Clip(string value) => value.Length <= 40 ? value : value[..40] + "…";
    }
}
