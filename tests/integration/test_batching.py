"""Batching never changes an output: each sentence stops at its own bound, in any batch.

The tiny random-weight models rarely stop on their own, so most outputs here run to their
length bound: exactly the case where a batch-wide bound would make a short sentence's output
depend on the longest sentence beside it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import Config
from pipeline.hf import token_batches
from pipeline.translate import ModelTranslator

FRENCH = [
    "Le Mali est confronté à une insécurité croissante.",
    "Des douaniers ont vu mardi un convoi de véhicules quitter la ville de Kidal pour celle "
    "de Tessalit, également dans le nord-est, près de la frontière algérienne.",
    "Oui.",
    "Nous savons que c'est une équipe d'instructeurs d'au moins 15 personnes.",
    "Alger a longtemps considéré le Mali comme le maillon faible de la lutte contre le "
    "terrorisme dans la région.",
]


def settings(models_dir: Path, **translate: object) -> Config:
    return Config.model_validate({"run": {"models_dir": str(models_dir)},
                                  "translate": {"device": "cpu", "threads": 1, **translate}})


def test_token_batches_respect_budget_count_and_keys():
    lengths = [10, 9, 9, 8, 3, 3]
    order = list(range(6))
    assert list(token_batches(lengths, order, max_tokens=100, max_items=3)) == \
        [[0, 1, 2], [3, 4, 5]]
    assert list(token_batches(lengths, order, max_tokens=20, max_items=8)) == \
        [[0, 1], [2, 3], [4, 5]]
    keys = [1, 2, 2, 2, 3, 3]
    assert list(token_batches(lengths, order, max_tokens=100, max_items=8, keys=keys)) == \
        [[0], [1, 2, 3], [4, 5]]


@pytest.mark.parametrize("beams", [1, 2])
def test_transformers_output_is_the_same_alone_or_batched(tiny_models, tmp_path, beams):
    alone = ModelTranslator.from_config(
        settings(tmp_path, num_beams=beams, batch_size=1), tiny_models["marian"])
    together = ModelTranslator.from_config(
        settings(tmp_path, num_beams=beams, batch_size=16), tiny_models["marian"])
    one_by_one = alone.translate(FRENCH)
    batched = together.translate(FRENCH)
    assert batched == one_by_one
    # The bound applied is each sentence's own: the short ones stop well before the long one.
    words = [len(t.split()) for t in batched]
    assert words[2] < words[1]


def test_ctranslate2_output_is_the_same_alone_or_batched(tiny_models, tmp_path):
    pytest.importorskip("ctranslate2")
    def translator(batch_size: int) -> ModelTranslator:
        config = settings(tmp_path, num_beams=2, batch_size=batch_size, compute_type="float32",
                          backend="ctranslate2")
        return ModelTranslator.from_config(config, tiny_models["marian"])

    assert translator(16).translate(FRENCH) == translator(1).translate(FRENCH)


def test_ctranslate2_parallel_batches(tiny_models, tmp_path):
    pytest.importorskip("ctranslate2")
    auto = ModelTranslator.from_config(settings(tmp_path, threads=2, backend="ctranslate2"),
                                       tiny_models["marian"])
    assert auto.engine.translator.num_translators == 2  # one worker per thread on CPU
    assert auto.batch_size == 4  # batch_size: auto on CPU
    one = ModelTranslator.from_config(settings(tmp_path, threads=2, parallel_batches=1,
                                               batch_size=3, backend="ctranslate2"),
                                      tiny_models["marian"])
    assert one.engine.translator.num_translators == 1 and one.batch_size == 3
    assert auto.translate(FRENCH) == one.translate(FRENCH)
