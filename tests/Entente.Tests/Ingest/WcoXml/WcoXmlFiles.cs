using System.Text;
using System.Xml;
using System.Xml.Schema;
using Entente.Declarations;
using Entente.Ingest;
using Entente.Ingest.WcoXml;
using Entente.Tests.Support;
using Entente.Tools.Writers;

namespace Entente.Tests.Ingest.WcoXml;

internal static class WcoXmlFiles
{
    private static readonly Lazy<XmlSchemaSet> HmrcSchemas = new(() =>
    {
        var schemas = new XmlSchemaSet { XmlResolver = new XmlUrlResolver() };
        schemas.Add(null, SharedData.PathOf("wco-dms-samples", "schemas", "DocumentMetaData_2_DMS.xsd"));
        schemas.Add(null, SharedData.PathOf("wco-dms-samples", "schemas", "WCO_DEC_2_DMS.xsd"));
        schemas.Compile();
        return schemas;
    });

    public static string Sample(string name) =>
        Path.Combine(SharedData.RepositoryRoot, "tests", "Entente.Tests", "Ingest", "WcoXml", "Samples", name);

    public static List<SourceRecord> ReadFile(string path)
    {
        using var stream = File.OpenRead(path);
        return new WcoXmlReader().Read(stream, Path.GetFileName(path)).ToList();
    }

    public static List<SourceRecord> ReadXml(string xml, string fileName = "inline.xml") =>
        ReadBytes(Encoding.UTF8.GetBytes(xml), fileName);

    public static List<SourceRecord> ReadBytes(byte[] bytes, string fileName)
    {
        using var stream = new MemoryStream(bytes);
        return new WcoXmlReader().Read(stream, fileName).ToList();
    }

    public static Declaration RoundTrip(Declaration declaration)
    {
        var records = ReadXml(WcoXmlWriter.ToXml(declaration), "written.xml");
        var record = Assert.Single(records);
        Assert.Empty(record.Errors);
        return record.Declaration!;
    }

    /// <summary>Canonical JSON with national data in key order, so that two readings compare as text.</summary>
    public static string Canonical(Declaration declaration)
    {
        var copy = EntenteJson.Deserialize(EntenteJson.Serialize(declaration));
        copy.NationalData = copy.NationalData.OrderBy(e => e.Key, StringComparer.Ordinal).ToDictionary();
        return EntenteJson.Serialize(copy);
    }

    /// <summary>Problems HMRC's own XSDs (shipped with the wco-dms-samples data set) find in a document.</summary>
    public static List<string> SchemaProblems(string xml)
    {
        var problems = new List<string>();
        var settings = new XmlReaderSettings { ValidationType = ValidationType.Schema, Schemas = HmrcSchemas.Value };
        settings.ValidationFlags |= XmlSchemaValidationFlags.ReportValidationWarnings;
        settings.ValidationEventHandler += (_, e) => problems.Add($"line {e.Exception?.LineNumber}: {e.Message}");
        using var reader = XmlReader.Create(new StringReader(xml), settings);
        while (reader.Read())
        {
        }
        return problems;
    }
}
