using System.Globalization;
using System.Runtime.CompilerServices;
using Entente.CodeLists;

namespace Entente.Declarations;

/// <summary>
/// A problem with one field of a canonical declaration: a JSON pointer and what was expected. With a
/// <see cref="Code"/> (<see cref="FindingCodes"/>) it is a finding: the declaration is kept and the finding stored with
/// it; without one, the declaration cannot be stored meaningfully and is refused.
/// </summary>
public sealed record ValidationProblem(string Path, string Message, string? Code = null)
{
    public bool IsFinding => Code is not null;
}

/// <summary>
/// Checks a declaration against the code lists and identifier rules. Pure. Refused: no reference, field formats (length,
/// control characters), goods item numbering; everything else is a finding (docs/formats/findings.md).
/// </summary>
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
        v.Text("/functionCode", declaration.FunctionCode, FieldFormats.FunctionCode);
        v.Text("/lrn", declaration.Lrn, FieldFormats.Lrn);
        v.Text("/mrn", declaration.Mrn, FieldFormats.Mrn);
        v.Text("/ucr", declaration.Ucr, FieldFormats.Ucr);
        v.Text("/typeCode", declaration.TypeCode, FieldFormats.TypeCode);
        v.Text("/declarationOfficeId", declaration.DeclarationOfficeId, FieldFormats.OfficeId);
        v.Text("/supervisingOfficeId", declaration.SupervisingOfficeId, FieldFormats.OfficeId);
        v.Date("/issueDateTime", declaration.IssueDateTime);
        v.Date("/acceptanceDateTime", declaration.AcceptanceDateTime);
        v.NonNegative("/goodsItemQuantity", declaration.GoodsItemQuantity);
        v.NonNegative("/totalPackageQuantity", declaration.TotalPackageQuantity);
        v.Amount("/invoiceAmount", declaration.InvoiceAmount);
        v.NonNegative("/totalGrossMassKg", declaration.TotalGrossMassKg, FindingCodes.ImplausibleMass);

        for (var i = 0; i < declaration.Parties.Count; i++)
            v.Party(v.Path($"/parties/{i}"), declaration.Parties[i]);
        v.Documents("/previousDocuments", declaration.PreviousDocuments);
        v.Documents("/additionalDocuments", declaration.AdditionalDocuments);
        foreach (var (name, value) in declaration.NationalData)
        {
            v.Text(v.Path($"/nationalData/{name}"), name, FieldFormats.NationalDataName);
            v.Text(v.Path($"/nationalData/{name}"), value, FieldFormats.NationalDataValue);
        }

        var shipment = declaration.GoodsShipment;
        v.Text("/goodsShipment/transactionNatureCode", shipment.TransactionNatureCode, FieldFormats.TransactionNatureCode);
        v.Country("/goodsShipment/exportCountryCode", shipment.ExportCountryCode);
        v.Country("/goodsShipment/destinationCountryCode", shipment.DestinationCountryCode);
        v.Consignment("/goodsShipment/consignment", shipment.Consignment);

        var items = shipment.GoodsItems;
        if (items.Count == 0)
            v.Add("/goodsShipment/goodsItems", "a declaration has at least one goods item", FindingCodes.NoGoodsItems);
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
            v.Add("/goodsItemQuantity", $"declares {declared} goods items but {items.Count} are present", FindingCodes.GoodsItemCount);
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

        public void Add(string path, string message, string? code = null) => problems.Add(new(path, message, code));

        /// <summary>The field's format (<see cref="FieldFormats"/>): its length and no control characters.</summary>
        public void Text(string path, string? value, FieldFormat format)
        {
            if (FieldFormats.Problem(value, format) is { } problem) Add(path, problem);
        }

        public void Documents(string path, List<Document> documents)
        {
            for (var i = 0; i < documents.Count; i++)
            {
                var d = documents[i];
                Text(Path($"{path}/{i}/categoryCode"), d.CategoryCode, FieldFormats.DocumentCode);
                Text(Path($"{path}/{i}/typeCode"), d.TypeCode, FieldFormats.DocumentCode);
                Text(Path($"{path}/{i}/id"), d.Id, FieldFormats.DocumentId);
                Text(Path($"{path}/{i}/name"), d.Name, FieldFormats.DocumentName);
                Text(Path($"{path}/{i}/lineNumeric"), d.LineNumeric, FieldFormats.DocumentLine);
            }
        }

        public void Country(string path, string? code)
        {
            if (code is null) return;
            if (!lists.IsCountry(code))
                Add(path, $"expected an ISO 3166-1 alpha-2 country code, got '{Clip(code)}'", FindingCodes.UnknownCountry);
        }

        public void Currency(string path, string? code)
        {
            if (code is null) return;
            if (!lists.IsCurrency(code))
                Add(path, $"expected an ISO 4217 alpha-3 currency code, got '{Clip(code)}'", FindingCodes.UnknownCurrency);
        }

        public void NonNegative(string path, decimal? value, string code = FindingCodes.ImplausibleValue)
        {
            if (value < 0) Add(path, $"must not be negative, got {value}", code);
            else if (value > MostPlausible) Add(path, $"{value} is beyond any shipment", code);
        }

        public void NonNegative(string path, int? value)
        {
            if (value < 0) Add(path, $"must not be negative, got {value}", FindingCodes.ImplausibleValue);
        }

        // A million million (kilograms or units of any currency in use): no single declaration carries more.
        private const decimal MostPlausible = 1_000_000_000_000m;

        public void Amount(string path, Amount? amount)
        {
            if (amount is null) return;
            NonNegative(Path($"{path}/value"), amount.Value);
            Currency(Path($"{path}/currency"), amount.Currency);
        }

        public void Date(string path, DateTimeOffset? value)
        {
            if (value is { } d && (d.Year < 1950 || d.Year > 2200))
                Add(path, $"expected a date between 1950 and 2200, got {d:yyyy-MM-dd}", FindingCodes.ImplausibleDate);
        }

        public void Party(string path, Party party)
        {
            // A representative may be named by its status alone (DMS: the declarant acts as the representative).
            if (party.Id is null && party.Name is null && !(party.Role == PartyRole.Representative && party.FunctionCode is not null))
                Add(path, $"the {party.Role} needs an identification number or a name", FindingCodes.UnidentifiedParty);
            Text(Path($"{path}/id"), party.Id, FieldFormats.PartyId);
            Text(Path($"{path}/idScheme"), party.IdScheme, FieldFormats.PartyIdScheme);
            Text(Path($"{path}/name"), party.Name, FieldFormats.PartyName);
            Text(Path($"{path}/aeoRole"), party.AeoRole, FieldFormats.PartyRoleCode);
            Text(Path($"{path}/functionCode"), party.FunctionCode, FieldFormats.PartyRoleCode);
            if (party.IdScheme == "EORI" && party.Id is { } eori && !IsEoriShaped(eori))
                Add(Path($"{path}/id"), $"an EORI is an ISO country code followed by up to 15 letters or digits, got {eori.Length} characters", FindingCodes.EoriFormat);
            if (party.Address is { } address)
            {
                Country(Path($"{path}/address/countryCode"), address.CountryCode);
                Text(Path($"{path}/address/line"), address.Line, FieldFormats.AddressLine);
                Text(Path($"{path}/address/cityName"), address.CityName, FieldFormats.CityName);
                Text(Path($"{path}/address/postcodeId"), address.PostcodeId, FieldFormats.Postcode);
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
                    Add(Path($"{path}/itineraryCountryCodes/{i}"), $"expected an ISO 3166-1 alpha-2 country code, got '{Clip(code)}'", FindingCodes.UnknownCountry);
            }
            Locode(Path($"{path}/loadingLocation"), consignment.LoadingLocation);
            Locode(Path($"{path}/unloadingLocation"), consignment.UnloadingLocation);
            Country(Path($"{path}/departureCountryCode"), consignment.DepartureCountryCode);
            Text(Path($"{path}/goodsLocation"), consignment.GoodsLocation, FieldFormats.GoodsLocation);
            for (var i = 0; i < consignment.Containers.Count; i++)
            {
                var container = consignment.Containers[i];
                if (FieldFormats.Problem(container.Id, FieldFormats.ContainerId) is { } problem)
                    Add(Path($"{path}/containers/{i}/id"), problem);
                else if (!CheckDigits.IsValidContainerNumber(container.Id, out var reason))
                    Add(Path($"{path}/containers/{i}/id"), $"{reason} ('{Clip(container.Id)}')", FindingCodes.ContainerCheckDigit);
                for (var s = 0; s < container.Seals.Count; s++)
                    Text(Path($"{path}/containers/{i}/seals/{s}"), container.Seals[s], FieldFormats.SealId);
            }
        }

        private void Mode(string path, int? mode)
        {
            if (mode is { } m && !lists.TransportModes.ContainsKey(m))
                Add(path, $"expected a UN/ECE Rec. 19 transport mode (0-9), got {m}", FindingCodes.UnknownTransportMode);
        }

        private void Means(string path, TransportMeans? means)
        {
            if (means is null) return;
            Text(Path($"{path}/id"), means.Id, FieldFormats.TransportMeansId);
            Text(Path($"{path}/identificationTypeCode"), means.IdentificationTypeCode, FieldFormats.TransportMeansIdType);
            Text(Path($"{path}/name"), means.Name, FieldFormats.TransportMeansName);
            Country(Path($"{path}/nationalityCode"), means.NationalityCode);
            Mode(Path($"{path}/modeCode"), means.ModeCode);
            // DMS identification type 10 is an IMO ship identification number.
            if (means.IdentificationTypeCode == "10" && means.Id is { } imo && !CheckDigits.IsValidImoNumber(imo, out var reason))
                Add(Path($"{path}/id"), $"{reason} ('{Clip(imo)}')", FindingCodes.ImoCheckDigit);
        }

        private void Locode(string path, string? code)
        {
            if (code is not null && !CheckDigits.IsValidLocode(code, lists, out var reason))
                Add(path, $"{reason}, got '{Clip(code)}'", FindingCodes.UnknownLocode);
        }

        public void GoodsItem(string path, GoodsItem item)
        {
            Text(Path($"{path}/description"), item.Description, FieldFormats.Description);
            Text(Path($"{path}/originTypeCode"), item.OriginTypeCode, FieldFormats.OriginTypeCode);
            Text(Path($"{path}/requestedProcedureCode"), item.RequestedProcedureCode, FieldFormats.ProcedureCode);
            Text(Path($"{path}/previousProcedureCode"), item.PreviousProcedureCode, FieldFormats.ProcedureCode);
            for (var i = 0; i < item.AdditionalProcedureCodes.Count; i++)
                Text(Path($"{path}/additionalProcedureCodes/{i}"), item.AdditionalProcedureCodes[i], FieldFormats.ProcedureCode);
            Text(Path($"{path}/valuationMethodCode"), item.ValuationMethodCode, FieldFormats.ValuationMethodCode);
            Documents(Path($"{path}/previousDocuments"), item.PreviousDocuments);
            Documents(Path($"{path}/additionalDocuments"), item.AdditionalDocuments);
            if (item.Classification is null)
                Add(Path($"{path}/classification"), "a goods item needs a commodity code", FindingCodes.MissingCommodityCode);
            else
                Classification(Path($"{path}/classification"), item.Classification);
            Country(Path($"{path}/originCountryCode"), item.OriginCountryCode);
            Amount(Path($"{path}/itemPrice"), item.ItemPrice);
            Amount(Path($"{path}/customsValue"), item.CustomsValue);
            NonNegative(Path($"{path}/netMassKg"), item.NetMassKg, FindingCodes.ImplausibleMass);
            NonNegative(Path($"{path}/grossMassKg"), item.GrossMassKg, FindingCodes.ImplausibleMass);
            if (item.NetMassKg is { } net && item.GrossMassKg is { } gross && net > gross)
                Add(Path($"{path}/netMassKg"), $"net mass {net} kg exceeds gross mass {gross} kg", FindingCodes.ImplausibleMass);
            if (item.SupplementaryQuantity is { } q)
            {
                NonNegative(Path($"{path}/supplementaryQuantity/value"), q.Value);
                Text(Path($"{path}/supplementaryQuantity/unit"), q.Unit, FieldFormats.UnitCode);
            }
            for (var i = 0; i < item.Packages.Count; i++)
            {
                var p = item.Packages[i];
                NonNegative(Path($"{path}/packages/{i}/quantity"), p.Quantity);
                if (p.TypeCode is { } t && (t.Length != 2 || !t.All(char.IsAsciiLetterOrDigit)))
                    Add(Path($"{path}/packages/{i}/typeCode"), $"expected a 2-character UN/ECE Rec. 21 package type (an2), got '{Clip(t)}'", FindingCodes.PackageType);
                Text(Path($"{path}/packages/{i}/marks"), p.Marks, FieldFormats.PackageMarks);
            }
            for (var i = 0; i < item.DutyTaxFees.Count; i++)
            {
                var d = item.DutyTaxFees[i];
                Text(Path($"{path}/dutyTaxFees/{i}/typeCode"), d.TypeCode, FieldFormats.DutyTaxFeeCode);
                Text(Path($"{path}/dutyTaxFees/{i}/dutyRegimeCode"), d.DutyRegimeCode, FieldFormats.DutyTaxFeeCode);
                Text(Path($"{path}/dutyTaxFees/{i}/paymentMethodCode"), d.PaymentMethodCode, FieldFormats.DutyTaxFeeCode);
                NonNegative(Path($"{path}/dutyTaxFees/{i}/ratePercent"), d.RatePercent);
                Amount(Path($"{path}/dutyTaxFees/{i}/taxBase"), d.TaxBase);
                Amount(Path($"{path}/dutyTaxFees/{i}/payable"), d.Payable);
            }
            for (var i = 0; i < item.AdditionalClassifications.Count; i++)
            {
                var additional = item.AdditionalClassifications[i];
                if (additional.Code.Length == 0)
                    Add(Path($"{path}/additionalClassifications/{i}/code"), $"expected {FieldFormats.AdditionalCode.Expected}, got an empty code");
                Text(Path($"{path}/additionalClassifications/{i}/code"), additional.Code, FieldFormats.AdditionalCode);
                Text(Path($"{path}/additionalClassifications/{i}/scheme"), additional.Scheme, FieldFormats.ClassificationScheme);
                Text(Path($"{path}/additionalClassifications/{i}/edition"), additional.Edition, FieldFormats.ClassificationEdition);
            }
        }

        private void Classification(string path, Classification c)
        {
            Text(Path($"{path}/edition"), c.Edition, FieldFormats.ClassificationEdition);
            if (FieldFormats.Problem(c.Code, FieldFormats.CommodityCode) is { } problem)
            {
                Add(Path($"{path}/code"), problem);
                return;
            }
            const string invalid = FindingCodes.InvalidCommodityCode;
            if (!lists.ClassificationSchemes.TryGetValue(c.Scheme, out var scheme))
            {
                Add(Path($"{path}/scheme"), $"unknown commodity code scheme '{Clip(c.Scheme)}'; expected one of {string.Join(", ", lists.ClassificationSchemes.Keys.Order(StringComparer.Ordinal))}", invalid);
                return;
            }
            if (c.Code.Length == 0 || c.Code.AsSpan().ContainsAnyExceptInRange('0', '9'))
            {
                Add(Path($"{path}/code"), $"a {scheme.Name} code is made of digits only, got '{Clip(c.Code)}'", invalid);
                return;
            }
            if (!scheme.Digits.Contains(c.Code.Length))
            {
                Add(Path($"{path}/code"), $"a {scheme.Name} code has {string.Join(" or ", scheme.Digits)} digits, got {c.Code.Length} ('{Clip(c.Code)}')", invalid);
                return;
            }
            var chapter = c.Code[..2];
            if (chapter == "77")
                Add(Path($"{path}/code"), "HS chapter 77 is reserved for future use", invalid);
            else if (!lists.HsChapters.ContainsKey(chapter))
                Add(Path($"{path}/code"), $"HS chapters run from 01 to 97; '{chapter}' is not one", invalid);
        }

        // What was got, quoted back short and with control characters written out (\u001B), never echoed raw.
        private static string Clip(string value)
        {
            var clipped = value.Length <= 40 ? value : value[..40] + "…";
            if (!clipped.Any(char.IsControl)) return clipped;
            var text = new System.Text.StringBuilder(clipped.Length + 8);
            foreach (var c in clipped)
            {
                if (char.IsControl(c)) text.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
                else text.Append(c);
            }
            return text.ToString();
        }
    }
}
