"""The CTranslate2 backend on the tiny random-weight models: conversion, agreement, int8."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

pytest.importorskip("ctranslate2")

from pipeline import ct2  # noqa: E402
from pipeline.config import Config  # noqa: E402
from pipeline.ct2 import CTranslate2Engine, convert, resolve_compute_type  # noqa: E402
from pipeline.engines import build_engine  # noqa: E402
from pipeline.errors import ConfigError, ModelError  # noqa: E402
from pipeline.summarise import AbstractiveSummariser  # noqa: E402
from pipeline.translate import ModelTranslator  # noqa: E402

FRENCH = [
    "Des militaires algériens se trouvent dans le nord du Mali.",
    "Nous savons que c'est une équipe d'instructeurs d'au moins 15 personnes.",
    "Le Mali est confronté à une insécurité croissante.",
    "Alger a longtemps considéré le Mali comme le maillon faible de la lutte.",
    "Des douaniers ont vu mardi un convoi de véhicules quitter la ville de Kidal pour celle "
    "de Tessalit, également dans le nord-est, près de la frontière algérienne.",
    "En avril 2010, l'Algérie, la Mauritanie, le Niger et le Mali ont créé un comité.",
]
ENGLISH = [
    "Algerian soldiers are in northern Mali to help the Malian army fight insecurity.",
    "Customs officers saw a convoy of vehicles leave the town of Kidal for Tessalit on Tuesday.",
    "The chiefs of the armies meet every six months without ever setting up joint patrols.",
]


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One conversion cache shared by the tests of this module, as in a real models/ folder."""
    return tmp_path_factory.mktemp("models")


def fast_translator(config: Config, model_dir: Path) -> ModelTranslator:
    """The translator on a CTranslate2 engine, whatever ``translate.backend`` says."""
    return ModelTranslator(build_engine(config, "translate", model_dir, backend="ctranslate2"),
                           config.translate)


def fast_summariser(config: Config, model_dir: Path) -> AbstractiveSummariser:
    return AbstractiveSummariser(build_engine(config, "summarise", model_dir,
                                              backend="ctranslate2"), config.summarise)


def settings(models_dir: Path, **translate: object) -> Config:
    return Config.model_validate({"run": {"models_dir": str(models_dir)},
                                  "translate": {"device": "cpu", **translate},
                                  "summarise": {"device": "cpu", "num_beams": 1}})


def test_conversion_happens_once_then_is_reused(tiny_models, tmp_path, monkeypatch):
    first = convert(tiny_models["marian"], tmp_path, model_id="org/tiny-marian", revision=None)
    assert first.parent == tmp_path / "ctranslate2"
    assert first.name.startswith("org--tiny-marian@")
    assert (first / "model.bin").is_file() and (first / "source.spm").is_file()
    record = json.loads((first / "conversion.json").read_text("utf-8"))
    assert record["source"] == "org/tiny-marian" and record["ctranslate2"]
    stamp = (first / "model.bin").stat().st_mtime_ns

    def fail(*_args: object) -> None:
        raise AssertionError("converted again")

    monkeypatch.setattr(ct2, "_convert_into", fail)
    again = convert(tiny_models["marian"], tmp_path, model_id="org/tiny-marian", revision=None)
    assert again == first and (first / "model.bin").stat().st_mtime_ns == stamp
    assert [p.name for p in first.parent.iterdir()] == [first.name]  # no leftovers


def test_revision_names_the_copy_and_failed_conversion_leaves_nothing(tiny_models, tmp_path,
                                                                      monkeypatch):
    pinned = convert(tiny_models["bart"], tmp_path, model_id="org/bart", revision="v1.0")
    assert pinned.name == "org--bart@v1.0"

    def interrupted(_model_dir: Path, out: Path, _quantization: object) -> None:
        (out / "model.bin").write_bytes(b"half")
        raise KeyboardInterrupt

    monkeypatch.setattr(ct2, "_convert_into", interrupted)
    with pytest.raises(KeyboardInterrupt):
        convert(tiny_models["bart"], tmp_path, model_id="org/bart", revision="v2.0")
    assert [p.name for p in (tmp_path / "ctranslate2").iterdir()] == [pinned.name]

    def unsupported(*_args: object) -> None:
        raise ValueError("No conversion is registered for the model configuration X")

    monkeypatch.setattr(ct2, "_convert_into", unsupported)
    with pytest.raises(ModelError, match=r"cannot convert model org/bart .*No conversion"):
        convert(tiny_models["bart"], tmp_path, model_id="org/bart", revision="v3.0")
    assert [p.name for p in (tmp_path / "ctranslate2").iterdir()] == [pinned.name]


def test_compute_type_auto_and_checked():
    assert resolve_compute_type("auto", "cpu") in {"int8", "int8_float32", "float32"}
    assert resolve_compute_type("float32", "cpu") == "float32"
    with pytest.raises(ConfigError, match=r"translate\.compute_type.*'int4'.*supported: .*"
                                          r"float32"):
        resolve_compute_type("int4", "cpu")


def test_greedy_float32_matches_transformers(tiny_models, models_dir):
    config = settings(models_dir, num_beams=1, compute_type="float32", batch_size=4)
    fast = fast_translator(config, tiny_models["marian"])
    reference = ModelTranslator.from_config(config, tiny_models["marian"])
    texts = [*FRENCH, "", *FRENCH[:2]]
    got, want = fast.translate(texts), reference.translate(texts)
    assert got == want
    assert got[len(FRENCH)] == "" and all(got[i] for i in range(len(FRENCH)))
    assert fast.max_input_tokens == reference.max_input_tokens
    assert [fast.count_tokens(t) for t in FRENCH] == [reference.count_tokens(t) for t in FRENCH]


def test_banned_pad_token_as_in_opus_mt(tiny_models, models_dir, tmp_path):
    # The real OPUS-MT generation config bans <pad> with bad_words_ids; the converted model
    # has no <pad> at all, and the two backends must still agree.
    marian = shutil.copytree(tiny_models["marian"], tmp_path / "marian")
    path = marian / "generation_config.json"
    generation = json.loads(path.read_text("utf-8"))
    generation["bad_words_ids"] = [[generation["pad_token_id"]]]
    path.write_text(json.dumps(generation), "utf-8")
    config = settings(models_dir, num_beams=1, compute_type="float32")
    got = fast_translator(config, marian).translate(FRENCH)
    assert got == ModelTranslator.from_config(config, marian).translate(FRENCH)


def test_int8_gives_one_translation_per_input_in_order(tiny_models, models_dir):
    fast = fast_translator(settings(models_dir, compute_type="int8"),
                                             tiny_models["marian"])
    texts = ["", *FRENCH, "   "]
    out = fast.translate(texts)
    assert len(out) == len(texts) and out[0] == "" and out[-1] == ""
    assert all(out[1:-1])
    assert fast.translate(list(reversed(texts))) == list(reversed(out))  # order, determinism


def test_int8_weights_are_stored_as_int8(tiny_models, models_dir):
    fast_translator(settings(models_dir, compute_type="int8"),
                                      tiny_models["marian"]).translate(FRENCH[:1])
    fast_translator(settings(models_dir, compute_type="float32"),
                                      tiny_models["marian"]).translate(FRENCH[:1])
    # named after translate.model (the default id here), one copy per stored weight type
    copies = list((models_dir / "ctranslate2").glob("Helsinki-NLP--opus-mt-fr-en@*"))
    int8 = [p for p in copies if p.name.endswith("-int8")]
    full = [p for p in copies if not p.name.endswith("-int8")]
    assert int8 and full
    assert json.loads((int8[0] / "conversion.json").read_text("utf-8"))["quantization"] == "int8"
    assert (int8[0] / "model.bin").stat().st_size < 0.6 * (full[0] / "model.bin").stat().st_size


def test_auto_compute_and_beam_search_run(tiny_models, models_dir):
    # compute_type auto (int8 on CPU) and num_beams from the generation config (2 here)
    fast = fast_translator(settings(models_dir), tiny_models["marian"])
    out = fast.translate(FRENCH[:3])
    assert len(out) == 3 and all(out)


def test_bart_engine_greedy_matches_transformers(tiny_models, models_dir):
    config = settings(models_dir)
    engine = CTranslate2Engine.from_model(tiny_models["bart"], models_dir=models_dir,
                                          model_id="tiny-bart", revision=None, device="cpu",
                                          compute_type="float32", section="summarise")
    fast = AbstractiveSummariser(engine, config.summarise)
    reference = AbstractiveSummariser.from_config(config, tiny_models["bart"])
    assert fast.summarise(ENGLISH) == reference.summarise(ENGLISH)


def test_bart_summariser_int8_one_summary_per_input(tiny_models, models_dir):
    fast = fast_summariser(settings(models_dir), tiny_models["bart"])
    out = fast.summarise([*ENGLISH, ""])
    assert len(out) == len(ENGLISH) + 1 and all(out[:-1]) and out[-1] == ""
    assert fast.chunks[:len(ENGLISH)] == [1] * len(ENGLISH)


def test_bad_device_names_the_key(tiny_models, models_dir):
    with pytest.raises(ConfigError, match=r"translate\.device.*'mps'"):
        fast_translator(settings(models_dir, device="mps"),
                                          tiny_models["marian"])
