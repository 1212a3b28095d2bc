using Entente.Declarations;

namespace Entente.Risk.Rules;

/// <summary>
/// One declaration flattened into the typed slots its rule set reads: one array of values per field used (one value for
/// a declaration field, one per goods item for an item field, any number for containers and transit countries), numbers
/// as doubles with NaN for missing. Built once per declaration, then every rule reads slots by index: no field lookup by
/// name happens while rules run. Reusable: <see cref="Fill"/> overwrites it (one instance per thread).
/// </summary>
public sealed class DeclarationFacts
{
    internal readonly string?[][] Texts;
    internal readonly int[] TextCounts;
    internal readonly double[][] Numbers;
    internal readonly int[] NumberCounts;
    internal int ItemCount;
    internal int PartnerLanes;
    internal IReadOnlyList<PartnerIndication> Partners = [];

    // Scratch for evaluation: which rules were already taken as candidates (by generation), and the candidates.
    internal readonly int[] Seen;
    internal int Generation;
    internal readonly List<int> Candidates = [];
    private readonly List<string> _many = [];

    private readonly RuleField[] _textFields;
    private readonly RuleField[] _numberFields;

    internal DeclarationFacts(RuleField[] textFields, RuleField[] numberFields, int rules)
    {
        _textFields = textFields;
        _numberFields = numberFields;
        Texts = new string?[textFields.Length][];
        TextCounts = new int[textFields.Length];
        Numbers = new double[numberFields.Length][];
        NumberCounts = new int[numberFields.Length];
        for (var i = 0; i < Texts.Length; i++) Texts[i] = new string?[4];
        for (var i = 0; i < Numbers.Length; i++) Numbers[i] = new double[4];
        Seen = new int[rules];
    }

    /// <summary>The declaration the facts were last filled from.</summary>
    public Declaration? Declaration { get; private set; }

    /// <summary>Flattens <paramref name="declaration"/> (and the partner results about it) into the slots.</summary>
    public void Fill(Declaration declaration, PartnerIndicators? partners)
    {
        ArgumentNullException.ThrowIfNull(declaration);
        Declaration = declaration;
        var items = declaration.GoodsShipment.GoodsItems;
        ItemCount = items.Count;
        for (var s = 0; s < _textFields.Length; s++)
        {
            var field = _textFields[s];
            switch (field.Level)
            {
                case RuleFieldLevel.Declaration:
                    Texts[s][0] = field.HeaderText!(declaration);
                    TextCounts[s] = 1;
                    break;
                case RuleFieldLevel.Item:
                    var values = Texts[s].Length >= items.Count ? Texts[s] : Texts[s] = new string?[items.Count];
                    for (var i = 0; i < items.Count; i++) values[i] = field.ItemText!(items[i]);
                    TextCounts[s] = items.Count;
                    break;
                default:
                    _many.Clear();
                    field.ManyText!(declaration, _many);
                    var many = Texts[s].Length >= _many.Count ? Texts[s] : Texts[s] = new string?[_many.Count];
                    _many.CopyTo(many!);
                    TextCounts[s] = _many.Count;
                    break;
            }
        }
        for (var s = 0; s < _numberFields.Length; s++)
        {
            var field = _numberFields[s];
            if (field.Level == RuleFieldLevel.Declaration)
            {
                Numbers[s][0] = field.HeaderNumber!(declaration);
                NumberCounts[s] = 1;
                continue;
            }
            var values = Numbers[s].Length >= items.Count ? Numbers[s] : Numbers[s] = new double[items.Count];
            for (var i = 0; i < items.Count; i++) values[i] = field.ItemNumber!(items[i]);
            NumberCounts[s] = items.Count;
        }
        Partners = partners?.Results ?? [];
        PartnerLanes = 0;
        foreach (var p in Partners) PartnerLanes |= 1 << (int)p.Lane;
    }

    internal bool TextMissing(int slot, int item) => _textFields[slot].Level == RuleFieldLevel.Item ? Texts[slot][item] is null : Texts[slot][0] is null;

    internal bool NumberMissing(int slot, int item) => double.IsNaN(_numberFields[slot].Level == RuleFieldLevel.Item ? Numbers[slot][item] : Numbers[slot][0]);
}
