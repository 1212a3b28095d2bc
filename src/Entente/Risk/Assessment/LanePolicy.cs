using System.Globalization;
using Entente.Risk.Rules;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Entente.Risk.Assessment;

/// <summary>
/// How scores become lanes at this node: the score each lane starts at, what the model's probability is worth in
/// points, the share of declarations selected at random whatever their score (so inspection results stay an unbiased
/// sample for learning), the physical inspections the offices can do per day, and the share each lane is expected to
/// take (reported beside the actual shares, and the target of <see cref="Calibrate"/>). Read from HOME/risk/lanes.yaml.
/// </summary>
public sealed record LanePolicy
{
    public const string FileName = "lanes.yaml";

    public double RedFrom { get; init; } = 80;
    public double YellowFrom { get; init; } = 50;
    public double BlueFrom { get; init; } = 30;

    /// <summary>Points a fraud probability of 1 adds to the rules' score (0.5 adds half).</summary>
    public double ModelWeight { get; init; } = 100;

    /// <summary>The minimum share of declarations selected at random (0.01 = 1 %).</summary>
    public double RandomRate { get; init; } = 0.01;

    /// <summary>The lane a random selection goes to at least.</summary>
    public Lane RandomLane { get; init; } = Lane.Red;

    /// <summary>Physical inspections the node can do per day; beyond them a red that only the score asked for goes yellow.</summary>
    public int? RedCapacityPerDay { get; init; }

    /// <summary>The share of declarations each lane is expected to take (green takes the rest).</summary>
    public IReadOnlyDictionary<Lane, double> ExpectedRates { get; init; } =
        new Dictionary<Lane, double> { [Lane.Red] = 0.05, [Lane.Yellow] = 0.10, [Lane.Blue] = 0.05 };

    /// <summary>Makes random selections differ between nodes (and between policy versions) while staying reproducible.</summary>
    public string Seed { get; init; } = "entente";

    public Lane LaneOf(double score) =>
        score >= RedFrom ? Lane.Red : score >= YellowFrom ? Lane.Yellow : score >= BlueFrom ? Lane.Blue : Lane.Green;

    /// <summary>
    /// The thresholds that would have given each lane its expected share of <paramref name="scores"/> (recent
    /// assessments): red from the score above which the red share lies, yellow the next share, then blue. Pure.
    /// </summary>
    public LanePolicy Calibrate(IReadOnlyList<double> scores)
    {
        if (scores.Count == 0) return this;
        var sorted = scores.OrderByDescending(s => s).ToArray();
        double At(double share) => sorted[Math.Clamp((int)Math.Ceiling(share * sorted.Length) - 1, 0, sorted.Length - 1)];
        var red = ExpectedRates.GetValueOrDefault(Lane.Red);
        var yellow = red + ExpectedRates.GetValueOrDefault(Lane.Yellow);
        var blue = yellow + ExpectedRates.GetValueOrDefault(Lane.Blue);
        var redFrom = red > 0 ? At(red) : double.PositiveInfinity;
        var yellowFrom = Math.Min(redFrom, yellow > red ? At(yellow) : redFrom);
        var blueFrom = Math.Min(yellowFrom, blue > yellow ? At(blue) : yellowFrom);
        return this with { RedFrom = redFrom, YellowFrom = yellowFrom, BlueFrom = blueFrom };
    }

    /// <summary>The policy of a node: HOME/risk/lanes.yaml, or the defaults when there is none.</summary>
    /// <exception cref="InvalidDataException">The file is not a lane policy; the message names the line and the key.</exception>
    public static LanePolicy Load(string home)
    {
        var path = Path.Combine(home, "risk", FileName);
        return File.Exists(path) ? Parse(File.ReadAllText(path), path) : new LanePolicy();
    }

    public static LanePolicy Parse(string yaml, string fileName)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw new InvalidDataException($"{fileName}:{e.Start.Line}: not YAML: {e.Message}");
        }
        var policy = new LanePolicy();
        if (stream.Documents.Count == 0) return policy;
        if (stream.Documents[0].RootNode is not YamlMappingNode root) throw new InvalidDataException($"{fileName}:1: expected a mapping of lane settings");
        foreach (var (keyNode, value) in root.Children)
        {
            var key = ((YamlScalarNode)keyNode).Value;
            var at = $"{fileName}:{keyNode.Start.Line}: {key}";
            policy = key switch
            {
                "red-from" => policy with { RedFrom = Number(value, at) },
                "yellow-from" => policy with { YellowFrom = Number(value, at) },
                "blue-from" => policy with { BlueFrom = Number(value, at) },
                "model-weight" => policy with { ModelWeight = Number(value, at) },
                "random-rate" => policy with { RandomRate = Share(value, at) },
                "random-lane" => policy with { RandomLane = LaneNamed(value, at) },
                "red-capacity-per-day" => policy with { RedCapacityPerDay = (int)Number(value, at) },
                "seed" => policy with { Seed = (value as YamlScalarNode)?.Value ?? throw new InvalidDataException($"{at}: expected text") },
                "expected-rates" => policy with { ExpectedRates = Rates(value, at) },
                _ => throw new InvalidDataException(
                    $"{at}: unknown setting; expected red-from, yellow-from, blue-from, model-weight, random-rate, random-lane, red-capacity-per-day, expected-rates or seed"),
            };
        }
        if (!(policy.RedFrom >= policy.YellowFrom && policy.YellowFrom >= policy.BlueFrom))
            throw new InvalidDataException($"{fileName}: expected red-from ≥ yellow-from ≥ blue-from, got {policy.RedFrom}, {policy.YellowFrom}, {policy.BlueFrom}");
        return policy;
    }

    private static double Number(YamlNode node, string at) =>
        node is YamlScalarNode { Value: { } text } && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n >= 0
            ? n
            : throw new InvalidDataException($"{at}: expected a number ≥ 0");

    private static double Share(YamlNode node, string at)
    {
        var n = Number(node, at);
        return n <= 1 ? n : throw new InvalidDataException($"{at}: expected a share between 0 and 1 (0.01 is 1 %)");
    }

    private static Lane LaneNamed(YamlNode node, string at) =>
        node is YamlScalarNode { Value: { } text } && Enum.TryParse<Lane>(text, ignoreCase: true, out var lane)
            ? lane
            : throw new InvalidDataException($"{at}: expected red, yellow, blue or green");

    private static Dictionary<Lane, double> Rates(YamlNode node, string at)
    {
        if (node is not YamlMappingNode rates) throw new InvalidDataException($"{at}: expected red, yellow and blue shares");
        var result = new Dictionary<Lane, double>();
        foreach (var (lane, share) in rates.Children) result[LaneNamed(lane, $"{at}.{lane}")] = Share(share, $"{at}.{lane}");
        if (result.Values.Sum() > 1) throw new InvalidDataException($"{at}: the shares add up to more than 1");
        return result;
    }
}

