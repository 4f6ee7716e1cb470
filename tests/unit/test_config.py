"""Config: defaults, the default.yaml contract, overrides and one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipeline.config import Config, dump_config, load_config
from pipeline.errors import ConfigError

DEFAULT = Path(__file__).resolve().parents[2] / "configs" / "default.yaml"


def test_default_yaml_spells_out_every_key_with_the_model_defaults():
    assert load_config(DEFAULT) == Config()
    written = yaml.safe_load(DEFAULT.read_text("utf-8"))
    for section, field in Config.model_fields.items():
        assert set(written[section]) == set(field.annotation.model_fields), section


@pytest.mark.parametrize("key", ["input.path", "input.format", "input.references",
                                 "translate.model", "translate.backend", "translate.device",
                                 "translate.num_beams", "summarise.method", "summarise.model",
                                 "output.dir"])
def test_contract_keys_exist(key):
    section, name = key.split(".")
    assert name in Config.model_fields[section].annotation.model_fields


@pytest.mark.parametrize("override, key, expected", [
    ("translate.num_beams=4", ("translate", "num_beams"), 4),
    ("translate.num_beams=null", ("translate", "num_beams"), None),
    ("summarise.method=none", ("summarise", "method"), "none"),
    ("input.path=news/**/*.txt", ("input", "path"), "news/**/*.txt"),
    ("output.dir=out dir", ("output", "dir"), "out dir"),
    ("cache.enabled=false", ("cache", "enabled"), False),
])
def test_overrides_parse_values_as_yaml(override, key, expected):
    config = load_config(DEFAULT, [override])
    assert getattr(getattr(config, key[0]), key[1]) == expected


def test_later_override_wins():
    config = load_config(None, ["translate.num_beams=2", "translate.num_beams=5"])
    assert config.translate.num_beams == 5


@pytest.mark.parametrize("override, needles", [
    ("translate.num_beam=4", ["translate.num_beam", "num_beams"]),
    ("bogus.key=1", ["bogus", "translate"]),
    ("translate.num_beams=0", ["translate.num_beams", "0"]),
    ("translate.num_beams=many", ["translate.num_beams", "many"]),
    ("summarise.method=magic", ["summarise.method", "magic", "extractive"]),
    ("translate.device=gpu", ["translate.device", "gpu"]),
    ("translate", ["section.key=value"]),
    ("translate.model.x=1", ["translate.model"]),
])
def test_bad_values_name_key_value_and_allowed(override, needles):
    with pytest.raises(ConfigError) as info:
        load_config(DEFAULT, [override])
    message = str(info.value)
    assert "\n" not in message
    for needle in needles:
        assert needle in message


@pytest.mark.parametrize("text, needle", [
    ("translate: [1, 2", "line"),
    ("- just\n- a list\n", "mapping"),
    ("translate:\n  modle: x\n", "translate.modle"),
])
def test_bad_files_are_reported_with_the_file(tmp_path, text, needle):
    path = tmp_path / "c.yaml"
    path.write_text(text, "utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(path) in str(info.value) and needle in str(info.value)


def test_missing_file():
    with pytest.raises(ConfigError, match="not found"):
        load_config("/no/such/config.yaml")


def test_dump_round_trips(tmp_path):
    config = load_config(DEFAULT, ["translate.num_beams=3", "output.dir=x"])
    path = tmp_path / "resolved.yaml"
    path.write_text(dump_config(config), "utf-8")
    assert load_config(path) == config


def test_output_dir_defaults_to_run_name():
    assert Config().output_dir("r1") == Path("outputs/r1")
    assert load_config(None, ["output.dir=elsewhere"]).output_dir("r1") == Path("elsewhere")


def test_each_model_section_has_its_own_threads():
    config = load_config(None, ["translate.threads=1", "summarise.threads=3"])
    assert (config.translate.threads, config.summarise.threads) == (1, 3)


def test_an_unknown_backend_lists_the_registered_ones():
    from pipeline.config import Config
    from pipeline.engines import BACKENDS, build_engine
    from pipeline.errors import ConfigError

    config = Config()
    with pytest.raises(ConfigError, match="summarise.backend: unknown backend 'onnx'; "
                                          "registered: ctranslate2, transformers"):
        build_engine(config, "summarise", backend="onnx")
    assert set(BACKENDS) == {"transformers", "ctranslate2"}


def test_home_is_expanded_in_every_path_the_pipeline_writes_or_reads(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    config = load_config(None, ["cache.path=~/x/m.sqlite", "output.dir=~/out",
                                "run.models_dir=~/models", "input.references=~/refs"])
    assert config.cache.path == str(tmp_path / "x" / "m.sqlite")
    assert config.output_dir("r1") == tmp_path / "out"
    assert config.run.models_dir == str(tmp_path / "models")
    assert config.input.references == str(tmp_path / "refs")
    config.cache.path = "~/y.sqlite"  # assigned later (validate_assignment)
    assert config.cache.path == str(tmp_path / "y.sqlite")
    # relative paths and unset ones are left as they are; input.path stays a pattern
    defaults = load_config(None, ["input.path=~/news/*.txt"])
    assert (defaults.cache.path, defaults.output.dir, defaults.input.references) == (
        ".cache/memory.sqlite", None, None)
    assert defaults.input.path == "~/news/*.txt"


def test_a_tilde_cache_path_creates_no_folder_named_tilde(tmp_path, monkeypatch):
    from pipeline.rundir import check_writable_paths

    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "home").mkdir()
    config = load_config(None, ["cache.path=~/x/m.sqlite", "output.dir=~/out"])
    check_writable_paths(config, "r1")
    assert Path(config.cache.path) == tmp_path / "home" / "x" / "m.sqlite"
    assert config.output_dir("r1") == tmp_path / "home" / "out"
    assert not (tmp_path / "~").exists()
