"""Tables for the sentence splitter, the long-sentence breaker and segment_article."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from pipeline.records import Article
from pipeline.segment import break_long, segment_article, split_paragraphs, split_sentences

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "lutte-anti-aqmi.fr.txt"


def words(text: str) -> int:
    """A stand-in for the model's tokenizer: one token per whitespace-separated word."""
    return len(text.split())


def quarter_chars(text: str) -> int:
    """A subword-like counter: one token per 4 characters, so that one word can exceed a budget."""
    return math.ceil(len(text) / 4)


SPACES = re.compile(r"\s*")
INVISIBLE_GAP = re.compile(r"[\s\u200b\u2060\ufeff]*")


def no_space(text: str) -> str:
    return re.sub(r"[\s\u200b\u2060\ufeff]+", "", text)


def assert_lossless(text: str, sentences: list[str]) -> None:
    """Each sentence is found in order; only whitespace lies around them, and only whitespace or
    invisible characters (zero-width space, word joiner, byte order mark) between them."""
    position = 0
    for number, sentence in enumerate(sentences):
        assert sentence and sentence == sentence.strip()
        found = text.index(sentence, position)
        gap = text[position:found]
        assert (INVISIBLE_GAP if number else SPACES).fullmatch(gap), (gap, sentence)
        position = found + len(sentence)
    assert text[position:].strip() == ""
    assert no_space("".join(sentences)) == no_space(text)


SPLITS = [
    # abbreviations and initials
    ("M. Dupont est arrivé. Il repart.", ["M. Dupont est arrivé.", "Il repart."]),
    (
        "MM. Dupont et Durand sont là. Mme Martin aussi.",
        ["MM. Dupont et Durand sont là.", "Mme Martin aussi."],
    ),
    (
        "Le Dr. Martin et le Pr. Henri sont venus. Mlle Roux non.",
        ["Le Dr. Martin et le Pr. Henri sont venus.", "Mlle Roux non."],
    ),
    (
        "Il cite un texte, cf. Le Figaro du jour. Rien d'autre.",
        ["Il cite un texte, cf. Le Figaro du jour.", "Rien d'autre."],
    ),
    ("Voir p. 12 du rapport. Ensuite on verra.", ["Voir p. 12 du rapport.", "Ensuite on verra."]),
    ("Il habite rue St. Michel. Il y est bien.", ["Il habite rue St. Michel.", "Il y est bien."]),
    ("César meurt en 44 av. J.-C. Rome tremble.", ["César meurt en 44 av. J.-C.", "Rome tremble."]),
    (
        "Il a vu J.-C. Decaux hier. Il était content.",
        ["Il a vu J.-C. Decaux hier.", "Il était content."],
    ),
    ("J. Chirac a parlé. Il est parti.", ["J. Chirac a parlé.", "Il est parti."]),
    ("Les U.S. Marines sont là. Ils partent.", ["Les U.S. Marines sont là.", "Ils partent."]),
    ("Le n° 5 est sorti. Le n° 6 suit.", ["Le n° 5 est sorti.", "Le n° 6 suit."]),
    (
        "Des fruits, des légumes, etc. sont vendus ici. Pas de viande.",
        ["Des fruits, des légumes, etc. sont vendus ici.", "Pas de viande."],
    ),
    (
        "Des fruits, des légumes, etc. Le marché était plein.",
        ["Des fruits, des légumes, etc.", "Le marché était plein."],
    ),
    # guillemets and quotes
    (
        "Il a dit : « Je viens. » Puis il est parti.",
        ["Il a dit : « Je viens. »", "Puis il est parti."],
    ),
    (
        "« Viendra-t-il ? » a-t-il demandé. Personne ne sait.",
        ["« Viendra-t-il ? » a-t-il demandé.", "Personne ne sait."],
    ),
    (
        "« C'est fini ! » s'est-il exclamé. Silence.",
        ["« C'est fini ! » s'est-il exclamé.", "Silence."],
    ),
    (
        "« Je pars. Je reviendrai demain. » Il est parti.",
        ["« Je pars.", "Je reviendrai demain. »", "Il est parti."],
    ),
    ("« Vous êtes prêts ? », demande-t-il. Oui.", ["« Vous êtes prêts ? », demande-t-il.", "Oui."]),
    ('Il a dit "non." Puis il est parti.', ['Il a dit "non."', "Puis il est parti."]),
    ('Il est parti. "Je reviens", a-t-il dit.', ["Il est parti.", '"Je reviens", a-t-il dit.']),
    ("Il a dit : « Non. »\u00a0Fin.", ["Il a dit : « Non. »", "Fin."]),
    # decimals and numbers
    (
        "Le taux passe de 3.5 % à 3,7 %. La hausse est nette.",
        ["Le taux passe de 3.5 % à 3,7 %.", "La hausse est nette."],
    ),
    (
        "Il a gagné 1.200 euros en 2010. C'est peu.",
        ["Il a gagné 1.200 euros en 2010.", "C'est peu."],
    ),
    (
        "1. Le premier point est clair. 2. Le second aussi.",
        ["1. Le premier point est clair.", "2. Le second aussi."],
    ),
    (
        "Il est né en 1990. 30 ans plus tard, il revient.",
        ["Il est né en 1990.", "30 ans plus tard, il revient."],
    ),
    # ellipses
    ("Il hésita... puis accepta. Fin.", ["Il hésita... puis accepta.", "Fin."]),
    ("Il hésita… Puis il accepta.", ["Il hésita…", "Puis il accepta."]),
    ("Il a dit (...) Le reste est connu.", ["Il a dit (...) Le reste est connu."]),
    # question and exclamation marks
    ("Pourquoi ? Parce que. Voilà !", ["Pourquoi ?", "Parce que.", "Voilà !"]),
    ("Quoi ?! Non !", ["Quoi ?!", "Non !"]),
    ("Vraiment ? demanda-t-il. Oui.", ["Vraiment ? demanda-t-il.", "Oui."]),
    ("Il crie « au secours ! » et s'enfuit.", ["Il crie « au secours ! » et s'enfuit."]),
    # URLs, e-mail addresses, parentheses
    (
        "Voir www.lemonde.fr/a.html pour plus. Écrire à info@afp.fr. Merci.",
        ["Voir www.lemonde.fr/a.html pour plus.", "Écrire à info@afp.fr.", "Merci."],
    ),
    (
        "Le site https://ex.com/a?b=1 est fermé. Dommage !",
        ["Le site https://ex.com/a?b=1 est fermé.", "Dommage !"],
    ),
    (
        "Il est parti (il l'a dit. Vraiment). Puis il est revenu.",
        ["Il est parti (il l'a dit. Vraiment).", "Puis il est revenu."],
    ),
    (
        "Fin du match. (Voir aussi page 3.) Le score.",
        ["Fin du match.", "(Voir aussi page 3.)", "Le score."],
    ),
    # whitespace and lower-case starts
    ("  Un.\nDeux.  Trois.  ", ["Un.", "Deux.", "Trois."]),
    ("C'était parfait. très bon accueil.", ["C'était parfait.", "très bon accueil."]),
    ("Pas de point final", ["Pas de point final"]),
    ("", []),
    ("   \n ", []),
]


@pytest.mark.parametrize(("text", "expected"), SPLITS)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def example_paragraphs() -> list[str]:
    return split_paragraphs(EXAMPLE.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "text",
    [text for text, _ in SPLITS]
    + ["Fin. »  « Début ? » Non !  \n\n Oui… (a. b. c.) [...] Fin", "?! ... . « »", ". Début"],
)
def test_split_sentences_loses_no_character(text: str) -> None:
    assert_lossless(text, split_sentences(text))


def test_split_sentences_loses_nothing_on_the_example_article() -> None:
    raw = EXAMPLE.read_text(encoding="utf-8")
    sentences = [s for p in example_paragraphs() for s in split_sentences(p)]
    for paragraph in example_paragraphs():
        assert_lossless(paragraph, split_sentences(paragraph))
    assert no_space("".join(sentences)) == no_space(raw)
    # The paragraph of two sentences is split in two; every other paragraph is one sentence.
    assert len(sentences) == len(example_paragraphs()) + 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Un\ndeux\n\n\nTrois  quatre\n \t\nCinq", ["Un deux", "Trois quatre", "Cinq"]),
        ("\n\n  Seul  \n\n", ["Seul"]),
        ("Il dit\u00a0: oui", ["Il dit\u00a0: oui"]),
        ("", []),
    ],
)
def test_split_paragraphs(text: str, expected: list[str]) -> None:
    assert split_paragraphs(text) == expected


# Cases the splitter used to get wrong, each with the exact sentences expected.
INVISIBLE_GAPS = [
    (
        "Il est parti.\u200bLe lendemain, la police a perquisitionné son domicile.",
        ["Il est parti.", "Le lendemain, la police a perquisitionné son domicile."],
    ),
    (
        "Le bilan s'alourdit.\u2060Les secours ont retrouvé deux corps.",
        ["Le bilan s'alourdit.", "Les secours ont retrouvé deux corps."],
    ),
    (
        "La séance est levée. \ufeff Les députés reprendront mardi.",
        ["La séance est levée.", "Les députés reprendront mardi."],
    ),
    (  # inside a sentence an invisible character is a character like any other
        "Le site www.\u200blemonde.fr a fermé.\u200b \u200bIl rouvre lundi.",
        ["Le site www.\u200blemonde.fr a fermé.", "Il rouvre lundi."],
    ),
]


@pytest.mark.parametrize(("text", "expected"), INVISIBLE_GAPS)
def test_split_sentences_treats_invisible_characters_as_a_gap(
    text: str, expected: list[str]
) -> None:
    assert split_sentences(text) == expected
    assert_lossless(text, expected)


GLUED = [
    (
        "Le programme mêle sport et cours classiques.Enfin, les élèves partent en stage.",
        ["Le programme mêle sport et cours classiques.", "Enfin, les élèves partent en stage."],
    ),
    (
        "Les travaux ont pris fin le week-end dernier.Le chantier a coûté 2 millions d'euros.",
        [
            "Les travaux ont pris fin le week-end dernier.",
            "Le chantier a coûté 2 millions d'euros.",
        ],
    ),
    (
        "Il a rejoint l'équipe en janvier.L'entraîneur s'en félicite.",
        ["Il a rejoint l'équipe en janvier.", "L'entraîneur s'en félicite."],
    ),
    # domains, decimals, initials and abbreviations stay whole
    (
        "L'article est paru sur www.lemonde.fr et sur Le Monde.fr hier. Il a été beaucoup lu.",
        ["L'article est paru sur www.lemonde.fr et sur Le Monde.fr hier.", "Il a été beaucoup lu."],
    ),
    ("Le taux passe à 3.5 % cette année.", ["Le taux passe à 3.5 % cette année."]),
    (
        "La ville a été fondée en 52 av. J.-C.Elle prospère.",
        ["La ville a été fondée en 52 av. J.-C.Elle prospère."],
    ),
    ("Les U.S.A. ont répondu. M.Dupont aussi.", ["Les U.S.A. ont répondu.", "M.Dupont aussi."]),
    ("Voir le chap.Deux du rapport.", ["Voir le chap.Deux du rapport."]),
    ("Écrire à jean.Dupont@afp.fr avant lundi.", ["Écrire à jean.Dupont@afp.fr avant lundi."]),
    ("Le site actualite.Fr est en panne.", ["Le site actualite.Fr est en panne."]),
]


@pytest.mark.parametrize(("text", "expected"), GLUED)
def test_split_sentences_at_a_period_glued_to_the_next_sentence(
    text: str, expected: list[str]
) -> None:
    assert split_sentences(text) == expected
    assert_lossless(text, expected)


ELIDED_ABBREVIATIONS = [
    (
        "L'art. 3 du règlement intérieur interdit le téléphone en classe. Les élèves protestent.",
        [
            "L'art. 3 du règlement intérieur interdit le téléphone en classe.",
            "Les élèves protestent.",
        ],
    ),
    (
        "Le juge s'appuie sur l’art. L. 121-1 du code de la consommation. Le vendeur fait appel.",
        [
            "Le juge s'appuie sur l’art. L. 121-1 du code de la consommation.",
            "Le vendeur fait appel.",
        ],
    ),
    (
        "Selon le décret, jusqu'à l'art. 12 rien ne change. Ensuite, tout change.",
        ["Selon le décret, jusqu'à l'art. 12 rien ne change.", "Ensuite, tout change."],
    ),
    # "art" and "vol" are words too: without a number after them they may end a sentence
    (
        "Il a consacré sa vie à l'art. Il est mort à Paris en 2010.",
        ["Il a consacré sa vie à l'art.", "Il est mort à Paris en 2010."],
    ),
    (
        "La compagnie a annulé le vol. Les passagers ont été relogés.",
        ["La compagnie a annulé le vol.", "Les passagers ont été relogés."],
    ),
    (
        "Le vol. 2 de ses mémoires paraît en mars. Le vol. II suivra.",
        ["Le vol. 2 de ses mémoires paraît en mars.", "Le vol. II suivra."],
    ),
]


@pytest.mark.parametrize(("text", "expected"), ELIDED_ABBREVIATIONS)
def test_split_sentences_abbreviation_after_an_elided_article(
    text: str, expected: list[str]
) -> None:
    assert split_sentences(text) == expected


INLINE_LISTS = [
    (
        "Le plan prévoit trois mesures : 1. Gratuité des soins. 2. Accès aux droits. "
        "3. Aide au logement.",
        [
            "Le plan prévoit trois mesures : 1. Gratuité des soins.",
            "2. Accès aux droits.",
            "3. Aide au logement.",
        ],
    ),
    (
        "Le texte prévoit : a. Un gel des loyers ; b. Une hausse des aides. Il sera voté mardi.",
        [
            "Le texte prévoit : a. Un gel des loyers ; b. Une hausse des aides.",
            "Il sera voté mardi.",
        ],
    ),
    # a number after a colon that no "2." follows is no list marker
    (
        "Bilan provisoire : 12. Les secours poursuivent les recherches.",
        ["Bilan provisoire : 12.", "Les secours poursuivent les recherches."],
    ),
]


@pytest.mark.parametrize(("text", "expected"), INLINE_LISTS)
def test_split_sentences_keeps_an_inline_list_marker_after_a_colon(
    text: str, expected: list[str]
) -> None:
    assert split_sentences(text) == expected


FINAL_ABBREVIATION_LOOKALIKES = [
    (
        "Il a étudié à la Glasgow School of Art. Il est ensuite parti pour Londres.",
        ["Il a étudié à la Glasgow School of Art.", "Il est ensuite parti pour Londres."],
    ),
    (
        "Il manque de vitamine C. Elle est pourtant essentielle à l'organisme.",
        ["Il manque de vitamine C.", "Elle est pourtant essentielle à l'organisme."],
    ),
    (
        "Le gouvernement n'a pas de plan B. Les syndicats s'en inquiètent.",
        ["Le gouvernement n'a pas de plan B.", "Les syndicats s'en inquiètent."],
    ),
    (
        "La température a atteint 2° C. Les pompiers sont restés mobilisés.",
        ["La température a atteint 2° C.", "Les pompiers sont restés mobilisés."],
    ),
    (
        "Il faisait -12 °C. Les sans-abri ont été mis à l'abri.",
        ["Il faisait -12 °C.", "Les sans-abri ont été mis à l'abri."],
    ),
    (
        "Le théâtre a été construit en 50 avant J.-C. Les fouilles ont repris en mai.",
        ["Le théâtre a été construit en 50 avant J.-C.", "Les fouilles ont repris en mai."],
    ),
    (
        "La ville a été détruite en 79 après J.-C. Elle n'a jamais été reconstruite.",
        ["La ville a été détruite en 79 après J.-C.", "Elle n'a jamais été reconstruite."],
    ),
    # initials before a name, and capitalised abbreviations opening a sentence, go on
    (
        "Il a reçu le président J. Chirac à l'Élysée. J.-M. Le Pen était absent.",
        ["Il a reçu le président J. Chirac à l'Élysée.", "J.-M. Le Pen était absent."],
    ),
    ("Il a rencontré l'avocat P. Le Borgne hier.", ["Il a rencontré l'avocat P. Le Borgne hier."]),
    (
        "Art. 3 : le maire fixe les horaires. Cf. La délibération du 5 mai.",
        ["Art. 3 : le maire fixe les horaires.", "Cf. La délibération du 5 mai."],
    ),
    (
        "Le siège est au 12, Av. Foch à Paris. Contact : Tél. 01 23 45 67 89.",
        ["Le siège est au 12, Av. Foch à Paris.", "Contact : Tél. 01 23 45 67 89."],
    ),
    (
        "Elle a exposé au Museum of Modern Art. Sa carrière était lancée.",
        ["Elle a exposé au Museum of Modern Art.", "Sa carrière était lancée."],
    ),
]


@pytest.mark.parametrize(("text", "expected"), FINAL_ABBREVIATION_LOOKALIKES)
def test_split_sentences_after_a_word_that_only_looks_like_an_abbreviation(
    text: str, expected: list[str]
) -> None:
    assert split_sentences(text) == expected


STRAIGHT_QUOTES = [
    (
        'Il a déclaré : "Nous partirons demain. Rien ne nous arrêtera. " Le ministre a ensuite '
        "quitté la salle.",
        [
            'Il a déclaré : "Nous partirons demain.',
            'Rien ne nous arrêtera. "',
            "Le ministre a ensuite quitté la salle.",
        ],
    ),
    # a quote opened and closed earlier leaves the next one after a space an opening one
    (
        'Il a dit "non". Il est parti. "Je reviendrai", a-t-il lancé.',
        ['Il a dit "non".', "Il est parti.", '"Je reviendrai", a-t-il lancé.'],
    ),
    # a quote after a space with a word glued after it opens, even after an unclosed one
    (
        'Le texte parle de "réforme juste. "Nous ne céderons pas", a dit le ministre.',
        ['Le texte parle de "réforme juste.', '"Nous ne céderons pas", a dit le ministre.'],
    ),
]


@pytest.mark.parametrize(("text", "expected"), STRAIGHT_QUOTES)
def test_split_sentences_closes_a_straight_quote_opened_in_an_earlier_sentence(
    text: str, expected: list[str]
) -> None:
    assert split_sentences(text) == expected
    assert_lossless(text, expected)


@pytest.mark.parametrize(
    "text",
    [text for table in (INVISIBLE_GAPS, GLUED, ELIDED_ABBREVIATIONS, INLINE_LISTS,
                        FINAL_ABBREVIATION_LOOKALIKES, STRAIGHT_QUOTES) for text, _ in table],
)
def test_split_sentences_loses_no_character_on_the_new_cases(text: str) -> None:
    assert_lossless(text, split_sentences(text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (  # a heading, then a sentence
            "Les mesures phares\nLe gouvernement a présenté mardi son plan.",
            ["Les mesures phares", "Le gouvernement a présenté mardi son plan."],
        ),
        (  # list items, one wrapped, after a line ending in a colon
            "Le plan prévoit :\n- la gratuité des soins pour les\nmoins de 25 ans ;\n"
            "- un accès simplifié aux droits.\nLe texte sera voté en juin.",
            [
                "Le plan prévoit :",
                "- la gratuité des soins pour les moins de 25 ans ;",
                "- un accès simplifié aux droits.",
                "Le texte sera voté en juin.",
            ],
        ),
        (  # every marker: bullets, dashes, numbers, letters, Roman numerals
            "• Un\n* Deux\n· Trois\n▪ Quatre\n– Cinq\n— Six\n1. Sept\n2) Huit\na) Neuf\nIV. Dix",
            ["• Un", "* Deux", "· Trois", "▪ Quatre", "– Cinq", "— Six", "1. Sept", "2) Huit",
             "a) Neuf", "IV. Dix"],
        ),
        (  # not headings: a line ending in a quote, a comma, a colon or a word such as "de"
            "Il a dit « oui »\nPuis il est parti.\n\nLe maire, Jean Dupont,\nA démissionné.\n\n"
            "Il a rencontré le maire de\nLyon mardi.",
            [
                "Il a dit « oui » Puis il est parti.",
                "Le maire, Jean Dupont, A démissionné.",
                "Il a rencontré le maire de Lyon mardi.",
            ],
        ),
        (  # a hyphen glued to a number, and an initial mid-sentence, are no list markers
            "La température a baissé de\n-5 degrés selon\nC. Dupont, météorologue.",
            ["La température a baissé de -5 degrés selon C. Dupont, météorologue."],
        ),
        (  # nor is a dash that continues a sentence in hard-wrapped text
            "Le ministre de l'Intérieur, dont on ignorait les projets,\n"
            "– qui a démissionné hier –\na quitté ses fonctions. Il sera remplacé\n"
            "dès lundi.",
            [
                "Le ministre de l'Intérieur, dont on ignorait les projets, – qui a démissionné "
                "hier – a quitté ses fonctions. Il sera remplacé dès lundi."
            ],
        ),
    ],
)
def test_split_paragraphs_headings_and_list_items(text: str, expected: list[str]) -> None:
    assert split_paragraphs(text) == expected


def test_split_paragraphs_joins_hard_wrapped_text() -> None:
    text = (
        "Le gouvernement a présenté mardi un plan de relance de cent milliards\n"
        "d'euros, destiné à soutenir l'activité après la crise sanitaire.\n"
        "Selon le ministre de l'Économie et des Finances, le président Emmanuel\n"
        "Macron doit en détailler les priorités jeudi, lors d'un déplacement.\n"
    )
    assert split_paragraphs(text) == [" ".join(text.split())]
    # the same text under a heading: the heading alone is cut off
    headed = split_paragraphs("Plan de relance\n" + text)
    assert headed == ["Plan de relance", " ".join(text.split())]


@pytest.mark.parametrize(
    "text",
    [
        "Titre\n" * 33_000,
        "- point\n" * 25_000,
        "le gouvernement a présenté un plan de relance de cent milliards\n" * 3_000,
        "Les mesures\nLe plan est là. Il prévoit :\n- un ;\n- deux.\n\n" * 4_000,
        "x" * 200_000,
        "\n" + " " * 200_000 + "x",
        "a\n\n" * 66_000,
    ],
    ids=["headings", "items", "wrapped", "article", "one-word", "spaces", "blank-lines"],
)
def test_split_paragraphs_loses_nothing_on_large_inputs(text: str) -> None:
    # (linear: about 0.3 s; bench/segment_f1.py --speed prints the time)
    paragraphs = split_paragraphs(text)
    assert no_space("".join(paragraphs)) == no_space(text)


@pytest.mark.parametrize(
    "text",
    [
        "(a) Il est là. " * 13_000,
        "Mesures : 1. Un. " * 11_000,
        "aaaa.Bbbb," * 20_000,
        'Il dit "oui. " Non. ' * 10_000,
    ],
    ids=["asides", "colon-lists", "no-spaces", "quotes"],
)
def test_split_sentences_loses_nothing_on_a_long_paragraph(text: str) -> None:
    sentences = split_sentences(text)
    assert_lossless(text, sentences)


# Texts with headings and lists, as a reader gets them, with the segments expected: one list of
# sentences per paragraph.
STRUCTURED_TEXTS = [
    (
        "Réforme des retraites : ce qui change au 1er septembre\n"
        "Le décret d'application a été publié dimanche au Journal officiel. Il précise le "
        "calendrier du\nrelèvement de l'âge légal.\n"
        "L'âge légal\n"
        "L'âge de départ passera progressivement de 62 à 64 ans. Les assurés nés après le 1er "
        "septembre\n1961 seront les premiers concernés.\n"
        "Les carrières longues\n"
        "Trois cas sont prévus :\n"
        "- un départ à 58 ans pour ceux qui ont commencé à travailler avant 16 ans ;\n"
        "- un départ à 60 ans pour ceux qui ont commencé avant 18 ans ;\n"
        "- un départ à 62 ans pour ceux qui ont commencé avant 20 ans.\n"
        "Le dispositif sera réexaminé en 2027.\n",
        [
            ["Réforme des retraites : ce qui change au 1er septembre"],
            [
                "Le décret d'application a été publié dimanche au Journal officiel.",
                "Il précise le calendrier du relèvement de l'âge légal.",
            ],
            ["L'âge légal"],
            [
                "L'âge de départ passera progressivement de 62 à 64 ans.",
                "Les assurés nés après le 1er septembre 1961 seront les premiers concernés.",
            ],
            ["Les carrières longues"],
            ["Trois cas sont prévus :"],
            ["- un départ à 58 ans pour ceux qui ont commencé à travailler avant 16 ans ;"],
            ["- un départ à 60 ans pour ceux qui ont commencé avant 18 ans ;"],
            ["- un départ à 62 ans pour ceux qui ont commencé avant 20 ans."],
            ["Le dispositif sera réexaminé en 2027."],
        ],
    ),
    (
        "Plan de relance\n"
        "Le gouvernement a présenté mardi un plan de 100 milliards d'euros. Le\n"
        "ministre de l'Économie en a détaillé les priorités :\n"
        "1. La rénovation thermique des bâtiments publics et des\n"
        "logements sociaux.\n"
        "2. Le soutien à l'industrie.\n"
        "3. La formation des jeunes.\n"
        "Les premières aides seront versées dès janvier.\n"
        "\n"
        "À retenir\n"
        "• 100 milliards d'euros sur deux ans\n"
        "• 160 000 emplois attendus\n"
        "• Un premier bilan en 2022\n",
        [
            ["Plan de relance"],
            [
                "Le gouvernement a présenté mardi un plan de 100 milliards d'euros.",
                "Le ministre de l'Économie en a détaillé les priorités :",
            ],
            ["1. La rénovation thermique des bâtiments publics et des logements sociaux."],
            ["2. Le soutien à l'industrie."],
            ["3. La formation des jeunes."],
            ["Les premières aides seront versées dès janvier."],
            ["À retenir"],
            ["• 100 milliards d'euros sur deux ans"],
            ["• 160 000 emplois attendus"],
            ["• Un premier bilan en 2022"],
        ],
    ),
    (
        "I. Le contexte\n"
        "La sécheresse touche 80 départements depuis le printemps. Selon Météo-France, le mois "
        "de juillet a été le plus sec depuis 1959.\n"
        "II. Les mesures\n"
        "Le préfet a pris deux arrêtés :\n"
        "a) l'interdiction d'arroser les jardins entre 8 h et 20 h ;\n"
        "b) la limitation des prélèvements agricoles.\n"
        "« Nous n'avons pas le choix », a-t-il expliqué.\n",
        [
            ["I. Le contexte"],
            [
                "La sécheresse touche 80 départements depuis le printemps.",
                "Selon Météo-France, le mois de juillet a été le plus sec depuis 1959.",
            ],
            ["II. Les mesures"],
            ["Le préfet a pris deux arrêtés :"],
            ["a) l'interdiction d'arroser les jardins entre 8 h et 20 h ;"],
            ["b) la limitation des prélèvements agricoles."],
            ["« Nous n'avons pas le choix », a-t-il expliqué."],
        ],
    ),
]


@pytest.mark.parametrize(("text", "expected"), STRUCTURED_TEXTS, ids=["retraites", "relance",
                                                                      "secheresse"])
def test_texts_with_headings_and_lists_segment_as_expected(
    text: str, expected: list[list[str]]
) -> None:
    assert [split_sentences(p) for p in split_paragraphs(text)] == expected


def test_segment_article_gives_headings_and_list_items_their_own_paragraphs() -> None:
    text, expected = STRUCTURED_TEXTS[1]
    article = make_article(title="Relance", paragraphs=tuple(split_paragraphs(text)))
    segments, broken = segment_article(article, words, 100)
    assert broken == 0
    body = [(s.paragraph, s.sentence, s.source) for s in segments if s.paragraph >= 0]
    assert body == [(n, k, s) for n, sentences in enumerate(expected)
                    for k, s in enumerate(sentences)]
    assert (0, 0, "Plan de relance") in body and (6, 0, "À retenir") in body


def assert_fits(sentence: str, pieces: list[str], count, budget: int) -> None:
    assert all(piece and piece == piece.strip() for piece in pieces)
    assert all(count(piece) <= budget for piece in pieces), pieces
    assert no_space(" ".join(pieces)) == no_space(sentence)


def test_break_long_returns_a_fitting_sentence_unchanged() -> None:
    sentence = " Une phrase courte. "
    assert break_long(sentence, words, 3) == [sentence]


@pytest.mark.parametrize(
    ("sentence", "budget", "expected"),
    [
        # ";" and ":" come before commas
        (
            "un deux, trois quatre ; cinq, six sept",
            5,
            ["un deux, trois quatre ;", "cinq, six sept"],
        ),
        ("Il a dit : tout va bien, merci", 4, ["Il a dit :", "tout va bien, merci"]),
        # commas, then dashes
        (
            "un deux trois, quatre cinq six, sept huit",
            6,
            ["un deux trois,", "quatre cinq six, sept huit"],
        ),
        ("le Mali – avec le Niger – est seul", 4, ["le Mali", "– avec le Niger", "– est seul"]),
        # then before a conjunction
        (
            "le chat dort et le chien mange mais la souris danse",
            4,
            ["le chat dort", "et le chien mange", "mais la souris danse"],
        ),
    ],
)
def test_break_long_prefers_clause_boundaries(
    sentence: str, budget: int, expected: list[str]
) -> None:
    assert break_long(sentence, words, budget) == expected


@pytest.mark.parametrize(("n_words", "budget"), [(20, 6), (7, 1), (100, 9), (11, 10)])
def test_break_long_falls_back_to_an_even_token_budget(n_words: int, budget: int) -> None:
    sentence = " ".join(f"mot{i}" for i in range(n_words))
    pieces = break_long(sentence, words, budget)
    assert_fits(sentence, pieces, words, budget)
    assert len(pieces) == math.ceil(n_words / budget)
    sizes = [words(piece) for piece in pieces]
    assert max(sizes) - min(sizes) <= 1


def test_break_long_cuts_a_giant_word_by_characters() -> None:
    sentence = "Voir " + "x" * 200 + " pour le détail."
    pieces = break_long(sentence, quarter_chars, 10)
    assert_fits(sentence, pieces, quarter_chars, 10)
    assert any(set(piece) == {"x"} for piece in pieces)
    assert len(pieces) >= 200 / 40


def test_break_long_keeps_characters_that_alone_exceed_the_budget() -> None:
    pieces = break_long("abc", lambda text: 10 * len(text), 3)
    assert pieces == ["a", "b", "c"]


def test_break_long_rejects_a_budget_below_one() -> None:
    with pytest.raises(ValueError, match="max_tokens"):
        break_long("un deux", words, 0)


@pytest.mark.parametrize("budget", [1, 2, 3, 5, 8, 13, 21])
@pytest.mark.parametrize("count", [words, quarter_chars])
def test_break_long_fits_and_loses_nothing_on_real_sentences(count, budget: int) -> None:
    for paragraph in example_paragraphs():
        for sentence in split_sentences(paragraph):
            pieces = break_long(sentence, count, budget)
            assert_fits(sentence, pieces, count, budget)
            if count(sentence) > budget:
                assert len(pieces) > 1


def make_article(**changes) -> Article:
    fields = {
        "id": "a1",
        "title": "Le titre. Avec deux phrases.",
        "paragraphs": ("Un deux trois. Quatre cinq.", "Six sept huit neuf dix onze."),
        "source": "a1.txt",
    }
    fields.update(changes)
    return Article(**fields)


def test_segment_article_numbers_title_paragraphs_sentences() -> None:
    segments, broken = segment_article(make_article(), words, 100)
    assert broken == 0
    assert [(s.paragraph, s.sentence, s.piece) for s in segments] == [
        (-1, 0, 0), (0, 0, 0), (0, 1, 0), (1, 0, 0)
    ]
    assert [s.index for s in segments] == list(range(4))
    assert segments[0].source == "Le titre. Avec deux phrases."  # the title is not split
    assert [s.source for s in segments[1:3]] == ["Un deux trois.", "Quatre cinq."]
    assert {s.article_id for s in segments} == {"a1"}


def test_segment_article_without_title() -> None:
    segments, _ = segment_article(make_article(title="  "), words, 100)
    assert segments[0].paragraph == 0 and segments[0].index == 0
    assert all(s.paragraph >= 0 for s in segments)


def test_segment_article_breaks_long_sentences_and_counts_them() -> None:
    segments, broken = segment_article(make_article(), words, 3)
    assert broken == 2  # the title (5 words) and the sentence of 6 words, and none else
    assert all(words(s.source) <= 3 for s in segments)
    assert [s.index for s in segments] == list(range(len(segments)))
    title = [s for s in segments if s.paragraph == -1]
    assert [s.piece for s in title] == list(range(len(title))) and len(title) == 2
    last = [s for s in segments if s.paragraph == 1]
    assert [(s.sentence, s.piece) for s in last] == [(0, 0), (0, 1)]


def test_segment_article_keeps_given_segments_whole() -> None:
    article = make_article(title="", reference=("One. Two.", "Six."),
                           given_segments=True)
    segments, broken = segment_article(article, words, 100)
    assert broken == 0
    assert [(s.paragraph, s.sentence, s.source) for s in segments] == [
        (0, 0, "Un deux trois. Quatre cinq."),
        (1, 0, "Six sept huit neuf dix onze."),
    ]


def test_segment_article_breaks_given_segments_into_pieces() -> None:
    article = make_article(title="", reference=("One. Two.", "Six."),
                           given_segments=True)
    segments, broken = segment_article(article, words, 2)
    assert broken == 2
    assert {(s.paragraph, s.sentence) for s in segments} == {(0, 0), (1, 0)}
    for paragraph, text in enumerate(article.paragraphs):
        pieces = [s for s in segments if s.paragraph == paragraph]
        assert [s.piece for s in pieces] == list(range(len(pieces)))
        assert no_space("".join(s.source for s in pieces)) == no_space(text)


def test_segment_article_keeps_an_empty_given_segment_in_place() -> None:
    article = make_article(title="", paragraphs=("Un.", "", "Trois."), reference=("1", "", "3"),
                           given_segments=True)
    segments, _ = segment_article(article, words, 100)
    assert [(s.paragraph, s.source) for s in segments] == [(0, "Un."), (1, ""), (2, "Trois.")]


def test_segment_article_loses_no_text_on_the_example() -> None:
    paragraphs = tuple(example_paragraphs())
    article = make_article(title=paragraphs[0], paragraphs=paragraphs[1:])
    segments, broken = segment_article(article, words, 12)
    assert broken > 0
    for number, paragraph in enumerate(article.paragraphs):
        text = " ".join(s.source for s in segments if s.paragraph == number)
        assert no_space(text) == no_space(paragraph)


def test_given_segments_keep_the_test_set_paragraphs():
    article = Article(id="doc", title="", paragraphs=("Titre", "Une phrase.", "Deux phrases.",
                                                      "Autre bloc."),
                      source="x.sgm", reference=("T", "A.", "B.", "C."),
                      given_segments=True, blocks=(0, 1, 1, 2))
    segments, broken = segment_article(article, lambda t: len(t.split()), 50)
    assert broken == 0
    assert [(s.paragraph, s.sentence, s.source) for s in segments] == [
        (0, 0, "Titre"), (1, 0, "Une phrase."), (1, 1, "Deux phrases."), (2, 0, "Autre bloc.")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Il est né le 28 déc. 2019 à Paris. Il a grandi à Lyon.",
         ["Il est né le 28 déc. 2019 à Paris.", "Il a grandi à Lyon."]),
        ("Le 1er janv. 2024, la loi entre en vigueur. Elle change tout.",
         ["Le 1er janv. 2024, la loi entre en vigueur.", "Elle change tout."]),
        ("Ils étaient sept. Le lendemain, ils étaient huit.",
         ["Ils étaient sept.", "Le lendemain, ils étaient huit."]),
    ],
    ids=["dec", "jan", "seven"],
)
def test_split_sentences_month_abbreviations(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected
