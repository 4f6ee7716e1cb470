"""bench/quality_checks.py: its corruption generators, readers and scoring arithmetic.

Nothing here uses pipeline.quality: the checkers are stand-ins, so the tests hold whatever the
real checks' thresholds are.
"""

from __future__ import annotations

import importlib.util
import json
import random
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def load_bench() -> ModuleType:
    """Import bench/quality_checks.py, a script rather than part of a package."""
    if "quality_checks" in sys.modules:
        return sys.modules["quality_checks"]
    spec = importlib.util.spec_from_file_location(
        "quality_checks", ROOT / "bench" / "quality_checks.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["quality_checks"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


qc = load_bench()


@dataclass(frozen=True)
class StandInFlag:
    """A flag shaped like pipeline.quality.Flag."""

    name: str
    evidence: dict[str, Any] = field(default_factory=dict)


SOURCE = ("Le 3 décembre 2012, Barack Obama a rencontré 250 élus à Washington, "
          "selon le New York Times.")
REFERENCE = ("On 3 December 2012, Barack Obama met 250 elected officials in Washington, "
             "according to the New York Times.")


# --- numbers ---------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(20))
def test_number_corruption_changes_a_number_the_source_has(seed: int) -> None:
    corruption = qc.corrupt_numbers(SOURCE, REFERENCE, random.Random(seed))
    assert corruption is not None and corruption.text != REFERENCE
    old, new = corruption.detail.split(" -> ")
    if corruption.method == "month":
        assert old == "December" and new in qc.MONTHS_EN and new != old
    else:
        assert qc.digits(old) in qc.number_digits(SOURCE)
        assert qc.digits(new) not in qc.number_digits(SOURCE)
    # exactly one number or month changed, the rest of the sentence kept
    assert corruption.text.count(new) >= 1
    assert corruption.text.replace(new, old, 1) == REFERENCE


def test_number_corruption_methods() -> None:
    methods = {qc.corrupt_numbers(SOURCE, REFERENCE, random.Random(seed)).method
               for seed in range(60)}
    assert methods == {"+1", "x10", "swap", "month"}


def test_number_corruption_reads_french_grouped_thousands() -> None:
    corruption = qc.corrupt_numbers("Il a payé 1 500 euros.", "He paid 1,500 euros.",
                                    random.Random(1))
    assert corruption is not None
    assert qc.digits(corruption.detail.split(" -> ")[0]) == "1500"


def test_number_corruption_needs_a_shared_number() -> None:
    rng = random.Random(0)
    assert qc.corrupt_numbers("Il est parti.", "He left in 2012.", rng) is None  # not in source
    assert qc.corrupt_numbers("Le G20 a parlé.", "The G20 spoke.", rng) is None  # part of a name
    assert qc.corrupt_numbers("Il vient.", "He comes.", rng) is None


# --- names -----------------------------------------------------------------------------------


def test_names_are_capitalised_non_initial_words_shared_with_the_source() -> None:
    # "On" opens the sentence; "December" is "décembre" in the source
    assert qc.names(REFERENCE, SOURCE) == ["Barack", "Obama", "Washington", "New", "York", "Times"]
    assert qc.names('"Hello," said Mr. Smith. Paris is big.', "M. Smith et Paris") == ["Smith"]
    # a name that only opens the source's sentences is no name the checks could know
    assert qc.names("He met Smith.", "Smith est venu.") == []


@pytest.mark.parametrize(("text", "expected"), [
    ("Paris", True), ('"Paris', True), ("Bien. Paris", True), ("Non : « Paris", True),
    ("à Paris", False), ("M. Paris", False), ("Mr. Paris", False), ("the U.S. Paris", False),
    ("(Paris", True), ("vu (Paris", False),
])
def test_sentence_start(text: str, expected: bool) -> None:
    assert qc.at_sentence_start(text, text.rindex("Paris")) is expected


def test_name_pool_leaves_out_common_words_and_calendar_names() -> None:
    pairs = [("d1", ["Hier, Obama et Jan ont vu Ask à Berlin, Col et Mars."],
              ["Yesterday Obama and Jan met Ask in Berlin, Col and Mars."]),
             ("d2", ["Il faut demander à Merkel."], ["You have to ask Merkel."])]
    assert qc.name_pool(pairs) == {"d1": {"Obama", "Berlin"}, "d2": {"Merkel"}}


def test_foreign_names_are_unlike_every_word_of_the_text() -> None:
    text = "The Mexican president met Pérou officials in Washington."
    pool = ["Mexico", "Peru", "Perugia", "Merkel", "NATO", "Al", "Washington", "Berlin", "Presley"]
    assert qc.foreign_names(pool, text) == ["Merkel", "Berlin"]  # "Presley": "president"


@pytest.mark.parametrize("seed", range(20))
def test_name_corruption_removes_or_alters_a_source_name(seed: int) -> None:
    pool = ["Merkel", "Berlin"]
    corruption = qc.corrupt_names(SOURCE, REFERENCE, random.Random(seed), pool)
    assert corruption is not None and corruption.text != REFERENCE
    name, new = corruption.detail.split(" -> ")
    assert name in qc.names(REFERENCE, SOURCE) and qc.has_word(SOURCE, name)
    assert not qc.has_word(corruption.text, name)
    if corruption.method == "drop":
        assert new == "(dropped)" and "  " not in corruption.text
    elif corruption.method == "replace":
        assert new in pool and qc.has_word(corruption.text, new)
    else:
        assert corruption.method == "misspell" and new != name and new[0] == name[0]
        assert abs(len(new) - len(name)) <= 1


def test_name_corruption_removes_every_occurrence_and_possessive() -> None:
    text = "Yesterday Obama spoke, and Obama's aides agreed."
    for seed in range(10):
        corruption = qc.corrupt_names("Hier, Obama a parlé.", text, random.Random(seed))
        assert corruption is not None and not qc.has_word(corruption.text, "Obama")
        if corruption.method == "drop":
            assert corruption.text == "Yesterday spoke, and aides agreed."


def test_name_corruption_needs_a_name() -> None:
    assert qc.corrupt_names("Il est parti.", "He left.", random.Random(0)) is None
    assert qc.corrupt_names("Paris dort.", "Paris sleeps.", random.Random(0)) is None  # initial


# --- other segment corruptions ---------------------------------------------------------------


def test_untranslated_and_loop_corruptions() -> None:
    copied = qc.corrupt_untranslated(SOURCE, REFERENCE)
    assert copied is not None and copied.text == SOURCE
    assert qc.corrupt_untranslated("Barack Obama", "Barack Obama") is None
    assert qc.corrupt_untranslated("Un deux trois", "One two three") is None  # too short
    assert qc.corrupt_untranslated("- C'est à dire ?", "- Meaning?") is None  # 3 words
    loop = qc.corrupt_loop("He said it was over.", random.Random(3))
    assert loop is not None
    size, times = map(int, loop.method.split("x"))
    assert 3 <= size <= 5 and 3 <= times <= 4
    words = loop.text.split()
    span = words[-size:]
    assert words[:5] == ["He", "said", "it", "was", "over"]
    assert all(words[-size * (k + 1):len(words) - size * k] == span for k in range(times + 1))
    assert qc.corrupt_loop("Yes, sir.", random.Random(0)) is None


# --- summaries -------------------------------------------------------------------------------


DOC = ["Barack Obama met 250 officials in Washington.", "They talked for 3 hours.",
       "The meeting ended in 2012 without agreement.", "Nobody was happy."]


def test_taken_numbers_include_attached_digits_and_number_words() -> None:
    taken = qc.taken_numbers("On the 19th, five of the G20 met; cinq ont 1 500 euros.")
    assert {"19", "5", "20", "1500"} <= taken


@pytest.mark.parametrize("seed", range(20))
def test_summary_number_is_not_in_the_document(seed: int) -> None:
    document = " ".join(DOC)
    sentences, k, corruption = qc.corrupt_summary_number(DOC[:2], document, random.Random(seed))
    new = corruption.detail.split(" -> ")[-1] if corruption.method == "replace" else \
        re.search(r"\d[\d,]*", corruption.detail).group()
    assert qc.digits(new) not in qc.taken_numbers(document)
    assert qc.digits(new) in qc.number_digits(sentences[k])
    assert corruption.text == " ".join(sentences) and sentences != DOC[:2]


@pytest.mark.parametrize("seed", range(10))
def test_summary_name_comes_from_outside_the_document(seed: int) -> None:
    document = " ".join(DOC)
    result = qc.corrupt_summary_name(DOC[:2], document, ["Obama", "Merkel"], random.Random(seed))
    assert result is not None
    sentences, k, corruption = result
    assert "Merkel" in sentences[k] and "Merkel" in corruption.text
    assert qc.corrupt_summary_name(DOC[:2], document, ["Obama"], random.Random(seed)) is None


# --- reading ---------------------------------------------------------------------------------


SGML_SRC = """<srcset setid="t" srclang="any">
<doc docid="a/1" genre="news" origlang="fr">
<p>
<seg id="1">Le 3 d&eacute;cembre, Obama a dit &quot;non&quot;.</seg>
<seg id="2">Rien  </seg>
</p>
</doc>
<doc docid="b/2" genre="news" origlang="fr">
<seg id="1">Deux &amp; trois.</seg>
</doc>
</srcset>
"""
SGML_REF = SGML_SRC.replace("Le 3 d&eacute;cembre, Obama a dit &quot;non&quot;.",
                            "On 3 December, Obama said &quot;no&quot;.").replace(
    "Rien", "Nothing").replace("Deux &amp; trois.", "Two &amp; three.")


def test_sgml_reader() -> None:
    assert qc.read_sgml(SGML_SRC) == [
        ("a/1", ['Le 3 décembre, Obama a dit "non".', "Rien"]), ("b/2", ["Deux & trois."])]


def test_line_reader_and_format_detection(tmp_path: Path) -> None:
    lines = tmp_path / "test.fr"
    lines.write_text("Un.\nDeux.\n\nQuatre.\nCinq.\n", encoding="utf-8")
    assert qc.read_test_file(lines, doc_lines=2) == [
        ("lines:1", ["Un.", "Deux."]), ("lines:3", ["", "Quatre."]), ("lines:5", ["Cinq."])]
    sgml = tmp_path / "test.sgm"
    sgml.write_text(SGML_SRC, encoding="utf-8")
    assert [docid for docid, _ in qc.read_test_file(sgml)] == ["a/1", "b/2"]


def test_read_pairs_matches_documents_and_refuses_mismatches(tmp_path: Path) -> None:
    src, ref = tmp_path / "src.sgm", tmp_path / "ref.sgm"
    src.write_text(SGML_SRC, encoding="utf-8")
    ref.write_text(SGML_REF, encoding="utf-8")
    pairs = qc.read_pairs(src, ref)
    assert pairs[0] == ("a/1", ['Le 3 décembre, Obama a dit "non".', "Rien"],
                        ['On 3 December, Obama said "no".', "Nothing"])
    ref.write_text(SGML_REF.replace('<seg id="2">Nothing  </seg>\n', ""), encoding="utf-8")
    with pytest.raises(ValueError, match="a/1"):
        qc.read_pairs(src, ref)
    src_lines, ref_lines = tmp_path / "s.txt", tmp_path / "r.txt"
    src_lines.write_text("Un.\nDeux.\n", encoding="utf-8")
    ref_lines.write_text("One.\n", encoding="utf-8")
    with pytest.raises(ValueError):
        qc.read_pairs(src_lines, ref_lines)


# --- building items --------------------------------------------------------------------------


CITIES = ("Lyon", "Paris", "Nantes", "Lille", "Brest", "Metz")


def corpus() -> list[tuple[str, list[str], list[str]]]:
    """A few small documents with numbers, names (a city each) and plain sentences."""
    docs = []
    for d, city in enumerate(CITIES):
        srcs, refs = [], []
        for n in range(8):
            srcs.append(f"Le {n + 3} mai {2000 + d}, Dupont{d} a parlé avec Martin{n} de {city}.")
            refs.append(f"On {n + 3} May {2000 + d}, Dupont{d} spoke with Martin{n} from {city}.")
        docs.append((f"doc{d}", srcs, refs))
    return docs


def test_segment_items_are_deterministic_and_corrupted() -> None:
    first = qc.build_segment_items(corpus(), 0.5, random.Random(7), symbol_lines=4)
    assert first == qc.build_segment_items(corpus(), 0.5, random.Random(7), symbol_lines=4)
    assert first != qc.build_segment_items(corpus(), 0.5, random.Random(8), symbol_lines=4)
    real = [item for item in first if not item.where.startswith("symbol")]
    assert len(real) == 48 and sum(item.kind is not None for item in real) == 24
    references = {ref for _, _, refs in corpus() for ref in refs}
    for item in real:
        assert (item.translation in references) == (item.kind is None)
    assert {item.kind for item in real} == {None, *qc.SEGMENT_KINDS}
    symbols = [item for item in first if item.where.startswith("symbol")]
    assert [item.kind for item in symbols] == ["symbol-lines", None] * 4
    assert all(item.source == item.translation and item.method == qc.CONTROL
               for item in symbols if item.kind is None)
    assert all(item.translation in references for item in symbols if item.kind)
    assert len({item.index for item in first}) == len(first)


def test_summary_items_are_deterministic_and_corrupted() -> None:
    items = qc.build_summary_items(corpus(), random.Random(3), copies=2)
    assert items == qc.build_summary_items(corpus(), random.Random(3), copies=2)
    assert [item.kind for item in items[:3]] == [None, "summary-numbers", "summary-names"]
    assert len(items) == 6 * 2 * 3
    for item in items:
        document = " ".join(item.sentences)
        if item.kind is None:
            assert item.translation in document
        else:
            assert item.translation not in document
        if item.kind == "summary-names":
            assert any(city in item.translation for city in CITIES if city not in document)


# --- scoring ---------------------------------------------------------------------------------


def stand_in_segment_check(source: str, translation: str, index: int | None = None) -> list:
    """Flags ``numbers-changed`` on any translation holding the word "seven"."""
    return [StandInFlag("numbers-changed")] if "seven" in translation else []


def stand_in_summary_check(summary: str, sentences: Any, source_text: str = "") -> tuple:
    """Flags ``invented-name`` on summaries mentioning "Zed"."""
    return ([StandInFlag("invented-name", {"summary_sentence": 0})] if "Zed" in summary
            else []), []


def test_precision_recall_and_false_flags_on_a_hand_made_example() -> None:
    segment = qc.Item
    items = [
        segment("segment", "numbers", "s", "seven up", "1", method="+1"),  # hit
        segment("segment", "numbers", "s", "eight", "2", method="x10"),  # miss
        segment("segment", "loops", "s", "seven seven seven", "3"),  # flag on another kind
        segment("segment", None, "s", "seven", "4"),  # false flag
        segment("segment", None, "s", "fine", "5"),
        segment("segment", None, "s", "fine", "6"),
        segment("segment", None, "***", "seven", "9", method=qc.CONTROL),  # a symbol control
        segment("summary", "summary-names", "s", "Zed came", "7", sentences=("x",)),  # hit
        segment("summary", None, "s", "Amy came", "8", sentences=("x",)),
    ]
    outcomes = qc.run_checks(items, stand_in_segment_check, stand_in_summary_check)
    numbers = qc.score(outcomes, "numbers")
    assert (numbers.injected, numbers.clean, numbers.flagged, numbers.hits,
            numbers.false_flags) == (2, 3, 3, 1, 1)
    assert numbers.precision == pytest.approx(1 / 3)
    assert numbers.recall == pytest.approx(1 / 2)
    assert numbers.false_flag_rate == pytest.approx(1 / 3)
    assert numbers.methods == {"+1": [1, 1], "x10": [0, 1]}
    assert numbers.met() is False
    names = qc.score(outcomes, "summary-names")
    assert (names.injected, names.clean, names.precision, names.recall,
            names.false_flag_rate) == (1, 1, 1.0, 1.0, 0.0)
    assert names.met() is True
    loops = qc.score(outcomes, "loops")  # nothing raises repeated-ngram
    assert loops.precision is None and loops.recall == 0.0 and loops.false_flag_rate == 0.0
    assert loops.clean == 3
    symbols = qc.score(outcomes, "symbol-lines")  # the control is clean for this check only
    assert symbols.clean == 4 and symbols.false_flags == 0
    empty = qc.score([], "names")
    assert empty.precision is None and empty.recall is None and empty.met() is None
    record = numbers.as_json()
    assert record["precision"] == pytest.approx(1 / 3) and record["injected"] == 2
    assert record["clean"] == 3 and record["met"] is False
    assert "numbers" in qc.table([numbers, empty]) and "n/a" in qc.table([empty])
    lines = qc.examples(outcomes, "numbers", 5, random.Random(0))
    assert sum("[miss]" in line for line in lines) == 1
    assert sum("[false flag]" in line for line in lines) == 1


def test_main_end_to_end_with_stand_in_checks(tmp_path: Path, monkeypatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    src, ref = tmp_path / "src.txt", tmp_path / "ref.txt"
    src.write_text("\n".join(s for _, srcs, _ in corpus() for s in srcs) + "\n", encoding="utf-8")
    ref.write_text("\n".join(r for _, _, refs in corpus() for r in refs) + "\n", encoding="utf-8")
    monkeypatch.setattr(qc, "load_checks",
                        lambda: (stand_in_segment_check, stand_in_summary_check))
    out = tmp_path / "scores.json"
    assert qc.main(["--src", str(src), "--ref", str(ref), "--json", str(out), "--doc-lines", "8",
                    "--symbol-lines", "6", "--examples", "1"]) == 0
    scores = json.loads(out.read_text(encoding="utf-8"))
    assert list(scores) == list(qc.CHECKS)
    assert all({"precision", "recall", "false_flag_rate", "injected", "clean"} <= set(v)
               for v in scores.values())
    assert scores["symbol-lines"]["injected"] == 6
    printed = capsys.readouterr().out
    assert "false-flag" in printed and "time:" in printed
