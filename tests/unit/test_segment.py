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


def no_space(text: str) -> str:
    return re.sub(r"\s+", "", text)


def assert_lossless(text: str, sentences: list[str]) -> None:
    """Each sentence is found in order, only whitespace lies between and around them."""
    position = 0
    for sentence in sentences:
        assert sentence and sentence == sentence.strip()
        found = text.index(sentence, position)
        assert text[position:found].strip() == "", (text[position:found], sentence)
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
