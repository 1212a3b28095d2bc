using System.Collections.Frozen;
using System.Text.Json.Nodes;
using Entente.Declarations;
using Entente.Storage;

namespace Entente.Access;

/// <summary>
/// Party names, identifiers and addresses are personal data (a sole trader's EORI names a person), and so is the UCR,
/// which embeds the trader's identifier, and so is every other value a party's identifier hides in (a DUCR in the
/// previous documents, a reference: <see cref="EmbeddedIdentifiers"/>). A local read of
/// them needs a purpose the reader's role allows and a justification, and is recorded; without one the node answers
/// with the party data withheld. Pure: the endpoints ask, then record.
/// </summary>
public static class PersonalData
{
    /// <summary>Purposes a local user may state, per role (national rules; partners are governed by agreements).</summary>
    public static readonly FrozenDictionary<Role, FrozenSet<string>> PurposesByRole = new Dictionary<Role, FrozenSet<string>>
    {
        [Role.Officer] = FrozenSet.Create(StringComparer.Ordinal, "risk-management", "customs-control", "investigation"),
        [Role.Analyst] = FrozenSet.Create(StringComparer.Ordinal, "risk-management", "statistics"),
        [Role.Liaison] = FrozenSet.Create(StringComparer.Ordinal, "investigation", "mutual-assistance", "prosecution"),
        [Role.Auditor] = FrozenSet.Create(StringComparer.Ordinal, "audit"),
        [Role.Admin] = FrozenSet<string>.Empty,
    }.ToFrozenDictionary();

    /// <summary>
    /// Purposes the node's operator may state at the console: any a role has, since whoever runs the CLI on the node's
    /// machine holds its database; the purpose and justification are still required and recorded.
    /// </summary>
    public static readonly FrozenSet<string> ConsolePurposes = PurposesByRole.Values.SelectMany(p => p).ToFrozenSet(StringComparer.Ordinal);

    public const int MaxJustificationLength = 500;

    /// <summary>
    /// The placeholder earlier versions put where a value was withheld. Withheld data is now left out and its pointer
    /// listed (<see cref="WithheldMember"/>); the word is only recognised, so that such output is never taken for data.
    /// </summary>
    public const string Withheld = "withheld";

    /// <summary>The member listing, as JSON pointers, what a reader was not shown.</summary>
    public const string WithheldMember = "withheld";

    public static string Notice(Role role) => PurposesByRole[role].Count == 0
        ? $"party data is personal data and the {RoleName(role)} role may not read it"
        : Notice(PurposesByRole[role]);

    /// <summary>The notice for a reader: by role, or for the operator at the console.</summary>
    public static string NoticeFor(LocalUser user) => user.Role is { } role ? Notice(role) : Notice(ConsolePurposes);

    public static string Notice(IEnumerable<string> purposes) =>
        $"party data is personal data: state a purpose ({string.Join(", ", purposes.Order(StringComparer.Ordinal))}) and a justification to read it";

    /// <summary>Whether a user of this role may read personal data for the purpose stated, and why not.</summary>
    public static PersonalDataDecision Decide(Role role, string? purpose, string? justification) =>
        Decide(PurposesByRole.TryGetValue(role, out var purposes) ? purposes : FrozenSet<string>.Empty, $"the {RoleName(role)} role", purpose, justification);

    /// <summary>As <see cref="Decide(Role, string?, string?)"/> for the node's operator at the console.</summary>
    public static PersonalDataDecision DecideForConsole(string? purpose, string? justification) =>
        Decide(ConsolePurposes, "the console", purpose, justification);

    private static PersonalDataDecision Decide(FrozenSet<string> allowed, string who, string? purpose, string? justification)
    {
        if (string.IsNullOrWhiteSpace(purpose)) return PersonalDataDecision.NoPurpose;
        if (!allowed.Contains(purpose))
        {
            return PersonalDataDecision.Refuse(ConsolePurposes.Contains(purpose)
                ? $"purpose: {who} may not read personal data for {purpose}; it may for: {(allowed.Count == 0 ? "nothing" : string.Join(", ", allowed.Order(StringComparer.Ordinal)))}"
                : $"purpose: '{purpose}' is not a purpose; use one of {string.Join(", ", ConsolePurposes.Order(StringComparer.Ordinal))}");
        }
        if (string.IsNullOrWhiteSpace(justification))
            return PersonalDataDecision.Refuse("justification: reading personal data needs a justification (a case, a control, a request: free text, recorded in the ledger)");
        if (justification.Length > MaxJustificationLength)
            return PersonalDataDecision.Refuse($"justification: at most {MaxJustificationLength} characters");
        return PersonalDataDecision.Allow(purpose, justification.Trim());
    }

    /// <summary>
    /// A copy of the declaration with every party's name, identifier and address left out (country kept), the UCR
    /// left out, and the parties' identifiers masked wherever else they appear (<see cref="EmbeddedIdentifiers"/>);
    /// and the pointers of what was left out or masked. Withheld is never data: nothing stands in for what is left out.
    /// </summary>
    public static (Declaration Declaration, IReadOnlyList<string> Withheld) Withhold(Declaration declaration)
    {
        var embedded = EmbeddedIdentifiers.Of(declaration);
        var copy = EntenteJson.Deserialize(EntenteJson.SerializeToUtf8(declaration));
        var withheld = new List<string>();
        string? Hide(string? value, string pointer)
        {
            if (value is null) return null;
            withheld.Add(pointer);
            return null;
        }
        // A UCR is built from the trader's identifier (WCO: year, country, EORI, reference).
        copy.Ucr = Hide(copy.Ucr, "/ucr");
        for (var i = 0; i < copy.Parties.Count; i++)
        {
            var party = copy.Parties[i];
            party.Name = Hide(party.Name, $"/parties/{i}/name");
            party.Id = Hide(party.Id, $"/parties/{i}/id");
            if (party.Address is { } address)
            {
                address.Line = Hide(address.Line, $"/parties/{i}/address/line");
                address.CityName = Hide(address.CityName, $"/parties/{i}/address/cityName");
                address.PostcodeId = Hide(address.PostcodeId, $"/parties/{i}/address/postcodeId");
            }
        }
        if (embedded.IsEmpty) return (copy, withheld);
        var json = (JsonObject)JsonNode.Parse(EntenteJson.SerializeToUtf8(copy))!;
        var masked = embedded.ApplyTo(json);
        if (masked.Count == 0) return (copy, withheld);
        withheld.AddRange(masked);
        return (EntenteJson.Deserialize(json.ToJsonString(EntenteJson.Options)), withheld);
    }

    /// <summary>
    /// A search hit with the party identifiers it shows left out, and every party's identifier (not only the two a
    /// hit shows: <see cref="DeclarationListing.PartyIds"/>) masked where its references embed it; the pointers listed.
    /// </summary>
    public static DeclarationListing Withhold(DeclarationListing listing)
    {
        var embedded = EmbeddedIdentifiers.Of(listing.PartyIds.Append(listing.DeclarantId).Append(listing.ImporterId));
        var withheld = new List<string>();
        string? Mask(string? value, string pointer)
        {
            var masked = embedded.Apply(value);
            if (masked != value) withheld.Add(pointer);
            return masked;
        }
        var lrn = Mask(listing.Lrn, "/lrn");
        var mrn = Mask(listing.Mrn, "/mrn");
        if (listing.DeclarantId is not null) withheld.Add("/declarantId");
        if (listing.ImporterId is not null) withheld.Add("/importerId");
        return listing with
        {
            Lrn = lrn,
            Mrn = mrn,
            DeclarantId = null,
            ImporterId = null,
            PartyIds = [],
            Withheld = withheld.Count == 0 ? null : withheld,
        };
    }

    private static string RoleName(Role role) => role.ToString().ToLowerInvariant();
}

public sealed record PersonalDataDecision(bool Allowed, bool PurposeStated, string? Purpose, string? Justification, string? Reason)
{
    public static readonly PersonalDataDecision NoPurpose = new(false, false, null, null, null);

    public static PersonalDataDecision Allow(string purpose, string justification) => new(true, true, purpose, justification, null);

    public static PersonalDataDecision Refuse(string reason) => new(false, true, null, null, reason);

    /// <summary>A purpose was stated and refused: the attempt is recorded and the caller answers 403.</summary>
    public bool Refused => PurposeStated && !Allowed;
}
