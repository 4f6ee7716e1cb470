"""Language identification: articles in another language, English segments kept, no-letter
segments passed through; through the real runner with fake models."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from pipeline.config import load_config
from pipeline.language import has_letters, identify, is_english
from pipeline.runner import run
from tests.unit.test_runner import FirstWords, UpperTranslator


class Bracketing(UpperTranslator):
    """Translates "x" as "[x]" (never equal to its source); records every call."""

    def translate(self, texts, progress=None) -> list[str]:
        return [f"[{t}]" for t in super().translate(texts, progress)]

ARTICLES = {
    "fr": "Le gouvernement a annoncé mardi une série de mesures pour soutenir les agriculteurs "
          "touchés par la sécheresse, qui sont confrontés à une baisse de leurs revenus.",
    "en": "The government announced on Tuesday a series of measures to support the farmers who "
          "have been hit by the drought, which has cut their income for several months.",
    "it": "Il governo ha annunciato martedì una serie di misure per sostenere gli agricoltori "
          "colpiti dalla siccità, che da mesi devono affrontare un calo dei loro redditi.",
    "pt": "O governo anunciou na terça-feira uma série de medidas para apoiar os agricultores "
          "afetados pela seca, que enfrentam há vários meses uma queda nos seus rendimentos.",
    "nl": "De regering heeft dinsdag een reeks maatregelen aangekondigd om de boeren te steunen "
          "die door de droogte zijn getroffen en al maanden minder inkomen hebben.",
    "es": "El gobierno anunció el martes una serie de medidas para apoyar a los agricultores "
          "afectados por la sequía, que desde hace meses sufren una caída de sus ingresos.",
    "de": "Die Regierung hat am Dienstag eine Reihe von Maßnahmen angekündigt, um die Landwirte "
          "zu unterstützen, die von der Dürre betroffen sind und seit Monaten weniger verdienen.",
}


@pytest.mark.parametrize("code", sorted(ARTICLES))
def test_articles_are_told_apart(code: str) -> None:
    found = identify(ARTICLES[code])
    assert found is not None and found.code == code and found.confidence > 0.5


def test_other_scripts_and_short_texts() -> None:
    found = identify("Правительство объявило во вторник о новых мерах поддержки фермеров")
    assert found is not None and found.code == "script:cyrillic"
    assert identify("Paris, France") is None  # too short to judge


def wmt_documents(shared_data: Path, name: str) -> list[list[str]]:
    sgm = (shared_data / "wmt-newstest2013-fren" / name).read_text("utf-8")
    return [[html.unescape(s) for s in re.findall(r"<seg[^>]*>(.*?)</seg>", doc)]
            for doc in re.findall(r"<doc .*?</doc>", sgm, re.S)]


def test_every_newstest2013_document_is_found_in_its_language(shared_data: Path) -> None:
    french = wmt_documents(shared_data, "newstest2013-src.fr.sgm")
    english = wmt_documents(shared_data, "newstest2013-ref.en.sgm")
    assert len(french) == len(english) == 52
    assert [identify(" ".join(d)).code for d in french] == ["fr"] * 52
    assert [identify(" ".join(d)).code for d in english] == ["en"] * 52


def test_no_newstest2013_french_sentence_is_taken_for_english(shared_data: Path) -> None:
    french = [s for d in wmt_documents(shared_data, "newstest2013-src.fr.sgm") for s in d]
    english = [s for d in wmt_documents(shared_data, "newstest2013-ref.en.sgm") for s in d]
    assert [s for s in french if is_english(s)] == []
    found = sum(map(is_english, english))
    assert found / len(english) > 0.9  # measured: 2,766 of 3,000


def test_segment_language_and_letters() -> None:
    assert is_english("The show must go on, whatever happens tonight.")
    assert not is_english("Il a lancé « The show must go on » avant de quitter la scène.")
    assert not is_english("Paris, France")  # too short to judge: left to the model
    assert [has_letters(s) for s in ["***", "* * *", "—", "•", "12 %", "2011.", "Oui"]] == [
        False, False, False, False, False, False, True]


MIXED = ("Titre de l'article\n\n"
         "Le ministre a parlé mardi devant la presse réunie à Paris.\n\n"
         "* * *\n\n"
         "Il a ensuite cité Churchill. We shall fight on the beaches, we shall never surrender. "
         "La salle a applaudi.\n")


def run_over(tmp_path: Path, files: dict[str, str], **sets: str):
    folder = tmp_path / "in"
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text, "utf-8")
    overrides = [f"input.path={folder}", f"output.dir={tmp_path / 'out'}"]
    translator = Bracketing()
    outcome = run(load_config(None, overrides + [f"{k}={v}" for k, v in sets.items()]),
                  translator=translator, summariser=FirstWords())
    lines = (outcome.out_dir / "results.jsonl").read_text("utf-8").splitlines()
    return outcome, {r["id"]: r for r in map(json.loads, lines)}, translator


def test_english_segments_and_symbol_lines_are_kept_not_translated(tmp_path: Path) -> None:
    outcome, results, translator = run_over(tmp_path, {"mixed.txt": MIXED})
    sent = [t for call in translator.calls for t in call]
    assert "* * *" not in sent
    assert "We shall fight on the beaches, we shall never surrender." not in sent
    assert "Il a ensuite cité Churchill." in sent
    result = results["mixed"]
    assert result["status"] == "ok"
    assert result["translation"].split("\n\n") == [
        "[LE MINISTRE A PARLÉ MARDI DEVANT LA PRESSE RÉUNIE À PARIS.]",
        "* * *",
        "[IL A ENSUITE CITÉ CHURCHILL.] We shall fight on the beaches, we shall never surrender. "
        "[LA SALLE A APPLAUDI.]"]
    stats = result["stats"]
    assert stats["kept_no_letters"] == [2] and stats["kept_english"] == [4]
    assert stats["language"] == "fr" and stats["language_confidence"] > 0.9
    # kept on purpose, not a model failure: no check looks at kept segments
    assert not any(f["segment"] in (2, 4) for f in result["flag_details"])


@pytest.mark.parametrize(("action", "status", "code"), [
    ("skip", "skipped", 0), ("fail", "failed", 1), ("translate", "ok", 0)])
def test_an_article_in_another_language(tmp_path: Path, action: str, status: str,
                                        code: int) -> None:
    outcome, results, translator = run_over(
        tmp_path, {"a.txt": f"Titre\n\n{ARTICLES['fr']}", "b.txt": f"Titolo\n\n{ARTICLES['it']}"},
        **{"input.other_language": action})
    assert results["a"]["status"] == "ok"
    result = results["b"]
    assert result["status"] == status
    if status == "ok":
        assert result["stats"]["language"] == "it"
        assert any("governo" in t.lower() for call in translator.calls for t in call)
    else:
        assert "the text is in Italian (it, confidence 1.00), not French" in result["error"]
        assert f"input.other_language: {action}" in result["error"]
        assert not any("governo" in t.lower() for call in translator.calls for t in call)
    assert outcome.counts[status] >= 1
    assert (1 if outcome.failed else 0) == code


def test_language_check_off_translates_everything(tmp_path: Path) -> None:
    _, results, _ = run_over(tmp_path, {"b.txt": f"Titolo\n\n{ARTICLES['it']}"},
                             **{"input.check_language": "false"})
    assert results["b"]["status"] == "ok" and "language" not in results["b"]["stats"]


BRIEF_WITH_QUOTE = (
    "Intelligence artificielle : OpenAI dévoile GPT-5\n\n"
    "Sam Altman, CEO d'OpenAI, a présenté mardi GPT-5 lors d'un keynote à San Francisco. "
    '"This is the most capable model we have ever built, and it is safer than anything we have '
    'shipped before," a-t-il déclaré. Microsoft, Google DeepMind et Anthropic sont dans la '
    "course.")


def test_a_short_french_brief_quoting_english_is_french() -> None:
    found = identify(BRIEF_WITH_QUOTE)
    assert found is not None and found.code == "fr"
    assert found.french_share is not None and found.french_share >= 0.25


@pytest.mark.parametrize("sentence", [
    "La team building du manager a fait un flop.",
    "Cyber Monday et Black Friday battent des records.",
    "Breaking Bad et The Walking Dead sur Netflix.",
    '"This is the most capable model we have ever built," a-t-il déclaré.',
    "L'open space, c'est fini pour les start-up.",
])
def test_french_sentences_full_of_english_are_translated(sentence: str) -> None:
    assert not is_english(sentence)


def test_a_skipped_article_keeps_what_was_found(tmp_path: Path) -> None:
    _, results, _ = run_over(tmp_path, {"b.txt": f"Titolo\n\n{ARTICLES['it']}"})
    stats = results["b"]["stats"]
    assert results["b"]["status"] == "skipped"
    assert stats["language"] == "it" and stats["language_confidence"] == 1.0
    assert stats["encoding"] == "utf-8"
