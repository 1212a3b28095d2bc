using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.FastTree;
using Microsoft.ML.Trainers.LightGbm;

namespace Entente.Risk.Model;

/// <summary>Hyperparameters of the boosted trees (chosen on the KCS training and validation files, never the test file).</summary>
public sealed record BoostingOptions
{
    /// <summary>"lightgbm" (ML.NET's LightGBM, the default) or "fasttree" (ML.NET's FastTree).</summary>
    public string Trainer { get; init; } = "lightgbm";

    public int Trees { get; init; } = 200;

    public int Leaves { get; init; } = 31;

    public int MinimumLeafCount { get; init; } = 40;

    public double LearningRate { get; init; } = 0.06;

    public double FeatureFraction { get; init; } = 0.7;

    public double BaggingFraction { get; init; } = 0.8;

    public double L2 { get; init; } = 1;

    /// <summary>Pseudo-count of the smoothed fraud rates (m-estimate).</summary>
    public double Smoothing { get; init; } = 10;

    /// <summary>Folds for the out-of-fold rates of training rows.</summary>
    public int Folds { get; init; } = 5;

    public int Threads { get; init; } = Math.Max(1, Environment.ProcessorCount);
}

/// <summary>Trains boosted trees with ML.NET and compiles them into a <see cref="TreeEnsemble"/>.</summary>
internal static class GradientBoosting
{
    private sealed class Example
    {
        public bool Label { get; set; }
        public float[] Features { get; set; } = [];
    }

    public static (TreeEnsemble Ensemble, double[] Importance) Train(float[][] matrix, IReadOnlyList<bool> labels, BoostingOptions options, int seed)
    {
        var width = matrix.Length == 0 ? 0 : matrix[0].Length;
        var ml = new MLContext(seed);
        var schema = SchemaDefinition.Create(typeof(Example));
        schema[nameof(Example.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, width);
        var data = ml.Data.LoadFromEnumerable(matrix.Select((x, i) => new Example { Label = labels[i], Features = x }), schema);
        data = ml.Data.Cache(data);

        RegressionTreeEnsemble trees;
        double slope, offset;
        switch (options.Trainer)
        {
            case "fasttree":
                {
                    var trainer = ml.BinaryClassification.Trainers.FastTree(new FastTreeBinaryTrainer.Options
                    {
                        NumberOfTrees = options.Trees,
                        NumberOfLeaves = options.Leaves,
                        MinimumExampleCountPerLeaf = options.MinimumLeafCount,
                        LearningRate = options.LearningRate,
                        FeatureFraction = options.FeatureFraction,
                        BaggingSize = options.BaggingFraction < 1 ? 1 : 0,
                        BaggingExampleFraction = options.BaggingFraction,
                        Seed = seed,
                        NumberOfThreads = options.Threads,
                        FeatureFirstUsePenalty = 0,
                    });
                    var model = trainer.Fit(data);
                    trees = model.Model.SubModel.TrainedTreeEnsemble;
                    slope = model.Model.Calibrator.Slope;
                    offset = model.Model.Calibrator.Offset;
                    break;
                }
            case "lightgbm":
                {
                    var trainer = ml.BinaryClassification.Trainers.LightGbm(new LightGbmBinaryTrainer.Options
                    {
                        NumberOfIterations = options.Trees,
                        NumberOfLeaves = options.Leaves,
                        MinimumExampleCountPerLeaf = options.MinimumLeafCount,
                        LearningRate = options.LearningRate,
                        Seed = seed,
                        NumberOfThreads = options.Threads,
                        Booster = new GradientBooster.Options
                        {
                            FeatureFraction = options.FeatureFraction,
                            SubsampleFraction = options.BaggingFraction,
                            SubsampleFrequency = options.BaggingFraction < 1 ? 1 : 0,
                            L2Regularization = options.L2,
                        },
                        Silent = true,
                    });
                    var model = trainer.Fit(data);
                    trees = model.Model.SubModel.TrainedTreeEnsemble;
                    slope = model.Model.Calibrator.Slope;
                    offset = model.Model.Calibrator.Offset;
                    break;
                }
            default:
                throw new ArgumentException($"trainer '{options.Trainer}': expected lightgbm or fasttree", nameof(options));
        }
        return Compile(trees, slope, offset, matrix, width);
    }

    /// <summary>Copies ML.NET's trees into flat arrays (children after parents), with node values from the training rows.</summary>
    private static (TreeEnsemble, double[]) Compile(RegressionTreeEnsemble ensemble, double slope, double offset, float[][] matrix, int width)
    {
        var roots = new List<int>();
        var feature = new List<int>();
        var threshold = new List<float>();
        var left = new List<int>();
        var right = new List<int>();
        var leafValue = new List<float>();
        var importance = new double[width];
        for (var t = 0; t < ensemble.Trees.Count; t++)
        {
            var tree = ensemble.Trees[t];
            var weight = ensemble.TreeWeights[t];
            var leafBase = leafValue.Count;
            foreach (var v in tree.LeafValues) leafValue.Add((float)(v * weight));
            if (tree.NumberOfNodes == 0)
            {
                roots.Add(~leafBase);
                continue;
            }
            // Breadth-first renumbering so that every child index is above its parent's.
            var order = new List<int> { 0 };
            var newIndex = new Dictionary<int, int>();
            for (var k = 0; k < order.Count; k++)
            {
                var old = order[k];
                newIndex[old] = feature.Count + k;
                if (tree.LeftChild[old] >= 0) order.Add(tree.LeftChild[old]);
                if (tree.RightChild[old] >= 0) order.Add(tree.RightChild[old]);
            }
            var nodeBase = feature.Count;
            roots.Add(nodeBase);
            foreach (var old in order)
            {
                if (tree.CategoricalSplitFlags[old]) throw new InvalidOperationException("categorical splits are not supported: train with numeric features only");
                feature.Add(tree.NumericalSplitFeatureIndexes[old]);
                threshold.Add(tree.NumericalSplitThresholds[old]);
                left.Add(tree.LeftChild[old] >= 0 ? newIndex[tree.LeftChild[old]] : ~(leafBase + ~tree.LeftChild[old]));
                right.Add(tree.RightChild[old] >= 0 ? newIndex[tree.RightChild[old]] : ~(leafBase + ~tree.RightChild[old]));
            }
        }

        // Node values: the mean leaf value over the training rows reaching each node.
        var nodes = feature.Count;
        var reach = new double[nodes];
        var total = new double[nodes];
        var leafReach = new double[leafValue.Count];
        var f = feature.ToArray();
        var th = threshold.ToArray();
        var l = left.ToArray();
        var r = right.ToArray();
        var path = new int[nodes + 1];
        // Every row up to 100,000, then an even sample: node values are means, a sample estimates them well.
        var step = Math.Max(1, matrix.Length / 100_000);
        for (var row = 0; row < matrix.Length; row += step)
        {
            var x = matrix[row];
            foreach (var root in roots)
            {
                var node = root;
                var depth = 0;
                while (node >= 0)
                {
                    path[depth++] = node;
                    node = x[f[node]] <= th[node] ? l[node] : r[node];
                }
                var value = leafValue[~node];
                leafReach[~node]++;
                for (var d = 0; d < depth; d++)
                {
                    reach[path[d]]++;
                    total[path[d]] += value;
                }
            }
        }
        var nodeValue = new float[nodes];
        for (var i = 0; i < nodes; i++) nodeValue[i] = reach[i] > 0 ? (float)(total[i] / reach[i]) : 0f;
        for (var i = 0; i < nodes; i++)
        {
            // Gain-like importance: how far each split moves the training rows' values, weighted by rows reaching it.
            var lv = l[i] >= 0 ? nodeValue[l[i]] : leafValue[~l[i]];
            var rv = r[i] >= 0 ? nodeValue[r[i]] : leafValue[~r[i]];
            var lr = l[i] >= 0 ? reach[l[i]] : leafReach[~l[i]];
            var rr = r[i] >= 0 ? reach[r[i]] : leafReach[~r[i]];
            importance[f[i]] += lr * Math.Pow(lv - nodeValue[i], 2) + rr * Math.Pow(rv - nodeValue[i], 2);
        }
        var sum = importance.Sum();
        if (sum > 0)
        {
            for (var i = 0; i < width; i++) importance[i] /= sum;
        }
        return (new TreeEnsemble
        {
            Roots = [.. roots],
            Feature = f,
            Threshold = th,
            Left = l,
            Right = r,
            NodeValue = nodeValue,
            LeafValue = [.. leafValue],
            Bias = ensemble.Bias,
            Slope = slope,
            Offset = offset,
        }, importance);
    }
}
