"""The extractive summariser: what it chooses, its budget, paragraphs, and the pipeline's use."""

from __future__ import annotations

import functools
import importlib.util
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

import pytest

from pipeline.config import load_config
from pipeline.extractive import content_words, select
from pipeline.runner import run
from pipeline.summarise import ExtractiveSummariser
from pipeline.translate import Translator

ROOT = Path(__file__).resolve().parents[2]
DEV_SET = ROOT.parent / "shared" / "data" / "news-summaries-dev" / "articles.jsonl"

# A news story written top-down: the lead says what happened, the rest elaborates on it.
NEWS = [
    "Flooding forced the evacuation of 3,000 residents from the town of Morlaix on Tuesday "
    "after the river burst its banks.",
    "The mayor said the water rose by two metres in the town centre within three hours.",
    "Firefighters rescued residents trapped in their homes by the flooding in the centre.",
    "The river had already flooded Morlaix in 2013, when 1,200 residents were evacuated.",
    "Local shops, many of them closed since the spring, were damaged again by the water.",
    "The regional council promised help for the residents and businesses of the town.",
    "Weather forecasters expect more rain over Brittany at the end of the week.",
    "The football match planned for Saturday has been postponed.",
]
NEWS_FR = [
    "Les inondations ont forcé l'évacuation de 3 000 habitants de Morlaix mardi, après la "
    "crue de la rivière.",
    "Le maire a indiqué que l'eau était montée de deux mètres dans le centre de la ville.",
    "Les pompiers ont secouru des habitants bloqués chez eux par les inondations du centre.",
    "La rivière avait déjà inondé Morlaix en 2013, quand 1 200 habitants avaient été évacués.",
    "Les commerces, dont beaucoup sont fermés depuis le printemps, ont de nouveau été touchés.",
    "Le conseil régional a promis une aide aux habitants et aux commerces de la ville.",
    "Les prévisionnistes attendent de nouvelles pluies sur la Bretagne en fin de semaine.",
    "Le match de football prévu samedi a été reporté.",
]


def words(sentences: Sequence[str], chosen: Sequence[int]) -> int:
    return sum(len(sentences[i].split()) for i in chosen)


@pytest.mark.parametrize("sentences, language", [(NEWS, "en"), (NEWS_FR, "fr")])
def test_the_lead_is_chosen_on_news(sentences, language):
    chosen = select(sentences, language, max_sentences=3, max_words=75)
    assert chosen[0] == 0
    assert chosen == sorted(chosen) and 1 < len(chosen) <= 3
    assert 7 not in chosen  # the unrelated last line


def test_redundant_sentence_left_out():
    repeated = [NEWS[0], "Flooding forced the evacuation of 3,000 residents of Morlaix on "
                "Tuesday after the river burst its banks.", *NEWS[1:]]
    chosen = select(repeated, "en", max_sentences=3, max_words=200)
    assert 0 in chosen and 1 not in chosen


@pytest.mark.parametrize("max_sentences, max_words", [(1, 75), (2, 75), (3, 40), (3, 75),
                                                      (5, 60), (4, 200)])
def test_budget_is_honoured(max_sentences, max_words):
    chosen = select(NEWS, "en", max_sentences, max_words)
    assert 1 <= len(chosen) <= max_sentences
    assert words(NEWS, chosen) <= max_words


def test_first_sentence_chosen_goes_in_even_over_the_word_budget():
    chosen = select(NEWS, "en", max_sentences=3, max_words=5)
    assert chosen == [0]  # 21 words: sentences are never cut, and a summary has one


def test_a_text_within_the_budget_is_its_own_summary():
    assert select(NEWS[:2], "en", 3, 75) == [0, 1]
    assert select([], "en") == []


def test_few_long_sentences_are_still_summarised():
    # three sentences, but more words than the budget: not the whole text
    long = [" ".join([s] * 3) for s in NEWS[:3]]
    chosen = select(long, "en", max_sentences=3, max_words=75)
    assert len(chosen) < 3


def test_sentences_without_words_are_not_chosen():
    chosen = select(["***", *NEWS, "12 %"], "en", 3, 75)
    assert 0 not in chosen and len(NEWS) + 1 not in chosen
    assert select(["***", "—", "•", "…"], "en", 2, 75) == [0, 1]  # nothing better: the lead


def test_bad_budget_is_an_error():
    with pytest.raises(ValueError, match="at least 1"):
        select(NEWS, "en", 0, 75)


def test_content_words_drop_function_words_of_each_language():
    assert content_words("The floods of the river", "en") == ["flood", "river"]
    assert content_words("Les inondations de la rivière", "fr") == ["inond", "rivi"]
    assert content_words("3 000 habitants, 12,5 %", "fr")[:2] == ["3", "000"]


def test_paragraphs_of_plain_text_are_units():
    # A timeline without full stops: each line is its own unit, never one long sentence.
    timeline = "\n\n".join(f"{1990 + k} the river flooded the town of Morlaix again"
                           for k in range(20))
    text = f"{NEWS[0]}\n\n{timeline}"
    [summary] = ExtractiveSummariser(sentences=3, words=40).summarise([text])
    assert summary.startswith(NEWS[0])
    assert len(summary.split()) <= 40 and len(summary) < len(text)


def test_plain_text_summaries_never_longer_than_the_text():
    model = ExtractiveSummariser(sentences=2, words=75)
    spaced = "  The army   left.\n\nThe convoy went north.  "
    assert model.summarise([spaced, ""]) == ["The army left. The convoy went north.", ""]
    [summary] = model.summarise([" ".join(NEWS)])
    assert 0 < len(summary) < len(" ".join(NEWS))


class Dictionary(Translator):
    """Translates the French test sentences into their English counterparts."""

    def __init__(self) -> None:
        self.table = dict(zip(NEWS_FR, NEWS, strict=True)) | {"Inondations à Morlaix":
                                                               "Floods in Morlaix"}

    def translate(self, texts: Sequence[str], progress=None) -> list[str]:
        return [self.table.get(t, t) for t in texts]


def test_pipeline_ranks_the_translated_sentences(tmp_path):
    # Paragraphs of two to three sentences, one without a full stop: the summary is made of
    # whole translated sentences, the lead first.
    body = "\n\n".join([" ".join(NEWS_FR[:2]), " ".join(NEWS_FR[2:5]), NEWS_FR[5],
                        " ".join(NEWS_FR[6:])])
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "morlaix.txt").write_text(f"Inondations à Morlaix\n\n{body}", "utf-8")
    config = load_config(None, [f"input.path={tmp_path / 'in'}", f"output.dir={tmp_path / 'o'}",
                                "input.check_language=false", "summarise.method=extractive",
                                "cache.enabled=false"])
    outcome = run(config, translator=Dictionary())
    [result] = [json.loads(line) for line in
                (outcome.out_dir / "results.jsonl").read_text("utf-8").splitlines()]
    assert result["summary"].startswith(NEWS[0])
    chosen = [s for s in NEWS if s in result["summary"]]
    assert " ".join(chosen) == result["summary"] and 1 < len(chosen) <= 3
    assert len(result["summary"].split()) <= 75 and not result["stats"]["summary_is_text"]


@functools.cache
def load_bench() -> ModuleType:
    """Import bench/summaries.py, which is a script rather than part of a package."""
    spec = importlib.util.spec_from_file_location("summaries", ROOT / "bench" / "summaries.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_graph_baselines_pick_three_sentences_in_order():
    bench = load_bench()
    for method in (bench.lexrank, bench.textrank, bench.lead3):
        chosen = method(NEWS)
        assert len(chosen) == 3 and chosen == sorted(chosen)


def test_beats_lead_3_on_the_development_set():
    if not DEV_SET.is_file():
        pytest.skip(f"news summaries development set not found at {DEV_SET}")
    bench = load_bench()
    articles = bench.read_articles(DEV_SET)
    table = bench.summarise_rows(bench.evaluate(articles, {
        "extractive": bench.extractive, "lead-3": bench.lead3}))
    for metric in bench.METRICS:
        assert table["extractive"][metric] > table["lead-3"][metric], metric
