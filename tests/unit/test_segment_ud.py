"""The sentence splitter against the gold sentence boundaries of UD French-GSD (test set)."""

from __future__ import annotations

import functools
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONLLU = ROOT.parent / "shared" / "data" / "ud-french-gsd" / "fr_gsd-ud-test.conllu"


@functools.cache
def load_bench() -> ModuleType:
    """Import bench/segment_f1.py, which is a script rather than part of a package."""
    spec = importlib.util.spec_from_file_location("segment_f1", ROOT / "bench" / "segment_f1.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_boundary_f1_on_ud_french_gsd() -> None:
    if not CONLLU.is_file():
        pytest.skip(f"UD French-GSD test set not found at {CONLLU}")
    bench = load_bench()
    documents = bench.read_documents(CONLLU)
    assert sum(len(d) for d in documents) == 416
    score = bench.score_boundaries(documents)
    assert score.gold == 416 - len(documents)
    assert score.f1 >= 0.97, (score.precision, score.recall, score.misses, score.false_alarms)


@pytest.mark.parametrize(
    ("documents", "split", "expected"),
    [
        # a perfect splitter, one that never splits, one that splits at every space
        ([["Un.", "Deux."], ["Trois !", "Quatre ?", "Cinq."]], None, (3, 3, 3)),
        ([["Un.", "Deux."], ["Trois !", "Quatre ?", "Cinq."]], lambda text: [text], (3, 0, 0)),
        ([["Un deux.", "Trois."]], str.split, (1, 2, 1)),
    ],
)
def test_score_boundaries_counts(documents, split, expected: tuple[int, int, int]) -> None:
    score = load_bench().score_boundaries(documents, split)
    assert (score.gold, score.predicted, score.correct) == expected


def test_boundary_score_ratios() -> None:
    score = load_bench().BoundaryScore(gold=4, predicted=2, correct=2)
    assert (score.precision, score.recall) == (1.0, 0.5)
    assert score.f1 == pytest.approx(2 / 3)


def test_read_documents_uses_newdoc_markers(tmp_path: Path) -> None:
    conllu = tmp_path / "t.conllu"
    conllu.write_text(
        "# newdoc id = a\n# text = Un.\n1\tUn\n\n# text = Deux.\n1\tDeux\n\n"
        "# newdoc id = b\n# text = Trois.\n1\tTrois\n\n",
        encoding="utf-8",
    )
    assert load_bench().read_documents(conllu, run_size=1) == [["Un.", "Deux."], ["Trois."]]
