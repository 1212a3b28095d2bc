using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Entente.Ingest;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Entente.Agreements;

/// <summary>Thrown when an agreement document cannot be read; each error names the file, line, field path and what was expected.</summary>
public sealed class AgreementFormatException(IReadOnlyList<IngestError> errors)
    : Exception(string.Join(Environment.NewLine, errors.Select(e => e.ToString())))
{
    public IReadOnlyList<IngestError> Errors { get; } = errors;
}

/// <summary>Reads agreement documents (YAML, docs/agreements.md): checks every node, reporting its line, and builds an <see cref="Agreement"/>.</summary>
public static partial class AgreementDocument
{
    public const int MaxBytes = 1 << 20;
    public const int MaxParties = 64;
    public const int MaxRules = 100;
    public const int MaxDenials = 100;
    public const int MaxPatternsPerRule = 1000;

    /// <summary>The longest clock an alerts rule may set for informing an alert's issuer of a hit: 30 days.</summary>
    public const int MaxInformWithinHours = 24 * 30;

    private static readonly string[] TopKeys = ["agreement", "version", "kind", "title", "parties", "legal-basis", "validity", "categories", "deny", "signatures"];
    private static readonly string[] PartyKeys = ["code", "name", "fingerprint"];
    private static readonly string[] RuleKeys =
        ["alert-categories", "roles", "purposes", "disclose", "transform", "other-fields", "handling-code", "evaluation", "onward-transfer", "retention", "answer-within", "push", "inform-within-hours", "note"];
    private static readonly string[] DenyKeys = ["reason", "parties", "categories", "purposes", "fields", "roles"];
    private static readonly string[] SignatureKeys = ["party", "public-key", "signature", "signed-at"];

    [GeneratedRegex("^[a-z0-9][a-z0-9.-]{0,99}$")]
    private static partial Regex IdPattern();

    [GeneratedRegex("^[A-Z]{2}(-[A-Z0-9]{1,10})?$")]
    private static partial Regex NodeCodePattern();

    [GeneratedRegex("^sha256:[0-9a-f]{64}$")]
    private static partial Regex FingerprintPattern();

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,63}$")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^P(?:(\\d{1,3})Y)?(?:(\\d{1,4})M)?(?:(\\d{1,5})D)?(?:T(\\d{1,6})H)?$")]
    private static partial Regex PeriodPattern();

    public static Agreement Load(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists) throw new AgreementFormatException([new IngestError(path, null, "", "no such file")]);
        if (info.Length > MaxBytes) throw new AgreementFormatException([new IngestError(path, null, "", $"an agreement document has at most {MaxBytes} bytes")]);
        return Parse(File.ReadAllText(path), path);
    }

    public static Agreement Parse(string yaml, string file)
    {
        if (yaml.Length > MaxBytes) throw new AgreementFormatException([new IngestError(file, null, "", $"an agreement document has at most {MaxBytes} bytes")]);
        var root = LoadRoot(yaml, file);
        byte[] canonical;
        try
        {
            canonical = CanonicalJson.Serialize(CanonicalJson.FromYaml(root, "signatures"));
        }
        catch (InvalidDataException e)
        {
            throw new AgreementFormatException([new IngestError(file, null, "", e.Message)]);
        }

        var p = new Problems(file);
        p.OnlyKeys(root, "", TopKeys);
        var id = p.Text(root, "agreement", "", required: true);
        if (id is not null && !IdPattern().IsMatch(id)) p.Add(p.Node(root, "agreement"), "agreement", "expected an id of lowercase letters, digits, '.' and '-' (e.g. nl-kr-mutual-assistance)");
        var version = p.Integer(root, "version", "", 1, 1_000_000);
        var kind = p.Enum<AgreementKind>(root, "kind", "", required: true);
        var title = p.Text(root, "title", "", required: false);
        var parties = ParseParties(p, root);
        var legalBasis = p.TextList(root, "legal-basis", "", required: true) ?? [];
        var (from, until) = ParseValidity(p, root);
        var rules = ParseCategories(p, root);
        var denials = ParseDenials(p, root);
        var signatures = ParseSignatures(p, root);

        if (kind is { } k && parties.Count > 0)
        {
            var expected = k switch { AgreementKind.Bilateral => "exactly 2", AgreementKind.National => "exactly 1", _ => "at least 2" };
            var ok = k switch { AgreementKind.Bilateral => parties.Count == 2, AgreementKind.National => parties.Count == 1, _ => parties.Count >= 2 };
            if (!ok) p.Add(p.Node(root, "parties"), "parties", $"a {Kebab(k.ToString())} agreement has {expected} parties, not {parties.Count}");
        }
        var codes = parties.Select(x => x.Code).ToHashSet(StringComparer.Ordinal);
        foreach (var (signature, node, i) in signatures)
        {
            if (!codes.Contains(signature.Party)) p.Add(node, $"signatures[{i}].party", $"'{signature.Party}' is not a party; expected one of {string.Join(", ", codes)}");
        }

        if (p.Errors.Count > 0) throw new AgreementFormatException(p.Errors);
        return new Agreement(id!, version!.Value, kind!.Value, title, parties, legalBasis, from!.Value, until!.Value, rules, denials,
            signatures.Select(s => s.Signature).ToArray(), HashOf(canonical))
        {
            CanonicalBytes = canonical,
            File = file,
        };
    }

    /// <summary>"sha256:" + lowercase hex of SHA-256 of the canonical bytes.</summary>
    /// <summary>An ISO 8601 period as agreements write it (P5Y, P6M, P30D, PT12H and their combinations).</summary>
    public static bool TryParsePeriod(string text, out Period period)
    {
        var match = PeriodPattern().Match(text);
        if (text is "P" or "PT" || !match.Success)
        {
            period = default;
            return false;
        }
        int Group(int i) => match.Groups[i].Success ? int.Parse(match.Groups[i].Value, CultureInfo.InvariantCulture) : 0;
        period = new Period(Group(1), Group(2), Group(3), Group(4));
        return true;
    }

    public static string HashOf(ReadOnlySpan<byte> canonical) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(canonical));

    internal static YamlMappingNode LoadRoot(string yaml, string file)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw new AgreementFormatException([new IngestError(file, e.Start.Line, "", "not valid YAML: " + (e.InnerException?.Message ?? e.Message))]);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            throw new AgreementFormatException([new IngestError(file, null, "", "not valid YAML (a repeated key or an unclosed { or [ ?): " + e.Message)]);
        }
        if (stream.Documents.Count != 1)
            throw new AgreementFormatException([new IngestError(file, null, "", "expected exactly one YAML document (the agreement)")]);
        if (stream.Documents[0].RootNode is not YamlMappingNode root)
            throw new AgreementFormatException([new IngestError(file, stream.Documents[0].RootNode.Start.Line, "", "expected a mapping with the keys " + string.Join(", ", TopKeys))]);
        return root;
    }

    private static List<AgreementParty> ParseParties(Problems p, YamlMappingNode root)
    {
        var list = new List<AgreementParty>();
        var items = p.Sequence(root, "parties", "", required: true);
        if (items is null) return list;
        if (items.Count > MaxParties) p.Add(p.Node(root, "parties"), "parties", $"at most {MaxParties} parties");
        for (var i = 0; i < items.Count && i < MaxParties; i++)
        {
            var path = $"parties[{i}]";
            if (items[i] is not YamlMappingNode party)
            {
                p.Add(items[i], path, "expected a party: code, name and fingerprint");
                continue;
            }
            p.OnlyKeys(party, path, PartyKeys);
            var code = p.Text(party, "code", path, required: true);
            if (code is not null && !NodeCodePattern().IsMatch(code)) p.Add(p.Node(party, "code"), path + ".code", "expected a node code: ISO country code, optionally with a suffix (KR, NL-RTM)");
            var name = p.Text(party, "name", path, required: true);
            var fingerprint = p.Text(party, "fingerprint", path, required: true);
            if (fingerprint is not null && !FingerprintPattern().IsMatch(fingerprint))
                p.Add(p.Node(party, "fingerprint"), path + ".fingerprint", "expected sha256: and 64 lowercase hex digits (SHA-256 of the node key's SubjectPublicKeyInfo)");
            if (code is not null && list.Any(x => x.Code == code)) p.Add(p.Node(party, "code"), path + ".code", $"'{code}' is listed twice");
            if (code is not null && name is not null && fingerprint is not null) list.Add(new AgreementParty(code, name, fingerprint));
        }
        return list;
    }

    private static (DateOnly?, DateOnly?) ParseValidity(Problems p, YamlMappingNode root)
    {
        if (p.Mapping(root, "validity", "", required: true) is not { } validity) return (null, null);
        p.OnlyKeys(validity, "validity", ["from", "until"]);
        var from = p.Date(validity, "from", "validity");
        var until = p.Date(validity, "until", "validity");
        if (from is { } f && until is { } u && u < f) p.Add(p.Node(validity, "until"), "validity.until", $"'until' ({u:yyyy-MM-dd}) is before 'from' ({f:yyyy-MM-dd})");
        return (from, until);
    }

    private static List<CategoryRule> ParseCategories(Problems p, YamlMappingNode root)
    {
        var rules = new List<CategoryRule>();
        if (p.Mapping(root, "categories", "", required: true) is not { } categories) return rules;
        foreach (var (key, value) in categories.Children)
        {
            var name = (key as YamlScalarNode)?.Value ?? "";
            var path = $"categories.{name}";
            if (!TryEnum<DataCategory>(name, out var category))
            {
                p.Add(key, path, $"unknown data category '{name}'; expected {Names<DataCategory>()}");
                continue;
            }
            var nodes = value switch
            {
                YamlSequenceNode seq => seq.Children.ToList(),
                _ => [value],
            };
            for (var i = 0; i < nodes.Count; i++)
            {
                var rulePath = value is YamlSequenceNode ? $"{path}[{i}]" : path;
                if (nodes[i] is not YamlMappingNode rule)
                {
                    p.Add(nodes[i], rulePath, "expected a rule: purposes, disclose, transform, handling-code, retention, ...");
                    continue;
                }
                if (rules.Count == MaxRules)
                {
                    p.Add(rule, rulePath, $"at most {MaxRules} rules in one agreement");
                    return rules;
                }
                if (ParseRule(p, rule, rulePath, category) is { } parsed) rules.Add(parsed);
            }
        }
        if (categories.Children.Count == 0) p.Add(categories, "categories", "expected at least one data category");
        return rules;
    }

    private static CategoryRule? ParseRule(Problems p, YamlMappingNode rule, string path, DataCategory category)
    {
        var errors = p.Errors.Count;
        p.OnlyKeys(rule, path, RuleKeys);
        var alertCategories = p.NameList(rule, "alert-categories", path) ?? [];
        if (alertCategories.Count > 0 && category != DataCategory.Alerts)
            p.Add(p.Node(rule, "alert-categories"), path + ".alert-categories", "only the alerts category has alert categories");
        var roles = p.NameList(rule, "roles", path) ?? [];
        var purposes = p.EnumList<Purpose>(rule, "purposes", path, required: true) ?? [];
        var disclose = new List<FieldPattern>();
        if (p.Sequence(rule, "disclose", path, required: false) is { } fields)
        {
            for (var i = 0; i < fields.Count; i++)
            {
                if (p.Pattern(fields[i], $"{path}.disclose[{i}]") is { } pattern) disclose.Add(pattern);
            }
        }
        var transforms = new List<FieldTransform>();
        if (p.Mapping(rule, "transform", path, required: false) is { } transform)
        {
            foreach (var (key, value) in transform.Children)
            {
                var field = (key as YamlScalarNode)?.Value ?? "";
                var fieldPath = $"{path}.transform.{field}";
                var pattern = p.Pattern(key, fieldPath);
                var treatment = value is YamlScalarNode { Value: { } t } && TryEnum<Treatment>(t, out var parsed) && parsed != Treatment.Disclose ? parsed : (Treatment?)null;
                if (treatment is null) p.Add(value, fieldPath, "expected drop, mask, pseudonymise or generalise-to-month");
                else if (pattern is not null) transforms.Add(new FieldTransform(pattern, treatment.Value));
            }
        }
        if (disclose.Count + transforms.Count > MaxPatternsPerRule) p.Add(rule, path, $"at most {MaxPatternsPerRule} fields in one rule");
        if (disclose.Count + transforms.Count == 0) p.Add(rule, path, "expected fields to disclose or transform");
        var other = p.Enum<OtherFields>(rule, "other-fields", path, required: false) ?? OtherFields.Refuse;
        var handling = p.Enum<HandlingCode>(rule, "handling-code", path, required: true);
        EvaluationCode? evaluation = null;
        if (p.Text(rule, "evaluation", path, required: false) is { } e)
        {
            if (e.Length == 2 && "ABCX".Contains(e[0]) && e[1] is >= '1' and <= '4') evaluation = new EvaluationCode(e[0], e[1] - '0');
            else p.Add(p.Node(rule, "evaluation"), path + ".evaluation", "expected a source reliability A, B, C or X and an accuracy 1–4 (e.g. B2)");
        }
        var onward = ParseOnward(p, rule, path);
        var retention = ParseRetention(p, rule, path);
        var answer = p.Text(rule, "answer-within", path, required: false) is { } a ? p.Period(p.Node(rule, "answer-within"), path + ".answer-within", a) : null;
        var push = ParsePush(p, rule, path, category, purposes);
        var informWithin = p.Node(rule, "inform-within-hours") is null ? null : p.Integer(rule, "inform-within-hours", path, 1, MaxInformWithinHours);
        if (informWithin is not null && category != DataCategory.Alerts)
            p.Add(p.Node(rule, "inform-within-hours"), path + ".inform-within-hours", "only the alerts category has a clock for informing an alert's issuer of a hit");
        if (p.Errors.Count > errors) return null;
        return new CategoryRule(category, alertCategories, roles, purposes, disclose, transforms, other, handling!.Value, evaluation, onward!, retention!, answer)
        {
            Push = push,
            InformWithinHours = informWithin,
        };
    }

    private static PushRule? ParsePush(Problems p, YamlMappingNode rule, string path, DataCategory category, IReadOnlyList<Purpose> purposes)
    {
        if (p.Node(rule, "push") is null) return null;
        path += ".push";
        if (p.Mapping(rule, "push", path[..path.LastIndexOf('.')], required: true) is not { } push) return null;
        p.OnlyKeys(push, path, ["to", "purpose", "lanes"]);
        var to = p.Enum<PushTo>(push, "to", path, required: true);
        var purpose = p.Enum<Purpose>(push, "purpose", path, required: true);
        if (purpose is { } pp && !purposes.Contains(pp)) p.Add(p.Node(push, "purpose"), path + ".purpose", $"'{Kebab(pp.ToString())}' is not among the rule's purposes");
        var lanes = p.NameList(push, "lanes", path) ?? [];
        if (lanes.Count > 0 && category != DataCategory.RiskResults) p.Add(p.Node(push, "lanes"), path + ".lanes", "only risk-results are pushed by lane");
        foreach (var lane in lanes)
            if (lane is not ("red" or "yellow" or "green" or "blue")) p.Add(p.Node(push, "lanes"), path + ".lanes", $"'{lane}' is not a lane (red, yellow, green, blue)");
        return to is null || purpose is null ? null : new PushRule(to.Value, purpose.Value, lanes);
    }

    private static OnwardTransfer? ParseOnward(Problems p, YamlMappingNode rule, string path)
    {
        var node = p.Node(rule, "onward-transfer");
        path += ".onward-transfer";
        switch (node)
        {
            case null:
                p.Add(rule, path, "'onward-transfer' is missing: forbidden, with-consent or {allowed-to: [codes]}");
                return null;
            case YamlScalarNode { Value: "forbidden" }:
                return OnwardTransfer.Forbidden;
            case YamlScalarNode { Value: "with-consent" }:
                return OnwardTransfer.WithConsent;
            case YamlMappingNode map when map.Children.Count == 1 && p.NameList(map, "allowed-to", path, codes: true) is { Count: > 0 } parties:
                return new OnwardTransfer(OnwardTransferKind.AllowedTo, parties.Order(StringComparer.Ordinal).ToArray());
            default:
                p.Add(node, path, "expected forbidden, with-consent or {allowed-to: [node codes]}");
                return null;
        }
    }

    private static Retention? ParseRetention(Problems p, YamlMappingNode rule, string path)
    {
        path += ".retention";
        if (p.Mapping(rule, "retention", path[..path.LastIndexOf('.')], required: true) is not { } retention) return null;
        p.OnlyKeys(retention, path, ["period", "then"]);
        var text = p.Text(retention, "period", path, required: true);
        var period = text is null ? null : p.Period(p.Node(retention, "period"), path + ".period", text);
        var then = p.Enum<RetentionEnd>(retention, "then", path, required: true);
        return period is null || then is null ? null : new Retention(period.Value, then.Value);
    }

    private static List<DenyRule> ParseDenials(Problems p, YamlMappingNode root)
    {
        var list = new List<DenyRule>();
        if (p.Sequence(root, "deny", "", required: false) is not { } items) return list;
        if (items.Count > MaxDenials) p.Add(p.Node(root, "deny"), "deny", $"at most {MaxDenials} deny rules");
        for (var i = 0; i < items.Count && i < MaxDenials; i++)
        {
            var path = $"deny[{i}]";
            if (items[i] is not YamlMappingNode rule)
            {
                p.Add(items[i], path, "expected a deny rule: reason and some of parties, categories, purposes, fields, roles");
                continue;
            }
            var errors = p.Errors.Count;
            p.OnlyKeys(rule, path, DenyKeys);
            var reason = p.Text(rule, "reason", path, required: false);
            var parties = p.NameList(rule, "parties", path, codes: true) ?? [];
            var categories = p.EnumList<DataCategory>(rule, "categories", path, required: false) ?? [];
            var purposes = p.EnumList<Purpose>(rule, "purposes", path, required: false) ?? [];
            var fields = new List<FieldPattern>();
            if (p.Sequence(rule, "fields", path, required: false) is { } fieldNodes)
            {
                for (var j = 0; j < fieldNodes.Count && j < MaxPatternsPerRule; j++)
                {
                    if (p.Pattern(fieldNodes[j], $"{path}.fields[{j}]") is { } f) fields.Add(f);
                }
            }
            var roles = p.NameList(rule, "roles", path) ?? [];
            if (parties.Count + categories.Count + purposes.Count + fields.Count + roles.Count == 0 && p.Errors.Count == errors)
                p.Add(rule, path, "a deny rule names at least one of parties, categories, purposes, fields, roles");
            if (p.Errors.Count == errors) list.Add(new DenyRule(reason, parties, categories, purposes, fields, roles));
        }
        return list;
    }

    private static List<(AgreementSignature Signature, YamlNode Node, int Index)> ParseSignatures(Problems p, YamlMappingNode root)
    {
        var list = new List<(AgreementSignature, YamlNode, int)>();
        if (p.Sequence(root, "signatures", "", required: false) is not { } items) return list;
        for (var i = 0; i < items.Count && i < MaxParties; i++)
        {
            var path = $"signatures[{i}]";
            if (items[i] is not YamlMappingNode s)
            {
                p.Add(items[i], path, "expected a signature: party, public-key, signature, signed-at");
                continue;
            }
            var errors = p.Errors.Count;
            p.OnlyKeys(s, path, SignatureKeys);
            var party = p.Text(s, "party", path, required: true);
            var key = p.Base64(s, "public-key", path);
            var signature = p.Base64(s, "signature", path);
            DateTimeOffset? signedAt = null;
            if (p.Text(s, "signed-at", path, required: false) is { } at)
            {
                if (DateTimeOffset.TryParse(at, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)) signedAt = t;
                else p.Add(p.Node(s, "signed-at"), path + ".signed-at", "expected a date and time (2025-01-02T10:00:00Z)");
            }
            if (p.Errors.Count == errors) list.Add((new AgreementSignature(party!, key!, signature!, signedAt), s, i));
        }
        return list;
    }

    public static string Kebab(string pascal)
    {
        var chars = new System.Text.StringBuilder();
        for (var i = 0; i < pascal.Length; i++)
        {
            if (char.IsUpper(pascal[i]) && i > 0) chars.Append('-');
            chars.Append(char.ToLowerInvariant(pascal[i]));
        }
        return chars.ToString();
    }

    public static string Names<T>() where T : struct, Enum => string.Join(", ", Enum.GetNames<T>().Select(n => n.Length == 2 && n[0] == 'H' ? n : Kebab(n)));

    public static bool TryEnum<T>(string text, out T value) where T : struct, Enum
    {
        foreach (var v in Enum.GetValues<T>())
        {
            var name = v.ToString();
            if (name == text || (name.Length > 2 && Kebab(name) == text))
            {
                value = v;
                return true;
            }
        }
        value = default;
        return false;
    }

    private sealed class Problems(string file)
    {
        public List<IngestError> Errors { get; } = [];

        public void Add(YamlNode? node, string path, string message) =>
            Errors.Add(new IngestError(file, node is null ? null : node.Start.Line, path, message));

        private static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

        public YamlNode? Node(YamlMappingNode map, string key) => map.Children.TryGetValue(new YamlScalarNode(key), out var v) ? v : null;

        public void OnlyKeys(YamlMappingNode node, string path, string[] allowed)
        {
            foreach (var key in node.Children.Keys)
            {
                var name = (key as YamlScalarNode)?.Value ?? "";
                if (!allowed.Contains(name)) Add(key, Join(path, name), $"unknown key '{name}'; expected {string.Join(", ", allowed)}");
            }
        }

        public string? Text(YamlMappingNode map, string key, string path, bool required)
        {
            var node = Node(map, key);
            if (node is null)
            {
                if (required) Add(map, Join(path, key), $"'{key}' is missing");
                return null;
            }
            if (node is not YamlScalarNode { Value: { } text } || (required && string.IsNullOrWhiteSpace(text)))
            {
                Add(node, Join(path, key), node is YamlScalarNode ? $"'{key}' is empty" : "expected a single value");
                return null;
            }
            return text;
        }

        public int? Integer(YamlMappingNode map, string key, string path, int min, int max)
        {
            if (Text(map, key, path, required: true) is not { } text) return null;
            if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max) return n;
            Add(Node(map, key), Join(path, key), $"expected a whole number from {min} to {max}, got '{text}'");
            return null;
        }

        public DateOnly? Date(YamlMappingNode map, string key, string path)
        {
            if (Text(map, key, path, required: true) is not { } text) return null;
            if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)) return d;
            Add(Node(map, key), Join(path, key), $"expected a date yyyy-mm-dd, got '{text}'");
            return null;
        }

        public T? Enum<T>(YamlMappingNode map, string key, string path, bool required) where T : struct, System.Enum
        {
            if (Text(map, key, path, required) is not { } text) return null;
            if (TryEnum<T>(text, out var value)) return value;
            Add(Node(map, key), Join(path, key), $"unknown {key} '{text}'; expected {Names<T>()}");
            return null;
        }

        public IList<YamlNode>? Sequence(YamlMappingNode map, string key, string path, bool required)
        {
            var node = Node(map, key);
            if (node is YamlSequenceNode seq) return seq.Children;
            if (node is null && !required) return null;
            Add(node ?? map, Join(path, key), node is null ? $"'{key}' is missing" : "expected a list");
            return null;
        }

        public YamlMappingNode? Mapping(YamlMappingNode map, string key, string path, bool required)
        {
            var node = Node(map, key);
            if (node is YamlMappingNode m) return m;
            if (node is null && !required) return null;
            Add(node ?? map, Join(path, key), node is null ? $"'{key}' is missing" : "expected a mapping (key: value lines)");
            return null;
        }

        public List<string>? TextList(YamlMappingNode map, string key, string path, bool required)
        {
            if (Sequence(map, key, path, required) is not { } seq) return null;
            var list = new List<string>();
            for (var i = 0; i < seq.Count; i++)
            {
                if (seq[i] is YamlScalarNode { Value: { Length: > 0 } text }) list.Add(text);
                else Add(seq[i], $"{Join(path, key)}[{i}]", "expected a text");
            }
            if (required && list.Count == 0) Add(Node(map, key), Join(path, key), $"'{key}' is empty");
            return list;
        }

        public List<string>? NameList(YamlMappingNode map, string key, string path, bool codes = false)
        {
            if (TextList(map, key, path, required: false) is not { } list) return null;
            var pattern = codes ? NodeCodePattern() : NamePattern();
            foreach (var bad in list.Where(x => !pattern.IsMatch(x)))
                Add(Node(map, key), Join(path, key), codes ? $"'{bad}' is not a node code (KR, NL-RTM)" : $"'{bad}' is not a lowercase name (letters, digits, '-')");
            return list.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        }

        public List<T>? EnumList<T>(YamlMappingNode map, string key, string path, bool required) where T : struct, System.Enum
        {
            if (TextList(map, key, path, required) is not { } list) return null;
            var values = new List<T>();
            foreach (var text in list)
            {
                if (TryEnum<T>(text, out var v)) values.Add(v);
                else Add(Node(map, key), Join(path, key), $"unknown {key[..^1]} '{text}'; expected {Names<T>()}");
            }
            return values.Distinct().Order().ToList();
        }

        public FieldPattern? Pattern(YamlNode node, string path)
        {
            string? text = null;
            string? wco = null;
            if (node is YamlScalarNode { Value: { } s }) text = s;
            else if (node is YamlMappingNode m)
            {
                OnlyKeys(m, path, ["path", "wco"]);
                text = Text(m, "path", path, required: true);
                wco = Text(m, "wco", path, required: false);
                if (text is null) return null;
            }
            if (text is null)
            {
                Add(node, path, "expected a field path or {path, wco}");
                return null;
            }
            if (FieldPaths.Problem(text) is { } problem)
            {
                Add(node, path, problem);
                return null;
            }
            return new FieldPattern(text, wco);
        }

        public Period? Period(YamlNode? node, string path, string text)
        {
            var match = PeriodPattern().Match(text);
            if (text != "P" && match.Success && text != "PT")
            {
                int Group(int i) => match.Groups[i].Success ? int.Parse(match.Groups[i].Value, CultureInfo.InvariantCulture) : 0;
                return new Period(Group(1), Group(2), Group(3), Group(4));
            }
            Add(node, path, $"expected an ISO 8601 period such as P5Y, P6M, P30D or PT12H, got '{text}'");
            return null;
        }

        public byte[]? Base64(YamlMappingNode map, string key, string path)
        {
            if (Text(map, key, path, required: true) is not { } text) return null;
            try
            {
                return Convert.FromBase64String(text);
            }
            catch (FormatException)
            {
                Add(Node(map, key), Join(path, key), "expected base64");
                return null;
            }
        }
    }
}
