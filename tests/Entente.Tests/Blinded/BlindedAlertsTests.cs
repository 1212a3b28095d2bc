using System.Text.Json.Nodes;
using Entente.Alerts;
using Entente.Blinded;
using Entente.Storage;
using Entente.Tests.Alerts;
using Entente.Tests.Storage;

namespace Entente.Tests.Blinded;

/// <summary>
/// Alerts in force feed the blinded index beside declarations: an identifier that only an alert names is a hit for a
/// blinded ask (blind, the holder's evaluation, finalize, the tag in the index), and a miss once the alert is withdrawn
/// or expired. Sanctions lists' alerts stay out.
/// </summary>
public sealed class BlindedAlertsTests
{
    /// <summary>What an asker learns: the blinded element evaluated by the holder's key, unblinded, looked up in the holder's index.</summary>
    private static bool Ask(BlindedKey holderKey, BlindedIndex index, BlindedIdentifier identifier)
    {
        var input = identifier.Input();
        var blind = Voprf.Blind(input);
        var evaluated = holderKey.Evaluate(blind.BlindedElement);
        var proof = holderKey.Prove([blind.BlindedElement], [evaluated]);
        return index.Contains(BlindedIndex.TagOf(Voprf.Finalize(input, blind.Blind, evaluated, blind.BlindedElement, index.PublicKey, proof)));
    }

    private static JsonObject Person(string name, string birthDate) => new()
    {
        ["subject"] = new JsonObject { ["kind"] = "person", ["names"] = new JsonArray(name, "Ivan Petroff"), ["birthDate"] = birthDate, ["nationalityCountryCodes"] = new JsonArray("RU") },
        ["category"] = "drugs",
        ["action"] = "specific-check",
        ["validity"] = new JsonObject { ["from"] = "2025-03-01", ["until"] = "2025-03-20" },
        ["legalBasis"] = new JsonObject { ["national"] = "Customs Code, Art. 46" },
        ["handlingCode"] = "H1",
    };

    [StoreTheory, BothStores]
    public async Task An_identifier_only_in_an_alert_is_a_hit_and_a_miss_after_withdrawal_or_expiry(StorageProvider provider)
    {
        await using var kit = await AlertsTestKit.CreateAsync(provider);
        var key = BlindedKey.FromScalar(Oprf.GenerateKey());
        var indexer = new BlindedIndexer("NL", () => key, [new DeclarationIdentifiers(kit.Ledger.Database), new AlertIdentifiers(kit.Book, kit.Ledger.Database, kit.Time)], kit.Time);
        var eori = BlindedIdentifier.Of(IdentifierType.Eori, "DE 1234 5678 9012");
        var person = BlindedIdentifier.Of(IdentifierType.Person, "Petrov Ivan", birthDate: "1971-05-04");
        var container = BlindedIdentifier.Of(IdentifierType.Container, "CSQU3054383");
        Assert.False(Ask(key, await indexer.CurrentAsync(), eori));

        // An own company alert (EORI), an own person alert (names with the birth date), a partner's container alert.
        var company = Assert.IsType<AlertOutcome.Done>(await kit.Book.IssueAsync(AlertsTestKit.Company(), "officer"));
        Assert.IsType<AlertOutcome.Done>(await kit.Book.IssueAsync(Person("Ivan Petrov", "1971-05-04"), "officer"));
        Assert.Equal(AlertReceiptOutcome.Stored, await kit.Book.ReceiveAsync("KR", AlertsTestKit.AgreementId, "H1", kit.Time.GetUtcNow().AddYears(1), AlertsTestKit.Partner()));
        var index = await indexer.CurrentAsync();
        Assert.True(Ask(key, index, eori), "the EORI of an own alert");
        Assert.True(Ask(key, index, person), "a person's name (another token order) with the birth date");
        Assert.True(Ask(key, index, BlindedIdentifier.Of(IdentifierType.Person, "Ivan Petroff", birthDate: "1971-05-04")), "an alias");
        Assert.False(Ask(key, index, BlindedIdentifier.Of(IdentifierType.Person, "Ivan Petrov", birthDate: "1971-05-05")), "the same name, another birth date");
        Assert.True(Ask(key, index, container), "the container of a partner's alert");
        Assert.Equal(4, index.Count);

        // Withdrawn: gone at the next build, the others stay.
        Assert.IsType<AlertOutcome.Done>(await kit.Book.WithdrawAsync(company.Change.Alert.Alert.Id, "company dissolved", "officer"));
        var withdrawn = await indexer.CurrentAsync();
        Assert.True(withdrawn.Version > index.Version);
        Assert.False(Ask(key, withdrawn, eori), "a withdrawn alert's EORI");
        Assert.True(Ask(key, withdrawn, container));

        // Expired: the person alert's last day is 2025-03-20 (the kit's clock starts 2025-03-14).
        kit.Time.Advance(TimeSpan.FromDays(7));
        var expired = await indexer.CurrentAsync();
        Assert.False(Ask(key, expired, person), "an expired alert's person");
        Assert.True(Ask(key, expired, container));
        Assert.Equal(1, expired.Count);
    }

    [Fact]
    public void A_person_without_a_full_birth_date_and_names_outside_Latin_are_not_identifiers()
    {
        var subject = new AlertSubject { Kind = AlertSubjectKind.Person, Names = ["Ivan Petrov", "Иван Петров"], BirthDate = "1971", DocumentNumbers = ["C 123-456"] };
        Assert.Equal(["document:C123456"], AlertIdentifiers.Of(subject).Select(i => i.ToString()));
        Assert.Equal(["document:C123456", "person:IVAN PETROV|1971-05-04"],
            AlertIdentifiers.Of(subject with { BirthDate = "1971-05-04" }).Select(i => i.ToString()).Order(StringComparer.Ordinal));
        var transport = new AlertSubject { Kind = AlertSubjectKind.Transport, Imo = "IMO 9074729", VehicleRegistration = "AB-123-CD", VehicleCountryCode = "nl" };
        Assert.Equal(["imo:9074729", "vehicle:NL|AB123CD"], AlertIdentifiers.Of(transport).Select(i => i.ToString()));
    }
}
