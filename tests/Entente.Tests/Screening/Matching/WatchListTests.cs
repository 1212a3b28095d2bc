using Entente.Screening.Matching;
using Entente.Screening.Matching.Benchmark;

namespace Entente.Tests.Screening.Matching;

public class WatchListTests
{
    [Fact]
    public void Alerts_come_and_go()
    {
        var list = new WatchList();
        list.Add(Subject.Person("A1", ["Юрий Жуков"], PartialDate.Parse("1965-11-02")));
        list.Add(Subject.Company("A2", ["Nordic Fish AS"], "NO"));
        var probe = Subject.Person(null, ["Iouri Joukov"], new PartialDate(1965));
        Assert.Equal("A1", Assert.Single(list.Screen(probe)).AlertId);

        Assert.True(list.Remove("A1"));
        Assert.Empty(list.Screen(probe));
        Assert.False(list.Remove("A1"));
        Assert.Equal(1, list.Count);

        list.Add(Subject.Person("A3", ["Yuri Zhukov"], PartialDate.Parse("1965-11-02")));
        list.Add(Subject.Person("A3", ["Pavel Zhukov"], PartialDate.Parse("1965-11-02")));
        Assert.Empty(list.Screen(probe));
        Assert.Equal(2, list.Count);
    }

    [Fact]
    public void A_watched_subject_needs_its_alert_id()
    {
        Assert.Throws<ArgumentException>(() => new WatchList().Add(Subject.Person(null, ["No Id"])));
    }

    [Fact]
    public void A_whole_declaration_is_screened_and_each_hit_names_the_subject_and_the_alert()
    {
        var list = WatchList.Build(
        [
            Subject.Company("ALERT-CO", ["ООО Ромашка"], "RU", [new Identifier(IdentifierSchemes.Tin, "7701234567")]),
            Subject.Container("ALERT-BOX", "MSCU1234569"),
            Subject.Goods("ALERT-IPR", "9102", brand: "Rolex"),
            Subject.Vessel("ALERT-SHIP", "9074729"),
            Subject.Person("ALERT-P", ["Hans Schmidt"], PartialDate.Parse("1960-02-14")),
        ]);
        var declaration = new DeclarationProbe("DE-26-001",
        [
            Subject.Company(null, ["Romashka OOO"], "RU"),
            Subject.Person(null, ["Hans Shmidt"], PartialDate.Parse("1975-01-01")),
            Subject.Vessel(null, "IMO 9074729"),
            Subject.Container(null, "MSCU 123456-9"),
            Subject.Container(null, "MSCU 765432-1"),
            Subject.Goods(null, "9102110000", "CN", ["wrist watches rolex"]),
            Subject.Goods(null, "6109100000", "CN", ["cotton t-shirts"]),
        ]);
        var hits = list.Screen(declaration);
        Assert.Equal(["ALERT-CO", "ALERT-SHIP", "ALERT-BOX", "ALERT-IPR"], hits.Select(h => h.Match.AlertId));
        Assert.Equal([0, 2, 3, 5], hits.Select(h => h.SubjectIndex));
        Assert.All(hits, h => Assert.NotEmpty(h.Match.Explanation));
    }

    [Fact]
    public void A_name_shared_by_many_watched_subjects_still_finds_the_one_that_matches()
    {
        // "Kim" and "Min" are in every subject: their posting lists are long, the joined given name is the rare key.
        var subjects = Enumerable.Range(0, WatchList.LongList + 500).Select(i => Subject.Person($"K{i}", [$"Kim Min {Suffix(i)}"])).ToList();
        subjects.Add(Subject.Person("TARGET", ["김민준"], PartialDate.Parse("1986-04-05")));
        var list = WatchList.Build(subjects);
        var hits = list.Screen(Subject.Person(null, ["Gim Minjun"], PartialDate.Parse("1986-04-05")));
        Assert.Equal("TARGET", hits[0].AlertId);
    }

    [Fact]
    public async Task Screening_runs_on_many_threads_while_alerts_are_added()
    {
        var list = WatchList.Build(NameVariantBenchmark.Watched());
        var cases = NameVariantBenchmark.Cases().Where(c => c.Expected is not null).Take(200).ToList();
        var adder = Task.Run(() =>
        {
            for (var i = 0; i < 500; i++) list.Add(Subject.Person($"NEW{i}", [$"Person Number{i}"]));
        });
        Parallel.ForEach(cases, c => list.Screen(c.Probe));
        await adder;
        Assert.Equal(NameVariantBenchmark.Watched().Count + 500, list.Count);
    }

    /// <summary>
    /// "Lukasz" is in every subject: its posting list is long, so blocking once asked for a second word in common, which a
    /// typo in the family name took away. The keys within one edit (the deletion neighbourhood) give it back.
    /// </summary>
    private static WatchList CommonGivenName()
    {
        var subjects = Enumerable.Range(0, WatchList.LongList + 500).Select(i => Subject.Person($"L{i}", [$"Lukasz Marek Nowak{Suffix(i)}"])).ToList();
        subjects.Add(Subject.Person("TARGET", ["Łukasz Marek Wiśniewski"], PartialDate.Parse("1987-03-21")));
        return WatchList.Build(subjects);
    }

    [Theory]
    [InlineData("Lukasz Wisniewdki", "one letter changed in the family name (its consonant skeleton too)")]
    [InlineData("Lukasz Wisneiwski", "two letters of the family name swapped")]
    [InlineData("Lukasz Wisnieweski", "one letter added to the family name")]
    [InlineData("Lukasz Wisniewski", "the second given name dropped")]
    [InlineData("Marek Wisniewki", "the first given name dropped and a letter of the family name missing")]
    public void A_typo_or_a_dropped_given_name_still_makes_a_candidate(string probe, string why)
    {
        var list = CommonGivenName();
        var matches = list.Screen(Subject.Person(null, [probe]), 0.01);
        Assert.True(matches.Any(m => m.AlertId == "TARGET"), $"{why}: '{probe}' is not a candidate");
        Assert.True(WatchList.LastCompared <= WatchList.LongList + 1, $"{WatchList.LastCompared} candidates compared");
    }

    [Fact]
    public void A_family_name_two_letters_off_is_found_through_its_consonants_when_the_given_name_is_common()
    {
        // "Evgeniy" is in every subject; "Lebedff" is two edits from Lebedev, out of reach of the words within one edit.
        var subjects = Enumerable.Range(0, WatchList.LongList + 500).Select(i => Subject.Person($"E{i}", [$"Evgeniy Petrov{Suffix(i)}"])).ToList();
        subjects.Add(Subject.Person("TARGET", ["Евгений Лебедев"], PartialDate.Parse("1975-02-28")));
        var list = WatchList.Build(subjects);
        var hits = list.Screen(Subject.Person(null, ["Evgeniy Lebedff"], PartialDate.Parse("1975-02-28")));
        Assert.Equal("TARGET", Assert.Single(hits).AlertId);
    }

    [Fact]
    public void An_unrelated_name_makes_no_candidate()
    {
        var list = CommonGivenName();
        Assert.Empty(list.Screen(Subject.Person(null, ["Pavel Dvorak"]), 0.01));
        Assert.Equal(0, WatchList.LastCompared);
        Assert.DoesNotContain(list.Screen(Subject.Person(null, ["Lukasz Kowalczyk"]), 0.01), m => m.AlertId == "TARGET");
    }

    [Fact]
    public void A_removed_subject_leaves_no_neighbour_behind()
    {
        var list = CommonGivenName();
        Assert.True(list.Remove("TARGET"));
        Assert.DoesNotContain(list.Screen(Subject.Person(null, ["Lukasz Wisniewdki"]), 0.01), m => m.AlertId == "TARGET");
        list.Add(Subject.Person("AGAIN", ["Lukasz Wisniewski"]));
        Assert.Equal("AGAIN", Assert.Single(list.Screen(Subject.Person(null, ["Lukasz Wisniewdki"]), 0.01)).AlertId);
    }

    private static string Suffix(int i) => new([(char)('a' + (i % 26)), (char)('a' + (i / 26 % 26)), (char)('a' + (i / 676 % 26)), 'x']);

    [Fact]
    public void The_cheap_conflict_filter_never_drops_a_pair_that_could_reach_the_threshold()
    {
        // Every labelled probe against every labelled subject, look-alikes with another birth date, country or identifier included.
        var watched = NameVariantBenchmark.Watched().Select(s => new PreparedSubject(s)).ToList();
        var probes = NameVariantBenchmark.Cases().Select(c => new PreparedSubject(c.Probe)).ToList();
        var capped = 0;
        foreach (var w in watched)
        {
            foreach (var p in probes)
            {
                var ceiling = SubjectMatcher.Ceiling(w, p);
                if (ceiling < 1) capped++;
                Assert.True(SubjectMatcher.Score(w, p, null) <= ceiling + 1e-9, $"{w.Subject.Id} vs {string.Join("/", p.Subject.Names)} scores above its ceiling {ceiling}");
            }
        }
        Assert.True(capped > watched.Count, "the benchmark's look-alikes give the filter conflicts to cut");
    }

    [Fact]
    public void A_conflicting_birth_date_identifier_or_country_is_cut_at_the_threshold_but_kept_below_the_conflict_factor()
    {
        var list = WatchList.Build(
        [
            Subject.Person("P-1960", ["Hans Schmidt"], PartialDate.Parse("1960-02-14")),
            Subject.Company("CO-RU", ["Romashka Trading"], "RU", [new Identifier(IdentifierSchemes.Eori, "RU123456789012")]),
            Subject.Vessel("SHIP", "9074729", "Nordic Star"),
        ]);
        var person = Subject.Person(null, ["Hans Schmidt"], PartialDate.Parse("1975-01-01"));
        var company = Subject.Company(null, ["Romashka Trading"], "RU", [new Identifier(IdentifierSchemes.Eori, "RU999999999999")]);
        var otherCountry = Subject.Company(null, ["Romashka Trading"], "KZ");
        var vessel = Subject.Vessel(null, "9999999", "Nordic Star");
        foreach (var probe in new[] { person, company, otherCountry, vessel })
        {
            Assert.Empty(list.Screen(probe));
            // Asked for everything from 0.5, the look-alike is there with its conflict in words.
            var match = Assert.Single(list.Screen(probe, 0.5));
            Assert.InRange(match.Score, 0.5, 0.63);
            Assert.Contains(match.Explanation, e => e.Verdict == FeatureVerdict.Conflicts);
        }
        Assert.Equal("P-1960", Assert.Single(list.Screen(Subject.Person(null, ["Hans Schmidt"], PartialDate.Parse("1960-02-14")))).AlertId);
        Assert.Equal("CO-RU", Assert.Single(list.Screen(Subject.Company(null, ["Romashka Trading"], "RU", [new Identifier(IdentifierSchemes.Eori, "RU123456789012")]))).AlertId);
    }
}
