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

    private Packed? _packed;

    // Built on first use from the arrays above (which stay the saved form); two threads racing build equal copies.
    private Packed Walker => _packed ??= Packed.Of(this);

    public double Raw(ReadOnlySpan<float> x) => Walker.Raw(x, Bias);

    public double Probability(double raw) => 1 / (1 + Math.Exp(Slope * raw + Offset));

    /// <summary>Adds each feature's share of the raw score to <paramref name="contributions"/>; returns the raw score.</summary>
    public double Contributions(ReadOnlySpan<float> x, Span<double> contributions) => Walker.Contributions(x, contributions, Bias);

    /// <summary>A tree node packed for the walk: leaves point to themselves, so a walk may step past its leaf.</summary>
    private readonly record struct Node(int Feature, float Threshold, int Left, int Right);

    /// <summary>
    /// Every node (splits and leaves) of every tree in one array, with one value per node (mean leaf value below a
    /// split, the leaf's value for a leaf). Trees are walked eight at a time, each group for its deepest tree's
    /// depth: the eight walks are independent chains of loads the processor overlaps, and a leaf stepping onto
    /// itself needs no branch. Sums stay in tree order, so the raw score is the same as one tree after another.
    /// </summary>
    private sealed class Packed
    {
        private const int Lanes = 8;
        private readonly int[] _nodes;
        private readonly float[] _values;
        private readonly int[] _roots;
        private readonly int[] _depth;
        private readonly int _features;

        // The same nodes for the explanation, six ints each: feature, threshold bits, left, right, and the change in
        // node value on going left and on going right (float bits), which the split's feature is credited with.
        private readonly int[] _edges;

        private Packed(int[] nodes, float[] values, int[] roots, int[] depth, int features, int[] edges)
        {
            _nodes = nodes;
            _values = values;
            _roots = roots;
            _depth = depth;
            _features = features;
            _edges = edges;
        }

        public static Packed Of(TreeEnsemble e)
        {
            var splits = e.Feature.Length;
            var leaves = e.LeafValue.Length;
            // Splits first (same indices), then leaves, then one zero leaf that pads the last group of eight.
            var nodes = new Node[splits + leaves + 1];
            var values = new float[nodes.Length];
            int Index(int child) => child >= 0 ? child : splits + ~child;
            for (var i = 0; i < splits; i++)
            {
                nodes[i] = new Node(e.Feature[i], e.Threshold[i], Index(e.Left[i]), Index(e.Right[i]));
                values[i] = e.NodeValue[i];
            }
            for (var l = 0; l < leaves + 1; l++)
            {
                var i = splits + l;
                nodes[i] = new Node(0, float.PositiveInfinity, i, i);
                values[i] = l < leaves ? e.LeafValue[l] : 0f;
            }
            var groups = (e.Roots.Length + Lanes - 1) / Lanes;
            var roots = new int[groups * Lanes];
            Array.Fill(roots, nodes.Length - 1);
            for (var t = 0; t < e.Roots.Length; t++) roots[t] = Index(e.Roots[t]);
            var depth = new int[groups];
            var features = 0;
            for (var t = 0; t < e.Roots.Length; t++) depth[t / Lanes] = Math.Max(depth[t / Lanes], Depth(nodes, roots[t]));
            foreach (var f in e.Feature) features = Math.Max(features, f + 1);
            var packed = new int[nodes.Length * 4];
            for (var i = 0; i < nodes.Length; i++)
            {
                packed[4 * i] = nodes[i].Feature;
                packed[4 * i + 1] = BitConverter.SingleToInt32Bits(nodes[i].Threshold);
                packed[4 * i + 2] = nodes[i].Left;
                packed[4 * i + 3] = nodes[i].Right;
            }
            var edges = new int[nodes.Length * 6];
            for (var i = 0; i < nodes.Length; i++)
            {
                var n = nodes[i];
                edges[6 * i] = n.Feature;
                edges[6 * i + 1] = BitConverter.SingleToInt32Bits(n.Threshold);
                edges[6 * i + 2] = n.Left;
                edges[6 * i + 3] = n.Right;
                edges[6 * i + 4] = BitConverter.SingleToInt32Bits((float)((double)values[n.Left] - values[i]));
                edges[6 * i + 5] = BitConverter.SingleToInt32Bits((float)((double)values[n.Right] - values[i]));
            }
            return new Packed(packed, values, roots, depth, features, edges);
        }

        private static int Depth(Node[] nodes, int node)
        {
            var n = nodes[node];
            return n.Left == node ? 0 : 1 + Math.Max(Depth(nodes, n.Left), Depth(nodes, n.Right));
        }

        public double Raw(ReadOnlySpan<float> x, double bias)
        {
            if (x.Length < _features) throw new ArgumentException($"{x.Length} features given, the trees read {_features}", nameof(x));
            var nodes = _nodes;
            var values = _values;
            var roots = _roots;
            var sum = bias;
            for (var g = 0; g < _depth.Length; g++)
            {
                var at = g * Lanes;
                int a = roots[at], b = roots[at + 1], c = roots[at + 2], d = roots[at + 3];
                int e = roots[at + 4], f = roots[at + 5], h = roots[at + 6], k = roots[at + 7];
                for (var step = _depth[g]; step > 0; step--)
                {
                    a = Step(nodes, x, a);
                    b = Step(nodes, x, b);
                    c = Step(nodes, x, c);
                    d = Step(nodes, x, d);
                    e = Step(nodes, x, e);
                    f = Step(nodes, x, f);
                    h = Step(nodes, x, h);
                    k = Step(nodes, x, k);
                }
                sum += values[a];
                sum += values[b];
                sum += values[c];
                sum += values[d];
                sum += values[e];
                sum += values[f];
                sum += values[h];
                sum += values[k];
            }
            return sum;
        }

        // Four ints per node: feature, threshold bits, left, right. The comparison picks the child by index, not by a
        // branch the processor would mispredict half the time.
        private static int Step(int[] nodes, ReadOnlySpan<float> x, int node)
        {
            var at = node << 2;
            var right = x[nodes[at]] <= BitConverter.Int32BitsToSingle(nodes[at + 1]) ? 0 : 1;
            return nodes[at + 2 + right];
        }

        /// <summary>
        /// Saabas contributions: each split on the path credits its feature with the change in node value, read from
        /// the node itself. Four copies of the sums, one per pair of lanes, so the few features on almost every path
        /// do not make each addition wait for the one before; they are added up at the end.
        /// </summary>
        public double Contributions(ReadOnlySpan<float> x, Span<double> contributions, double bias)
        {
            if (x.Length < _features) throw new ArgumentException($"{x.Length} features given, the trees read {_features}", nameof(x));
            if (contributions.Length < _features) throw new ArgumentException($"room for {contributions.Length} contributions, the trees read {_features} features", nameof(contributions));
            var edges = _edges;
            var values = _values;
            var roots = _roots;
            var sum = bias;
            var width = _features;
            Span<double> copies = stackalloc double[4 * width];
            copies.Clear();
            var c0 = copies[..width];
            var c1 = copies.Slice(width, width);
            var c2 = copies.Slice(2 * width, width);
            var c3 = copies.Slice(3 * width, width);
            for (var g = 0; g < _depth.Length; g++)
            {
                var at = g * Lanes;
                int a = roots[at], b = roots[at + 1], c = roots[at + 2], d = roots[at + 3];
                int e = roots[at + 4], f = roots[at + 5], h = roots[at + 6], k = roots[at + 7];
                for (var step = _depth[g]; step > 0; step--)
                {
                    a = Step(edges, x, c0, a);
                    b = Step(edges, x, c1, b);
                    c = Step(edges, x, c2, c);
                    d = Step(edges, x, c3, d);
                    e = Step(edges, x, c0, e);
                    f = Step(edges, x, c1, f);
                    h = Step(edges, x, c2, h);
                    k = Step(edges, x, c3, k);
                }
                sum += values[a];
                sum += values[b];
                sum += values[c];
                sum += values[d];
                sum += values[e];
                sum += values[f];
                sum += values[h];
                sum += values[k];
            }
            for (var i = 0; i < width; i++) contributions[i] += c0[i] + c1[i] + c2[i] + c3[i];
            return sum;
        }

        // A leaf steps onto itself with a change of 0.
        private static int Step(int[] edges, ReadOnlySpan<float> x, Span<double> contributions, int node)
        {
            var at = node * 6;
            var right = x[edges[at]] <= BitConverter.Int32BitsToSingle(edges[at + 1]) ? 0 : 1;
            contributions[edges[at]] += BitConverter.Int32BitsToSingle(edges[at + 4 + right]);
            return edges[at + 2 + right];
        }
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
