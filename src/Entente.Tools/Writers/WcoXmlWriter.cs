using System.Text;
using System.Xml;
using Entente.Declarations;
using Entente.Ingest.WcoXml;

namespace Entente.Tools.Writers;

/// <summary>
/// Writes canonical declarations as WCO Data Model 3.6 DMS XML (elements in the order of HMRC's WCO_DEC_2_DMS.xsd),
/// one md:MetaData document or a streamed &lt;DeclarationBatch xmlns="urn:entente:batch:1"&gt;. What
/// <see cref="WcoXmlReader"/> maps comes back unchanged when read again, "dms:" national data included.
/// </summary>
public static class WcoXmlWriter
{
    /// <summary>Namespace of the batch root element.</summary>
    public const string BatchNamespace = "urn:entente:batch:1";

    /// <summary>UTF-8 without a byte-order mark; indented for people, compact for bulk files.</summary>
    public static XmlWriterSettings Settings(bool indent = true) => new()
    {
        Encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
        Indent = indent,
        CloseOutput = false,
    };

    /// <summary>Writes one declaration as a DMS document (md:MetaData wrapping Declaration).</summary>
    public static void Write(Stream stream, Declaration declaration, bool indent = true)
    {
        using var writer = XmlWriter.Create(stream, Settings(indent));
        writer.WriteStartDocument();
        WriteMetaData(writer, declaration);
        writer.WriteEndDocument();
    }

    /// <summary>Writes one declaration as a DMS document and returns it as a string.</summary>
    public static string ToXml(Declaration declaration, bool indent = true)
    {
        using var stream = new MemoryStream();
        Write(stream, declaration, indent);
        return Encoding.UTF8.GetString(stream.GetBuffer(), 0, (int)stream.Length);
    }

    /// <summary>Writes a batch, pulling declarations one at a time so that any number fit in flat memory.</summary>
    public static void WriteBatch(Stream stream, IEnumerable<Declaration> declarations, bool indent = true, CancellationToken cancellationToken = default)
    {
        using var writer = XmlWriter.Create(stream, Settings(indent));
        WriteBatch(writer, declarations, cancellationToken);
    }

    public static void WriteBatch(XmlWriter writer, IEnumerable<Declaration> declarations, CancellationToken cancellationToken = default)
    {
        writer.WriteStartDocument();
        writer.WriteStartElement("DeclarationBatch", BatchNamespace);
        writer.WriteAttributeString("xmlns", "md", null, Dms.MetaDataNamespace);
        writer.WriteAttributeString("xmlns", "p1", null, Dms.DataTypesNamespace);
        foreach (var declaration in declarations)
        {
            cancellationToken.ThrowIfCancellationRequested();
            WriteMetaData(writer, declaration);
        }
        writer.WriteEndElement();
        writer.WriteEndDocument();
    }

    /// <summary>Writes the md:MetaData element (WCO data model 3.6, type DEC) around the declaration.</summary>
    public static void WriteMetaData(XmlWriter writer, Declaration declaration)
    {
        writer.WriteStartElement("md", "MetaData", Dms.MetaDataNamespace);
        writer.WriteElementString("md", "WCODataModelVersionCode", Dms.MetaDataNamespace, "3.6");
        writer.WriteElementString("md", "WCOTypeName", Dms.MetaDataNamespace, "DEC");
        WriteDeclaration(writer, declaration);
        writer.WriteEndElement();
    }

    /// <summary>Writes the bare Declaration element.</summary>
    public static void WriteDeclaration(XmlWriter writer, Declaration declaration) => new DmsWriter(writer, declaration).Write();

    private sealed class DmsWriter(XmlWriter w, Declaration d)
    {
        private const string Ns = Dms.DeclarationNamespace;

        public void Write()
        {
            var x = d.NationalData.Count > 0 ? Extras.From(d.NationalData) : null;
            w.WriteStartElement("Declaration", Ns);
            if (w.LookupPrefix(Dms.DataTypesNamespace) is null) w.WriteAttributeString("xmlns", "p1", null, Dms.DataTypesNamespace);
            Children("Declaration", x, name => Declaration(name, x));
            w.WriteEndElement();
        }

        private void Declaration(string name, Extras? x)
        {
            switch (name)
            {
                case "AcceptanceDateTime": Date(name, d.AcceptanceDateTime); break;
                case "FunctionCode": Leaf(name, d.FunctionCode); break;
                case "FunctionalReferenceID": Leaf(name, d.Lrn); break;
                case "ID": Leaf(name, d.Mrn); break;
                case "IssueDateTime": Date(name, d.IssueDateTime); break;
                case "TypeCode": Leaf(name, d.TypeCode); break;
                case "GoodsItemQuantity": Leaf(name, d.GoodsItemQuantity); break;
                case "DeclarationOfficeID": Leaf(name, d.DeclarationOfficeId); break;
                case "InvoiceAmount": Amount(name, d.InvoiceAmount); break;
                case "TotalGrossMassMeasure": Mass(name, d.TotalGrossMassKg); break;
                case "TotalPackageQuantity": Leaf(name, d.TotalPackageQuantity); break;
                case "AdditionalDocument":
                    for (var i = 0; i < d.AdditionalDocuments.Count; i++) Document(name, d.AdditionalDocuments[i], x?.Take(name, i + 1));
                    break;
                case "Agent": Party(name, First(PartyRole.Representative), x?.Take(name)); break;
                case "AuthorisationHolder": AuthorisationHolders(x); break;
                case "BorderTransportMeans": BorderTransportMeans(x?.Take(name)); break;
                case "Consignment": DeclarationConsignment(x?.Take(name)); break;
                case "Declarant": Party(name, First(PartyRole.Declarant), x?.Take(name)); break;
                case "Exporter": Party(name, First(PartyRole.Exporter), x?.Take(name)); break;
                case "GoodsShipment": GoodsShipment(x?.Take(name)); break;
                case "SupervisingOffice": Single(name, "ID", d.SupervisingOfficeId, x?.Take(name)); break;
            }
        }

        private void AuthorisationHolders(Extras? x)
        {
            var k = 0;
            foreach (var holder in d.Parties)
            {
                if (holder.Role == PartyRole.AuthorisationHolder) Party("AuthorisationHolder", holder, x?.Take("AuthorisationHolder", ++k));
            }
            // An AEO role the declaration gives a party is declared as that party's AEO authorisation (DE 3/39).
            var written = new HashSet<(string, string)>();
            foreach (var party in d.Parties)
            {
                if (party is not { Role: not PartyRole.AuthorisationHolder, Id: { } id, AeoRole: { } role }) continue;
                var declared = d.Parties.Exists(h => h.Role == PartyRole.AuthorisationHolder && h.Id == id && h.FunctionCode == role);
                if (declared || !written.Add((id, role))) continue;
                w.WriteStartElement("AuthorisationHolder", Ns);
                Leaf("ID", id);
                Leaf("CategoryCode", role);
                w.WriteEndElement();
            }
        }

        private void BorderTransportMeans(Extras? x)
        {
            var means = d.GoodsShipment.Consignment.BorderTransportMeans;
            var mode = d.GoodsShipment.Consignment.ModeOfTransportAtBorder ?? means?.ModeCode;
            Element("BorderTransportMeans", x, means is null && mode is null ? null : name =>
            {
                switch (name)
                {
                    case "Name": Leaf(name, means?.Name); break;
                    case "ID": Leaf(name, means?.Id); break;
                    case "IdentificationTypeCode": Leaf(name, means?.IdentificationTypeCode); break;
                    case "RegistrationNationalityCode": Leaf(name, means?.NationalityCode); break;
                    case "ModeCode": Leaf(name, mode); break;
                }
            });
        }

        private void DeclarationConsignment(Extras? x)
        {
            var carrier = First(PartyRole.Carrier);
            var consignor = First(PartyRole.Consignor);
            var routes = d.GoodsShipment.Consignment.ItineraryCountryCodes;
            Element("Consignment", x, carrier is null && consignor is null && routes.Count == 0 ? null : name =>
            {
                switch (name)
                {
                    case "Carrier": Party(name, carrier, x?.Take(name)); break;
                    case "Consignor": Party(name, consignor, x?.Take(name)); break;
                    case "Itinerary":
                        for (var i = 0; i < routes.Count; i++)
                        {
                            var (sequence, country) = (i + 1, routes[i]);
                            Element(name, x?.Take(name, sequence), route =>
                            {
                                if (route == "SequenceNumeric") Leaf(route, sequence);
                                else if (route == "RoutingCountryCode") Leaf(route, country);
                            });
                        }
                        break;
                }
            });
        }

        private void GoodsShipment(Extras? x)
        {
            var shipment = d.GoodsShipment;
            var consignment = shipment.Consignment;
            var has = shipment.TransactionNatureCode is not null || shipment.ExportCountryCode is not null || shipment.DestinationCountryCode is not null
                || shipment.GoodsItems.Count > 0 || d.PreviousDocuments.Count > 0 || d.Ucr is not null || HasShipmentConsignment(consignment)
                || d.Parties.Exists(p => p.Role is PartyRole.Buyer or PartyRole.Consignee or PartyRole.Importer or PartyRole.Seller);
            Element("GoodsShipment", x, !has ? null : name =>
            {
                switch (name)
                {
                    case "TransactionNatureCode": Leaf(name, shipment.TransactionNatureCode); break;
                    case "Buyer": Party(name, First(PartyRole.Buyer), x?.Take(name)); break;
                    case "Consignee": Party(name, First(PartyRole.Consignee), x?.Take(name)); break;
                    case "Importer": Party(name, First(PartyRole.Importer), x?.Take(name)); break;
                    case "Seller": Party(name, First(PartyRole.Seller), x?.Take(name)); break;
                    case "Consignment": ShipmentConsignment(x?.Take(name)); break;
                    case "Destination": Single(name, "CountryCode", shipment.DestinationCountryCode, x?.Take(name)); break;
                    case "ExportCountry": Single(name, "ID", shipment.ExportCountryCode, x?.Take(name)); break;
                    case "GovernmentAgencyGoodsItem":
                        for (var i = 0; i < shipment.GoodsItems.Count; i++) GoodsItem(shipment.GoodsItems[i], x?.Take(name, i + 1));
                        break;
                    case "PreviousDocument":
                        for (var i = 0; i < d.PreviousDocuments.Count; i++) Document(name, d.PreviousDocuments[i], x?.Take(name, i + 1));
                        break;
                    case "UCR": Single(name, "TraderAssignedReferenceID", d.Ucr, x?.Take(name)); break;
                }
            });
        }

        private static bool HasShipmentConsignment(Consignment c) =>
            c.Containerised is not null || c.ArrivalTransportMeans is not null || c.InlandModeOfTransport is not null
            || c.GoodsLocation is not null || c.LoadingLocation is not null || c.Containers.Count > 0;

        private void ShipmentConsignment(Extras? x)
        {
            var c = d.GoodsShipment.Consignment;
            Element("Consignment", x, !HasShipmentConsignment(c) ? null : name =>
            {
                switch (name)
                {
                    case "ContainerCode": Leaf(name, c.Containerised switch { true => "1", false => "0", null => null }); break;
                    case "ArrivalTransportMeans":
                        var arrival = c.ArrivalTransportMeans;
                        Element(name, x?.Take(name), arrival is null ? null : part =>
                        {
                            switch (part)
                            {
                                case "Name": Leaf(part, arrival.Name); break;
                                case "ID": Leaf(part, arrival.Id); break;
                                case "IdentificationTypeCode": Leaf(part, arrival.IdentificationTypeCode); break;
                                case "ModeCode": Leaf(part, arrival.ModeCode); break;
                            }
                        });
                        break;
                    case "DepartureTransportMeans": Single(name, "ModeCode", c.InlandModeOfTransport, x?.Take(name)); break;
                    case "GoodsLocation": GoodsLocation(c.GoodsLocation, x?.Take(name)); break;
                    case "LoadingLocation": Single(name, "ID", c.LoadingLocation, x?.Take(name)); break;
                    case "TransportEquipment":
                        for (var i = 0; i < c.Containers.Count; i++) Container(c.Containers[i], x?.Take(name, i + 1));
                        break;
                }
            });
        }

        // GBAUWLALONBTW goes out as country GB, type A, qualifier U and identification WLALONBTW, unless the
        // parts were declared apart (then they are national data and the code is the name).
        private void GoodsLocation(string? location, Extras? x)
        {
            var partsApart = x is not null && (x.Has("TypeCode") || x.Children.Any(c => c.Name == "Address" && (c.Has("TypeCode") || c.Has("CountryCode"))));
            if (location is null || partsApart || !IsComposite(location))
            {
                Element("GoodsLocation", x, location is null ? null : name =>
                {
                    if (name == "Name") Leaf(name, location);
                });
                return;
            }
            Element("GoodsLocation", x, name =>
            {
                switch (name)
                {
                    case "Name": Leaf(name, location[4..]); break;
                    case "TypeCode": Leaf(name, location[2..3]); break;
                    case "Address":
                        Element(name, x?.Take(name), part =>
                        {
                            if (part == "TypeCode") Leaf(part, location[3..4]);
                            else if (part == "CountryCode") Leaf(part, location[..2]);
                        });
                        break;
                }
            });
        }

        private static bool IsComposite(string location) =>
            location.Length >= 5 && char.IsAsciiLetterUpper(location[0]) && char.IsAsciiLetterUpper(location[1])
            && Dms.IsLocationType(location[2]) && Dms.IsLocationQualifier(location[3]);

        private void Container(Container container, Extras? x)
        {
            Element("TransportEquipment", x, name =>
            {
                switch (name)
                {
                    case "SequenceNumeric": Leaf(name, container.Sequence); break;
                    case "ID": Leaf(name, container.Id.Length > 0 ? container.Id : null); break;
                    case "Seal":
                        for (var i = 0; i < container.Seals.Count; i++)
                        {
                            var (sequence, seal) = (i + 1, container.Seals[i]);
                            Element(name, x?.Take(name, sequence), part =>
                            {
                                if (part == "SequenceNumeric") Leaf(part, sequence);
                                else if (part == "ID") Leaf(part, seal);
                            });
                        }
                        break;
                }
            });
        }

        private void GoodsItem(GoodsItem item, Extras? x)
        {
            Element("GovernmentAgencyGoodsItem", x, name =>
            {
                switch (name)
                {
                    case "CustomsValueAmount": Amount(name, item.CustomsValue); break;
                    case "SequenceNumeric": Leaf(name, item.Sequence > 0 ? item.Sequence : null); break;
                    case "AdditionalDocument":
                        for (var i = 0; i < item.AdditionalDocuments.Count; i++) Document(name, item.AdditionalDocuments[i], x?.Take(name, i + 1));
                        break;
                    case "Commodity": Commodity(item, x?.Take(name)); break;
                    case "CustomsValuation": Single(name, "MethodCode", item.ValuationMethodCode, x?.Take(name)); break;
                    case "GovernmentProcedure": Procedures(item, x); break;
                    case "Origin":
                        Element(name, x?.Take(name, 1), item.OriginCountryCode is null && item.OriginTypeCode is null ? null : part =>
                        {
                            if (part == "CountryCode") Leaf(part, item.OriginCountryCode);
                            else if (part == "TypeCode") Leaf(part, item.OriginTypeCode);
                        });
                        break;
                    case "Packaging":
                        for (var i = 0; i < item.Packages.Count; i++) Package(item.Packages[i], x?.Take(name, i + 1));
                        break;
                    case "PreviousDocument":
                        for (var i = 0; i < item.PreviousDocuments.Count; i++) Document(name, item.PreviousDocuments[i], x?.Take(name, i + 1));
                        break;
                }
            });
        }

        private void Procedures(GoodsItem item, Extras? x)
        {
            var k = 0;
            if (item.RequestedProcedureCode is not null || item.PreviousProcedureCode is not null)
            {
                Element("GovernmentProcedure", x?.Take("GovernmentProcedure", ++k), name =>
                {
                    if (name == "CurrentCode") Leaf(name, item.RequestedProcedureCode);
                    else if (name == "PreviousCode") Leaf(name, item.PreviousProcedureCode);
                });
            }
            foreach (var code in item.AdditionalProcedureCodes)
            {
                Element("GovernmentProcedure", x?.Take("GovernmentProcedure", ++k), name =>
                {
                    if (name == "CurrentCode") Leaf(name, code);
                });
            }
        }

        private void Commodity(GoodsItem item, Extras? x)
        {
            var has = item.Description is not null || item.Classification is not null || item.AdditionalClassifications.Count > 0
                || item.DutyTaxFees.Count > 0 || item.GrossMassKg is not null || item.NetMassKg is not null
                || item.SupplementaryQuantity is not null || item.ItemPrice is not null;
            Element("Commodity", x, !has ? null : name =>
            {
                switch (name)
                {
                    case "Description": Leaf(name, item.Description); break;
                    case "Classification":
                        var k = 0;
                        if (item.Classification is { } main)
                            Classification(main.Code, main.Scheme == DeclarationMapper.SchemeOfTsp(main.Code) ? "TSP" : main.Scheme, x?.Take(name, ++k));
                        foreach (var additional in item.AdditionalClassifications)
                            Classification(additional.Code, additional.Scheme, x?.Take(name, ++k));
                        break;
                    case "DutyTaxFee":
                        for (var i = 0; i < item.DutyTaxFees.Count; i++) DutyTaxFee(item.DutyTaxFees[i], x?.Take(name, i + 1));
                        break;
                    case "GoodsMeasure":
                        var measured = item.GrossMassKg is not null || item.NetMassKg is not null || item.SupplementaryQuantity is not null;
                        Element(name, x?.Take(name), !measured ? null : part =>
                        {
                            switch (part)
                            {
                                case "GrossMassMeasure": Mass(part, item.GrossMassKg); break;
                                case "NetNetWeightMeasure": Mass(part, item.NetMassKg); break;
                                case "TariffQuantity": Quantity(part, item.SupplementaryQuantity); break;
                            }
                        });
                        break;
                    case "InvoiceLine":
                        Element(name, x?.Take(name), item.ItemPrice is null ? null : part =>
                        {
                            if (part == "ItemChargeAmount") Amount(part, item.ItemPrice);
                        });
                        break;
                }
            });
        }

        private void Classification(string code, string type, Extras? x) =>
            Element("Classification", x, name =>
            {
                if (name == "ID") Leaf(name, code);
                else if (name == "IdentificationTypeCode") Leaf(name, type.Length > 0 ? type : null);
            });

        private void DutyTaxFee(DutyTaxFee fee, Extras? x) =>
            Element("DutyTaxFee", x, name =>
            {
                switch (name)
                {
                    case "AdValoremTaxBaseAmount": Amount(name, fee.TaxBase); break;
                    case "DutyRegimeCode": Leaf(name, fee.DutyRegimeCode); break;
                    case "TaxRateNumeric": Leaf(name, fee.RatePercent); break;
                    case "TypeCode": Leaf(name, fee.TypeCode); break;
                    case "Payment":
                        Element(name, x?.Take(name), fee.PaymentMethodCode is null && fee.Payable is null ? null : part =>
                        {
                            if (part == "MethodCode") Leaf(part, fee.PaymentMethodCode);
                            else if (part == "PaymentAmount") Amount(part, fee.Payable);
                        });
                        break;
                }
            });

        private void Package(Packaging package, Extras? x) =>
            Element("Packaging", x, name =>
            {
                switch (name)
                {
                    case "SequenceNumeric": Leaf(name, package.Sequence); break;
                    case "MarksNumbersID": Leaf(name, package.Marks); break;
                    case "QuantityQuantity": Leaf(name, package.Quantity); break;
                    case "TypeCode": Leaf(name, package.TypeCode); break;
                }
            });

        private void Document(string element, Document document, Extras? x) =>
            Element(element, x, name =>
            {
                switch (name)
                {
                    case "CategoryCode": Leaf(name, document.CategoryCode); break;
                    case "ID": Leaf(name, document.Id); break;
                    case "Name": Leaf(name, document.Name); break;
                    case "TypeCode": Leaf(name, document.TypeCode); break;
                    case "LineNumeric": Leaf(name, document.LineNumeric); break;
                }
            });

        private void Party(string element, Party? party, Extras? x) =>
            Element(element, x, party is null ? null : name =>
            {
                switch (name)
                {
                    case "Name": Leaf(name, party.Name); break;
                    case "ID": Leaf(name, party.Id); break;
                    case "FunctionCode" when element == "Agent": Leaf(name, party.FunctionCode); break;
                    case "CategoryCode" when element == "AuthorisationHolder": Leaf(name, party.FunctionCode); break;
                    case "Address":
                        var address = party.Address;
                        Element(name, x?.Take(name), address is null ? null : part =>
                        {
                            switch (part)
                            {
                                case "CityName": Leaf(part, address.CityName); break;
                                case "CountryCode": Leaf(part, address.CountryCode); break;
                                case "Line": Leaf(part, address.Line); break;
                                case "PostcodeID": Leaf(part, address.PostcodeId); break;
                            }
                        });
                        break;
                }
            });

        private Party? First(PartyRole role) => d.Parties.Find(p => p.Role == role);

        // An element holding one canonical value, such as SupervisingOffice/ID.
        private void Single<T>(string element, string child, T? value, Extras? x) =>
            Element(element, x, value is null ? null : name =>
            {
                if (name == child) Leaf(name, Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture));
            });

        // Elements ------------------------------------------------------------------------------------------------------

        /// <summary>
        /// Writes an element when it has canonical content (<paramref name="own"/>, called once per child name in schema
        /// order) or national data (<paramref name="x"/>), whose remaining children go in at their schema position.
        /// </summary>
        private void Element(string name, Extras? x, Action<string>? own)
        {
            if (own is null && x is null) return;
            w.WriteStartElement(name, Ns);
            if (x is not null)
            {
                foreach (var (attribute, value) in x.Attributes) w.WriteAttributeString(attribute, value);
            }
            Children(name, x, own);
            w.WriteEndElement();
        }

        private void Children(string element, Extras? x, Action<string>? own)
        {
            Dms.ChildOrder.TryGetValue(element, out var order);
            foreach (var name in order ?? [])
            {
                own?.Invoke(name);
                if (x is null) continue;
                foreach (var child in x.Children.Where(c => c.Name == name && !c.Taken).OrderBy(c => c.Position)) Extra(child);
            }
            if (x is null) return;
            foreach (var child in x.Children)
            {
                if (!child.Taken && (order is null || Array.IndexOf(order, child.Name) < 0)) Extra(child);
            }
        }

        private void Extra(Extras e)
        {
            if (e.Name == "DateTimeString") w.WriteStartElement("p1", e.Name, Dms.DataTypesNamespace);
            else w.WriteStartElement(e.Name, Ns);
            foreach (var (attribute, value) in e.Attributes) w.WriteAttributeString(attribute, value);
            if (e.Text is not null) w.WriteString(e.Text);
            Children(e.Name, e, null);
            w.WriteEndElement();
        }

        private void Leaf(string name, string? value)
        {
            if (value is not null) w.WriteElementString(name, Ns, value);
        }

        private void Leaf(string name, int? value)
        {
            if (value is { } v) w.WriteElementString(name, Ns, Dms.Format(v));
        }

        private void Leaf(string name, decimal? value)
        {
            if (value is { } v) w.WriteElementString(name, Ns, Dms.Format(v));
        }

        private void Amount(string name, Amount? amount)
        {
            if (amount is null) return;
            w.WriteStartElement(name, Ns);
            if (amount.Currency.Length > 0) w.WriteAttributeString("currencyID", amount.Currency);
            w.WriteString(Dms.Format(amount.Value));
            w.WriteEndElement();
        }

        private void Mass(string name, decimal? kilograms)
        {
            if (kilograms is not { } value) return;
            w.WriteStartElement(name, Ns);
            w.WriteAttributeString("unitCode", "KGM");
            w.WriteString(Dms.Format(value));
            w.WriteEndElement();
        }

        private void Quantity(string name, Quantity? quantity)
        {
            if (quantity is null) return;
            w.WriteStartElement(name, Ns);
            if (quantity.Unit is { Length: > 0 } unit) w.WriteAttributeString("unitCode", unit);
            w.WriteString(Dms.Format(quantity.Value));
            w.WriteEndElement();
        }

        private void Date(string name, DateTimeOffset? value)
        {
            if (value is not { } date) return;
            w.WriteStartElement(name, Ns);
            w.WriteStartElement("p1", "DateTimeString", Dms.DataTypesNamespace);
            w.WriteAttributeString("formatCode", "304");
            w.WriteString(Dms.FormatDate(date));
            w.WriteEndElement();
            w.WriteEndElement();
        }
    }
}
