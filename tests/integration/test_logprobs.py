"""The model's mean token log-probability of each translation, from both backends."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from pipeline.config import Config
from pipeline.engines import build_engine
from pipeline.translate import ModelTranslator, translate_sorted_scored

FRENCH = [
    "Le Mali est confronté à une insécurité croissante.",
    "Oui.",
    "Nous savons que c'est une équipe d'instructeurs d'au moins 15 personnes.",
]


def settings(models_dir: Path, **translate: object) -> Config:
    return Config.model_validate({"run": {"models_dir": str(models_dir)},
                                  "translate": {"device": "cpu", "threads": 1, **translate}})


def translator(tiny_models, models_dir: Path, backend: str, **translate: object
               ) -> ModelTranslator:
    config = settings(models_dir, **translate)
    return ModelTranslator(build_engine(config, "translate", tiny_models["marian"],
                                        backend=backend), config.translate)


@pytest.mark.parametrize("beams", [1, 2])
def test_transformers_logprobs_match_teacher_forcing(tiny_models, tmp_path, beams,
                                                     monkeypatch):
    import torch

    single = translator(tiny_models, tmp_path, "transformers", num_beams=beams, batch_size=1)
    model = single.engine.model
    captured = []
    generate = model.generate

    def spy(*args, **kwargs):
        out = generate(*args, **kwargs)
        captured.append((kwargs["input_ids"], out))
        return out

    monkeypatch.setattr(model, "generate", spy)
    alone = [single.translate_scored([text])[0] for text in FRENCH]
    monkeypatch.undo()
    batched = translator(tiny_models, tmp_path, "transformers", num_beams=beams,
                         batch_size=16).translate_scored(FRENCH)
    assert [t for t, _ in batched] == [t for t, _ in alone] == single.translate(FRENCH)
    eos = model.generation_config.eos_token_id
    for (_, score), (_, batch_score), (inputs, sequences) in zip(alone, batched, captured,
                                                                    strict=True):
        assert score is not None and math.isfinite(score) and score < 0
        assert batch_score == pytest.approx(score, abs=1e-4)
        labels = sequences[:, 1:].clone()
        ends = (labels[0] == eos).nonzero()
        if len(ends):  # padding after the end token is not the model's output
            labels[0, int(ends[0]) + 1:] = -100
        with torch.inference_mode():
            loss = model(input_ids=inputs, labels=labels).loss
        assert score == pytest.approx(-float(loss), abs=1e-4)


@pytest.mark.parametrize("penalty", [1.0, 0.5])
def test_ctranslate2_logprobs(tiny_models, tmp_path, penalty):
    """The mean does not depend on the length penalty of the beam score."""
    pytest.importorskip("ctranslate2")
    model = translator(tiny_models, tmp_path, "ctranslate2", compute_type="float32")
    engine = model.engine
    hypotheses: list[list[str]] = []
    detokenize = engine._detokenize
    engine._detokenize = lambda tokens: hypotheses.append(tokens) or detokenize(tokens)

    def run(texts: list[str], batch_size: int) -> list[tuple[str, float]]:
        return engine.generate_scored(texts, batch_size=batch_size, max_new_tokens=model._bound,
                                      num_beams=2, length_penalty=penalty)

    alone = [run([text], 1)[0] for text in FRENCH]
    tokens = list(hypotheses)
    batched = run(FRENCH, 16)
    for text, hypothesis, (output, score), (batch_output, batch_score) in zip(
            FRENCH, tokens, alone, batched, strict=True):
        assert score is not None and math.isfinite(score) and score < 0
        assert batch_output == output
        assert batch_score == pytest.approx(score, abs=1e-4)
        # Teacher forcing on the hypothesis; CTranslate2 scores an end token after it.
        forced = engine.translator.score_batch([engine._tokens(text)], [hypothesis])[0]
        steps = forced.log_probs[:-1]  # the tiny model runs to its bound: no end token
        assert score == pytest.approx(sum(steps) / len(steps), abs=1e-3)


def test_translate_sorted_scored_keeps_order_and_pairs(tiny_models, tmp_path):
    model = translator(tiny_models, tmp_path, "transformers", num_beams=1, batch_size=16)
    pairs = translate_sorted_scored(model, [*FRENCH, ""])
    assert [t for t, _ in pairs] == model.translate([*FRENCH, ""])
    assert pairs[-1] == ("", None)
    direct = model.translate_scored(FRENCH)
    assert [t for t, _ in pairs[:-1]] == [t for t, _ in direct]
    assert [s for _, s in pairs[:-1]] == pytest.approx([s for _, s in direct], abs=1e-4)


def test_rescoring_in_groups_matches_one_pass(tiny_models, tmp_path):
    """The logits budget splits the rows into groups; the means do not change."""
    import torch

    from pipeline.hf import mean_logprobs

    engine = translator(tiny_models, tmp_path, "transformers", num_beams=2).engine
    model, tokenizer = engine.model, engine.tokenizer
    encoded = tokenizer(FRENCH, return_tensors="pt", padding=True)
    eos = model.generation_config.eos_token_id
    with torch.inference_mode():
        states = model.get_encoder()(**encoded).last_hidden_state
        sequences = model.generate(**encoded, num_beams=2, max_length=12)
        whole = mean_logprobs(model, states, encoded["attention_mask"], sequences, {eos})
        one_row = mean_logprobs(model, states, encoded["attention_mask"], sequences, {eos},
                                budget=1)
    assert len(whole) == len(FRENCH)
    assert one_row == pytest.approx(whole, abs=1e-5)
