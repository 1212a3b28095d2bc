using System.Xml.Linq;
using Microsoft.AspNetCore.Html;

namespace Entente.WebConsole.Pages.Intelligence;

/// <summary>
/// A chart drawn by the analytics' own plotting code (ScottPlot), put inline in the page as accessible SVG: a title and a
/// description for screen readers, scaled by its viewBox, and any inline style turned into presentation attributes (the
/// console's Content-Security-Policy allows no inline style).
/// </summary>
public static class InlineSvg
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    public static IHtmlContent From(string svgXml, string id, string title, string description)
    {
        var root = XDocument.Parse(svgXml).Root!;
        foreach (var element in root.DescendantsAndSelf().ToList())
        {
            if (element.Name.LocalName == "style")
            {
                element.Remove();
                continue;
            }
            if (element.Attribute("style") is not { } style) continue;
            foreach (var declaration in style.Value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var colon = declaration.IndexOf(':', StringComparison.Ordinal);
                if (colon > 0) element.SetAttributeValue(declaration[..colon].Trim(), declaration[(colon + 1)..].Trim());
            }
            style.Remove();
        }
        if (root.Attribute("viewBox") is null && root.Attribute("width") is { } w && root.Attribute("height") is { } h)
            root.SetAttributeValue("viewBox", $"0 0 {w.Value} {h.Value}");
        root.SetAttributeValue("width", null);
        root.SetAttributeValue("height", null);
        root.SetAttributeValue("class", "plot chart");
        root.SetAttributeValue("role", "img");
        root.SetAttributeValue("id", id);
        root.SetAttributeValue("aria-labelledby", $"{id}-title {id}-desc");
        var ns = root.Name.Namespace == XNamespace.None ? Svg : root.Name.Namespace;
        root.AddFirst(new XElement(ns + "title", new XAttribute("id", id + "-title"), title), new XElement(ns + "desc", new XAttribute("id", id + "-desc"), description));
        return new HtmlString(root.ToString(SaveOptions.DisableFormatting));
    }
}
