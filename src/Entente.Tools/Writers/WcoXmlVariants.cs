using System.Globalization;
using System.Xml.Linq;
using Entente.Declarations;

namespace Entente.Tools.Writers;

/// <summary>The flavours of WCO Data Model XML that other administrations and tools write (docs/formats/wco-xml.md).</summary>
public enum WcoXmlFlavour
{
    /// <summary>HMRC's DMS profile: md:MetaData (DocumentMetaData-DMS:2) around Declaration (DEC-DMS:2).</summary>
    HmrcDms,

    /// <summary>The WCO DM reference namespaces (urn:wco:datamodel:WCO:Declaration:1, DocumentMetaData:1).</summary>
    WcoDeclarationV1,

    /// <summary>A bare WCO DM 4.x Declaration root (urn:wco:datamodel:WCO:DEC:4), no MetaData.</summary>
    BareDeclaration4,

    /// <summary>An EU UCC-like customisation: its own namespaces in lower case, ISO 8601 dates as element text.</summary>
    EuUcc,

    /// <summary>No namespaces at all, with the MetaData wrapper.</summary>
    Unqualified,

    /// <summary>No namespaces and no wrapper: a bare Declaration.</summary>
    UnqualifiedBare,

    /// <summary>Explicit prefixes (dec:, ds:) instead of a default namespace.</summary>
    Prefixed,

    /// <summary>The children of the declaration, the goods shipment and each goods item in reverse order.</summary>
    Reordered,

    /// <summary>Optional elements absent: no agent, authorisation holder, border transport means, declaration-level consignment.</summary>
    Minimal,

    /// <summary>The MetaData inside a national envelope (a header and a body in a namespace of its own).</summary>
    NationalEnvelope,
}

/// <summary>
/// Writes a declaration in one of the <see cref="WcoXmlFlavour"/>s: the DMS document <see cref="WcoXmlWriter"/> writes,
/// rewritten as that flavour does it. For tests and examples of what the reader takes.
/// </summary>
public static class WcoXmlVariants
{
    private static readonly XNamespace Md = "urn:wco:datamodel:WCO:DocumentMetaData-DMS:2";
    private static readonly XNamespace Dec = "urn:wco:datamodel:WCO:DEC-DMS:2";
    private static readonly XNamespace Ds = "urn:wco:datamodel:WCO:Declaration_DS:DMS:2";

    public static string ToXml(Declaration declaration, WcoXmlFlavour flavour)
    {
        var document = XDocument.Parse(WcoXmlWriter.ToXml(declaration));
        var root = document.Root!;
        var xml = flavour switch
        {
            WcoXmlFlavour.HmrcDms => root,
            WcoXmlFlavour.WcoDeclarationV1 => Rename(root, "urn:wco:datamodel:WCO:DocumentMetaData:1", "urn:wco:datamodel:WCO:Declaration:1",
                "urn:wco:datamodel:WCO:Declaration_DS:1"),
            WcoXmlFlavour.BareDeclaration4 => Rename(Bare(root), null, "urn:wco:datamodel:WCO:DEC:4", "urn:wco:datamodel:WCO:DS:4"),
            WcoXmlFlavour.EuUcc => IsoDates(Rename(root, "urn:wco:datamodel:wco:documentmetadata-eu:1", "urn:wco:datamodel:wco:dec-eu-ucc:1",
                "urn:wco:datamodel:wco:declaration_ds-eu:1")),
            WcoXmlFlavour.Unqualified => Rename(root, "", "", ""),
            WcoXmlFlavour.UnqualifiedBare => Rename(Bare(root), "", "", ""),
            WcoXmlFlavour.Prefixed => Prefixed(root),
            WcoXmlFlavour.Reordered => Reordered(root),
            WcoXmlFlavour.Minimal => Minimal(root),
            WcoXmlFlavour.NationalEnvelope => Envelope(root),
            _ => throw new ArgumentOutOfRangeException(nameof(flavour), flavour, null),
        };
        return new XDocument(new XDeclaration("1.0", "utf-8", null), xml).ToString();
    }

    private static XElement Bare(XElement root) => new(root.Element(Dec + "Declaration")!);

    // Every element moved to the flavour's namespaces ("" for none); the namespace declarations go with them.
    private static XElement Rename(XElement root, string? metaData, string declaration, string dataTypes)
    {
        var copy = new XElement(root);
        foreach (var element in copy.DescendantsAndSelf().ToList())
        {
            element.Attributes().Where(a => a.IsNamespaceDeclaration).Remove();
            var ns = element.Name.Namespace;
            XNamespace to = ns == Md ? metaData ?? declaration : ns == Ds ? dataTypes : ns == Dec ? declaration : ns;
            element.Name = to + element.Name.LocalName;
        }
        return copy;
    }

    private static XElement IsoDates(XElement root)
    {
        foreach (var text in root.Descendants().Where(e => e.Name.LocalName == "DateTimeString").ToList())
        {
            var value = text.Value.Trim();
            var iso = text.Attribute("formatCode")?.Value == "102" || value.Length == 8
                ? DateTime.ParseExact(value, "yyyyMMdd", CultureInfo.InvariantCulture).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)
                : value.EndsWith('Z')
                    ? DateTime.ParseExact(value[..14], "yyyyMMddHHmmss", CultureInfo.InvariantCulture).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)
                    : null;
            if (iso is null) continue;
            var parent = text.Parent!;
            text.Remove();
            parent.Value = iso;
        }
        return root;
    }

    private static XElement Prefixed(XElement root)
    {
        var copy = new XElement(root);
        foreach (var element in copy.DescendantsAndSelf()) element.Attributes().Where(a => a.IsNamespaceDeclaration).Remove();
        copy.Add(new XAttribute(XNamespace.Xmlns + "md", Md.NamespaceName), new XAttribute(XNamespace.Xmlns + "dec", Dec.NamespaceName),
            new XAttribute(XNamespace.Xmlns + "ds", Ds.NamespaceName));
        return copy;
    }

    private static XElement Reordered(XElement root)
    {
        var copy = new XElement(root);
        var declaration = copy.Element(Dec + "Declaration")!;
        var shipment = declaration.Element(Dec + "GoodsShipment");
        foreach (var parent in new[] { declaration, shipment }.Concat(shipment?.Elements(Dec + "GovernmentAgencyGoodsItem") ?? []))
        {
            if (parent is null) continue;
            var children = parent.Elements().ToList();
            children.Reverse();
            parent.ReplaceNodes(children);
        }
        return copy;
    }

    private static XElement Minimal(XElement root)
    {
        var copy = new XElement(root);
        var declaration = copy.Element(Dec + "Declaration")!;
        foreach (var name in new[] { "Agent", "AuthorisationHolder", "BorderTransportMeans", "Consignment", "SupervisingOffice", "CurrencyExchange", "TotalPackageQuantity" })
            declaration.Elements(Dec + name).Remove();
        return copy;
    }

    private static XElement Envelope(XElement root)
    {
        XNamespace national = "urn:example:national-dms:envelope:1";
        return new XElement(national + "Envelope",
            new XElement(national + "Header", new XElement(national + "Sender", "NATIONAL-SYSTEM"), new XElement(national + "MessageID", "ENV-0001")),
            new XElement(national + "Body", new XElement(root)));
    }
}
