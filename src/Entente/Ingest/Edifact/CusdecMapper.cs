using System.Globalization;
using Entente.Declarations;

namespace Entente.Ingest.Edifact;

/// <summary>
/// Maps the segments of one CUSDEC message (UNH and UNT excluded) to a canonical declaration.
/// The message structure it follows: the header (BGM, CST, LOC, DTM, GIS, MEA, EQD/SEL, then the groups
/// started by RFF, TDT, DOC, NAD, MOA, TOD), UNS+D, the commercial detail before the first CST (skipped),
/// one goods item per CST group (CST, FTX, LOC, GIS, MEA, NAD, then PAC/PCI, MOA/CUX, TAX/MOA/GIS, DOC, RFF),
/// UNS+S and CNT. A segment a group owns (DTM after RFF, MOA after TAX...) is read in that group's sense.
/// Values it cannot read become errors pointing at the segment, element and component; qualifiers it does
/// not know are kept in <see cref="Declaration.NationalData"/>.
/// </summary>
internal sealed class CusdecMapper(string file, string? defaultCurrency, CodeInterner strings)
{
    private enum Section { Header, Detail, Summary }

    private enum Group { None, HeaderReference, ItemReference, HeaderPackage, ItemPackage, Transport, Document, Party, Terms, Amount, ItemTax, HeaderTax, Equipment, ExternalFile }

    private readonly Declaration _d = new();
    private readonly List<IngestError> _errors = [];
    private readonly List<Origin> _origins = new(capacity: 48);
    private Section _section = Section.Header;
    private Group _group = Group.None;

    private GoodsItem? _item;
    private int _itemIndex = -1;
    private Packaging? _package;
    private int _packageIndex;
    private DutyTaxFee? _tax;
    private int _taxIndex;
    private Container? _container;
    private int _containerIndex;

    private List<PendingAmount>? _pending;
    private PendingAmount? _lastAmount;
    private string? _messageCurrency;

    private bool _issueFromDocumentDate;
    private string? _headerOrigin;
    private Origin? _headerOriginAt;
    private string? _headerProcedure;
    private Origin? _headerProcedureAt;
    private int _headerPackages;
    private bool _sawHeaderPackages;

    public List<IngestError> Errors => _errors;

    public void Add(EdifactSegment s)
    {
        if (s.Tag == "UNS")
        {
            _section = s.Is(1, 1, "S") ? Section.Summary : Section.Detail;
            _group = Group.None;
            return;
        }
        if (_group != Group.None && Owns(_group, s.Tag))
        {
            InGroup(s);
            return;
        }
        _group = Group.None;
        switch (_section)
        {
            case Section.Header: Header(s); break;
            case Section.Detail: Detail(s); break;
            default: Summary(s); break;
        }
    }

    public Declaration Finish(out List<Origin> origins)
    {
        var items = _d.GoodsShipment.GoodsItems;
        for (var index = 0; index < items.Count; index++)
        {
            var item = items[index];
            if (item.OriginCountryCode is null && _headerOrigin is not null)
            {
                item.OriginCountryCode = _headerOrigin;
                _origins.Add(_headerOriginAt!.Value with { Template = "/goodsShipment/goodsItems/{0}/originCountryCode", I = index });
            }
            if (item.RequestedProcedureCode is null && _headerProcedure is not null)
            {
                SetProcedure(item, _headerProcedure);
                _origins.Add(_headerProcedureAt!.Value with { Template = "/goodsShipment/goodsItems/{0}/requestedProcedureCode", I = index });
            }
        }
        if (_d.TotalPackageQuantity is null && _sawHeaderPackages) _d.TotalPackageQuantity = _headerPackages;

        if (_pending is not null)
        {
            foreach (var p in _pending)
            {
                if (p.Resolved) continue;
                // National guides (South Africa, New Zealand) leave the national currency implied: ingest takes the node's
                // and says so in a finding (Ingest/ImpliedCurrency.cs).
                p.Assign(new Amount(p.Value, _messageCurrency ?? defaultCurrency ?? ""));
            }
        }
        origins = _origins;
        return _d;
    }

    private static bool Owns(Group group, string tag) => group switch
    {
        Group.HeaderReference => tag is "DTM" or "PAC" or "PCI" or "FTX",
        Group.ItemReference => tag is "DTM",
        Group.HeaderPackage or Group.ItemPackage => tag is "PCI" or "FTX",
        Group.Transport => tag is "TPL",
        Group.Document => tag is "DTM" or "LOC",
        Group.Party => tag is "RFF" or "CTA" or "COM",
        Group.Terms => tag is "FTX" or "LOC",
        Group.Amount => tag is "CUX" or "DTM",
        Group.ItemTax => tag is "MOA" or "GIS" or "CUX",
        Group.HeaderTax => tag is "MOA" or "GIS",
        Group.Equipment => tag is "SEL",
        Group.ExternalFile => tag is "COM" or "CED" or "RFF" or "DTM" or "QTY",
        _ => false,
    };

    private void InGroup(EdifactSegment s)
    {
        switch (_group)
        {
            case Group.HeaderReference when s.Tag == "PAC":
                HeaderPackage(s);
                break;
            case Group.ItemPackage when s.Tag == "PCI":
                PackageMarks(s);
                break;
            case Group.Amount when s.Tag == "CUX":
            case Group.ItemTax when s.Tag == "CUX":
                Currency(s, forLastAmount: true);
                break;
            case Group.ItemTax when s.Tag == "MOA":
                TaxAmount(s);
                break;
            case Group.ItemTax when s.Tag == "GIS":
                if (Code(s, 1, 2) == CusdecCodes.PaymentMethod && _tax is not null)
                {
                    _tax.PaymentMethodCode = Text(s, 1, 1);
                    Note("/goodsShipment/goodsItems/{0}/dutyTaxFees/{1}/paymentMethodCode", s, _itemIndex, _taxIndex);
                }
                else
                {
                    National(ItemKey("GIS:" + Code(s, 1, 2)), Text(s, 1, 1));
                }
                break;
            case Group.Equipment when s.Tag == "SEL":
                Seal(s);
                break;
        }
        // Everything else a group owns (the DTM of a reference, the contacts of a party...) is not mapped.
    }

    // ---- header section ----

    private void Header(EdifactSegment s)
    {
        switch (s.Tag)
        {
            case "BGM": Beginning(s); break;
            case "CST":
                if (s.Has(1))
                {
                    // A goods item number: the sender left out UNS+D.
                    _section = Section.Detail;
                    StartItem(s);
                }
                else
                {
                    HeaderStatus(s);
                }
                break;
            case "LOC": HeaderPlace(s); break;
            case "DTM": HeaderDate(s); break;
            case "GIS": Indicator(s); break;
            case "MEA": HeaderMeasure(s); break;
            case "EQD": Equipment(s); break;
            case "SEL": Seal(s); break;
            case "FTX": National("FTX+" + Code(s, 1, 1), JoinText(s, 4, 5)); break;
            case "RFF": Reference(s); _group = Group.HeaderReference; break;
            case "PAC": HeaderPackage(s); _group = Group.HeaderPackage; break;
            case "TDT": Transport(s); _group = Group.Transport; break;
            case "DOC": AdditionalDocument(s); _group = Group.Document; break;
            case "NAD": Party(s); _group = Group.Party; break;
            case "MOA": HeaderAmount(s); _group = Group.Amount; break;
            case "CUX": Currency(s, forLastAmount: false); break;
            case "TOD": _group = Group.Terms; break;
            case "TAX": _group = Group.HeaderTax; break;
            case "EFI": _group = Group.ExternalFile; break;
            case "CNT": ControlTotal(s); break;
        }
    }

    private void Beginning(EdifactSegment s)
    {
        _d.TypeCode = Code(s, 1, 1);
        if (_d.TypeCode is not null) Note("/typeCode", s);
        _d.Lrn = Text(s, 2, 1);
        if (_d.Lrn is not null) Note("/lrn", s);
        _d.FunctionCode = Code(s, 3, 1);
        if (_d.FunctionCode is not null) Note("/functionCode", s);
    }

    private void HeaderStatus(EdifactSegment s)
    {
        for (var e = 2; e <= s.ElementCount; e++)
        {
            var code = Text(s, e, 1);
            if (code is null) continue;
            var qualifier = Code(s, e, 2);
            if (qualifier == CusdecCodes.CustomsProcedure)
            {
                _headerProcedure = code;
                _headerProcedureAt = At(s, "");
            }
            else
            {
                National("CST:" + qualifier, code);
            }
        }
    }

    private void HeaderPlace(EdifactSegment s)
    {
        var qualifier = Code(s, 1, 1);
        var place = Code(s, 2, 1) ?? Text(s, 2, 4);
        if (place is null) return;
        var consignment = _d.GoodsShipment.Consignment;
        switch (qualifier)
        {
            case CusdecCodes.PlaceOfDeparture when place.Length == 2:
                consignment.DepartureCountryCode = place;
                Note("/goodsShipment/consignment/departureCountryCode", s);
                break;
            case CusdecCodes.PlaceOfLoading:
                consignment.LoadingLocation = place;
                Note("/goodsShipment/consignment/loadingLocation", s);
                break;
            case CusdecCodes.PlaceOfDischarge:
            case CusdecCodes.PlaceOfUnloading:
                consignment.UnloadingLocation = place;
                Note("/goodsShipment/consignment/unloadingLocation", s);
                break;
            case CusdecCodes.GoodsLocation:
                consignment.GoodsLocation = place;
                Note("/goodsShipment/consignment/goodsLocation", s);
                break;
            case CusdecCodes.OfficeOfDeclaration:
                _d.DeclarationOfficeId = place;
                Note("/declarationOfficeId", s);
                break;
            case CusdecCodes.CountryOfOrigin:
                _headerOrigin = place;
                _headerOriginAt = At(s, "");
                break;
            case CusdecCodes.CountryOfDestination:
                _d.GoodsShipment.DestinationCountryCode = place;
                Note("/goodsShipment/destinationCountryCode", s);
                break;
            case CusdecCodes.CountryOfDispatch:
                _d.GoodsShipment.ExportCountryCode = place;
                Note("/goodsShipment/exportCountryCode", s);
                break;
            default:
                Unmapped("LOC", qualifier, "LOC+" + qualifier, place, s);
                break;
        }
    }

    private void HeaderDate(EdifactSegment s)
    {
        var qualifier = Code(s, 1, 1);
        switch (qualifier)
        {
            case CusdecCodes.DocumentDate:
                _d.IssueDateTime = Date(s);
                _issueFromDocumentDate = true;
                Note("/issueDateTime", s);
                break;
            case CusdecCodes.IssueDate when !_issueFromDocumentDate:
                _d.IssueDateTime = Date(s);
                Note("/issueDateTime", s);
                break;
            case CusdecCodes.AcceptanceDate:
                _d.AcceptanceDateTime = Date(s);
                Note("/acceptanceDateTime", s);
                break;
            default:
                National("DTM+" + qualifier, Text(s, 1, 2));
                break;
        }
    }

    private void Indicator(EdifactSegment s)
    {
        var qualifier = Code(s, 1, 2);
        var code = Text(s, 1, 1);
        if (code is null) return;
        if (_item is null)
        {
            if (qualifier == CusdecCodes.TransactionNature)
            {
                _d.GoodsShipment.TransactionNatureCode = code;
                Note("/goodsShipment/transactionNatureCode", s);
            }
            else
            {
                Unmapped("GIS", qualifier, "GIS:" + qualifier, code, s);
            }
            return;
        }
        switch (qualifier)
        {
            case CusdecCodes.AdditionalProcedure:
                _item.AdditionalProcedureCodes.Add(code);
                Note("/goodsShipment/goodsItems/{0}/additionalProcedureCodes/{1}", s, _itemIndex, _item.AdditionalProcedureCodes.Count - 1);
                break;
            case CusdecCodes.OriginType:
                _item.OriginTypeCode = code;
                Note("/goodsShipment/goodsItems/{0}/originTypeCode", s, _itemIndex);
                break;
            case CusdecCodes.ValuationMethod:
                _item.ValuationMethodCode = code;
                Note("/goodsShipment/goodsItems/{0}/valuationMethodCode", s, _itemIndex);
                break;
            default:
                Unmapped("GIS", qualifier, ItemKey("GIS:" + qualifier), code, s);
                break;
        }
    }

    private void HeaderMeasure(EdifactSegment s)
    {
        var dimension = Code(s, 2, 1);
        if (CusdecCodes.IsGross(dimension))
        {
            _d.TotalGrossMassKg = Mass(s);
            Note("/totalGrossMassKg", s);
        }
        else
        {
            National($"MEA+{Code(s, 1, 1)}:{dimension}", MeasureText(s));
        }
    }

    private void Equipment(EdifactSegment s)
    {
        var id = Text(s, 2, 1);
        if (Code(s, 1, 1) == "CN" && id is not null)
        {
            _container = new Container { Id = id };
            _containerIndex = _d.GoodsShipment.Consignment.Containers.Count;
            _d.GoodsShipment.Consignment.Containers.Add(_container);
            Note("/goodsShipment/consignment/containers/{0}", s, _containerIndex);
            Note("/goodsShipment/consignment/containers/{0}/id", s, _containerIndex);
            _group = Group.Equipment;
        }
        else
        {
            National("EQD+" + Code(s, 1, 1), id);
        }
    }

    private void Seal(EdifactSegment s)
    {
        var seal = Text(s, 1, 1);
        if (seal is null) return;
        if (_container is null)
        {
            National("SEL", seal);
            return;
        }
        _container.Seals.Add(seal);
        Note("/goodsShipment/consignment/containers/{0}/seals/{1}", s, _containerIndex, _container.Seals.Count - 1);
        _group = Group.Equipment;
    }

    private void Reference(EdifactSegment s)
    {
        var qualifier = Code(s, 1, 1);
        var reference = Text(s, 1, 2);
        if (reference is null) return;
        if (_item is null && CusdecCodes.IsDeclarantReference(qualifier) && (_d.Lrn is null || _d.Lrn == reference))
        {
            // The declarant's reference repeated in RFF (or given only there): the LRN.
            _d.Lrn ??= reference;
            Note("/lrn", s);
            return;
        }
        if (_item is null && CusdecCodes.IsConsignmentReference(qualifier))
        {
            _d.Ucr = reference;
            Note("/ucr", s);
            return;
        }
        if (_item is null && CusdecCodes.IsCustomsDeclarationNumber(qualifier))
        {
            _d.Mrn = reference;
            Note("/mrn", s);
            return;
        }
        var document = new Document { TypeCode = qualifier, Id = reference, LineNumeric = Text(s, 1, 3) };
        if (_item is null)
        {
            _d.PreviousDocuments.Add(document);
            Note("/previousDocuments/{0}", s, _d.PreviousDocuments.Count - 1);
        }
        else
        {
            _item.PreviousDocuments.Add(document);
            Note("/goodsShipment/goodsItems/{0}/previousDocuments/{1}", s, _itemIndex, _item.PreviousDocuments.Count - 1);
        }
    }

    private void AdditionalDocument(EdifactSegment s)
    {
        var document = new Document
        {
            TypeCode = Code(s, 1, 1),
            CategoryCode = Code(s, 1, 2),
            Name = Text(s, 1, 4),
            Id = Text(s, 2, 1),
        };
        if (_item is null)
        {
            _d.AdditionalDocuments.Add(document);
            Note("/additionalDocuments/{0}", s, _d.AdditionalDocuments.Count - 1);
        }
        else
        {
            _item.AdditionalDocuments.Add(document);
            Note("/goodsShipment/goodsItems/{0}/additionalDocuments/{1}", s, _itemIndex, _item.AdditionalDocuments.Count - 1);
        }
    }

    private void Party(EdifactSegment s)
    {
        var qualifier = Code(s, 1, 1);
        var id = Text(s, 2, 1);
        var name = JoinText(s, 4, 5) ?? Text(s, 3, 1);
        if (CusdecCodes.RoleOf(qualifier) is not { } role)
        {
            National(_item is null ? "NAD+" + qualifier : ItemKey("NAD+" + qualifier), id ?? name);
            return;
        }
        var party = new Party { Role = role, Id = id, IdScheme = id is null ? null : Code(s, 2, 2), Name = name };
        var street = JoinText(s, 5, 4);
        var city = Text(s, 6, 1);
        var postcode = Text(s, 8, 1);
        var country = Code(s, 9, 1);
        if (street is not null || city is not null || postcode is not null || country is not null)
            party.Address = new Address { Line = street, CityName = city, PostcodeId = postcode, CountryCode = country };
        _d.Parties.Add(party);
        Note("/parties/{0}", s, _d.Parties.Count - 1);
    }

    private void Transport(EdifactSegment s)
    {
        var stage = Code(s, 1, 1);
        var mode = Integer(s, 3, 1);
        TransportMeans? means = null;
        var id = Text(s, 8, 1);
        var meansName = Text(s, 8, 4);
        var nationality = Code(s, 8, 5);
        if (id is not null || meansName is not null || nationality is not null)
        {
            var scheme = Code(s, 8, 2);
            var agency = Code(s, 8, 3);
            var type = agency == CusdecCodes.LloydsRegister || id is not null && id.StartsWith("IMO", StringComparison.OrdinalIgnoreCase)
                ? CusdecCodes.ImoIdentificationType
                : scheme == CusdecCodes.MeansIdentification ? null : scheme;
            means = new TransportMeans { Id = id, IdentificationTypeCode = id is null ? null : type, Name = meansName, NationalityCode = nationality };
        }
        var consignment = _d.GoodsShipment.Consignment;
        switch (stage)
        {
            case CusdecCodes.AtBorder:
                consignment.ModeOfTransportAtBorder = mode;
                Note("/goodsShipment/consignment/modeOfTransportAtBorder", s);
                if (means is not null)
                {
                    means.ModeCode = mode;
                    consignment.BorderTransportMeans = means;
                    Note("/goodsShipment/consignment/borderTransportMeans", s);
                }
                break;
            case CusdecCodes.InlandTransport:
                consignment.InlandModeOfTransport = mode;
                Note("/goodsShipment/consignment/inlandModeOfTransport", s);
                break;
            case CusdecCodes.AtDestination:
                if (means is null && mode is null) break;
                means ??= new TransportMeans();
                means.ModeCode = mode;
                consignment.ArrivalTransportMeans = means;
                Note("/goodsShipment/consignment/arrivalTransportMeans", s);
                break;
            // Main carriage (UN/EDIFACT 8051 = 20), as national guides name the vessel or aircraft that brings the goods:
            // the means at the border when no TDT+11 says otherwise.
            case CusdecCodes.MainCarriage when consignment.BorderTransportMeans is null:
                consignment.ModeOfTransportAtBorder ??= mode;
                if (means is not null)
                {
                    means.ModeCode = mode;
                    consignment.BorderTransportMeans = means;
                    Note("/goodsShipment/consignment/borderTransportMeans", s);
                }
                break;
            default:
                Unmapped("TDT", stage, "TDT+" + stage, id ?? mode?.ToString(CultureInfo.InvariantCulture), s);
                break;
        }
    }

    /// <summary>
    /// A qualifier this reader does not map (a national code list, or a UN code it has no home for): the value is kept as
    /// national data and a finding says so, where it is.
    /// </summary>
    private void Unmapped(string segment, string? qualifier, string key, string? value, EdifactSegment s)
    {
        if (value is null) return;
        var named = National(key, value);
        var pointer = "/nationalData/" + named;
        Note(pointer.Replace("{", "{{", StringComparison.Ordinal).Replace("}", "}}", StringComparison.Ordinal), s);
        Findings.Add(new ValidationProblem(pointer,
            $"{segment} qualifier '{qualifier}' is not one this node maps (a national code list?): '{value}' kept as national data '{named}'",
            FindingCodes.UnmappedCode));
    }

    /// <summary>What the message says that the reader keeps without understanding it (<see cref="FindingCodes.UnmappedCode"/>).</summary>
    public List<ValidationProblem> Findings { get; } = [];

    private void HeaderAmount(EdifactSegment s)
    {
        var qualifier = Code(s, 1, 1);
        if (qualifier == CusdecCodes.InvoiceTotal)
        {
            _lastAmount = Money(s, a => _d.InvoiceAmount = a);
            Note("/invoiceAmount", s);
        }
        else
        {
            _lastAmount = null;
            National("MOA+" + qualifier, AmountText(s));
        }
    }

    private void Currency(EdifactSegment s, bool forLastAmount)
    {
        var currency = Code(s, 1, 2);
        if (currency is null) return;
        _messageCurrency ??= currency;
        if (forLastAmount && _lastAmount is { Resolved: false } pending)
            pending.Assign(new Amount(pending.Value, currency));
    }

    private void HeaderPackage(EdifactSegment s)
    {
        if (Integer(s, 1, 1) is { } count)
        {
            _headerPackages += count;
            _sawHeaderPackages = true;
            Note("/totalPackageQuantity", s);
        }
    }

    private void ControlTotal(EdifactSegment s)
    {
        var qualifier = Code(s, 1, 1);
        switch (qualifier)
        {
            case CusdecCodes.LineItems:
                _d.GoodsItemQuantity = IntegerFromNumber(s, 1, 2);
                Note("/goodsItemQuantity", s);
                break;
            case CusdecCodes.Packages:
                _d.TotalPackageQuantity = IntegerFromNumber(s, 1, 2);
                Note("/totalPackageQuantity", s);
                break;
            case CusdecCodes.GrossWeightTotal:
                _d.TotalGrossMassKg = Number(s, 1, 2);
                Note("/totalGrossMassKg", s);
                break;
            default:
                National("CNT+" + qualifier, Text(s, 1, 2));
                break;
        }
    }

    // ---- detail section: goods items ----

    private void Detail(EdifactSegment s)
    {
        if (s.Tag == "CST")
        {
            StartItem(s);
            return;
        }
        if (_item is null)
        {
            // Commercial detail (DMS groups) before the first customs item: not mapped.
            if (s.Tag == "CNT") ControlTotal(s);
            return;
        }
        switch (s.Tag)
        {
            case "FTX": ItemText(s); break;
            case "LOC": ItemPlace(s); break;
            case "GIS": Indicator(s); break;
            case "MEA": ItemMeasure(s); break;
            case "NAD": Party(s); _group = Group.Party; break;
            case "TDT": _group = Group.Transport; break;
            case "PAC": ItemPackage(s); _group = Group.ItemPackage; break;
            case "MOA": ItemAmount(s); _group = Group.Amount; break;
            case "TAX": ItemTax(s); _group = Group.ItemTax; break;
            case "DOC": AdditionalDocument(s); _group = Group.Document; break;
            case "RFF": Reference(s); _group = Group.ItemReference; break;
            case "CNT": ControlTotal(s); break;
        }
    }

    private void Summary(EdifactSegment s)
    {
        if (s.Tag == "CNT") ControlTotal(s);
    }

    private void StartItem(EdifactSegment s)
    {
        var items = _d.GoodsShipment.GoodsItems;
        _itemIndex = items.Count;
        _item = new GoodsItem { Sequence = _itemIndex + 1 };
        items.Add(_item);
        _package = null;
        _tax = null;
        Note("/goodsShipment/goodsItems/{0}", s, _itemIndex);
        if (s.Has(1) && Integer(s, 1, 1) is { } sequence)
        {
            _item.Sequence = sequence;
            Note("/goodsShipment/goodsItems/{0}/sequence", s, _itemIndex);
        }
        for (var e = 2; e <= s.ElementCount; e++)
        {
            var code = Text(s, e, 1);
            if (code is null) continue;
            var qualifier = Code(s, e, 2);
            if (qualifier == CusdecCodes.CustomsProcedure)
            {
                SetProcedure(_item, code);
                Note("/goodsShipment/goodsItems/{0}/requestedProcedureCode", s, _itemIndex);
                continue;
            }
            var scheme = CusdecCodes.SchemeOf(qualifier);
            if (scheme is null && !code.AsSpan().ContainsAnyExceptInRange('0', '9'))
                scheme = CusdecCodes.SchemeByLength(code);
            if (scheme is null)
            {
                National(ItemKey("CST:" + qualifier), code);
                continue;
            }
            var classification = new Classification(scheme, null, code);
            if (_item.Classification is null)
            {
                _item.Classification = classification;
                Note("/goodsShipment/goodsItems/{0}/classification", s, _itemIndex);
            }
            else
            {
                _item.AdditionalClassifications.Add(classification);
                Note("/goodsShipment/goodsItems/{0}/additionalClassifications/{1}", s, _itemIndex, _item.AdditionalClassifications.Count - 1);
            }
        }
    }

    private static void SetProcedure(GoodsItem item, string code)
    {
        // DE 1/10: the requested procedure (2 digits) followed by the previous procedure (2 digits).
        if (code.Length == 4)
        {
            item.RequestedProcedureCode = code[..2];
            item.PreviousProcedureCode = code[2..];
        }
        else
        {
            item.RequestedProcedureCode = code;
        }
    }

    private void ItemText(EdifactSegment s)
    {
        var text = JoinText(s, 4, 5);
        if (Code(s, 1, 1) == "AAA" && _item is not null)
        {
            if (text is null) return;
            _item.Description = _item.Description is null ? text : _item.Description + " " + text;
            Note("/goodsShipment/goodsItems/{0}/description", s, _itemIndex);
        }
        else
        {
            National(ItemKey("FTX+" + Code(s, 1, 1)), text);
        }
    }

    private void ItemPlace(EdifactSegment s)
    {
        var qualifier = Code(s, 1, 1);
        var place = Code(s, 2, 1) ?? Text(s, 2, 4);
        if (place is null) return;
        if (qualifier == CusdecCodes.CountryOfOrigin)
        {
            _item!.OriginCountryCode = place;
            Note("/goodsShipment/goodsItems/{0}/originCountryCode", s, _itemIndex);
        }
        else
        {
            Unmapped("LOC", qualifier, ItemKey("LOC+" + qualifier), place, s);
        }
    }

    private void ItemMeasure(EdifactSegment s)
    {
        var item = _item!;
        var dimension = Code(s, 2, 1);
        if (Code(s, 1, 1) == CusdecCodes.CustomsLineItemMeasurement)
        {
            if (Number(s, 3, 2) is { } value)
            {
                item.SupplementaryQuantity = new Quantity(value, Code(s, 3, 1));
                Note("/goodsShipment/goodsItems/{0}/supplementaryQuantity", s, _itemIndex);
            }
        }
        else if (CusdecCodes.IsNet(dimension))
        {
            item.NetMassKg = Mass(s);
            Note("/goodsShipment/goodsItems/{0}/netMassKg", s, _itemIndex);
        }
        else if (CusdecCodes.IsGross(dimension))
        {
            item.GrossMassKg = Mass(s);
            Note("/goodsShipment/goodsItems/{0}/grossMassKg", s, _itemIndex);
        }
        else
        {
            National(ItemKey($"MEA+{Code(s, 1, 1)}:{dimension}"), MeasureText(s));
        }
    }

    private void ItemPackage(EdifactSegment s)
    {
        var item = _item!;
        _package = new Packaging { Quantity = Integer(s, 1, 1), TypeCode = Code(s, 3, 1) };
        _packageIndex = item.Packages.Count;
        item.Packages.Add(_package);
        Note("/goodsShipment/goodsItems/{0}/packages/{1}", s, _itemIndex, _packageIndex);
    }

    private void PackageMarks(EdifactSegment s)
    {
        if (_package is null || JoinText(s, 2, 10) is not { } marks) return;
        _package.Marks = _package.Marks is null ? marks : _package.Marks + " " + marks;
        Note("/goodsShipment/goodsItems/{0}/packages/{1}/marks", s, _itemIndex, _packageIndex);
    }

    private void ItemAmount(EdifactSegment s)
    {
        var item = _item!;
        switch (Code(s, 1, 1))
        {
            case CusdecCodes.InvoiceItemAmount:
                _lastAmount = Money(s, a => item.ItemPrice = a);
                Note("/goodsShipment/goodsItems/{0}/itemPrice", s, _itemIndex);
                break;
            case CusdecCodes.CustomsValue:
                _lastAmount = Money(s, a => item.CustomsValue = a);
                Note("/goodsShipment/goodsItems/{0}/customsValue", s, _itemIndex);
                break;
            default:
                _lastAmount = null;
                National(ItemKey("MOA+" + Code(s, 1, 1)), AmountText(s));
                break;
        }
    }

    private void ItemTax(EdifactSegment s)
    {
        var item = _item!;
        _tax = new DutyTaxFee
        {
            TypeCode = Code(s, 2, 1),
            RatePercent = Number(s, 5, 4),
            DutyRegimeCode = Code(s, 6, 1),
        };
        _taxIndex = item.DutyTaxFees.Count;
        item.DutyTaxFees.Add(_tax);
        _lastAmount = null;
        Note("/goodsShipment/goodsItems/{0}/dutyTaxFees/{1}", s, _itemIndex, _taxIndex);
    }

    private void TaxAmount(EdifactSegment s)
    {
        var tax = _tax!;
        switch (Code(s, 1, 1))
        {
            case CusdecCodes.DutyTaxFeeAmount:
                _lastAmount = Money(s, a => tax.Payable = a);
                Note("/goodsShipment/goodsItems/{0}/dutyTaxFees/{1}/payable", s, _itemIndex, _taxIndex);
                break;
            case CusdecCodes.TaxableAmount:
                _lastAmount = Money(s, a => tax.TaxBase = a);
                Note("/goodsShipment/goodsItems/{0}/dutyTaxFees/{1}/taxBase", s, _itemIndex, _taxIndex);
                break;
            default:
                _lastAmount = null;
                National(ItemKey("TAX MOA+" + Code(s, 1, 1)), AmountText(s));
                break;
        }
    }

    // ---- values ----

    private string? Code(EdifactSegment s, int element, int component) => strings.Get(s.Get(element, component));

    private static string? Text(EdifactSegment s, int element, int component) => s.GetString(element, component);

    /// <summary>Components 1..count of an element joined by spaces (names, streets, free text split at 35 or 70 characters).</summary>
    private static string? JoinText(EdifactSegment s, int element, int count)
    {
        string? joined = null;
        var n = Math.Min(count, s.ComponentCount(element));
        for (var c = 1; c <= n; c++)
        {
            var part = s.Get(element, c);
            if (part.IsEmpty) continue;
            joined = joined is null ? part.ToString() : string.Concat(joined, " ", part);
        }
        return joined;
    }

    private decimal? Number(EdifactSegment s, int element, int component)
    {
        var text = s.Get(element, component);
        if (text.IsEmpty) return null;
        if (EdifactNumbers.TryParse(text, out var value)) return value;
        Error(s, element, component, $"expected a number, got '{Clip(text)}'");
        return null;
    }

    private int? Integer(EdifactSegment s, int element, int component)
    {
        var text = s.Get(element, component);
        if (text.IsEmpty) return null;
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)) return value;
        Error(s, element, component, $"expected a whole number, got '{Clip(text)}'");
        return null;
    }

    private int? IntegerFromNumber(EdifactSegment s, int element, int component)
    {
        if (Number(s, element, component) is not { } value) return null;
        if (value == decimal.Truncate(value) && value is >= int.MinValue and <= int.MaxValue) return (int)value;
        Error(s, element, component, $"expected a whole number, got {value.ToString(CultureInfo.InvariantCulture)}");
        return null;
    }

    private decimal? Mass(EdifactSegment s)
    {
        var text = s.Get(3, 2);
        if (text.IsEmpty)
        {
            Error(s, 3, 2, "the measurement value is missing");
            return null;
        }
        if (Number(s, 3, 2) is not { } value) return null;
        var unit = s.Get(3, 1);
        if (unit.IsEmpty || unit.SequenceEqual("KGM")) return value;
        if (unit.SequenceEqual("TNE")) return value * 1000m;
        if (unit.SequenceEqual("GRM")) return value / 1000m;
        if (unit.SequenceEqual("LBR")) return value * 0.45359237m;
        Error(s, 3, 1, $"expected a mass unit (KGM, TNE, GRM or LBR), got '{Clip(unit)}'");
        return null;
    }

    private DateTimeOffset? Date(EdifactSegment s)
    {
        var text = s.Get(1, 2);
        if (text.IsEmpty)
        {
            Error(s, 1, 2, "the date is missing");
            return null;
        }
        var format = s.Get(1, 3);
        string? pattern = format switch
        {
            CusdecCodes.FormatDate => "yyyyMMdd",
            CusdecCodes.FormatMinutes => "yyyyMMddHHmm",
            CusdecCodes.FormatSeconds => "yyyyMMddHHmmss",
            "101" => "yyMMdd",
            "" => text.Length switch { 8 => "yyyyMMdd", 12 => "yyyyMMddHHmm", 14 => "yyyyMMddHHmmss", _ => null },
            _ => null,
        };
        if (pattern is null)
        {
            if (format.IsEmpty)
                Error(s, 1, 2, $"expected a date CCYYMMDD, CCYYMMDDHHMM or CCYYMMDDHHMMSS, got '{Clip(text)}'");
            else
                Error(s, 1, 3, $"date format '{Clip(format)}' is not one this reader knows (101, 102, 203, 204)");
            return null;
        }
        if (DateTime.TryParseExact(text, pattern, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
            return new DateTimeOffset(parsed, TimeSpan.Zero);
        Error(s, 1, 2, $"expected a date written {pattern}, got '{Clip(text)}'");
        return null;
    }

    /// <summary>An amount from MOA C516; when it names no currency, a following CUX or the message's currency fills it in.</summary>
    private PendingAmount? Money(EdifactSegment s, Action<Amount> assign)
    {
        if (Number(s, 1, 2) is not { } value)
        {
            if (!s.Has(1, 2)) Error(s, 1, 2, "the amount is missing");
            return null;
        }
        var currency = Code(s, 1, 3);
        if (currency is not null)
        {
            assign(new Amount(value, currency));
            return null;
        }
        var pending = new PendingAmount(value, assign, s.Number, s.Line, Where(s, 1, 3));
        (_pending ??= []).Add(pending);
        return pending;
    }

    private static string? AmountText(EdifactSegment s)
    {
        var value = s.GetString(1, 2);
        var currency = s.GetString(1, 3);
        return currency is null ? value : $"{value} {currency}";
    }

    private static string? MeasureText(EdifactSegment s)
    {
        var value = s.GetString(3, 2);
        var unit = s.GetString(3, 1);
        return unit is null ? value : $"{value} {unit}";
    }

    private string ItemKey(string key) =>
        _item is null ? key : string.Create(CultureInfo.InvariantCulture, $"item {_item.Sequence} {key}");

    private string National(string key, string? value)
    {
        if (value is null) return key;
        var data = _d.NationalData;
        if (data.TryAdd(key, value)) return key;
        for (var n = 2; ; n++)
        {
            var numbered = string.Create(CultureInfo.InvariantCulture, $"{key}#{n}");
            if (data.TryAdd(numbered, value)) return numbered;
        }
    }

    private void Error(EdifactSegment s, int element, int component, string message) =>
        _errors.Add(new IngestError(file, s.Line, Where(s, element, component), message) { Segment = s.Number });

    private static string Where(EdifactSegment s, int element, int component) =>
        component == 1 && s.ComponentCount(element) <= 1
            ? string.Create(CultureInfo.InvariantCulture, $"{s.Label()}: element {element}")
            : string.Create(CultureInfo.InvariantCulture, $"{s.Label()}: element {element} component {component}");

    private static string Clip(ReadOnlySpan<char> text) => text.Length <= 40 ? text.ToString() : string.Concat(text[..40], "…");

    private void Note(string template, EdifactSegment s, int i = 0, int j = 0) => _origins.Add(At(s, template, i, j));

    private Origin At(EdifactSegment s, string template, int i = 0, int j = 0) =>
        new(template, i, j, s.Number, s.Line, s.Tag, Code(s, 1, 1));

    private sealed class PendingAmount(decimal value, Action<Amount> assign, int segment, long line, string path)
    {
        public decimal Value => value;
        public int Segment => segment;
        public long Line => line;
        public string Path => path;
        public bool Resolved { get; private set; }

        public void Assign(Amount amount)
        {
            assign(amount);
            Resolved = true;
        }
    }
}

/// <summary>Where a canonical field came from: a JSON-pointer template with its indexes, and the segment.</summary>
internal readonly record struct Origin(string Template, int I, int J, int Segment, long Line, string Tag, string? Qualifier)
{
    public string Pointer => string.Format(CultureInfo.InvariantCulture, Template, I, J);

    public string Label => Qualifier is null || Qualifier.Length > 8
        ? string.Create(CultureInfo.InvariantCulture, $"segment {Segment} {Tag}")
        : string.Create(CultureInfo.InvariantCulture, $"segment {Segment} {Tag}+{Qualifier}");
}

/// <summary>Numbers as EDIFACT writes them: optional minus sign, digits, a decimal mark that is '.' or ','.</summary>
internal static class EdifactNumbers
{
    public static bool TryParse(ReadOnlySpan<char> text, out decimal value)
    {
        value = 0;
        if (text.IsEmpty || text.Length > 40) return false;
        Span<char> copy = stackalloc char[text.Length];
        var marks = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c is '.' or ',')
            {
                marks++;
                copy[i] = '.';
            }
            else if (char.IsAsciiDigit(c) || c == '-' && i == 0)
            {
                copy[i] = c;
            }
            else
            {
                return false;
            }
        }
        return marks <= 1 && decimal.TryParse(copy, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out value);
    }
}
