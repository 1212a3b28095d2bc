using System.Globalization;
using System.Text;
using Entente.Declarations;

namespace Entente.Ingest.WcoXml;

/// <summary>
/// Maps one DMS Declaration element, read forward-only from the cursor, to the canonical model. Values with no
/// canonical home are kept in NationalData under "dms:" and their element path, so that the writer can put them back.
/// </summary>
internal sealed class DeclarationMapper
{
    private static readonly Pointer Shipment = new(null, "goodsShipment");
    private static readonly Pointer Consignment = Shipment["consignment"];
    private static readonly Pointer Items = Shipment["goodsItems"];
    private static readonly Pointer Parties = new(null, "parties");

    // The writer puts parties in this order, so the reader sorts them the same way and a round trip keeps the order.
    private static readonly PartyRole[] PartyOrder =
    [
        PartyRole.Representative, PartyRole.AuthorisationHolder, PartyRole.Carrier, PartyRole.Consignor, PartyRole.Declarant,
        PartyRole.Exporter, PartyRole.Buyer, PartyRole.Consignee, PartyRole.Importer, PartyRole.Seller, PartyRole.Courier,
    ];

    private readonly XmlCursor _c;
    private readonly SourceRecord _record;
    private readonly SourceMap _map = new();
    private readonly Declaration _d = new();
    private readonly ElementPath _root;
    private readonly List<(Party Party, Pointer Pointer)> _parties = [];
    private readonly List<(Party Party, Pointer Pointer, ElementPath Path)> _itemParties = [];

    private DeclarationMapper(XmlCursor cursor, SourceRecord record)
    {
        _c = cursor;
        _record = record;
        _root = cursor.Here;
    }

    /// <summary>Reads the Declaration element the cursor stands on into <paramref name="record"/>.</summary>
    public static void Read(XmlCursor cursor, SourceRecord record)
    {
        var mapper = new DeclarationMapper(cursor, record);
        mapper.ReadDeclaration();
        record.Declaration = mapper._d;
        record.Locate = mapper._map.Locate;
    }

    private void ReadDeclaration()
    {
        if (_c.Enter())
        {
            while (Next())
            {
                switch (_c.Name)
                {
                    case "AcceptanceDateTime": _d.AcceptanceDateTime = Date(new(null, "acceptanceDateTime")); break;
                    case "FunctionCode": _d.FunctionCode = Text(new(null, "functionCode")); break;
                    case "FunctionalReferenceID": _d.Lrn = Text(new(null, "lrn")); break;
                    case "ID": _d.Mrn = Text(new(null, "mrn")); break;
                    case "IssueDateTime": _d.IssueDateTime = Date(new(null, "issueDateTime")); break;
                    case "TypeCode": _d.TypeCode = Text(new(null, "typeCode")); break;
                    case "GoodsItemQuantity": _d.GoodsItemQuantity = Int(new(null, "goodsItemQuantity")); break;
                    case "DeclarationOfficeID": _d.DeclarationOfficeId = Text(new(null, "declarationOfficeId")); break;
                    case "InvoiceAmount": _d.InvoiceAmount = Amount(new(null, "invoiceAmount")); break;
                    case "TotalGrossMassMeasure": _d.TotalGrossMassKg = Mass(new(null, "totalGrossMassKg")); break;
                    case "TotalPackageQuantity": _d.TotalPackageQuantity = Int(new(null, "totalPackageQuantity")); break;
                    case "AdditionalDocument":
                        _d.AdditionalDocuments.Add(ReadDocument(new Pointer(null, "additionalDocuments")[_d.AdditionalDocuments.Count]));
                        break;
                    case "Agent": PartyElement(PartyRole.Representative); break;
                    case "AuthorisationHolder": PartyElement(PartyRole.AuthorisationHolder); break;
                    case "BorderTransportMeans": ReadBorderTransportMeans(); break;
                    case "Consignment": ReadDeclarationConsignment(); break;
                    case "Declarant": PartyElement(PartyRole.Declarant); break;
                    case "Exporter": PartyElement(PartyRole.Exporter); break;
                    case "GoodsShipment": ReadGoodsShipment(); break;
                    case "SupervisingOffice": _d.SupervisingOfficeId = InnerId(new(null, "supervisingOfficeId")); break;
                    // Signatures of the submitting system are not declaration data.
                    case "Authentication": _c.Skip(); break;
                    default: Keep(); break;
                }
            }
        }
        OrderParties();
        MarkAuthorisedEconomicOperators();
    }

    private void ReadBorderTransportMeans()
    {
        var pointer = Consignment["borderTransportMeans"];
        _map.Add(pointer, _c.Line, _c.Here);
        var means = new TransportMeans();
        if (_c.Enter())
        {
            while (Next())
            {
                switch (_c.Name)
                {
                    case "Name": means.Name = Text(pointer["name"]); break;
                    case "ID": means.Id = Text(pointer["id"]); break;
                    case "IdentificationTypeCode": means.IdentificationTypeCode = Text(pointer["identificationTypeCode"]); break;
                    case "RegistrationNationalityCode": means.NationalityCode = Text(pointer["nationalityCode"]); break;
                    case "ModeCode": _d.GoodsShipment.Consignment.ModeOfTransportAtBorder = Int(Consignment["modeOfTransportAtBorder"]); break;
                    default: Keep(); break;
                }
            }
        }
        if (means.Name is not null || means.Id is not null || means.IdentificationTypeCode is not null || means.NationalityCode is not null)
            _d.GoodsShipment.Consignment.BorderTransportMeans = means;
    }

    // Declaration/Consignment: carrier, consignor and the itinerary.
    private void ReadDeclarationConsignment()
    {
        var routes = new List<(int Sequence, string Country, long Line, ElementPath Path)>();
        if (_c.Enter())
        {
            while (Next())
            {
                switch (_c.Name)
                {
                    case "Carrier": PartyElement(PartyRole.Carrier); break;
                    case "Consignor": PartyElement(PartyRole.Consignor); break;
                    case "Itinerary": ReadItinerary(routes); break;
                    default: Keep(); break;
                }
            }
        }
        var countries = _d.GoodsShipment.Consignment.ItineraryCountryCodes;
        foreach (var route in routes.OrderBy(r => r.Sequence))
        {
            _map.Add(Consignment["itineraryCountryCodes"][countries.Count], route.Line, route.Path);
            countries.Add(route.Country);
        }
    }

    private void ReadItinerary(List<(int, string, long, ElementPath)> routes)
    {
        int? sequence = null;
        (string Country, long Line, ElementPath Path)? country = null;
        if (_c.Enter())
        {
            while (Next())
            {
                switch (_c.Name)
                {
                    case "SequenceNumeric": sequence = Int(null); break;
                    case "RoutingCountryCode":
                        var (line, path) = (_c.Line, _c.Here);
                        if (_c.Text() is { } code) country = (code, line, path);
                        break;
                    default: _c.Skip(); break;
                }
            }
        }
        if (country is { } c) routes.Add((sequence ?? int.MaxValue, c.Country, c.Line, c.Path));
    }

    private void ReadGoodsShipment()
    {
        var shipment = _d.GoodsShipment;
        _map.Add(Shipment, _c.Line, _c.Here);
        if (_c.Enter())
        {
            while (Next())
            {
                switch (_c.Name)
                {
                    case "TransactionNatureCode": shipment.TransactionNatureCode = Text(Shipment["transactionNatureCode"]); break;
                    case "Buyer": PartyElement(PartyRole.Buyer); break;
                    case "Consignee": PartyElement(PartyRole.Consignee); break;
                    case "Consignor": PartyElement(PartyRole.Consignor); break;
                    case "Importer": PartyElement(PartyRole.Importer); break;
                    case "Seller": PartyElement(PartyRole.Seller); break;
                    case "Consignment": ReadShipmentConsignment(); break;
                    case "Destination": shipment.DestinationCountryCode = InnerText("CountryCode", Shipment["destinationCountryCode"]); break;
                    case "ExportCountry": shipment.ExportCountryCode = InnerText("ID", Shipment["exportCountryCode"]); break;
                    case "GovernmentAgencyGoodsItem": ReadGoodsItem(); break;
                    case "PreviousDocument":
                        _d.PreviousDocuments.Add(ReadDocument(new Pointer(null, "previousDocuments")[_d.PreviousDocuments.Count]));
                        break;
                    case "UCR": _d.Ucr = InnerText("TraderAssignedReferenceID", new(null, "ucr")); break;
                    default: Keep(); break;
                }
            }
        }

        // A party named only on goods items stands for the shipment when the shipment names none in that role.
        foreach (var (party, pointer, path) in _itemParties)
        {
            if (_d.FindParty(party.Role) is null)
            {
                _d.Parties.Add(party);
                _parties.Add((party, pointer));
            }
            else
            {
                KeepParty(party, path);
            }
        }
    }

    private void ReadShipmentConsignment()
    {
        var consignment = _d.GoodsShipment.Consignment;
        _map.Add(Consignment, _c.Line, _c.Here);
        if (!_c.Enter()) return;
        while (Next())
        {
            switch (_c.Name)
            {
                case "ContainerCode":
                    var (line, path) = (_c.Line, _c.Here);
                    switch (_c.Text())
                    {
                        case null: break;
                        case "1": consignment.Containerised = true; _map.Add(Consignment["containerised"], line, path); break;
                        case "0": consignment.Containerised = false; _map.Add(Consignment["containerised"], line, path); break;
                        case var other: Error(path, line, $"expected 1 (in containers) or 0 (not in containers), got '{Clip(other)}'"); break;
                    }
                    break;
                case "ArrivalTransportMeans": consignment.ArrivalTransportMeans = ReadArrivalTransportMeans(); break;
                case "DepartureTransportMeans": ReadDepartureTransportMeans(); break;
                case "GoodsLocation": ReadGoodsLocation(); break;
                case "LoadingLocation": consignment.LoadingLocation = InnerText("ID", Consignment["loadingLocation"]); break;
                case "TransportEquipment": ReadTransportEquipment(); break;
                default: Keep(); break;
            }
        }
    }

    private TransportMeans? ReadArrivalTransportMeans()
    {
        var pointer = Consignment["arrivalTransportMeans"];
        _map.Add(pointer, _c.Line, _c.Here);
        var means = new TransportMeans();
        if (_c.Enter())
        {
            while (Next())
            {
                switch (_c.Name)
                {
                    case "Name": means.Name = Text(pointer["name"]); break;
                    case "ID": means.Id = Text(pointer["id"]); break;
                    case "IdentificationTypeCode": means.IdentificationTypeCode = Text(pointer["identificationTypeCode"]); break;
                    case "ModeCode": means.ModeCode = Int(pointer["modeCode"]); break;
                    default: Keep(); break;
                }
            }
        }
        return means.Name is null && means.Id is null && means.IdentificationTypeCode is null && means.ModeCode is null ? null : means;
    }

    // The model has no departure means: its mode is the inland mode (DE 7/5), the rest stays national data.
    private void ReadDepartureTransportMeans()
    {
        if (!_c.Enter()) return;
        while (Next())
        {
            if (_c.Name == "ModeCode")
                _d.GoodsShipment.Consignment.InlandModeOfTransport = Int(Consignment["inlandModeOfTransport"]);
            else
                Keep();
        }
    }

    // DE 5/23 as one code when all its parts are there: country, type of location, qualifier, identification (GBAUWLALONBTW).
    private void ReadGoodsLocation()
    {
        var (line, location) = (_c.Line, _c.Here);
        Leaf? name = null, id = null, type = null, qualifier = null, country = null;
        if (_c.Enter())
        {
            while (Next())
            {
                switch (_c.Name)
                {
                    case "Name": name = Captured(); break;
                    case "ID": id = Captured(); break;
                    case "TypeCode": type = Captured(); break;
                    case "Address":
                        if (!_c.Enter()) break;
                        while (Next())
                        {
                            switch (_c.Name)
                            {
                                case "TypeCode": qualifier = Captured(); break;
                                case "CountryCode": country = Captured(); break;
                                default: Keep(); break;
                            }
                        }
                        break;
                    default: Keep(); break;
                }
            }
        }

        var identification = name ?? id;
        if (identification is { } ident)
        {
            if (name is not null && id is { } extraId) KeepValue(extraId);
            if (type is { Value.Length: 1 } t && qualifier is { Value.Length: 1 } q && country is { Value.Length: 2 } c)
            {
                _d.GoodsShipment.Consignment.GoodsLocation = c.Value + t.Value + q.Value + ident.Value;
                _map.Add(Consignment["goodsLocation"], line, location);
                return;
            }
            _d.GoodsShipment.Consignment.GoodsLocation = ident.Value;
            _map.Add(Consignment["goodsLocation"], ident.Line, ident.Path);
        }
        foreach (var part in new[] { type, qualifier, country })
        {
            if (part is { } p) KeepValue(p);
        }
    }

    private void ReadTransportEquipment()
    {
        var containers = _d.GoodsShipment.Consignment.Containers;
        var pointer = Consignment["containers"][containers.Count];
        _map.Add(pointer, _c.Line, _c.Here);
        var container = new Container();
        if (_c.Enter())
        {
            while (Next())
            {
                switch (_c.Name)
                {
                    case "SequenceNumeric": container.Sequence = Int(pointer["sequence"]); break;
                    case "ID": container.Id = Text(pointer["id"]) ?? ""; break;
                    case "Seal":
                        if (InnerText("ID", pointer["seals"][container.Seals.Count], keepOthers: false) is { } seal) container.Seals.Add(seal);
                        break;
                    default: Keep(); break;
                }
            }
        }
        containers.Add(container);
    }

    private void ReadGoodsItem()
    {
        var items = _d.GoodsShipment.GoodsItems;
        var pointer = Items[items.Count];
        _map.Add(pointer, _c.Line, _c.Here);
        var item = new GoodsItem();
        var originRead = false;
        if (_c.Enter())
        {
            while (Next())
            {
                switch (_c.Name)
                {
                    case "CustomsValueAmount": item.CustomsValue = Amount(pointer["customsValue"]); break;
                    case "SequenceNumeric": item.Sequence = Int(pointer["sequence"]) ?? 0; break;
                    case "AdditionalDocument": item.AdditionalDocuments.Add(ReadDocument(pointer["additionalDocuments"][item.AdditionalDocuments.Count])); break;
                    case "PreviousDocument": item.PreviousDocuments.Add(ReadDocument(pointer["previousDocuments"][item.PreviousDocuments.Count])); break;
                    case "Buyer": ItemParty(PartyRole.Buyer); break;
                    case "Consignee": ItemParty(PartyRole.Consignee); break;
                    case "Consignor": ItemParty(PartyRole.Consignor); break;
                    case "Seller": ItemParty(PartyRole.Seller); break;
                    case "Commodity": ReadCommodity(item, pointer); break;
                    case "CustomsValuation": item.ValuationMethodCode = InnerText("MethodCode", pointer["valuationMethodCode"]); break;
                    case "GovernmentProcedure": ReadGovernmentProcedure(item, pointer); break;
                    case "Origin" when !originRead:
                        originRead = true;
                        ReadOrigin(item, pointer);
                        break;
                    case "Packaging": ReadPackaging(item, pointer); break;
                    default: Keep(); break;
                }
            }
        }
        items.Add(item);
    }

    private void ReadOrigin(GoodsItem item, Pointer pointer)
    {
        if (!_c.Enter()) return;
        while (Next())
        {
            switch (_c.Name)
            {
                case "CountryCode": item.OriginCountryCode = Text(pointer["originCountryCode"]); break;
                case "TypeCode": item.OriginTypeCode = Text(pointer["originTypeCode"]); break;
                default: Keep(); break;
            }
        }
    }

    private void ReadCommodity(GoodsItem item, Pointer pointer)
    {
        if (!_c.Enter()) return;
        while (Next())
        {
            switch (_c.Name)
            {
                case "Description": item.Description = Text(pointer["description"]); break;
                case "Classification": ReadClassification(item, pointer); break;
                case "DutyTaxFee": ReadDutyTaxFee(item, pointer); break;
                case "GoodsMeasure":
                    if (!_c.Enter()) break;
                    while (Next())
                    {
                        switch (_c.Name)
                        {
                            case "GrossMassMeasure": item.GrossMassKg = Mass(pointer["grossMassKg"]); break;
                            case "NetNetWeightMeasure": item.NetMassKg = Mass(pointer["netMassKg"]); break;
                            case "TariffQuantity": item.SupplementaryQuantity = Quantity(pointer["supplementaryQuantity"]); break;
                            default: Keep(); break;
                        }
                    }
                    break;
                case "InvoiceLine":
                    if (!_c.Enter()) break;
                    while (Next())
                    {
                        if (_c.Name == "ItemChargeAmount") item.ItemPrice = Amount(pointer["itemPrice"]);
                        else Keep();
                    }
                    break;
                default: Keep(); break;
            }
        }
    }

    // TSP carries the commodity code (DE 6/14, CN 8 digits); TRC (TARIC, DE 6/15), TRA (TARIC additional, DE 6/16)
    // and GN (national additional, DE 6/17) are further classifications, kept with their type as the scheme.
    private void ReadClassification(GoodsItem item, Pointer pointer)
    {
        var (line, path) = (_c.Line, _c.Here);
        Leaf? id = null;
        string? type = null;
        if (_c.Enter())
        {
            while (Next())
            {
                switch (_c.Name)
                {
                    case "ID": id = Captured(); break;
                    case "IdentificationTypeCode": type = _c.Text(); break;
                    default: _c.Skip(); break;
                }
            }
        }
        if (id is not { } code)
        {
            Error(path, line, "a Classification needs an ID (the code)");
            return;
        }
        if (item.Classification is null && (type is null or "TSP" || CodeLists.CodeLists.Default.ClassificationSchemes.ContainsKey(type)))
        {
            item.Classification = new Classification(type is null or "TSP" ? SchemeOfTsp(code.Value) : type, null, code.Value);
            _map.Add(pointer["classification"], line, path);
            _map.Add(pointer["classification"]["code"], code.Line, code.Path);
            return;
        }
        var additional = pointer["additionalClassifications"][item.AdditionalClassifications.Count];
        _map.Add(additional, line, path);
        _map.Add(additional["code"], code.Line, code.Path);
        item.AdditionalClassifications.Add(new Classification(type ?? "", null, code.Value));
    }

    public static string SchemeOfTsp(string code) => code.Length switch
    {
        6 => "HS",
        10 => "TARIC",
        _ => "CN",
    };

    private void ReadDutyTaxFee(GoodsItem item, Pointer itemPointer)
    {
        var pointer = itemPointer["dutyTaxFees"][item.DutyTaxFees.Count];
        _map.Add(pointer, _c.Line, _c.Here);
        var fee = new DutyTaxFee();
        if (_c.Enter())
        {
            while (Next())
            {
                switch (_c.Name)
                {
                    case "AdValoremTaxBaseAmount": fee.TaxBase = Amount(pointer["taxBase"]); break;
                    // A specific base in a currency is an amount; in other units (HLT, ASV...) it is a quantity the model cannot hold.
                    case "SpecificTaxBaseQuantity" when fee.TaxBase is null && _c.Attribute("unitCode") is { } unit && CodeLists.CodeLists.Default.IsCurrency(unit):
                        fee.TaxBase = Amount(pointer["taxBase"], "unitCode");
                        break;
                    case "DutyRegimeCode": fee.DutyRegimeCode = Text(pointer["dutyRegimeCode"]); break;
                    case "TaxRateNumeric": fee.RatePercent = Decimal(pointer["ratePercent"]); break;
                    case "TypeCode": fee.TypeCode = Text(pointer["typeCode"]); break;
                    case "Payment":
                        if (!_c.Enter()) break;
                        while (Next())
                        {
                            switch (_c.Name)
                            {
                                case "MethodCode": fee.PaymentMethodCode = Text(pointer["paymentMethodCode"]); break;
                                case "PaymentAmount": fee.Payable = Amount(pointer["payable"]); break;
                                default: Keep(); break;
                            }
                        }
                        break;
                    default: Keep(); break;
                }
            }
        }
        item.DutyTaxFees.Add(fee);
    }

    // DE 1/10 is requested + previous procedure: one 4-character CurrentCode, or 2 characters with a PreviousCode.
    // DE 1/11 additional procedures are 3-character CurrentCodes.
    private void ReadGovernmentProcedure(GoodsItem item, Pointer pointer)
    {
        var (line, path) = (_c.Line, _c.Here);
        Leaf? current = null, previous = null;
        if (_c.Enter())
        {
            while (Next())
            {
                switch (_c.Name)
                {
                    case "CurrentCode": current = Captured(); break;
                    case "PreviousCode": previous = Captured(); break;
                    default: _c.Skip(); break;
                }
            }
        }
        var procedureKnown = item.RequestedProcedureCode is not null || item.PreviousProcedureCode is not null;
        switch (current?.Value.Length)
        {
            case 3 when previous is null:
                _map.Add(pointer["additionalProcedureCodes"][item.AdditionalProcedureCodes.Count], current.Value.Line, current.Value.Path);
                item.AdditionalProcedureCodes.Add(current.Value.Value);
                return;
            case 4 or 2 or null when procedureKnown && (current is not null || previous is not null):
                Error(path, line, "a goods item has one procedure (DE 1/10); this GovernmentProcedure repeats it");
                return;
            case 4:
                item.RequestedProcedureCode = current!.Value.Value[..2];
                item.PreviousProcedureCode = previous?.Value ?? current.Value.Value[2..];
                break;
            case 2:
                item.RequestedProcedureCode = current!.Value.Value;
                item.PreviousProcedureCode = previous?.Value;
                break;
            case null:
                item.PreviousProcedureCode = previous?.Value;
                break;
            default:
                Error(current!.Value.Path, current.Value.Line,
                    $"expected a procedure code of 4 characters (DE 1/10), 2 with a PreviousCode, or an additional procedure code of 3 (DE 1/11), got '{Clip(current.Value.Value)}'");
                return;
        }
        if (current is { } c) _map.Add(pointer["requestedProcedureCode"], c.Line, c.Path);
        if ((previous ?? current) is { } p && item.PreviousProcedureCode is not null) _map.Add(pointer["previousProcedureCode"], p.Line, p.Path);
    }

    private void ReadPackaging(GoodsItem item, Pointer itemPointer)
    {
        var pointer = itemPointer["packages"][item.Packages.Count];
        _map.Add(pointer, _c.Line, _c.Here);
        var package = new Packaging();
        if (_c.Enter())
        {
            while (Next())
            {
                switch (_c.Name)
                {
                    case "SequenceNumeric": package.Sequence = Int(pointer["sequence"]); break;
                    case "MarksNumbersID": package.Marks = Text(pointer["marks"]); break;
                    case "QuantityQuantity": package.Quantity = Int(pointer["quantity"]); break;
                    case "TypeCode": package.TypeCode = Text(pointer["typeCode"]); break;
                    default: Keep(); break;
                }
            }
        }
        item.Packages.Add(package);
    }

    private Document ReadDocument(Pointer pointer)
    {
        _map.Add(pointer, _c.Line, _c.Here);
        var document = new Document();
        if (_c.Enter())
        {
            while (Next())
            {
                switch (_c.Name)
                {
                    case "CategoryCode": document.CategoryCode = Text(pointer["categoryCode"]); break;
                    case "TypeCode": document.TypeCode = Text(pointer["typeCode"]); break;
                    case "ID": document.Id = Text(pointer["id"]); break;
                    case "Name": document.Name = Text(pointer["name"]); break;
                    case "LineNumeric": document.LineNumeric = Text(pointer["lineNumeric"]); break;
                    default: Keep(); break;
                }
            }
        }
        return document;
    }

    // Parties --------------------------------------------------------------------------------------------------------

    private void PartyElement(PartyRole role)
    {
        // DMS has one party per role except authorisation holders; a second one (say a consignor named both on the
        // consignment and on the shipment) stays national data.
        if (role != PartyRole.AuthorisationHolder && _d.FindParty(role) is not null)
        {
            Keep();
            return;
        }
        var pointer = new Pointer(Parties, "");
        var party = ReadParty(role, pointer);
        _d.Parties.Add(party);
        _parties.Add((party, pointer));
    }

    private void ItemParty(PartyRole role)
    {
        var path = _c.Here;
        var pointer = new Pointer(Parties, "");
        _itemParties.Add((ReadParty(role, pointer), pointer, path));
    }

    private Party ReadParty(PartyRole role, Pointer pointer)
    {
        _map.Add(pointer, _c.Line, _c.Here);
        var party = new Party { Role = role };
        if (!_c.Enter()) return party;
        while (Next())
        {
            switch (_c.Name)
            {
                case "Name": party.Name = Text(pointer["name"]); break;
                case "ID":
                    party.Id = Text(pointer["id"]);
                    // DMS identifies traders by EORI (DE 3/2, 3/10, 3/16, 3/18, 3/20, 3/39); other WCO profiles carry national
                    // trader numbers here, so only an ID that starts like an EORI (a country code, or XI) is taken as one.
                    if (party.Id is { Length: > 2 } id && (id.StartsWith("XI", StringComparison.Ordinal) || Entente.CodeLists.CodeLists.Default.IsCountry(id[..2])))
                        party.IdScheme = "EORI";
                    break;
                case "FunctionCode" or "CategoryCode": party.FunctionCode = Text(pointer["functionCode"]); break;
                case "Address": party.Address = ReadAddress(pointer["address"]); break;
                // Contact names and phone numbers are not needed for customs cooperation.
                default: _c.Skip(); break;
            }
        }
        return party;
    }

    private Address? ReadAddress(Pointer pointer)
    {
        _map.Add(pointer, _c.Line, _c.Here);
        var address = new Address();
        if (_c.Enter())
        {
            while (Next())
            {
                switch (_c.Name)
                {
                    case "Line": address.Line = Text(pointer["line"]); break;
                    case "CityName": address.CityName = Text(pointer["cityName"]); break;
                    case "PostcodeID": address.PostcodeId = Text(pointer["postcodeId"]); break;
                    case "CountryCode": address.CountryCode = Text(pointer["countryCode"]); break;
                    default: _c.Skip(); break;
                }
            }
        }
        return address.Line is null && address.CityName is null && address.PostcodeId is null && address.CountryCode is null ? null : address;
    }

    private void OrderParties()
    {
        // Stable insertion sort: a handful of parties, and no allocation per declaration.
        for (var i = 1; i < _parties.Count; i++)
        {
            var current = _parties[i];
            var rank = Array.IndexOf(PartyOrder, current.Party.Role);
            var j = i - 1;
            for (; j >= 0 && Array.IndexOf(PartyOrder, _parties[j].Party.Role) > rank; j--) _parties[j + 1] = _parties[j];
            _parties[j + 1] = current;
        }
        _d.Parties.Clear();
        for (var i = 0; i < _parties.Count; i++)
        {
            _d.Parties.Add(_parties[i].Party);
            _parties[i].Pointer.Segment = i.ToString(CultureInfo.InvariantCulture);
        }
    }

    // An AEO authorisation (DE 3/39 AEOC, AEOS, AEOF) held by a party that the declaration names gives that party its AEO role.
    private void MarkAuthorisedEconomicOperators()
    {
        foreach (var holder in _d.Parties)
        {
            if (holder.Role != PartyRole.AuthorisationHolder || holder.Id is null || holder.FunctionCode is not { } category || !Dms.AeoAuthorisations.Contains(category))
                continue;
            foreach (var party in _d.Parties)
            {
                if (party.Role != PartyRole.AuthorisationHolder && party.Id == holder.Id && party.AeoRole is null) party.AeoRole = category;
            }
        }
    }

    private void KeepParty(Party party, ElementPath path)
    {
        var key = Key(path);
        Put(key + "/Name", party.Name);
        Put(key + "/ID", party.Id);
        Put(key + "/Address/CityName", party.Address?.CityName);
        Put(key + "/Address/CountryCode", party.Address?.CountryCode);
        Put(key + "/Address/Line", party.Address?.Line);
        Put(key + "/Address/PostcodeID", party.Address?.PostcodeId);
    }

    // Reading values ---------------------------------------------------------------------------------------------------

    private bool Next()
    {
        while (_c.NextChild())
        {
            if (_c.IsWco) return true;
            _c.Skip();
        }
        return false;
    }

    private Leaf? Captured()
    {
        var (line, path) = (_c.Line, _c.Here);
        return _c.Text() is { } value ? new Leaf(value, line, path) : null;
    }

    /// <summary>A value read from one element, with where it was.</summary>
    private readonly record struct Leaf(string Value, long Line, ElementPath Path);

    private string? Text(Pointer? field)
    {
        var (line, path) = (_c.Line, _c.Here);
        var value = _c.Text();
        if (value is not null && field is not null) _map.Add(field, line, path);
        return value;
    }

    /// <summary>The text of one child (e.g. SupervisingOffice/ID); other children are kept as national data.</summary>
    private string? InnerText(string child, Pointer field, bool keepOthers = true)
    {
        string? value = null;
        if (!_c.Enter()) return null;
        while (Next())
        {
            if (_c.Name == child && value is null) value = Text(field);
            else if (keepOthers) Keep();
            else _c.Skip();
        }
        return value;
    }

    private string? InnerId(Pointer field) => InnerText("ID", field);

    private int? Int(Pointer? field)
    {
        var (line, path) = (_c.Line, _c.Here);
        if (_c.Text() is not { } text) return null;
        if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            if (field is not null) _map.Add(field, line, path);
            return value;
        }
        Error(path, line, $"expected a whole number, got '{Clip(text)}'");
        return null;
    }

    private decimal? Decimal(Pointer field)
    {
        var (line, path) = (_c.Line, _c.Here);
        if (_c.Text() is not { } text) return null;
        if (decimal.TryParse(text, Dms.DecimalStyle, CultureInfo.InvariantCulture, out var value))
        {
            _map.Add(field, line, path);
            return value;
        }
        Error(path, line, $"expected a decimal number, got '{Clip(text)}'");
        return null;
    }

    private Amount? Amount(Pointer field, string currencyAttribute = "currencyID")
    {
        var (line, path) = (_c.Line, _c.Here);
        var currency = _c.Attribute(currencyAttribute);
        if (_c.Text() is not { } text) return null;
        if (!decimal.TryParse(text, Dms.DecimalStyle, CultureInfo.InvariantCulture, out var value))
        {
            Error(path, line, $"expected an amount (a decimal number), got '{Clip(text)}'");
            return null;
        }
        // Without the attribute the node's national currency is taken, with a finding (Ingest/ImpliedCurrency.cs).
        _map.Add(field, line, path);
        return new Amount(value, currency ?? "");
    }

    private Quantity? Quantity(Pointer field)
    {
        var (line, path) = (_c.Line, _c.Here);
        var unit = _c.Attribute("unitCode");
        if (_c.Text() is not { } text) return null;
        if (!decimal.TryParse(text, Dms.DecimalStyle, CultureInfo.InvariantCulture, out var value))
        {
            Error(path, line, $"expected a quantity (a decimal number), got '{Clip(text)}'");
            return null;
        }
        _map.Add(field, line, path);
        return new Quantity(value, unit);
    }

    // Masses are in kilograms (KGM, DMS's default); grams and tonnes are converted.
    private decimal? Mass(Pointer field)
    {
        var (line, path) = (_c.Line, _c.Here);
        var unit = _c.Attribute("unitCode");
        if (_c.Text() is not { } text) return null;
        if (!decimal.TryParse(text, Dms.DecimalStyle, CultureInfo.InvariantCulture, out var value))
        {
            Error(path, line, $"expected a mass in kilograms (a decimal number), got '{Clip(text)}'");
            return null;
        }
        decimal? kilograms = unit switch
        {
            null or "KGM" => value,
            "GRM" => value / 1000m,
            "TNE" => value * 1000m,
            _ when unit.StartsWith("KGM#", StringComparison.Ordinal) => value,
            _ => null,
        };
        if (kilograms is null)
        {
            Error(path, line, $"expected a mass in KGM (or GRM, TNE), got unitCode '{Clip(unit!)}'");
            return null;
        }
        _map.Add(field, line, path);
        return kilograms;
    }

    private DateTimeOffset? Date(Pointer field)
    {
        DateTimeOffset? result = null;
        var (at, here) = (_c.Line, _c.Here);
        if (!_c.Enter()) return null;
        // Some flavours write the date as the element's own text (ISO 8601 or a DMS date), not in a DateTimeString.
        var direct = new StringBuilder();
        while (_c.NextChild(direct))
        {
            if (!_c.IsWco || _c.Name != "DateTimeString" || result is not null)
            {
                _c.Skip();
                continue;
            }
            var (line, path) = (_c.Line, _c.Here);
            var format = _c.Attribute("formatCode");
            if (_c.Text() is not { } text) continue;
            if (Dms.TryParseDate(text, format, out var value, out var expected))
            {
                result = value;
                _map.Add(field, line, path);
            }
            else
            {
                Error(path, line, $"expected a date in {expected}, got '{Clip(text)}'");
            }
        }
        if (result is null && XmlCursor.Trimmed(direct) is { } own)
        {
            if (Dms.TryParseDate(own, null, out var value, out var expected))
            {
                result = value;
                _map.Add(field, at, here);
            }
            else
            {
                Error(here, at, $"expected a date in {expected}, got '{Clip(own)}'");
            }
        }
        return result;
    }

    // National data --------------------------------------------------------------------------------------------------

    /// <summary>Keeps the current element, its attributes and everything below it as national data.</summary>
    private void Keep()
    {
        var key = Key(_c.Here);
        foreach (var (name, attribute) in _c.DataAttributes()) _d.NationalData[key + "@" + name] = attribute;
        if (!_c.Enter()) return;
        var text = new StringBuilder();
        while (_c.NextChild(text))
        {
            if (_c.IsWco) Keep();
            else _c.Skip();
        }
        if (XmlCursor.Trimmed(text) is { } value) _d.NationalData[key] = value;
    }

    private void KeepValue(Leaf captured) => _d.NationalData[Key(captured.Path)] = captured.Value;

    private void Put(string key, string? value)
    {
        if (value is not null) _d.NationalData[key] = value;
    }

    private string Key(ElementPath path) => Dms.NationalDataPrefix + path.RelativeTo(_root);

    private void Error(ElementPath path, long line, string message) => _record.AddError(path.ToString(), message, line);

    private static string Clip(string value) => value.Length <= 40 ? value : value[..40] + "…";
}
