"""Quality checks: each segment check firing and not firing, evidence shapes, summary checks with
their support links, and the verdict rule."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from pipeline.entities import match_quantities, name_found, names, quantities, read_number
from pipeline.quality import (
    SEGMENT_CHECKS,
    SUMMARY_CHECKS,
    Flag,
    not_english,
    quality_flags,
    segment_flags,
    summary_flags,
    verdict,
)
from pipeline.records import Flag as RecordFlag

SOURCE = "Le gouvernement a annoncé mardi un nouveau plan pour l'emploi des jeunes."
CLEAN = "On Tuesday the government announced a new plan for youth employment."

TABLE = [
    # clean translations
    (SOURCE, CLEAN, []),
    ("Bonjour.", "Hello.", []),
    ("", "", []),
    ("Paris, France", "Paris, France", []),  # short copies are fine
    ("Près de 1 000 manifestants.", "Nearly 1,000 demonstrators.", []),
    ("Près de 20\u202f000 manifestants en 2019.", "Nearly 20000 protesters in 2019.", []),
    ("Un budget de 1.000,5 euros.", "A budget of 1,000.5 euros.", []),
    (
        "Il y a eu un milliard de visites, soit 1 000 000 000.",
        "There were a billion visits, or 1,000,000,000.",  # not "000" three times over
        [],
    ),
    # numbers-changed
    ("Le taux est passé à 15 %.", "The rate rose to 16%.", ["numbers-changed"]),
    ("Il y a eu 3 morts et 5 blessés.", "There were 3 dead and injured.", ["numbers-changed"]),
    ("Il a gagné 3,5 millions.", "He won 35 million.", ["numbers-changed"]),
    ("Le score était de 2 à 2.", "The score was 2 to 1.", ["numbers-changed"]),  # a multiset
    # names-missing
    ("Barack Obama a rencontré Angela Merkel à Berlin.",
     "Barack Obama met the chancellor in Berlin.", ["names-missing"]),
    # repeated-ngram: consecutive repeats of a 1-gram and of a 3-gram, then a 4-gram seen 3 times
    (
        "Il a dit que la situation était grave.",
        "He said that the the the situation was serious.",
        ["repeated-ngram"],
    ),
    (
        "Le président a parlé de la crise.",
        "The president spoke of the crisis of the crisis of the crisis.",
        ["repeated-ngram"],
    ),
    (
        "Le ministre a parlé de la réforme et des syndicats.",
        "The minister spoke about the reform, the minister spoke about the unions, "
        "the minister spoke about.",
        ["repeated-ngram"],
    ),
    # length-ratio
    (SOURCE, "The government.", ["length-ratio"]),
    (SOURCE, f"{CLEAN} {CLEAN} And much more was said.", ["length-ratio"]),
    ("Court.", "A much longer output than the source.", []),  # source too short to judge
    # copied-source (not also not-english)
    ("Le gouvernement a démissionné.", "le gouvernement a Démissionné.", ["copied-source"]),
    # not-english: French, but not the source
    (SOURCE, "Le gouvernement annonce son plan pour les jeunes aujourd'hui.", ["not-english"]),
    # invented-words
    ("***", "The end.", ["invented-words"]),
    # empty, alone
    (SOURCE, "", ["empty"]),
    (SOURCE, "   ", ["empty"]),
]


@pytest.mark.parametrize(("source", "translation", "expected"), TABLE)
def test_quality_flags(source, translation, expected):
    assert quality_flags(source, translation) == expected


def test_every_segment_check_is_covered_by_the_table():
    seen = {flag for _, _, flags in TABLE for flag in flags}
    assert seen == set(SEGMENT_CHECKS)


def test_segment_flags_carry_index_scope_and_json_evidence():
    flags = segment_flags("Le taux est passé à 15 %.", "The rate rose to 16%.", index=7)
    assert flags == [Flag("numbers-changed", {}, 7, "segment")]
    assert Flag is RecordFlag  # one class, shared with the records
    flag = flags[0]
    assert (flag.segment, flag.scope) == (7, "segment")
    assert flag.evidence == {"expected": ["15"], "found": ["16"], "missing": ["15"],
                             "extra": ["16"]}
    json.dumps([f.evidence for f in flags])


@pytest.mark.parametrize(("source", "translation"), [
    (SOURCE, CLEAN),
    ("Le taux est passé à 15 %.", "The rate rose to 16%."),
    ("Barack Obama a rencontré Angela Merkel.", "Barack Obama met the chancellor."),
    ("Il a dit que la situation était grave.", "He said that the the the situation was bad."),
    (SOURCE, "The government."),
    ("Le gouvernement a démissionné.", "le gouvernement a démissionné"),
    (SOURCE, "Le gouvernement annonce son plan pour les jeunes aujourd'hui."),
    ("•", "Bullet point."),
    (SOURCE, ""),
])
def test_every_evidence_has_expected_and_found_and_is_json(source, translation):
    for flag in segment_flags(source, translation, 0):
        assert {"expected", "found"} <= set(flag.evidence), flag
        json.dumps(flag.evidence)


# -- numbers-changed ---------------------------------------------------------------------------

SAME_NUMBERS = [
    # lists and ranges of days sharing a month, in either order in English
    ("Les élections auront lieu les 12 et 13 mars.", "The elections are on March 12 and 13."),
    ("Les élections auront lieu les 12 et 13 mars.", "The elections are on 12 and 13 March."),
    ("Le festival se tient du 12 au 19 mars 2012.", "The festival runs March 12-19, 2012."),
    ("Il a plu les 1er, 2 et 3 juin.", "It rained on 1, 2 and 3 June."),
    # idioms whose numbers may go, regnal numbers, noon, an event named by its date
    ("Le service est ouvert 24 heures sur 24.", "The service is open around the clock."),
    ("Le service est ouvert 24 heures sur 24.", "The service is open 24 hours a day."),
    ("Le service est ouvert 24h/24 et 7j/7.", "The service is open 24/7."),
    ("François Ier a fondé le Collège de France.", "Francis I founded the Collège de France."),
    ("Napoléon III est mort en 1873.", "Napoleon III died in 1873."),
    ("La réunion commence à 12 h.", "The meeting starts at noon."),
    ("La réunion commence à midi.", "The meeting starts at 12 noon."),
    ("Le bureau ferme à minuit.", "The office closes at midnight."),
    ("Mai 68 a changé la France.", "May 68 changed France."),
    ("Mai 68 a changé la France.", "May 1968 changed France."),
    ("Le chômage atteint 1,5 million de personnes.", "Unemployment reaches 1.5 million people."),
    ("Le chômage atteint 1,5 million de personnes.", "Unemployment reaches 1,500,000 people."),
    ("Le chômage atteint 3,5 millions de personnes.", "Unemployment reaches 3.5 million people."),
    ("Le taux est de 3,7 %.", "The rate is 3.7%."),
    ("Le taux est de 3,7 %.", "The rate is 3.7 per cent."),
    ("Il y a 2 300 000 habitants.", "There are 2,300,000 inhabitants."),
    ("Il y a 2\u00a0300\u00a0000 habitants.", "There are 2.3 million inhabitants."),
    ("Il y a 2\u202f300\u202f000 habitants.", "There are 2,300,000 inhabitants."),
    ("Il est né le 14/12/2011.", "He was born on December 14, 2011."),
    ("Il est né le 14/12/2011.", "He was born on 14 December 2011."),
    ("Il est né le 14 décembre 2011.", "He was born on 14/12/2011."),
    ("Rendez-vous à 15h30.", "Meet at 3:30 p.m."),
    ("Rendez-vous à 15 h 30.", "Meet at 15:30."),
    ("Le concert commence à 20 h 45.", "The concert starts at 8:45 p.m."),
    ("Le concert commence à 21 heures.", "The concert starts at 9pm."),
    ("Rendez-vous mardi 3 mai.", "See you on Tuesday 3 May."),
    ("Rendez-vous mardi 3 mai.", "See you on Tuesday, May 3."),
    ("C'était le 1er décembre.", "It was December 1st."),
    ("C'était le 1er décembre.", "It was on 1 December."),
    ("En 2011, il a gagné.", "In 2011 he won."),
    ("Il y a eu 3 morts.", "Three people died."),  # small numbers in words
    ("Il y a eu trois morts et dix blessés.", "There were 3 dead and 10 injured."),
    ("Il a passé 10 ans en prison.", "He spent ten years in prison."),
    ("Un million de personnes.", "1 million people."),
    ("Deux milliards d'euros.", "2 billion euros."),
    ("Un budget de 1,5 milliard d'euros.", "A budget of €1.5bn."),
    ("Les 1,7 million d'habitants de Gaza.", "Gaza's 1.7m people."),
    ("Dans les années 1990.", "In the 1990s."),
    ("Dans les années 90.", "In the '90s."),
    ("À la fin des années 80.", "In the late Eighties."),
    ("Au début des années 1950.", "In the early '50s."),
    ("Au XIXe siècle.", "In the 19th century."),
    ("Le 3e sommet.", "The third summit."),
    ("Il a terminé 4e.", "He finished 4th."),
    ("Une vingtaine de personnes.", "About 20 people."),
    ("Entre 12 et 16 milles roubles.", "From 12,000 to 16,000 rubles."),
    ("Il a investi 2 millions et demi.", "He invested 2.5 million."),
    ("Il faut 1h30.", "It takes 1.5 hours."),
    ("Il gèle: -5 °C.", "It is freezing: five degrees below zero."),
    ("Un film en 3D sur l'A380.", "A three-dimensional film about the A380."),
    ("Il a été publié en novembre 1954.", "It was published in 1954."),
    ("De janvier à octobre 2012.", "Between January and October 2012."),
]


@pytest.mark.parametrize(("source", "translation"), SAME_NUMBERS)
def test_numbers_read_alike_in_french_and_english(source, translation):
    assert "numbers-changed" not in quality_flags(source, translation)


CHANGED_NUMBERS = [
    ("Les élections auront lieu les 12 et 13 mars.", "The elections are on 12 and 14 March."),
    ("Le festival se tient du 12 au 19 mars.", "The festival runs from March 12 to 18."),
    ("Le festival se tient du 12 au 19 mars.", "The festival runs from 12 to 19 May."),
    ("Mai 68 a changé la France.", "May 69 changed France."),
    ("Le service est ouvert 24 heures sur 24.", "The service is open 12 hours a day."),
    ("Au XIXe siècle, la ville a grandi.", "In the 18th century, the city grew."),
    ("Le chômage atteint 1,5 million de personnes.", "Unemployment reaches 15 million people."),
    ("Le taux est de 3,7 %.", "The rate is 3.8%."),
    ("Il y a 2 300 000 habitants.", "There are 2.4 million inhabitants."),
    ("Il est né le 14/12/2011.", "He was born on December 15, 2011."),
    ("Il est né le 14/12/2011.", "He was born on November 14, 2011."),
    ("Il est né le 14 décembre 2011.", "He was born on 14 December 2012."),
    ("Rendez-vous mardi 3 mai.", "See you on Tuesday, June 3."),
    ("Rendez-vous mardi 3 mai.", "See you on Tuesday 4 May."),
    ("Rendez-vous à 15h30.", "Meet at 4:30 p.m."),
    ("En mai, il a plu.", "In April, it rained."),
    ("En 2011, il a gagné.", "In 2012 he won."),
    ("Il est venu hier.", "He came 3 times yesterday."),  # a number appears from nowhere
    ("Dans les années 1990.", "In the 1980s."),
    ("Au XIXe siècle.", "In the 18th century."),
]


@pytest.mark.parametrize(("source", "translation"), CHANGED_NUMBERS)
def test_changed_numbers_dates_and_times_fire(source, translation):
    assert "numbers-changed" in quality_flags(source, translation)


def test_numbers_evidence_is_normalised():
    [flag] = segment_flags("Le 14/12/2011, 1,5 million de personnes et 3,7 % à 15h30.",
                           "On 14 November 2011, 1.5 million people and 3.7% at 3:30 p.m.", 2)
    assert flag.name == "numbers-changed"
    assert flag.evidence == {"expected": ["2011-12-14", "1500000", "3.7", "15:30"],
                             "found": ["2011-11-14", "1500000", "3.7", "15:30"],
                             "missing": ["2011-12-14"], "extra": ["2011-11-14"]}


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("3,5", "fr", ["3.5"]),
        ("1 000 et 1,000 et 1.000", "fr", ["1000", "1000", "1000"]),
        ("0,125", "fr", ["0.125"]),
        ("en 2015 123 cas", "fr", ["2015", "123"]),
        ("2019, 2020", "fr", ["2019", "2020"]),
        ("le 12 mai", "fr", ["--05-12"]),
        ("en mai 2011", "fr", ["2011-05"]),
        ("mardi 3 mai 2011", "fr", ["2011-05-03"]),
        ("le 1er décembre", "fr", ["--12-01"]),
        ("à 15h30, 15 h 30, 20 h 45 et 21 heures", "fr", ["15:30", "15:30", "20:45", "21:00"]),
        ("les années 1990 et les années 80", "fr", ["1990s", "80s"]),
        ("le XIXe siècle, le 3e", "fr", ["19", "3"]),
        ("2,3 millions, 1,5 milliard, 4 Mds €", "fr", ["2300000", "1500000000", "4000000000"]),
        ("A380, G20, 3D, H1N1", "fr", []),
        ("aucun chiffre", "fr", []),
        ("December 14, 2011 and 14 December 2011", "en", ["2011-12-14", "2011-12-14"]),
        ("the 20th of December", "en", ["--12-20"]),
        ("3:30 p.m., 9pm, 15:30, 6.30 a.m.", "en", ["15:30", "21:00", "15:30", "06:30"]),
        ("the 1990s, the '80s, 90's", "en", ["1990s", "80s", "90s"]),
        ("€1.5bn, $3m, 2.5 million", "en", ["1500000000", "3000000", "2500000"]),
        ("Theresa May said she may come in May.", "en", ["--05"]),
    ],
)
def test_quantities_normalise_french_and_english_forms(text, lang, expected):
    assert [q.text for q in quantities(text, lang) if not q.soft] == expected


def test_number_words_are_soft():
    words = quantities("three, twenty-five, two hundred and five, a million", "en")
    assert [(q.text, q.soft) for q in words] == [("3", True), ("25", True), ("205", True),
                                                 ("1000000", True)]
    assert [q.text for q in quantities("vingt et un, quatre-vingt-dix, une centaine, deux "
                                       "millions et demi", "fr")] == ["21", "90", "100", "2500000"]
    assert [q.values for q in quantities("5/3/2011", "en")] == [((2011, 5, 3), (2011, 3, 5))]


def test_ambiguous_separator_keeps_both_readings():
    assert read_number("1,850") == [Decimal("1850"), Decimal("1.850")]
    assert read_number("3,5") == [Decimal("3.5")]


def test_match_quantities_reports_both_sides():
    missing, extra = match_quantities(quantities("3 et 5 et 7", "fr"), quantities("3, 5, 8", "en"))
    assert [q.text for q in missing] == ["7"]
    assert [q.text for q in extra] == ["8"]


# -- names-missing -----------------------------------------------------------------------------

NAMES_FOUND = [
    ("Le PIB a progressé de 2 %.", "GDP grew by 2%."),
    ("Les PME embauchent.", "Small businesses are hiring."),
    ("Le Smic augmente de 2 %.", "The minimum wage is going up by 2%."),
    ("Il est arrivé en Côte d'Ivoire hier soir.", "He arrived in Ivory Coast last night."),
    ("Il est arrivé en Côte d’Ivoire hier soir.", "He arrived in Côte d'Ivoire last night."),
    ("Les dirigeants de l'ONU et de l'UE se sont réunis à Bruxelles.",
     "UN and EU leaders met in Brussels."),
    ("Les Allemands ont voté en Allemagne et à Londres.",
     "The Germans voted in Germany and in London."),
    ("Selon l'OTAN, Aqmi reste active aux Etats-Unis.",
     "According to NATO, AQIM remains active in the US."),
    ("Le Royaume-Uni et les États-Unis.", "Britain and the United States."),
    ("Le Ministère de l'Intérieur a publié un rapport.",
     "The Ministry of the Interior published a report."),
    ("Mardi, M. Obama a rencontré Mme Merkel.", "On Tuesday, Mr Obama met Mrs Merkel."),
    ("Des militaires algériens sont au Mali, a appris l'AFP.",
     "Algerian soldiers are in Mali, AFP learned."),
    ("Le Québec et le Canada, la Chine et le Japon, Pékin et Moscou.",
     "Quebec and Canada, China and Japan, Beijing and Moscow."),
    ("Les Palestiniens et les Égyptiens.", "The Palestinians and the Egyptians."),
    ("Contrairement au Canada, la France vote le dimanche.",
     "Unlike Canada, France votes on Sundays."),  # sentence starter and weekday are not names
    ("Victor Baranets a parlé à l'Union européenne.",
     "Viktor Baranets spoke to the European Union."),
    ("Les IST sont en hausse chez McDonald's.", "STIs are rising at McDonald's."),
    ("LUTTE ANTI-AQMI: DES MILITAIRES ALGÉRIENS AU MALI", "Fight against AQIM: Algerian troops"),
]


@pytest.mark.parametrize(("source", "translation"), NAMES_FOUND)
def test_names_found_across_languages(source, translation):
    assert "names-missing" not in quality_flags(source, translation)


def test_missing_names_fire_with_evidence():
    [flag] = segment_flags("Barack Obama a rencontré Angela Merkel à Berlin.",
                           "Barack Obama met the German chancellor in Berlin.", 4)
    assert flag.name == "names-missing"
    assert flag.evidence == {"expected": ["Barack Obama", "Angela Merkel", "Berlin"],
                             "found": ["Barack Obama", "Berlin"], "missing": ["Angela Merkel"]}
    assert quality_flags("La SNCF a annoncé une grève.", "The railway company went on strike.") == [
        "names-missing"]
    assert quality_flags("Selon l'OTAN, c'est fini.", "According to the UN, it is over.") == [
        "names-missing"]
    assert quality_flags("Le modèle A380 d'Airbus.", "The Airbus model.") == ["names-missing"]


def test_names_skip_sentence_starts_stopwords_months_and_titles():
    found = names("Selon le Président, M. Dupont viendra en Janvier. Hier, Paris a voté.")
    assert [n.text for n in found] == ["Dupont", "Paris"]
    assert names("Le Ministère de l'Intérieur") == []  # generic words only
    assert names("l'Institut Robert-Koch")[0].translated
    assert names("ONU")[0].kind == "acronym"
    assert names("chez McDonald's")[0].kind == "code"


def test_name_found_by_acronym_initials():
    [name] = names("Le BSN comptait 17 équipes.")
    assert name_found(name, "the Baloncesto Superior Nacional had 17 teams")


# -- not-english, copied-source, invented-words -----------------------------------------------


def test_not_english_evidence_and_limits():
    [flag] = segment_flags(SOURCE, "Le gouvernement annonce son plan pour les jeunes.", 1)
    assert flag.name == "not-english"
    assert flag.evidence["expected"] == "en" and flag.evidence["found"] == "fr"
    assert 0.8 <= flag.evidence["confidence"] <= 1
    cyrillic = segment_flags(SOURCE, "Это вообще не английский текст, совсем нет.")
    assert [(f.name, f.evidence["found"]) for f in cyrillic] == [("not-english",
                                                                 "script:cyrillic")]
    assert quality_flags("Bonjour à tous.", "Bonjour à tous.") == []  # under 4 words
    assert quality_flags(SOURCE, "Les élections du Parti québécois au Canada.") != []
    assert quality_flags("Le Monde et Le Figaro ont publié l'article.",
                         "Le Monde and Le Figaro published the article.") == []


def test_copied_source_identical_or_mostly_copied():
    [flag] = segment_flags("Il a été élu en 2011 avec 52 % des voix.",
                           "Il a été élu en 2011, avec 52% des voix !")
    assert flag.name == "copied-source"
    assert flag.evidence["identical"] and flag.evidence["found"] == 1.0
    [flag] = segment_flags("Le gouvernement a annoncé mardi un nouveau plan pour les jeunes.",
                           "The gouvernement annonce mardi un nouveau plan pour les jeunes.")
    assert flag.name == "copied-source" and not flag.evidence["identical"]
    assert flag.evidence["found"] >= 0.8 and "annonce" in flag.evidence["copied"]
    assert "copied-source" not in quality_flags("Barack Obama et Angela Merkel à Paris.",
                                                "Barack Obama and Angela Merkel in Paris.")


@pytest.mark.parametrize("source", ["***", "—", "•", "* * *", "12 %", "2011."])
def test_invented_words_on_sources_without_letters(source):
    assert "invented-words" in quality_flags(source, "He said so.")
    assert "invented-words" not in quality_flags(source, source)


def test_repeated_ngram_and_length_ratio_evidence():
    [loop] = segment_flags("Le président a longuement parlé de la crise.",
                           "The president spoke of the crisis of the crisis of the crisis.")
    assert loop.evidence == {"expected": "at most 2 in a row", "found": 3, "ngram": "of the crisis",
                             "consecutive": True}
    [ratio] = segment_flags(SOURCE, "The government.")
    assert ratio.evidence["expected"] == [0.5, 2.0] and ratio.evidence["found"] < 0.5
    assert ratio.evidence["source_chars"] == len(SOURCE)


def test_empty_is_alone():
    assert [f.name for f in segment_flags(SOURCE, " ", 5)] == ["empty"]
    assert segment_flags(SOURCE, "", 5)[0].evidence["found"] == ""


# -- summary checks ----------------------------------------------------------------------------

SENTENCES = [
    "The government announced a plan to create 20,000 jobs for young people on Tuesday.",
    "Prime Minister Jean Dupont presented the plan in Paris.",
    "Unions welcomed the measures but asked for more money.",
    "The plan will cost 1.5 billion euros over three years.",
]
SOURCE_TEXT = ("Le gouvernement a annoncé mardi un plan pour créer 20 000 emplois. Le Premier "
               "ministre Jean Dupont l'a présenté à Paris avec Marie Curie. Il coûtera 1,5 "
               "milliard d'euros en 2013.")


def test_summary_links_each_sentence_to_its_support():
    summary = ("The government will create 20,000 jobs for young people. "
               "The plan, presented in Paris by Jean Dupont, will cost 1.5 billion euros.")
    flags, links = summary_flags(summary, SENTENCES, SOURCE_TEXT)
    assert flags == []
    assert links[0] == [0]
    assert links[1][0] in (1, 3) and set(links[1]) == {1, 3}  # best first, both needed


def test_summary_flags_invented_numbers_names_and_unsupported_sentences():
    summary = ("The government will create 30,000 jobs in 2013. "
               "Jean Dupont and Marie Curie presented it with Angela Merkel. "
               "Volcanic eruptions disrupted flights across the north yesterday.")
    flags, links = summary_flags(summary, SENTENCES, SOURCE_TEXT)
    by_name = {f.name: f for f in flags}
    assert set(by_name) == {"invented-number", "invented-name", "unsupported-sentence"}
    assert all(f.scope == "summary" and f.segment is None for f in flags)
    number = by_name["invented-number"]
    assert number.evidence["summary_sentence"] == 0
    assert number.evidence["found"] == ["30000", "2013"]
    assert number.evidence["in_source"] == ["2013"]
    assert "20000" in number.evidence["expected"]
    name = by_name["invented-name"]
    assert name.evidence["summary_sentence"] == 1
    assert name.evidence["found"] == ["Marie Curie", "Angela Merkel"]
    assert name.evidence["in_source"] == ["Marie Curie"]
    unsupported = by_name["unsupported-sentence"]
    assert unsupported.evidence["summary_sentence"] == 2
    assert unsupported.evidence["found"] < unsupported.evidence["expected"]
    assert len(links) == 3
    for flag in flags:
        assert {"expected", "found", "summary_sentence"} <= set(flag.evidence)
        json.dumps(flag.evidence)


def test_summary_longer_than_text():
    flags, links = summary_flags(f"{SENTENCES[0]} {SENTENCES[0]}", SENTENCES[:1])
    assert [f.name for f in flags] == ["summary-longer-than-text"]
    assert flags[0].evidence["found"] > flags[0].evidence["expected"]
    assert links == [[0], [0]]
    assert summary_flags("", SENTENCES) == ([], [])
    assert set(SUMMARY_CHECKS) == {"invented-number", "invented-name", "unsupported-sentence",
                                   "summary-longer-than-text"}


# -- verdict -----------------------------------------------------------------------------------


def _flag(name: str, segment: int | None = None, **evidence) -> Flag:
    scope = "segment" if segment is not None else "summary"
    return Flag(name, {"expected": 1, "found": 2, **evidence}, segment, scope)


def test_verdict_ok_without_flags():
    assert verdict([]) == ("ok", [])


def test_verdict_review_on_any_strong_flag_with_counted_reasons():
    outcome, reasons = verdict([_flag("numbers-changed", 3), _flag("numbers-changed", 7),
                                _flag("unsupported-sentence", summary_sentence=1)])
    assert outcome == "review"
    assert reasons == ["2 sentences with changed numbers (segments 3, 7)",
                       # evidence counts from 0; reasons from 1, as the brief and report show
                       "a summary sentence not supported by the text (summary sentence 2)"]
    assert verdict([_flag("summary-longer-than-text")]) == (
        "review", ["the summary is longer than the text"])


def test_verdict_weak_flags_need_five_segments():
    four = [_flag("names-missing", i) for i in (1, 4, 8)] + [_flag("length-ratio", 6,
                                                                 source_chars=30)]
    outcome, reasons = verdict(four)
    assert outcome == "ok"
    assert reasons == ["a sentence much shorter or longer than its source (segment 6) (minor)",
                       "3 sentences with missing names (segments 1, 4, 8) (minor)"]
    outcome, reasons = verdict([*four, _flag("names-missing", 9)])
    assert outcome == "review"
    assert reasons[1] == "4 sentences with missing names (segments 1, 4, 8, 9)"
    # a length ratio off on a long source is strong
    assert verdict([_flag("length-ratio", 2, source_chars=200)]) == (
        "review", ["a sentence much shorter or longer than its source (segment 2)"])
    assert verdict([_flag("length-ratio", 2, source_chars=30)])[0] == "ok"


@pytest.mark.parametrize("translation", [
    "Jean-Marie Le Pen and François Bayrou clashed.",
    "He played for Paris Saint-Germain and Olympique de Marseille.",
    "Le Monde and Libération reported it.",
    "The town hall of Châlons-en-Champagne reacted.",
])
def test_english_full_of_french_names_is_english(translation: str) -> None:
    assert not_english("source", translation) is None


def test_a_repetition_the_source_has_is_not_a_loop():
    assert quality_flags("« Non, non, non », a-t-il dit.", '"No, no, no," he said.') == []
    evidence = segment_flags("« Non », a-t-il dit.", '"No, no, no, no," he said.')[0].evidence
    assert evidence == {"expected": "at most 2 in a row", "found": 4, "ngram": "no",
                        "consecutive": True}


@pytest.mark.parametrize(("source", "translation"), [
    ("Rendez-vous à 12 heures.", "Meet at midnight."),
    ("La réunion commencera à midi.", "The meeting will start at midnight."),
    ("Le couvre-feu commence à minuit.", "The curfew starts at noon."),
])
def test_noon_is_never_midnight(source, translation):
    assert "numbers-changed" in quality_flags(source, translation)


@pytest.mark.parametrize(("source", "translation"), [
    ("Il fait ses courses entre midi et deux.", "He shops at lunchtime."),
    ("Il viendra cet après midi.", "He will come this afternoon."),
    ("Le 12 mai 45 manifestants ont été arrêtés.", "On May 12, 45 protesters were arrested."),
    ("Le 3 juin 50 000 personnes ont défilé.", "On June 3, 50,000 people marched."),
    ("Le 1er mai 60 % des salariés ont fait grève.", "On 1 May 60% of employees went on strike."),
])
def test_midi_idioms_and_counts_after_a_date_are_not_events(source, translation):
    assert "numbers-changed" not in quality_flags(source, translation)


@pytest.mark.parametrize("translation", [
    "No, no, no, he said he said he said he said he said.",  # a second loop
    "He said the the the.",  # another word, a function word
])
def test_a_repetition_in_the_source_excuses_only_its_own(translation):
    assert "repeated-ngram" in quality_flags("Non, non, non, a-t-il dit.", translation)
