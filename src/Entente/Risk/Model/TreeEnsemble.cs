using System.Text.Json;

namespace Entente.Risk.Model;

/// <summary>
/// Boosted regression trees compiled into flat arrays and walked directly: a few hundred array reads per
/// declaration, no allocation, safe to share between threads. Node values (the training-weighted mean of the
/// leaves below) give each feature's contribution along the path taken (Saabas), for the explanation.
/// </summary>
internal sealed class TreeEnsemble
{
    // Internal node i: go left when x[Feature[i]] <= Threshold[i]. A child < 0 is leaf ~child.
    public required int[] Roots { get; init; }
    public required int[] Feature { get; init; }
    public required float[] Threshold { get; init; }
    public required int[] Left { get; init; }
    public required int[] Right { get; init; }
    public required float[] NodeValue { get; init; }
    public required float[] LeafValue { get; init; }

    /// <summary>Score offset: the ensemble bias.</summary>
    public required double Bias { get; init; }

    /// <summary>Platt calibration of the raw score as ML.NET fits it: p = 1 / (1 + exp(Slope·score + Offset)), Slope negative.</summary>
    public required double Slope { get; init; }

    public required double Offset { get; init; }

    public int Trees => Roots.Length;

    public double Raw(ReadOnlySpan<float> x)
    {
        var sum = Bias;
        var feature = Feature;
        var threshold = Threshold;
        var left = Left;
        var right = Right;
        foreach (var root in Roots)
        {
            var node = root;
            while (node >= 0) node = x[feature[node]] <= threshold[node] ? left[node] : right[node];
            sum += LeafValue[~node];
        }
        return sum;
    }

    public double Probability(double raw) => 1 / (1 + Math.Exp(Slope * raw + Offset));

    /// <summary>Adds each feature's share of the raw score to <paramref name="contributions"/>; returns the raw score.</summary>
    public double Contributions(ReadOnlySpan<float> x, Span<double> contributions)
    {
        var sum = Bias;
        foreach (var root in Roots)
        {
            var node = root;
            double value = root >= 0 ? NodeValue[root] : LeafValue[~root];
            sum += value;
            while (node >= 0)
            {
                var next = x[Feature[node]] <= Threshold[node] ? Left[node] : Right[node];
                double nextValue = next >= 0 ? NodeValue[next] : LeafValue[~next];
                contributions[Feature[node]] += nextValue - value;
                sum += nextValue - value;
                value = nextValue;
                node = next;
            }
        }
        return sum;
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public void Save(string path)
    {
        using var stream = File.Create(path);
        JsonSerializer.Serialize(stream, new EnsembleFile
        {
            Roots = Roots,
            Feature = Feature,
            Threshold = Threshold,
            Left = Left,
            Right = Right,
            NodeValue = NodeValue,
            LeafValue = LeafValue,
            Bias = Bias,
            Slope = Slope,
            Offset = Offset,
        }, Json);
    }

    public static TreeEnsemble Load(string path, int featureCount)
    {
        EnsembleFile? file;
        try
        {
            using var stream = File.OpenRead(path);
            file = JsonSerializer.Deserialize<EnsembleFile>(stream, Json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: line {(e.LineNumber ?? 0) + 1}: not a tree-ensemble file ({e.Message})", e);
        }
        if (file is null) throw new InvalidDataException($"{path}: empty tree-ensemble file");
        var nodes = file.Feature.Length;
        if (file.Threshold.Length != nodes || file.Left.Length != nodes || file.Right.Length != nodes || file.NodeValue.Length != nodes)
            throw new InvalidDataException($"{path}: feature, threshold, left, right and nodeValue must have the same length ({nodes})");
        bool Valid(int child) => child >= 0 ? child < nodes : ~child < file.LeafValue.Length;
        for (var i = 0; i < nodes; i++)
        {
            if (file.Feature[i] < 0 || file.Feature[i] >= featureCount)
                throw new InvalidDataException($"{path}: node {i} splits on feature {file.Feature[i]}, expected 0..{featureCount - 1}");
            if (!Valid(file.Left[i]) || !Valid(file.Right[i]) || (file.Left[i] >= 0 && file.Left[i] <= i) || (file.Right[i] >= 0 && file.Right[i] <= i))
                throw new InvalidDataException($"{path}: node {i} has a child outside the tree");
        }
        foreach (var root in file.Roots)
        {
            if (!Valid(root)) throw new InvalidDataException($"{path}: root {root} is outside the tree");
        }
        return new TreeEnsemble
        {
            Roots = file.Roots,
            Feature = file.Feature,
            Threshold = file.Threshold,
            Left = file.Left,
            Right = file.Right,
            NodeValue = file.NodeValue,
            LeafValue = file.LeafValue,
            Bias = file.Bias,
            Slope = file.Slope,
            Offset = file.Offset,
        };
    }

    private sealed class EnsembleFile
    {
        public int[] Roots { get; set; } = [];
        public int[] Feature { get; set; } = [];
        public float[] Threshold { get; set; } = [];
        public int[] Left { get; set; } = [];
        public int[] Right { get; set; } = [];
        public float[] NodeValue { get; set; } = [];
        public float[] LeafValue { get; set; } = [];
        public double Bias { get; set; }
        public double Slope { get; set; } = 1;
        public double Offset { get; set; }
    }
}
