using System.Globalization;
using System.Text.Json.Nodes;
using Entente.Access;
using Entente.Common;
using Entente.Intelligence.Seizures;
using Entente.Sharing;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Localization;

namespace Entente.WebConsole.Pages.Intelligence;

/// <summary>
/// Seizures held here, own and partners' (the API's list and filters, <see cref="SeizureBook"/>), and a seizure recorded
/// with a form (officers, liaison officers) checked by the same use case as POST /api/seizures: every problem shown next
/// to its field, nothing recorded while one remains.
/// </summary>
public sealed class SeizuresModel(SeizureBook book, IStringLocalizer<Strings> text) : ConsolePage
{
    public const int PageSize = 25;

    public static readonly string[] TransportModes = ["1", "2", "3", "4", "5", "7", "8", "9"];

    [BindProperty(SupportsGet = true)] public string? Category { get; set; }
    [BindProperty(SupportsGet = true)] public string? Origin { get; set; }
    [BindProperty(SupportsGet = true)] public string? From { get; set; }
    [BindProperty(SupportsGet = true)] public string? To { get; set; }
    [BindProperty(SupportsGet = true, Name = "p")] public int PageNumber { get; set; }

    [BindProperty] public string? SeizureId { get; set; }
    [BindProperty] public string? SeizedAt { get; set; }
    [BindProperty] public string? NewCategory { get; set; }
    [BindProperty] public string? DrugType { get; set; }
    [BindProperty] public string? Detail { get; set; }
    [BindProperty] public string? Quantity { get; set; }
    [BindProperty] public string? Unit { get; set; }
    [BindProperty] public string? Amount { get; set; }
    [BindProperty] public string? Currency { get; set; }
    [BindProperty] public string? Place { get; set; }
    [BindProperty] public string? Detection { get; set; }
    [BindProperty] public string? Concealment { get; set; }
    [BindProperty] public string? TransportMode { get; set; }
    [BindProperty] public string? Departure { get; set; }
    [BindProperty] public string? Transit { get; set; }
    [BindProperty] public string? Destination { get; set; }
    [BindProperty] public string? Mrn { get; set; }
    [BindProperty] public string? ContainerNumber { get; set; }
    [BindProperty] public string? OffenderKind { get; set; }
    [BindProperty] public string? OffenderName { get; set; }
    [BindProperty] public string? OffenderId { get; set; }
    [BindProperty] public string? OffenderCountry { get; set; }

    public IReadOnlyList<SeizureListing> Listed { get; private set; } = [];
    public bool HasMore { get; private set; }
    public Dictionary<string, string> Problems { get; } = new(StringComparer.Ordinal);
    public List<string> OtherProblems { get; } = [];
    public string? Done { get; private set; }
    public bool AddOpen { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken);

    /// <summary>A seizure recorded as POST /api/seizures records it; the agreements' subscriptions push it to partners.</summary>
    public async Task<IActionResult> OnPostAddAsync(CancellationToken cancellationToken)
    {
        if (!Can(AccessPolicies.Disclose)) return Refuse();
        AddOpen = true;
        var body = new JsonObject();
        void Put(string name, string? value)
        {
            if (!string.IsNullOrWhiteSpace(value)) body[name] = value.Trim();
        }
        Put("id", SeizureId);
        if (string.IsNullOrWhiteSpace(SeizureId)) Problems["SeizureId"] = text["Required"];
        Put("seizedAt", SeizedAt);
        if (string.IsNullOrWhiteSpace(SeizedAt)) Problems["SeizedAt"] = text["Required"];
        Put("category", NewCategory);
        if (string.IsNullOrWhiteSpace(NewCategory)) Problems["NewCategory"] = text["Required"];
        Put("drugType", DrugType);
        if (!string.IsNullOrWhiteSpace(Detail)) body[NewCategory == "wildlife" ? "species" : "brand"] = Detail.Trim();
        if (!string.IsNullOrWhiteSpace(Quantity) || !string.IsNullOrWhiteSpace(Unit))
        {
            var quantity = new JsonObject();
            if (Number(Quantity, "Quantity") is { } q) quantity["amount"] = q;
            if (!string.IsNullOrWhiteSpace(Unit)) quantity["unit"] = Unit.Trim();
            body["quantity"] = quantity;
        }
        if (!string.IsNullOrWhiteSpace(Amount) || !string.IsNullOrWhiteSpace(Currency))
        {
            var value = new JsonObject();
            if (Number(Amount, "Amount") is { } a) value["amount"] = a;
            if (!string.IsNullOrWhiteSpace(Currency)) value["currency"] = Currency.Trim().ToUpperInvariant();
            body["value"] = value;
        }
        Put("place", Place?.ToUpperInvariant());
        Put("detectionMethod", Detection);
        Put("concealmentMethod", Concealment);
        if (!string.IsNullOrWhiteSpace(TransportMode)) body["transport"] = new JsonObject { ["mode"] = TransportMode.Trim() };
        if (!string.IsNullOrWhiteSpace(Departure) || !string.IsNullOrWhiteSpace(Destination) || !string.IsNullOrWhiteSpace(Transit))
        {
            var route = new JsonObject();
            if (!string.IsNullOrWhiteSpace(Departure)) route["departureCountryCode"] = Departure.Trim().ToUpperInvariant();
            if (!string.IsNullOrWhiteSpace(Transit))
                route["transitCountryCodes"] = new JsonArray([.. Transit.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries).Select(c => (JsonNode)c.ToUpperInvariant())]);
            if (!string.IsNullOrWhiteSpace(Destination)) route["destinationCountryCode"] = Destination.Trim().ToUpperInvariant();
            body["route"] = route;
        }
        Put("declarationMrn", Mrn);
        Put("container", ContainerNumber?.ToUpperInvariant());
        if (!string.IsNullOrWhiteSpace(OffenderName) || !string.IsNullOrWhiteSpace(OffenderId))
        {
            var offender = new JsonObject { ["kind"] = string.IsNullOrWhiteSpace(OffenderKind) ? "person" : OffenderKind.Trim() };
            if (!string.IsNullOrWhiteSpace(OffenderName)) offender["name"] = OffenderName.Trim();
            if (!string.IsNullOrWhiteSpace(OffenderId)) offender["id"] = OffenderId.Trim();
            if (!string.IsNullOrWhiteSpace(OffenderCountry)) offender["countryCode"] = OffenderCountry.Trim().ToUpperInvariant();
            body["offenders"] = new JsonArray(offender);
        }
        if (Problems.Count == 0)
        {
            switch (await book.AddAsync([(new JsonObject { ["seizure"] = body }, null, null)], Me, Channel, cancellationToken))
            {
                case SeizureOutcome.Recorded:
                    Done = text["Intel_SeizureRecorded", SeizureId!.Trim()];
                    AddOpen = false;
                    SeizureId = SeizedAt = NewCategory = DrugType = Detail = Quantity = Unit = Amount = Currency = Place = Detection = Concealment = TransportMode = null;
                    Departure = Transit = Destination = Mrn = ContainerNumber = OffenderKind = OffenderName = OffenderId = OffenderCountry = null;
                    break;
                case SeizureOutcome.Invalid invalid:
                    PlaceErrors(invalid.Errors);
                    break;
            }
        }
        await LoadAsync(cancellationToken);
        return Page();
    }

    private double? Number(string? input, string field)
    {
        if (string.IsNullOrWhiteSpace(input)) return null;
        if (double.TryParse(input, NumberStyles.Number, CultureInfo.CurrentCulture, out var n) || double.TryParse(input, NumberStyles.Number, CultureInfo.InvariantCulture, out n)) return n;
        Problems[field] = text["Intel_NotANumber"];
        return null;
    }

    /// <summary>Each problem the use case found next to the field it concerns (its JSON path mapped to the form's field).</summary>
    private void PlaceErrors(IReadOnlyList<FieldError> errors)
    {
        foreach (var error in errors)
        {
            var field = FieldOf(error.Path);
            var message = $"{error.Message}";
            if (field is null) OtherProblems.Add($"{error.Path}: {error.Message}");
            else Problems[field] = Problems.TryGetValue(field, out var earlier) ? earlier + " " + message : message;
        }
    }

    public static string? FieldOf(string path) => path switch
    {
        "/seizure/id" => "SeizureId",
        "/seizure/seizedAt" => "SeizedAt",
        "/seizure/category" => "NewCategory",
        "/seizure/drugType" => "DrugType",
        "/seizure/brand" or "/seizure/species" => "Detail",
        "/seizure/quantity" or "/seizure/quantity/amount" => "Quantity",
        "/seizure/quantity/unit" => "Unit",
        "/seizure/value" or "/seizure/value/amount" => "Amount",
        "/seizure/value/currency" => "Currency",
        "/seizure/place" => "Place",
        "/seizure/detectionMethod" => "Detection",
        "/seizure/concealmentMethod" => "Concealment",
        "/seizure/route/departureCountryCode" => "Departure",
        "/seizure/route/destinationCountryCode" => "Destination",
        "/seizure/declarationMrn" => "Mrn",
        "/seizure/container" => "ContainerNumber",
        _ when path.StartsWith("/seizure/transport", StringComparison.Ordinal) => "TransportMode",
        _ when path.StartsWith("/seizure/route/transitCountryCodes", StringComparison.Ordinal) => "Transit",
        _ when path.StartsWith("/seizure/offenders/0/kind", StringComparison.Ordinal) => "OffenderKind",
        _ when path.StartsWith("/seizure/offenders/0/countryCode", StringComparison.Ordinal) => "OffenderCountry",
        _ when path.StartsWith("/seizure/offenders/0/id", StringComparison.Ordinal) => "OffenderId",
        _ when path.StartsWith("/seizure/offenders", StringComparison.Ordinal) => "OffenderName",
        _ => null,
    };

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        // The API's checks of the filters, each said next to its field.
        if (Category is { Length: 0 }) Category = null;
        if (Origin is { Length: 0 }) Origin = null;
        if (From is { Length: 0 }) From = null;
        if (To is { Length: 0 }) To = null;
        var filterProblem = false;
        if (Category is not null && !SeizureReport.Categories.Contains(Category)) (Problems["category"], filterProblem) = (text["Intel_CategoryUnknown"], true);
        foreach (var (name, month) in new[] { ("from", From), ("to", To) })
            if (month is not null && SeizureFacts.Date(month) is null) (Problems[name], filterProblem) = (text["Intel_MonthExpected"], true);
        if (filterProblem) return;
        PageNumber = Math.Max(0, PageNumber);
        var listed = await book.ListAsync(new SeizureFilter(Category, Origin?.Trim().ToUpperInvariant(), From, To, (PageNumber + 1) * PageSize + 1), cancellationToken);
        HasMore = listed.Count > (PageNumber + 1) * PageSize;
        Listed = [.. listed.Skip(PageNumber * PageSize).Take(PageSize)];
    }

    public string PageLink(int page) =>
        "?" + string.Join("&", new[] { ("category", Category), ("origin", Origin), ("from", From), ("to", To), ("p", page.ToString(CultureInfo.InvariantCulture)) }
            .Where(p => !string.IsNullOrEmpty(p.Item2)).Select(p => $"{p.Item1}={Uri.EscapeDataString(p.Item2!)}"));
}
