using System.Globalization;
using System.Text;
using Entente.Declarations;
using Entente.Ingest.Edifact;

namespace Entente.Tools.Writers;

/// <summary>The character set of a written interchange.</summary>
public enum EdifactCharacterSet
{
    /// <summary>UNOC, syntax version 3: ISO 8859-1. A value outside it makes the writer throw.</summary>
    Unoc,

    /// <summary>UNOW, syntax version 4: UTF-8.</summary>
    Unow,
}

/// <summary>The envelope of an interchange the <see cref="CusdecWriter"/> writes.</summary>
public sealed class CusdecWriterOptions
{
    /// <summary>UNB interchange sender (S002/0004).</summary>
    public required string Sender { get; init; }

    /// <summary>UNB interchange recipient (S003/0010).</summary>
    public required string Recipient { get; init; }

    /// <summary>UNB/UNZ interchange control reference (0020, up to 14 characters).</summary>
    public required string ControlReference { get; init; }

    /// <summary>Date and time of preparation (S004), written in UTC.</summary>
    public required DateTimeOffset PreparedAt { get; init; }

    public EdifactCharacterSet CharacterSet { get; init; } = EdifactCharacterSet.Unoc;

    /// <summary>A line break after each segment terminator (readers ignore it).</summary>
    public bool SegmentPerLine { get; init; } = true;
}

/// <summary>
/// Writes canonical declarations as one CUSDEC interchange (UNA, UNB, a UNH..UNT message per declaration,
/// UNZ), streaming: each <see cref="Write"/> goes straight to the stream. <see cref="Complete"/> writes the
/// UNZ; an interchange disposed without it has no UNZ, so a reader refuses it as truncated.
/// What <see cref="CusdecReader"/> maps, this writes back (docs/formats/edifact.md).
/// </summary>
public sealed class CusdecWriter : IDisposable
{
    private const string Release = "96B";

    private readonly StreamWriter _output;
    private readonly EdifactSegmentWriter _w;
    private readonly CusdecWriterOptions _options;
    private bool _completed;

    public CusdecWriter(Stream stream, CusdecWriterOptions options)
    {
        _options = options;
        var latin1 = options.CharacterSet == EdifactCharacterSet.Unoc;
        Encoding encoding = latin1 ? Encoding.Latin1 : new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
        _output = new StreamWriter(stream, encoding, bufferSize: 64 * 1024, leaveOpen: true);
        var delimiters = EdifactDelimiters.Default;
        _w = new EdifactSegmentWriter(_output, delimiters, latin1, options.SegmentPerLine);

        _output.Write(delimiters.ToServiceStringAdvice());
        if (options.SegmentPerLine) _output.Write('\n');
        var at = options.PreparedAt.ToUniversalTime();
        _w.Begin("UNB");
        _w.Element(latin1 ? "UNOC" : "UNOW", latin1 ? "3" : "4");
        _w.Element(options.Sender);
        _w.Element(options.Recipient);
        _w.Element(
            at.ToString(latin1 ? "yyMMdd" : "yyyyMMdd", CultureInfo.InvariantCulture),
            at.ToString("HHmm", CultureInfo.InvariantCulture));
        _w.Element(options.ControlReference);
        _w.End();
    }

    /// <summary>Messages written so far.</summary>
    public int MessageCount { get; private set; }

    /// <summary>Writes one declaration as a CUSDEC message.</summary>
    public void Write(Declaration declaration)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        var w = _w;
        var reference = (MessageCount + 1).ToString(CultureInfo.InvariantCulture);
        w.StartCount();
        w.Begin("UNH");
        w.Element(reference);
        w.Element(CusdecCodes.MessageType, "D", Release, "UN");
        w.End();

        Header(declaration);
        w.Begin("UNS");
        w.Element("D");
        w.End();
        foreach (var item in declaration.GoodsShipment.GoodsItems) GoodsItem(item);
        w.Begin("UNS");
        w.Element("S");
        w.End();
        ControlTotal(CusdecCodes.LineItems, declaration.GoodsItemQuantity);
        ControlTotal(CusdecCodes.Packages, declaration.TotalPackageQuantity);

        w.Begin("UNT");
        w.Element();
        w.Component(w.Count);
        w.Element(reference);
        w.End();
        MessageCount++;
    }

    /// <summary>Writes the UNZ and flushes. Nothing can be written after it.</summary>
    public void Complete()
    {
        if (_completed) return;
        _w.Begin("UNZ");
        _w.Element();
        _w.Component(MessageCount);
        _w.Element(_options.ControlReference);
        _w.End();
        _output.Flush();
        _completed = true;
    }

    public void Dispose()
    {
        _output.Flush();
        _output.Dispose();
        _completed = true;
    }

    /// <summary>Writes a whole interchange: every declaration, then the UNZ.</summary>
    public static void WriteInterchange(Stream stream, IEnumerable<Declaration> declarations, CusdecWriterOptions options)
    {
        using var writer = new CusdecWriter(stream, options);
        foreach (var declaration in declarations) writer.Write(declaration);
        writer.Complete();
    }

    private void Header(Declaration d)
    {
        var w = _w;
        w.Begin("BGM");
        w.Element(d.TypeCode);
        w.Element(d.Lrn);
        w.Element(d.FunctionCode);
        w.End();

        var shipment = d.GoodsShipment;
        var consignment = shipment.Consignment;
        Place(CusdecCodes.PlaceOfDeparture, consignment.DepartureCountryCode);
        Place(CusdecCodes.PlaceOfLoading, consignment.LoadingLocation);
        Place(CusdecCodes.PlaceOfDischarge, consignment.UnloadingLocation);
        Place(CusdecCodes.GoodsLocation, consignment.GoodsLocation);
        Place(CusdecCodes.OfficeOfDeclaration, d.DeclarationOfficeId);
        Place(CusdecCodes.CountryOfDestination, shipment.DestinationCountryCode);
        Place(CusdecCodes.CountryOfDispatch, shipment.ExportCountryCode);
        Date(CusdecCodes.DocumentDate, d.IssueDateTime);
        Date(CusdecCodes.AcceptanceDate, d.AcceptanceDateTime);
        Indicator(shipment.TransactionNatureCode, CusdecCodes.TransactionNature);
        if (d.TotalGrossMassKg is { } gross) Measure(CusdecCodes.Measurement, CusdecCodes.TotalGrossWeight, "KGM", gross);

        foreach (var container in consignment.Containers)
        {
            w.Begin("EQD");
            w.Element("CN");
            w.Element(container.Id);
            w.End();
            foreach (var seal in container.Seals)
            {
                w.Begin("SEL");
                w.Element(seal);
                w.End();
            }
        }

        Reference(CusdecCodes.UniqueConsignmentReference, d.Ucr, null);
        Reference(CusdecCodes.CustomsDeclarationNumber, d.Mrn, null);
        foreach (var document in d.PreviousDocuments) Reference(document.TypeCode, document.Id, document.LineNumeric);

        if (consignment.ModeOfTransportAtBorder is not null || consignment.BorderTransportMeans is not null)
            Transport(CusdecCodes.AtBorder, consignment.ModeOfTransportAtBorder ?? consignment.BorderTransportMeans?.ModeCode, consignment.BorderTransportMeans);
        if (consignment.InlandModeOfTransport is { } inland)
            Transport(CusdecCodes.InlandTransport, inland, null);
        if (consignment.ArrivalTransportMeans is { } arrival)
            Transport(CusdecCodes.AtDestination, arrival.ModeCode, arrival);

        foreach (var document in d.AdditionalDocuments) AdditionalDocument(document);
        foreach (var party in d.Parties) Party(party);
        Money(CusdecCodes.InvoiceTotal, d.InvoiceAmount);
    }

    private void GoodsItem(GoodsItem item)
    {
        var w = _w;
        w.Begin("CST");
        w.Element();
        w.Component(item.Sequence);
        var slots = 4;
        if (item.Classification is { } classification)
            w.Element(classification.Code, classification.Scheme, CusdecCodes.MutuallyDefined);
        var procedure = item.RequestedProcedureCode is null ? null : item.RequestedProcedureCode + item.PreviousProcedureCode;
        if (procedure is not null)
        {
            w.Element(procedure, CusdecCodes.CustomsProcedure, CusdecCodes.MutuallyDefined);
            slots--;
        }
        if (item.AdditionalClassifications.Count > slots)
            throw new InvalidOperationException(
                $"goods item {item.Sequence} has {item.AdditionalClassifications.Count} additional commodity codes; a CUSDEC CST carries at most {slots} beside the commodity code{(procedure is null ? "" : " and the procedure")}");
        foreach (var additional in item.AdditionalClassifications)
            w.Element(additional.Code, additional.Scheme, CusdecCodes.MutuallyDefined);
        w.End();

        if (item.Description is not null)
        {
            w.Begin("FTX");
            w.Element("AAA");
            w.Element();
            w.Element();
            w.Element();
            w.Text(item.Description, 70, 5);
            w.End();
        }
        Place(CusdecCodes.CountryOfOrigin, item.OriginCountryCode);
        foreach (var code in item.AdditionalProcedureCodes) Indicator(code, CusdecCodes.AdditionalProcedure);
        Indicator(item.OriginTypeCode, CusdecCodes.OriginType);
        Indicator(item.ValuationMethodCode, CusdecCodes.ValuationMethod);
        if (item.NetMassKg is { } net) Measure(CusdecCodes.Measurement, CusdecCodes.NetWeight, "KGM", net);
        if (item.GrossMassKg is { } gross) Measure(CusdecCodes.Measurement, CusdecCodes.GrossWeight, "KGM", gross);
        if (item.SupplementaryQuantity is { } quantity) Measure(CusdecCodes.CustomsLineItemMeasurement, null, quantity.Unit, quantity.Value);

        foreach (var package in item.Packages)
        {
            w.Begin("PAC");
            w.Element();
            w.Component(package.Quantity);
            w.Element();
            w.Element(package.TypeCode);
            w.End();
            if (package.Marks is not null)
            {
                w.Begin("PCI");
                w.Element();
                w.Element();
                w.Text(package.Marks, 35, 10);
                w.End();
            }
        }
        Money(CusdecCodes.InvoiceItemAmount, item.ItemPrice);
        Money(CusdecCodes.CustomsValue, item.CustomsValue);
        foreach (var tax in item.DutyTaxFees)
        {
            w.Begin("TAX");
            w.Element(CusdecCodes.ItemDutyTaxFee);
            w.Element(tax.TypeCode);
            w.Element();
            w.Element();
            w.Element();
            w.Component((string?)null);
            w.Component((string?)null);
            w.Component((string?)null);
            w.Component(tax.RatePercent);
            w.Element(tax.DutyRegimeCode);
            w.End();
            Money(CusdecCodes.TaxableAmount, tax.TaxBase);
            Money(CusdecCodes.DutyTaxFeeAmount, tax.Payable);
            Indicator(tax.PaymentMethodCode, CusdecCodes.PaymentMethod);
        }
        foreach (var document in item.AdditionalDocuments) AdditionalDocument(document);
        foreach (var document in item.PreviousDocuments) Reference(document.TypeCode, document.Id, document.LineNumeric);
    }

    private void Place(string qualifier, string? place)
    {
        if (place is null) return;
        _w.Begin("LOC");
        _w.Element(qualifier);
        _w.Element(place);
        _w.End();
    }

    private void Date(string qualifier, DateTimeOffset? value)
    {
        if (value is not { } date) return;
        var utc = date.UtcDateTime;
        var (format, pattern) = utc.TimeOfDay == TimeSpan.Zero ? (CusdecCodes.FormatDate, "yyyyMMdd")
            : utc.Second == 0 && utc.Millisecond == 0 ? (CusdecCodes.FormatMinutes, "yyyyMMddHHmm")
            : (CusdecCodes.FormatSeconds, "yyyyMMddHHmmss");
        _w.Begin("DTM");
        _w.Element(qualifier, utc.ToString(pattern, CultureInfo.InvariantCulture), format);
        _w.End();
    }

    private void Indicator(string? code, string qualifier)
    {
        if (code is null) return;
        _w.Begin("GIS");
        _w.Element(code, qualifier, CusdecCodes.MutuallyDefined);
        _w.End();
    }

    private void Measure(string application, string? dimension, string? unit, decimal value)
    {
        _w.Begin("MEA");
        _w.Element(application);
        _w.Element(dimension);
        _w.Element();
        _w.Component(unit);
        _w.Component(value);
        _w.End();
    }

    private void Reference(string? qualifier, string? id, string? line)
    {
        if (id is null) return;
        _w.Begin("RFF");
        _w.Element(qualifier, id, line);
        _w.End();
    }

    private void Transport(string stage, int? mode, TransportMeans? means)
    {
        var w = _w;
        w.Begin("TDT");
        w.Element(stage);
        w.Element();
        w.Element();
        w.Component(mode);
        w.Element();
        w.Element();
        w.Element();
        w.Element();
        if (means is not null)
        {
            w.Element();
            w.Component(means.Id);
            if (means.Id is not null && means.IdentificationTypeCode == CusdecCodes.ImoIdentificationType)
            {
                w.Component(CusdecCodes.MeansIdentification);
                w.Component(CusdecCodes.LloydsRegister);
            }
            else if (means.Id is not null && means.IdentificationTypeCode is { } type)
            {
                w.Component(type);
                w.Component(CusdecCodes.MutuallyDefined);
            }
            else
            {
                w.Component((string?)null);
                w.Component((string?)null);
            }
            w.Component(means.Name);
            w.Component(means.NationalityCode);
        }
        w.End();
    }

    private void AdditionalDocument(Document document)
    {
        _w.Begin("DOC");
        _w.Element(document.TypeCode, document.CategoryCode, document.CategoryCode is null ? null : CusdecCodes.MutuallyDefined, document.Name);
        _w.Element(document.Id);
        _w.End();
    }

    private void Party(Party party)
    {
        if (CusdecCodes.QualifierOf(party.Role) is not { } qualifier) return;
        var w = _w;
        w.Begin("NAD");
        w.Element(qualifier);
        w.Element(party.Id, party.Id is null ? null : party.IdScheme);
        w.Element();
        w.Element();
        w.Text(party.Name, 35, 5);
        w.Element();
        w.Text(party.Address?.Line, 35, 4);
        w.Element(party.Address?.CityName);
        w.Element();
        w.Element(party.Address?.PostcodeId);
        w.Element(party.Address?.CountryCode);
        w.End();
    }

    private void Money(string qualifier, Amount? amount)
    {
        if (amount is null) return;
        _w.Begin("MOA");
        _w.Element();
        _w.Component(qualifier);
        _w.Component(amount.Value);
        _w.Component(amount.Currency);
        _w.End();
    }

    private void ControlTotal(string qualifier, int? value)
    {
        if (value is null) return;
        _w.Begin("CNT");
        _w.Element();
        _w.Component(qualifier);
        _w.Component(value);
        _w.End();
    }
}
