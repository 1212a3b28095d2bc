using System.Globalization;
using Entente.Declarations;
using Entente.Storage;

namespace Entente.Access;

/// <summary>A search as asked: every filter as given (checked by <see cref="SearchDeclarations.Decide"/>), and the purpose for party data.</summary>
public sealed record SearchDeclarationsInput
{
    public string? Reference { get; init; }
    public string? Party { get; init; }
    public string? Hs { get; init; }
    public string? Origin { get; init; }
    public string? From { get; init; }
    public string? To { get; init; }
    public string? Container { get; init; }
    public string? Status { get; init; }

    /// <summary>A finding code (docs/formats/findings.md): declarations that carry such a finding.</summary>
    public string? Finding { get; init; }

    /// <summary>At most this many (1 to 1000); 50 when not given.</summary>
    public int? Limit { get; init; }

    public string? After { get; init; }
    public string? Purpose { get; init; }
    public string? Justification { get; init; }
}

/// <summary>A filter that is not understood: the parameter (without prefix) and what was expected.</summary>
public sealed record QueryProblem(string Parameter, string Message)
{
    public override string ToString() => $"{Parameter}: {Message}";
}

public abstract record SearchDeclarationsResult
{
    /// <summary>A page of hits; <see cref="Notice"/> is set when party identifiers were withheld.</summary>
    public sealed record Found(SearchPage Page, string? Notice) : SearchDeclarationsResult;

    /// <summary>Personal data refused: <see cref="Parameter"/> names the filter that needs a purpose (null: the stated purpose was refused).</summary>
    public sealed record Refused(string Reason, string? Parameter) : SearchDeclarationsResult;

    public sealed record Invalid(IReadOnlyList<QueryProblem> Problems) : SearchDeclarationsResult;
}

/// <summary>
/// The search of declarations, for the API (GET /api/declarations) and the console (`declarations search`): the
/// personal-data decision, the refusal of a party search without an allowed purpose, the query checks, the ledger entry
/// of the read, and party identifiers withheld without an allowed purpose.
/// </summary>
public sealed class SearchDeclarations(IDeclarationStore store, AccessRecorder recorder)
{
    public const int DefaultLimit = 50;

    public async Task<SearchDeclarationsResult> HandleAsync(LocalUser user, string channel, SearchDeclarationsInput input, CancellationToken cancellationToken = default)
    {
        var asked = recorder.Query("search declarations", [new("reference", input.Reference), new("party", input.Party), new("hs", input.Hs),
            new("origin", input.Origin), new("from", input.From), new("to", input.To), new("container", input.Container), new("status", input.Status),
            new("finding", input.Finding), new("after", input.After)], "party");
        var access = await recorder.CheckAsync(user, channel, input.Purpose, input.Justification, asked, cancellationToken: cancellationToken);
        if (access.Refused) return new SearchDeclarationsResult.Refused(access.Reason!, null);
        // Searching by a party's identifier is itself a use of personal data.
        if (input.Party is not null && !access.Allowed)
        {
            var notice = PersonalData.NoticeFor(user);
            await recorder.RecordRefusalAsync(user, channel, input.Purpose, $"party: {notice}", asked, cancellationToken: cancellationToken);
            return new SearchDeclarationsResult.Refused(notice, "party");
        }
        var (query, problems) = Decide(input);
        if (query is null) return new SearchDeclarationsResult.Invalid(problems);
        var page = await store.SearchAsync(query, cancellationToken);
        if (!access.Allowed)
            return new SearchDeclarationsResult.Found(page with { Items = page.Items.Select(PersonalData.Withhold).ToList() }, PersonalData.NoticeFor(user));
        await recorder.RecordReadAsync(user, channel, access, asked,
            page.Items.Select(i => (i.Id, (IEnumerable<string>)i.PartyIds.Append(i.DeclarantId).Append(i.ImporterId).OfType<string>().Distinct(StringComparer.Ordinal).ToArray())).ToList(), cancellationToken);
        return new SearchDeclarationsResult.Found(page, null);
    }

    /// <summary>The store query the filters ask for, or every filter that is not understood.</summary>
    public static (DeclarationQuery? Query, IReadOnlyList<QueryProblem> Problems) Decide(SearchDeclarationsInput input)
    {
        var problems = new List<QueryProblem>();
        var from = Date(input.From, "from", problems);
        var to = Date(input.To, "to", problems);
        DeclarationStatus? status = null;
        if (input.Status is not null)
        {
            if (DeclarationLifecycle.TryParse(input.Status, out var s)) status = s;
            else problems.Add(new("status", $"'{input.Status}' is not a declaration status"));
        }
        if (input.Hs is not null && !input.Hs.All(char.IsAsciiDigit))
            problems.Add(new("hs", $"expected the leading digits of a commodity code, got '{input.Hs}'"));
        if (input.Limit is < 1 or > 1000) problems.Add(new("limit", $"expected 1 to 1000, got {input.Limit}"));
        if (input.Origin is not null && !(input.Origin.Length == 2 && CodeLists.CodeLists.Default.IsCountry(input.Origin.ToUpperInvariant())))
            problems.Add(new("origin", $"expected an ISO 3166-1 alpha-2 country code (KR, CN, DE...), got '{input.Origin}'"));
        if (input.After is not null && !Guid.TryParseExact(input.After, "D", out _))
            problems.Add(new("after", $"expected the 'next' of the previous page (a declaration id such as 0193f6c2-...), got '{input.After}'"));
        if (from is { } f && to is { } t && f > t)
            problems.Add(new("from", $"{f:yyyy-MM-dd} is after to ({t:yyyy-MM-dd}); expected from <= to"));
        if (input.Finding is not null && !FindingCodes.IsKnown(input.Finding))
            problems.Add(new("finding", $"'{input.Finding}' is not a finding code; expected one of {string.Join(", ", FindingCodes.All.Keys)}"));
        if (problems.Count > 0) return (null, problems);
        return (new DeclarationQuery
        {
            Reference = input.Reference,
            PartyId = input.Party,
            HsPrefix = input.Hs,
            OriginCountryCode = input.Origin?.ToUpperInvariant(),
            From = from,
            To = to,
            ContainerId = input.Container?.ToUpperInvariant(),
            Status = status,
            Finding = input.Finding,
            Limit = input.Limit ?? DefaultLimit,
            After = input.After,
        }, problems);
    }

    private static DateOnly? Date(string? text, string parameter, List<QueryProblem> problems)
    {
        if (text is null) return null;
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)) return date;
        problems.Add(new(parameter, $"expected a date yyyy-MM-dd, got '{text}'"));
        return null;
    }
}
