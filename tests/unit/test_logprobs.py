"""Mean log-probabilities through the translation memory and into ``Work.logprobs``."""

from __future__ import annotations

from pipeline.memory import CachedTranslator, Memory
from pipeline.records import Segment
from pipeline.stages import Work, translate_work
from pipeline.translate import Translator


class Scored(Translator):
    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def translate(self, texts, progress=None):
        return [t.upper() for t in texts]

    def translate_scored(self, texts, progress=None):
        self.calls.append(list(texts))
        return [(t.upper(), -len(t) / 10) for t in texts]

    def cache_key(self):
        return {"model": "fake"}


class Plain(Translator):
    def translate(self, texts, progress=None):
        return [t.upper() for t in texts]

    def cache_key(self):
        return {"model": "fake"}


def test_memory_keeps_scores_and_old_entries_have_none(tmp_path):
    memory = Memory(tmp_path / "memory.sqlite")
    inner = Scored()
    cached = CachedTranslator(inner, memory)
    assert cached.translate(["ancien"]) == ["ANCIEN"]  # stored without a score
    assert cached.translate_scored(["un", "deux", "un"]) == [("UN", -0.2), ("DEUX", -0.4),
                                                             ("UN", -0.2)]
    again = CachedTranslator(Scored(), memory)
    assert again.translate_scored(["deux", "ancien"]) == [("DEUX", -0.4), ("ANCIEN", None)]
    assert again.inner.calls == []  # all from the memory
    assert CachedTranslator(Plain(), Memory(tmp_path / "other.sqlite")).translate_scored(
        ["trois"]) == [("TROIS", None)]


def test_translate_work_aligns_logprobs_with_translations():
    segments = [Segment("a", 0, i, text, index=i) for i, text in
                enumerate(["Bonjour tout le monde.", "***", "Merci."])]
    work = Work(None, 0, segments, 0)
    translate_work([work], Scored(), keep_english=False)
    assert work.translations == ["BONJOUR TOUT LE MONDE.", "***", "MERCI."]
    assert work.logprobs == [-2.2, None, -0.6]
    plain = Work(None, 0, segments, 0)
    translate_work([plain], Plain(), keep_english=False)
    assert plain.logprobs == [None, None, None]
