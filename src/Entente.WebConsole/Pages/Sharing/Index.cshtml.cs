using System.Text.Json;
using System.Text.Json.Nodes;
using Entente.Access;
using Entente.Exchange;
using Entente.Sharing;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Localization;

namespace Entente.WebConsole.Pages.Sharing;

/// <summary>
/// Sharing: seizure reports, risk results and AEO status records made here, where each was pushed and the partner's
/// receipt (`RecordDesk`, as GET /api/records; the outbox), and those received from partners (the inbox's headers);
/// for officers and liaison officers, a record made with a form per kind (a field per member, selects for the code
/// lists, rows added for the repeated members) or, for integrators, written as the API's body, and checked by the same
/// use case (`RecordShared`, as POST /api/records/{kind}): every problem next to the field its JSON pointer names.
/// </summary>
[Authorize(Policy = ConsolePolicies.Read)]
public sealed class IndexModel(RecordShared record, RecordDesk desk, ExchangeStore exchange, IStringLocalizer<Strings> text) : ConsolePage
{
    public const int Shown = 50;

    public static readonly IReadOnlyList<string> Kinds = [RecordKind.SeizureReport.Name, RecordKind.RiskResult.Name, RecordKind.AeoStatus.Name];

    /// <summary>A starting document per kind, in the API's shape (docs/exchange.md), to edit.</summary>
    public static readonly IReadOnlyDictionary<string, string> Templates = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["seizure-report"] = """
            {"seizure": {"id": "", "seizedAt": "2026-01-01T08:00:00Z", "category": "counterfeits", "place": "",
              "route": {"originCountryCode": "", "itinerary": []},
              "goods": [{"description": "", "hsCode": "", "quantity": 1}]}}
            """,
        ["risk-result"] = """
            {"riskResult": {"declarationMrn": "", "lane": "red", "assessedAt": "2026-01-01T08:00:00Z",
              "items": [{"sequence": 1, "resultCode": "", "text": ""}]}}
            """,
        ["aeo-status"] = """
            {"aeo": {"id": "", "name": "", "address": {"city": "", "countryCode": ""}, "status": "certified",
              "validatedOn": "2026-01-01"}}
            """,
    };

    [BindProperty(SupportsGet = true)] public string? Kind { get; set; }
    [BindProperty] public string? Document { get; set; }

    public IReadOnlyList<SentRecord> Sent { get; private set; } = [];
    public IReadOnlyList<InboxItem> Received { get; private set; } = [];
    public IReadOnlyList<string> Problems { get; private set; } = [];
    public StoredRecord? Recorded { get; private set; }

    /// <summary>The structured form's values by field name (its pointer), as submitted.</summary>
    public Dictionary<string, string?> Values { get; } = new(StringComparer.Ordinal);
    /// <summary>The problems by the field name (or section pointer) they are shown next to.</summary>
    public Dictionary<string, List<string>> FieldProblems { get; } = new(StringComparer.Ordinal);
    /// <summary>Problems no field of the form caused (the record as a whole).</summary>
    public List<string> FormProblems { get; } = [];
    /// <summary>The rows each repeated section shows, by its field name prefix ("/seizure/offenders").</summary>
    public Dictionary<string, int> RowCounts { get; } = new(StringComparer.Ordinal);

    public RecordForm Form => RecordForms.Of(ChosenKind);

    public bool MayRecord => Can(AccessPolicies.Disclose);
    public bool MayList => Can(AccessPolicies.Exchange);

    public string ChosenKind => Kind is { } k && Kinds.Contains(k) ? k : Kinds[0];

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (!MayRecord && !MayList) return Refuse();
        Document = Templates[ChosenKind];
        CountRows(_ => null);
        await LoadAsync(cancellationToken);
        return Page();
    }

    /// <summary>
    /// The record made with the form: built into the API's document and checked by the same use case; each problem next
    /// to the field its pointer names. "Add a row" (a submit button naming its section) only adds a row, and a row's
    /// "Remove" (naming the row) only takes it out, keeping every other value typed: neither records anything.
    /// </summary>
    public async Task<IActionResult> OnPostFormAsync(CancellationToken cancellationToken)
    {
        if (!MayRecord) return Refuse();
        Document = Templates[ChosenKind];
        var form = Form;
        string? Field(string name) => Request.Form.TryGetValue(name, out var v) ? v.ToString() : null;
        foreach (var key in Request.Form.Keys.Where(k => k.StartsWith(form.Root + "/", StringComparison.Ordinal))) Values[key] = Field(key);
        CountRows(Field);
        if (Field("add") is { } add && RowCounts.ContainsKey(add))
        {
            RowCounts[add] = Math.Min(RowCounts[add] + 1, 50);
            FocusRow = add;
        }
        else if (Field("remove") is { } remove && RecordForms.RemoveRow(form, remove, Values, RowCounts) is { } removed)
            RowRemoved = text["Share_RowRemoved", Label(removed.Section.Legend), removed.Index + 1];
        else
        {
            var document = RecordForms.Build(form, Field, out var rowOf);
            switch (await record.HandleAsync(Me, ChosenKind, document, cancellationToken))
            {
                case RecordSharedResult.Recorded r:
                    Recorded = r.Record;
                    Values.Clear();
                    RowCounts.Clear();
                    CountRows(_ => null);
                    break;
                case RecordSharedResult.Invalid i:
                    foreach (var problem in i.Problems)
                    {
                        if (RecordForms.Target(form, problem.Field, rowOf) is { } target)
                        {
                            if (!FieldProblems.TryGetValue(target, out var list)) FieldProblems[target] = list = [];
                            list.Add(problem.ToString());
                        }
                        else FormProblems.Add(problem.ToString());
                    }
                    break;
                case RecordSharedResult.UnknownKind u:
                    FormProblems.Add($"'{u.Kind}' is not one of {RecordKind.Names}");
                    break;
            }
        }
        await LoadAsync(cancellationToken);
        return Page();
    }

    /// <summary>The section a row was just added to (its new row's first field is described as such).</summary>
    public string? FocusRow { get; private set; }

    /// <summary>Which row "Remove" just took out, said to the user (the page comes back without it).</summary>
    public string? RowRemoved { get; private set; }

    public string? Value(string name) => Values.TryGetValue(name, out var v) ? v : null;

    public IReadOnlyList<string> ProblemsAt(string name) => FieldProblems.TryGetValue(name, out var list) ? list : [];

    public string Label(string key) => text[key] is { ResourceNotFound: false } label ? label.Value : key;

    private void CountRows(Func<string, string?> field)
    {
        foreach (var section in Form.Sections.Where(s => s.Repeated)) RowCounts[Form.Root + section.Pointer] = RecordForms.Rows(section, field, Form.Root);
    }

    /// <summary>The record written as the API's body (for integrators): checked by the same use case.</summary>
    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (!MayRecord) return Refuse();
        CountRows(_ => null);
        JsonObject? document = null;
        try
        {
            document = JsonNode.Parse(Document ?? "") as JsonObject;
            if (document is null) Problems = ["/: " + text["ExpectedJsonObject"]];
        }
        catch (JsonException e)
        {
            Problems = [text["JsonNotRead", (e.LineNumber ?? 0) + 1, (e.BytePositionInLine ?? 0) + 1, e.Message]];
        }
        if (document is not null)
        {
            switch (await record.HandleAsync(Me, ChosenKind, document, cancellationToken))
            {
                case RecordSharedResult.Recorded r:
                    Recorded = r.Record;
                    Document = Templates[ChosenKind];
                    break;
                case RecordSharedResult.Invalid i:
                    Problems = [.. i.Problems.Select(p => p.ToString())];
                    break;
                case RecordSharedResult.UnknownKind u:
                    Problems = [$"'{u.Kind}' is not one of {RecordKind.Names}"];
                    break;
            }
        }
        await LoadAsync(cancellationToken);
        return Page();
    }

    /// <summary>A push's delivery in words: refused (why), waiting (attempts, last error), or delivered with the partner's receipt.</summary>
    public string Delivery(SentPush push) => push switch
    {
        { Push.Refused: { } refused } => text["PushRefused", refused],
        { Outbox: null } => text["PushUnknown"],
        { Receipt: { } receipt } => text["PushDelivered", receipt.Length],
        { Outbox: { } item } => text["PushWaiting", item.State, item.Attempts, item.LastError ?? "—"],
    };

    /// <summary>The pushes of the record just made, with their delivery (from the list of records sent).</summary>
    public IReadOnlyList<SentPush> RecordedPushes => Recorded is { } r && Sent.FirstOrDefault(s => s.Record.Id == r.Id) is { } sent ? sent.Pushes
        : Recorded?.Pushed.Select(p => new SentPush(p, null, null)).ToList() ?? [];

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        if (!MayList) return;
        var sent = new List<SentRecord>();
        foreach (var stored in await desk.ListAsync(null, Shown, cancellationToken))
        {
            if (!Kinds.Contains(stored.Kind)) continue;
            var pushes = new List<SentPush>();
            foreach (var push in stored.Pushed)
            {
                if (push.MessageId is not { } id)
                {
                    pushes.Add(new SentPush(push, null, null));
                    continue;
                }
                pushes.Add(new SentPush(push, await exchange.GetOutboxAsync(id, cancellationToken), await exchange.ReceiptForAsync(id, cancellationToken)));
            }
            sent.Add(new SentRecord(stored, pushes));
        }
        Sent = sent;
        var received = new List<InboxItem>();
        foreach (var kind in Kinds) received.AddRange(await exchange.ListInboxAsync(null, kind, Shown, cancellationToken));
        Received = [.. received.OrderByDescending(i => i.ReceivedAt).Take(Shown)];
    }
}

/// <summary>A record made here with each push's outbox state and receipt.</summary>
public sealed record SentRecord(StoredRecord Record, IReadOnlyList<SentPush> Pushes);

public sealed record SentPush(PushOutcome Push, OutboxItem? Outbox, byte[]? Receipt);
