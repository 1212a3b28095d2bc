using System.Text.Json.Nodes;

namespace Entente.Declarations;

/// <summary>What a message that is not an original declaration asks of the declaration it names.</summary>
public enum AmendmentKind
{
    /// <summary>Change the fields it carries, keep the others (WCO DMS FunctionCode 13 COR; EDIFACT BGM 1225 = 4).</summary>
    Amend,

    /// <summary>Replace the declaration by the one it carries (EDIFACT BGM 1225 = 5).</summary>
    Replace,

    /// <summary>Cancel (invalidate) the declaration (WCO DMS FunctionCode 13 INV or 14; EDIFACT BGM 1225 = 1).</summary>
    Cancel,
}

/// <summary>
/// Amendments and cancellations of stored declarations (docs/formats/findings.md, "Amendments and cancellations"). Pure:
/// which messages are amendments, which declaration they name, and the declaration once amended; the store keeps the
/// previous version and the history.
/// </summary>
public static class DeclarationAmendments
{
    /// <summary>The NationalData key under which a reader keeps the sender's reason for an amendment or cancellation.</summary>
    public const string ReasonKey = "amendment:reason";

    /// <summary>
    /// What a declaration read from a file of <paramref name="format"/> asks: null for an original declaration. WCO DMS:
    /// FunctionCode 13 (an additional message) is a cancellation when its TypeCode is INV or its Amendment's
    /// ChangeReasonCode is 1, else an amendment; FunctionCode 14 is a cancellation. EDIFACT CUSDEC: BGM message function
    /// 1 cancellation, 4 change, 5 replace.
    /// </summary>
    public static AmendmentKind? KindOf(Declaration d, DeclarationFormat format)
    {
        var function = d.FunctionCode?.Trim();
        return format switch
        {
            DeclarationFormat.WcoXml => function switch
            {
                "13" when d.TypeCode?.Trim() == "INV" || d.NationalData.GetValueOrDefault("dms:Amendment[1]/ChangeReasonCode") == "1" => AmendmentKind.Cancel,
                "13" => AmendmentKind.Amend,
                "14" => AmendmentKind.Cancel,
                _ => null,
            },
            DeclarationFormat.Edifact => function switch
            {
                "1" => AmendmentKind.Cancel,
                "4" => AmendmentKind.Amend,
                "5" => AmendmentKind.Replace,
                _ => null,
            },
            _ => null,
        };
    }

    /// <summary>
    /// The reference of the declaration an amendment names: its MRN, else (EDIFACT, where BGM repeats the declarant's
    /// document number) its LRN. A WCO DMS additional message's FunctionalReferenceID is its own reference, not the
    /// declaration's: only the MRN (ID) names the declaration.
    /// </summary>
    public static string? TargetOf(Declaration change, DeclarationFormat format)
    {
        if (!string.IsNullOrWhiteSpace(change.Mrn)) return change.Mrn.Trim();
        return format == DeclarationFormat.WcoXml || string.IsNullOrWhiteSpace(change.Lrn) ? null : change.Lrn.Trim();
    }

    /// <summary>The reason the sender gave (a DMS AES statement, an EDIFACT FTX), if any.</summary>
    public static string? ReasonOf(Declaration change)
    {
        if (change.NationalData.GetValueOrDefault(ReasonKey) is { Length: > 0 } reason) return reason;
        foreach (var (key, value) in change.NationalData)
        {
            if (key.StartsWith("dms:AdditionalInformation", StringComparison.Ordinal) && key.EndsWith("StatementDescription", StringComparison.Ordinal))
                return value;
        }
        // CUSDEC: the header free text (FTX), such as FTX+ACD (reason).
        foreach (var (key, value) in change.NationalData)
        {
            if (key.StartsWith("FTX+", StringComparison.Ordinal) && value.Length > 0) return value;
        }
        return null;
    }

    // Fields of an amendment message that describe the message, not the declaration: never copied onto it.
    private static readonly HashSet<string> MessageFields = new(StringComparer.Ordinal) { "id", "functionCode", "typeCode", "status", "findings" };

    /// <summary>
    /// The declaration <paramref name="stored"/> becomes under <paramref name="change"/>: a replacement takes the new
    /// declaration whole (keeping the stored node id and, if the new one has none, MRN); an amendment overlays what it
    /// carries: a field given replaces the stored one, goods items are matched by sequence number, parties by role,
    /// documents by type and number, containers by number, and what it does not carry is kept. Neither input changes.
    /// </summary>
    public static Declaration Apply(Declaration stored, Declaration change, AmendmentKind kind)
    {
        ArgumentNullException.ThrowIfNull(stored);
        ArgumentNullException.ThrowIfNull(change);
        if (kind == AmendmentKind.Cancel)
        {
            var cancelled = EntenteJson.Deserialize(EntenteJson.Serialize(stored));
            cancelled.Status = DeclarationStatus.Invalidated;
            return cancelled;
        }
        var target = JsonNode.Parse(EntenteJson.Serialize(stored))!.AsObject();
        var source = JsonNode.Parse(EntenteJson.Serialize(change))!.AsObject();
        JsonObject merged;
        if (kind == AmendmentKind.Replace)
        {
            merged = source;
            foreach (var keep in new[] { "id", "functionCode", "mrn", "status" })
            {
                if (target[keep] is { } value && (keep != "mrn" || merged["mrn"] is null)) merged[keep] = value.DeepClone();
            }
        }
        else
        {
            foreach (var (name, value) in source)
            {
                if (MessageFields.Contains(name) || name == "lrn") continue;
                if (name == "nationalData") continue;
                Merge(target, name, value);
            }
            // The message's own data (its pointers, reason, submitter) is not declaration data.
            if (source["nationalData"] is JsonObject national)
            {
                var into = target["nationalData"] as JsonObject ?? [];
                foreach (var (key, value) in national)
                {
                    if (IsMessageData(key)) continue;
                    into[key] = value?.DeepClone();
                }
                target["nationalData"] = into;
            }
            merged = target;
        }
        merged.Remove("findings");
        return EntenteJson.Deserialize(merged.ToJsonString(EntenteJson.Options));
    }

    private static bool IsMessageData(string key) =>
        key == ReasonKey || key.StartsWith("dms:Amendment", StringComparison.Ordinal) || key.StartsWith("dms:Submitter", StringComparison.Ordinal)
        || key.StartsWith("dms:AdditionalInformation", StringComparison.Ordinal) || key.StartsWith("amendment:", StringComparison.Ordinal)
        || key.StartsWith("FTX+", StringComparison.Ordinal);

    private static void Merge(JsonObject target, string name, JsonNode? value)
    {
        switch (value)
        {
            case null:
                return;
            case JsonObject obj when target[name] is JsonObject existing:
                foreach (var (child, childValue) in obj) Merge(existing, child, childValue);
                return;
            case JsonArray { Count: 0 }:
                // An empty list is what a message that says nothing about it reads as.
                return;
            case JsonArray array when target[name] is JsonArray existing && KeyOf(name) is { } key:
                foreach (var element in array)
                {
                    if (element is not JsonObject item) continue;
                    var match = existing.OfType<JsonObject>().FirstOrDefault(e => key(e) is { } k && k == key(item));
                    if (match is null)
                    {
                        existing.Add(item.DeepClone());
                    }
                    else
                    {
                        foreach (var (child, childValue) in item) Merge(match, child, childValue);
                    }
                }
                return;
            default:
                target[name] = value.DeepClone();
                return;
        }
    }

    // How the elements of a list are matched between the stored declaration and the amendment; null: a list given replaces.
    private static Func<JsonObject, string?>? KeyOf(string list) => list switch
    {
        "goodsItems" => e => e["sequence"]?.ToJsonString(),
        "parties" => e => e["role"]?.ToJsonString(),
        "additionalDocuments" or "previousDocuments" => e => e["id"] is null && e["typeCode"] is null ? null : $"{e["typeCode"]}|{e["id"]}",
        "containers" => e => e["id"]?.ToJsonString(),
        _ => null,
    };
}
