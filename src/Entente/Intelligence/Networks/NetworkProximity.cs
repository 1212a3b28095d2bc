using Entente.Declarations;

namespace Entente.Intelligence.Networks;

/// <summary>
/// Network proximity to past seizures as a fact about one consignment: the nearest seizure over the identifiers it
/// names (1: one of them is on a seized consignment; 2: shares a consignment with one that is; 3; far). Set as the
/// national data element <see cref="Element"/>, rules read it (<c>national.network-seizure-hops = 1</c>) and the
/// learned model treats it like any national element.
/// </summary>
public static class NetworkProximity
{
    public const string Element = "network-seizure-hops";

    /// <summary>The nearest seizure, in hops, over the identifiers <paramref name="consignment"/> names (255: none within 3).</summary>
    public static byte Hops(TraderGraph graph, int consignment)
    {
        ArgumentNullException.ThrowIfNull(graph);
        byte best = byte.MaxValue;
        foreach (var identifier in graph.Neighbours(consignment))
            if (graph.SeizureHops[identifier] < best) best = graph.SeizureHops[identifier];
        return best;
    }

    public static string Bucket(byte hops) => hops switch
    {
        <= 1 => "1",
        2 => "2",
        3 => "3",
        _ => "far",
    };

    /// <summary>Writes the fact into <paramref name="declaration"/>'s national data, from the graph it belongs to.</summary>
    public static void Annotate(TraderGraph graph, int consignment, Declaration declaration)
    {
        ArgumentNullException.ThrowIfNull(declaration);
        declaration.NationalData[Element] = Bucket(Hops(graph, consignment));
    }
}
