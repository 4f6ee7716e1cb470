"""Metric wrappers: tables of hypotheses, references and values worked out by hand."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pytest
import sacrebleu
from sacrebleu.metrics import BLEU

from pipeline.errors import ConfigError, InputError
from pipeline.metrics import (
    METRICS,
    UnknownMetricError,
    article_scores,
    corpus_scores,
    length_ratio,
    rouge_scores,
    segment_scores,
    split_sentences,
)


def by_name(scores):
    return {score.metric: score for score in scores}


def geometric_bleu(precisions, sys_len, ref_len):
    """BLEU from n-gram precisions and lengths, as in Papineni et al. (no smoothing needed)."""
    penalty = 1.0 if sys_len > ref_len else math.exp(1 - ref_len / sys_len)
    return 100 * penalty * math.exp(sum(math.log(p) for p in precisions) / len(precisions))


# hyp "the cat sat on the mat" vs ref "the cat sat on a mat":
#   1-grams 5/6 ("the" clipped to 1), 2-grams 3/5, 3-grams 2/4, 4-grams 1/3, equal lengths.
# hyp "the cat sat on the" vs ref "the cat sat on the mat":
#   every n-gram matches, 5 words against 6: brevity penalty exp(1 - 6/5).
BLEU_TABLE = [
    (["the cat sat on the mat"], ["the cat sat on the mat"], 100.0),
    (
        ["the cat sat on the mat"],
        ["the cat sat on a mat"],
        geometric_bleu([5 / 6, 3 / 5, 2 / 4, 1 / 3], 6, 6),
    ),
    (["the cat sat on the"], ["the cat sat on the mat"], geometric_bleu([1, 1, 1, 1], 5, 6)),
    # Corpus BLEU pools the counts of both segments; it is not a mean of sentence scores.
    (
        ["the cat sat on the mat", "the cat sat on the"],
        ["the cat sat on a mat", "the cat sat on the mat"],
        geometric_bleu([10 / 11, 7 / 9, 5 / 7, 3 / 5], 11, 12),
    ),
    (["xyz qqq vvv"], ["the cat sat on the mat"], 0.0),
]


@pytest.mark.parametrize(("hyps", "refs", "expected"), BLEU_TABLE)
def test_corpus_bleu_matches_hand_computation(hyps, refs, expected):
    assert by_name(corpus_scores(hyps, refs))["BLEU"].value == pytest.approx(expected, abs=1e-6)


# TER = edits / reference words * 100; TER lowercases by default.
TER_TABLE = [
    (["the cat sat on the mat"], ["the cat sat on the mat"], 0.0),
    (["the cat sat on the mat"], ["the cat sat on a mat"], 100 / 6),  # one substitution
    (["a b c"], ["a b c d"], 25.0),  # one insertion
    (["The Cat"], ["the cat"], 0.0),
    (["xyz qqq"], ["abc def"], 100.0),  # two substitutions over two words
]


@pytest.mark.parametrize(("hyps", "refs", "expected"), TER_TABLE)
def test_corpus_ter_matches_hand_computation(hyps, refs, expected):
    assert by_name(corpus_scores(hyps, refs))["TER"].value == pytest.approx(expected)


IDENTICAL = ["The minister arrived in Bamako on Tuesday.", "Talks resumed."]
DISJOINT_HYP = ["xyz qqq vvv"]
DISJOINT_REF = ["abc def ghi"]


def test_identical_text_scores_perfectly():
    scores = by_name(corpus_scores(IDENTICAL, IDENTICAL))
    assert scores["BLEU"].value == pytest.approx(100.0)
    assert scores["chrF++"].value == pytest.approx(100.0)
    assert scores["TER"].value == pytest.approx(0.0)


def test_disjoint_text_scores_zero():
    scores = by_name(corpus_scores(DISJOINT_HYP, DISJOINT_REF))
    assert scores["BLEU"].value == 0.0
    assert scores["chrF++"].value == 0.0
    assert scores["TER"].value == pytest.approx(100.0)


def test_scores_carry_name_scope_and_signature():
    scores = corpus_scores(IDENTICAL, IDENTICAL)
    assert [s.metric for s in scores] == ["BLEU", "chrF++", "TER"]
    for score in scores:
        assert score.scope == "corpus"
        assert score.segment_index is None
        assert "nrefs:1" in score.signature
        assert f"version:{sacrebleu.__version__}" in score.signature


def test_chrf_is_chrf_plus_plus():
    chrf = by_name(corpus_scores(IDENTICAL, IDENTICAL, metrics=["chrf"]))["chrF++"]
    assert "nw:2" in chrf.signature
    expected = sacrebleu.corpus_chrf(
        ["the cat sat on a mat"], [["the cat sat on the mat"]], word_order=2
    ).score
    got = corpus_scores(["the cat sat on a mat"], ["the cat sat on the mat"], ["chrf"])[0].value
    assert got == pytest.approx(expected)


def test_flat_reference_list_is_nested_as_one_stream():
    hyps = ["the cat sat on the mat", "it is raining today", "hello world"]
    refs = ["the cat sat on a mat", "it rained today", "hello there world"]
    got = by_name(corpus_scores(hyps, refs))["BLEU"].value
    assert got == pytest.approx(sacrebleu.corpus_bleu(hyps, [refs]).score)
    assert got > 0
    # What sacrebleu itself makes of the flat list: characters as streams, a meaningless score.
    assert sacrebleu.corpus_bleu(hyps, refs).score != pytest.approx(got)


def test_nested_single_stream_equals_flat_list():
    hyps = ["the cat sat on the mat", "hello world"]
    refs = ["the cat sat on a mat", "hello there world"]
    assert corpus_scores(hyps, refs) == corpus_scores(hyps, [refs])


def test_second_reference_stream_can_only_help():
    hyps = ["the cat sat on the mat"]
    first = ["a dog lay under the rug"]
    second = ["the cat sat on the mat"]
    one = by_name(corpus_scores(hyps, [first]))
    two = by_name(corpus_scores(hyps, [first, second]))
    assert two["BLEU"].value > one["BLEU"].value
    assert two["BLEU"].value == pytest.approx(100.0)
    assert two["chrF++"].value > one["chrF++"].value
    assert two["TER"].value < one["TER"].value
    assert all("nrefs:2" in s.signature for s in two.values())


@pytest.mark.parametrize(
    ("hyps", "refs", "message"),
    [
        (["a", "b", "c"], ["a", "b"], "3 hypotheses but 2 references in stream 1"),
        (["a", "b"], [["a", "b"], ["a"]], "2 hypotheses but 1 references in stream 2"),
        (["a"], [], "non-empty list"),
        (["a"], "a", "not a single string"),
        (["a", "b"], ["a", ["b"]], "list of strings"),
        ([], [], "no hypotheses"),
    ],
)
def test_bad_references_raise(hyps, refs, message):
    with pytest.raises(ValueError, match=message) as caught:
        corpus_scores(hyps, refs)
    assert isinstance(caught.value, InputError)


def test_unknown_metric_lists_registered_names():
    with pytest.raises(UnknownMetricError, match="bleu, chrf, ter") as caught:
        corpus_scores(["a"], ["a"], metrics=["meteor"])
    assert isinstance(caught.value, ConfigError)
    assert isinstance(caught.value, ValueError)
    assert set(METRICS) == {"bleu", "chrf", "ter"}


def test_article_scores_treat_the_text_as_one_segment():
    hyp = "The minister arrived.\n\nTalks resumed on Tuesday."
    ref = "The minister has arrived.\n\nTalks resumed on Tuesday."
    scores = article_scores(hyp, ref)
    assert {s.scope for s in scores} == {"article"}
    one_line = corpus_scores([" ".join(hyp.split())], [" ".join(ref.split())])
    assert [s.value for s in scores] == [s.value for s in one_line]


def test_segment_scores_use_effective_order():
    scores = segment_scores(["Hello world", "the cat sat"], ["Hello world", "a dog ran"])
    assert len(scores) == 6
    assert [s.segment_index for s in scores] == [0, 0, 0, 1, 1, 1]
    assert {s.scope for s in scores} == {"segment"}
    first = by_name(scores[:3])
    assert first["BLEU"].value == pytest.approx(100.0)
    assert "eff:yes" in first["BLEU"].signature
    assert first["chrF++"].value == pytest.approx(100.0)
    assert first["TER"].value == 0.0
    # Without effective order the missing 3- and 4-grams pull a perfect 2-word match below 100.
    plain = BLEU().sentence_score("Hello world", ["Hello world"]).score
    assert plain < 99


def test_segment_scores_accept_several_streams():
    scores = segment_scores(["the cat sat"], [["a dog ran"], ["the cat sat"]])
    assert by_name(scores)["BLEU"].value == pytest.approx(100.0)
    assert all("nrefs:2" in s.signature for s in scores)


ROUGE_TABLE = [
    # identical text: every variant is perfect
    ("The cat sat. The dog ran.", "The cat sat. The dog ran.", {"ROUGE-1": 100, "ROUGE-2": 100}),
    # 3 of 6 reference words, all 3 summary words: P = 1, R = 1/2, F = 2/3
    ("the cat sat", "the cat sat on the mat", {"ROUGE-1": 200 / 3, "ROUGE-L": 200 / 3}),
    # Porter stemming: "running" and "runs" both become "run"
    ("dogs running", "dog runs", {"ROUGE-1": 100, "ROUGE-2": 100}),
    ("xyz", "the cat", {"ROUGE-1": 0, "ROUGE-L": 0, "ROUGE-Lsum": 0}),
]


@pytest.mark.parametrize(("summary", "reference", "expected"), ROUGE_TABLE)
def test_rouge_values(summary, reference, expected):
    scores = by_name(rouge_scores(summary, reference))
    assert list(scores) == ["ROUGE-1", "ROUGE-2", "ROUGE-L", "ROUGE-Lsum"]
    for name, value in expected.items():
        assert scores[name].value == pytest.approx(value)


def test_rouge_identical_is_100_everywhere():
    text = "The minister arrived in Bamako. Talks resumed on Tuesday!"
    assert [s.value for s in rouge_scores(text, text)] == pytest.approx([100.0] * 4)


def test_rouge_lsum_splits_sentences_and_differs_from_l():
    # Same sentences in the other order: a whole-text LCS loses one sentence, the union of
    # per-sentence LCS does not.
    scores = by_name(rouge_scores("The cat sat. The dog ran.", "The dog ran. The cat sat."))
    assert scores["ROUGE-Lsum"].value == pytest.approx(100.0)
    assert scores["ROUGE-L"].value == pytest.approx(50.0)


def test_rouge_signature():
    score = rouge_scores("a b", "a b")[0]
    assert score.scope == "article"
    assert score.signature.startswith("rouge-score|stemmer:yes|f-measure|lsum:sentencex-1.")
    assert "version:0.1" in score.signature


# One sentence each, with "Mr." and "U.S." inside: splitting after the abbreviations would cut
# them into fragments and let ROUGE-Lsum match the fragments out of order.
LSUM_SUMMARY = "Mr. Smith praised the U.S. economy on Monday."
LSUM_REFERENCE = "The U.S. economy was praised by Mr. Smith on Monday."


def test_rouge_lsum_keeps_abbreviations_inside_sentences():
    from rouge_score.rouge_scorer import RougeScorer

    scorer = RougeScorer(["rougeLsum"], use_stemmer=True)

    def lsum(summary_sentences, reference_sentences):
        result = scorer.score("\n".join(reference_sentences), "\n".join(summary_sentences))
        return 100.0 * result["rougeLsum"].fmeasure

    expected = lsum([LSUM_SUMMARY], [LSUM_REFERENCE])
    naive = lsum(
        ["Mr.", "Smith praised the U.S.", "economy on Monday."],
        ["The U.S.", "economy was praised by Mr.", "Smith on Monday."],
    )
    assert naive != pytest.approx(expected)  # the split matters for this pair
    value = by_name(rouge_scores(LSUM_SUMMARY, LSUM_REFERENCE))["ROUGE-Lsum"].value
    assert value == pytest.approx(expected)


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("One. Two! Three? Four", ["One.", "Two!", "Three?", "Four"]),
        ("A heading\nThen a sentence.", ["A heading", "Then a sentence."]),
        ("3.5 million people.", ["3.5 million people."]),
        ("", []),
        (
            "Mr. Smith met U.S. officials. Talks went on.",
            ["Mr. Smith met U.S. officials.", "Talks went on."],
        ),
        ("  A line with no stop \n\n  next line  ", ["A line with no stop", "next line"]),
        ("First. Second\nThird", ["First.", "Second", "Third"]),
    ],
)
def test_split_sentences(text, sentences):
    assert split_sentences(text) == sentences


@pytest.mark.parametrize(
    ("source", "target", "expected"),
    [("abcd", "ab", 0.5), ("ab", "abcd", 2.0), ("", "abc", 0.0), ("  abcd ", "abcd", 1.0)],
)
def test_length_ratio(source, target, expected):
    assert length_ratio(source, target) == expected


def test_import_is_lazy():
    code = (
        "import sys, pipeline.metrics; "
        "print('sacrebleu' in sys.modules, 'rouge_score' in sys.modules)"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    )
    assert out.stdout.split() == ["False", "False"]
