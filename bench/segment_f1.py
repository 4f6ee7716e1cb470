"""Score the sentence splitter against gold sentence boundaries from a CoNLL-U treebank.

    python bench/segment_f1.py [--conllu PATH] [--run-size N] [--errors N]

The gold sentences of each document (``# newdoc``) are joined with single spaces and split again;
the sentence ends the splitter finds inside the text are compared with the gold ones, as character
offsets. The end of the text is not counted: it is a boundary whoever splits. When the file has no
document markers (UD French-GSD's test set has none; its sentences come from unrelated pages),
consecutive runs of ``--run-size`` sentences stand in for documents.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CONLLU = ROOT.parent / "shared" / "data" / "ud-french-gsd" / "fr_gsd-ud-test.conllu"


@dataclass(frozen=True)
class BoundaryScore:
    """Boundary precision, recall and F1, with the counts behind them."""

    gold: int
    predicted: int
    correct: int
    misses: tuple[str, ...] = ()
    false_alarms: tuple[str, ...] = ()

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.gold if self.gold else 1.0

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def read_documents(path: Path, run_size: int = 20) -> list[list[str]]:
    """Read the ``# text =`` sentences of a CoNLL-U file, grouped by ``# newdoc`` markers.

    Args:
        path: The CoNLL-U file.
        run_size: Sentences per group when the file has no document markers.

    Returns:
        One list of sentences per document.
    """
    documents: list[list[str]] = []
    marked = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# newdoc"):
            marked = True
            documents.append([])
        elif line.startswith("# text = "):
            if not documents:
                documents.append([])
            documents[-1].append(line[len("# text = ") :].strip())
    if marked or not documents:
        return [d for d in documents if d]
    sentences = documents[0]
    return [sentences[i : i + run_size] for i in range(0, len(sentences), run_size)]


def _ends(text: str, sentences: Sequence[str]) -> list[int]:
    """Character offsets in ``text`` where each of ``sentences`` ends, found in order."""
    ends: list[int] = []
    position = 0
    for sentence in sentences:
        position = text.index(sentence, position) + len(sentence)
        ends.append(position)
    return ends


def _context(text: str, offset: int, width: int = 40) -> str:
    return f"{text[max(offset - width, 0) : offset]}|{text[offset : offset + width]}"


def score_boundaries(
    documents: Sequence[Sequence[str]], split: Callable[[str], list[str]] | None = None
) -> BoundaryScore:
    """Compare the splitter's sentence ends with the gold ones inside each joined document.

    Args:
        documents: Gold sentences, one list per document.
        split: The splitter; :func:`pipeline.segment.split_sentences` by default.

    Returns:
        The counts, with the context of every missed and every spurious boundary.
    """
    if split is None:
        from pipeline.segment import split_sentences as split
    gold = predicted = correct = 0
    misses: list[str] = []
    false_alarms: list[str] = []
    for sentences in documents:
        text = " ".join(sentences)
        truth = set(_ends(text, sentences)) - {len(text)}
        found = set(_ends(text, split(text))) - {len(text)}
        gold, predicted = gold + len(truth), predicted + len(found)
        correct += len(truth & found)
        misses.extend(_context(text, end) for end in sorted(truth - found))
        false_alarms.extend(_context(text, end) for end in sorted(found - truth))
    return BoundaryScore(gold, predicted, correct, tuple(misses), tuple(false_alarms))


def main(argv: Sequence[str] | None = None) -> int:
    """Print precision, recall and F1 of the splitter's boundaries on a CoNLL-U file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conllu", type=Path, default=DEFAULT_CONLLU)
    parser.add_argument("--run-size", type=int, default=20, help="sentences per pseudo-document")
    parser.add_argument("--errors", type=int, default=0, help="show this many errors of each kind")
    parser.add_argument("--speed", action="store_true",
                        help="also time the splitters on 200,000-character adversarial texts")
    args = parser.parse_args(argv)
    if not args.conllu.is_file():
        parser.error(f"--conllu {args.conllu}: no such file; give the path of a CoNLL-U file")
    score = score_boundaries(read_documents(args.conllu, args.run_size))
    print(f"gold boundaries  {score.gold}")
    print(f"found            {score.predicted} ({score.correct} correct)")
    print(f"precision        {score.precision:.4f}")
    print(f"recall           {score.recall:.4f}")
    print(f"boundary F1      {score.f1:.4f}")
    for title, items in (("missed", score.misses), ("spurious", score.false_alarms)):
        for item in items[: args.errors]:
            print(f"{title:9s} {item}")
    if args.speed:
        print_speed()
    return 0


def print_speed() -> None:
    """Seconds to split 200,000-character texts built to trip quadratic passes (a linear
    splitter takes well under a second on each)."""
    import time

    from pipeline.segment import split_paragraphs, split_sentences

    texts = {"asides": "(a) Il est là. " * 13_000, "colon lists": "Mesures : 1. Un. " * 11_000,
             "no spaces": "aaaa.Bbbb," * 20_000, "quotes": 'Il dit "oui. " Non. ' * 10_000}
    for name, text in texts.items():
        began = time.perf_counter()
        split_sentences(text)
        seconds = time.perf_counter() - began
        print(f"split_sentences  {name:12s} {len(text):,} chars  {seconds:.2f} s")
    lines = "\n".join(f"Titre {n}\n- point {n} de la liste\nUne ligne de texte coupée au"
                      for n in range(4000))
    began = time.perf_counter()
    split_paragraphs(lines)
    seconds = time.perf_counter() - began
    print(f"split_paragraphs {'lines':12s} {len(lines):,} chars  {seconds:.2f} s")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
