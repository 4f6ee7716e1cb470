"""Config: defaults, the default.yaml contract, overrides and one-line errors."""

from __future__ import annotations

import os
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
    ("translate", ["SECTION.KEY=VALUE"]),
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
    # a run's config.resolved.yaml holds paths as the run resolved them (from its folder)
    config = load_config(DEFAULT, ["translate.num_beams=3", "output.dir=x"])
    path = tmp_path / "resolved.yaml"
    path.write_text(dump_config(config), "utf-8")
    assert load_config(path, relative_to_file=False) == config


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
    defaults = load_config(None, ["input.path=~/news/*.txt", "cache.path=.cache/m.sqlite"])
    assert (defaults.cache.path, defaults.output.dir, defaults.input.references) == (
        ".cache/m.sqlite", None, None)
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


# --- where values come from, and how they are read ------------------------------------------

ROOT = DEFAULT.parents[1]


def error_of(path, overrides=()) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(path, list(overrides))
    message = str(info.value)
    assert "\n" not in message
    for jargon in ("constrained-int", "Input should", "literal[", "pydantic", "String should"):
        assert jargon not in message, message
    return message


def test_default_yaml_from_the_project_folder_gives_the_paths_it_always_gave(monkeypatch):
    monkeypatch.chdir(ROOT)
    config = load_config("configs/default.yaml")
    assert config.model_dump(exclude={"input": {"path"}}) == \
        Config().model_dump(exclude={"input": {"path"}})
    assert (config.input.path, config.run.models_dir) == ("examples/lutte-anti-aqmi.fr.txt",
                                                          "models")


def test_the_default_input_is_the_example_that_comes_with_the_package(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # found from any folder
    assert Path(Config().input.path) == ROOT / "examples" / "lutte-anti-aqmi.fr.txt"
    assert Path(Config().input.path).is_file()
    assert Path(load_config(DEFAULT).input.path).samefile(Config().input.path)


@pytest.mark.parametrize("override, key, expected", [
    ("run.name=2024-01-01", ("run", "name"), "2024-01-01"),
    ("translate.revision=0123456", ("translate", "revision"), "0123456"),
    ("translate.revision=20240101", ("translate", "revision"), "20240101"),
    ("input.origlang=yes", ("input", "origlang"), "yes"),
    ("ray.address=6379", ("ray", "address"), "6379"),
    ("run.name='null'", ("run", "name"), "null"),
    ("run.name=\"2024-01-01\"", ("run", "name"), "2024-01-01"),
    ("run.name=null", ("run", "name"), None),
    ("run.name=", ("run", "name"), None),
    ("translate.model=1.0", ("translate", "model"), "1.0"),
    # keys that are not text are read as YAML
    ("translate.batch_size=8", ("translate", "batch_size"), 8),
    ("translate.batch_size=auto", ("translate", "batch_size"), "auto"),
    ("input.check_language=no", ("input", "check_language"), False),
    ("translate.max_length_ratio=1.5", ("translate", "max_length_ratio"), 1.5),
])
def test_set_values_are_read_as_the_type_of_their_key(override, key, expected):
    config = load_config(None, [override])
    assert getattr(getattr(config, key[0]), key[1]) == expected


def test_text_keys_in_a_file_keep_the_text_as_written(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("run:\n  name: 2024-01-01\ntranslate:\n  revision: 0123\n  model: 1.10\n"
                    "input:\n  origlang: no\n  check_language: no\n  max_chars: 5000\n"
                    "summarise:\n  revision: null\n", "utf-8")
    config = load_config(path)
    assert (config.run.name, config.translate.revision, config.translate.model) == (
        "2024-01-01", "0123", "1.10")
    assert (config.input.origlang, config.input.check_language, config.input.max_chars) == (
        "no", False, 5000)
    assert config.summarise.revision is None


@pytest.mark.parametrize("override, expected", [
    ("translate.num_beam=4", "--set translate.num_beam=4: unknown key translate.num_beam (did "
     "you mean translate.num_beams?); the keys of translate are model, revision, backend, "),
    ("translate.method=abstractive", "--set translate.method=abstractive: unknown key "
     "translate.method (did you mean summarise.method?)"),
    ("bogus.key=1", "--set bogus.key=1: unknown section bogus; the sections are run, input, "),
    ("translat.model=x", "--set translat.model=x: unknown section translat (did you mean "
     "translate?)"),
    ("translate.batch_size=0", "--set translate.batch_size=0: translate.batch_size must be a "
     "whole number of at least 1, or auto, not 0"),
    ("translate.num_beams=0", "--set translate.num_beams=0: translate.num_beams must be a whole "
     "number from 1 to 32, or null, not 0"),
    ("segment.max_tokens=4", "--set segment.max_tokens=4: segment.max_tokens must be a whole "
     "number from 8 to 512, not 4"),
    ("translate.max_length_ratio=0", "translate.max_length_ratio must be a number above 0, "
     "not 0"),
    ("cache.enabled=maybe", "--set cache.enabled=maybe: cache.enabled must be true or false, "
     "not 'maybe'"),
    ("summarise.method=magic", "--set summarise.method=magic: summarise.method must be "
     "abstractive, extractive or none, not 'magic'"),
    ("translate.device=gpu", "--set translate.device=gpu: translate.device must be auto, cpu, "
     "cuda, cuda:N (N = 0, 1...) or mps, not 'gpu'"),
    ("translate.compute_type=int3", "--set translate.compute_type=int3: translate.compute_type "
     "must be auto, default, int8, int8_float32, int8_float16, int8_bfloat16, int16, float16, "
     "bfloat16 or float32, not 'int3'"),
    ("translate.dtype=int8", "translate.dtype must be auto, float32, bfloat16 or float16, "
     "not 'int8'"),
    ("translate.model.x=1", "--set translate.model.x=1: translate.model is a value, not a "
     "section"),
])
def test_set_errors_name_the_option_the_key_and_what_it_takes(override, expected):
    # blamed on the --set that gave the value, not on the config file
    assert expected in error_of(DEFAULT, [override])


def test_file_errors_name_the_file_and_line(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("run:\n  name: x\n\ntranslate:\n  num_beam: 4\n  batch_size: 0\n"
                    "summarise:\n  method: yes\n", "utf-8")
    message = error_of(path)
    assert f"{path}, line 5: unknown key translate.num_beam (did you mean " \
           "translate.num_beams?)" in message
    assert f"{path}, line 6: translate.batch_size must be a whole number of at least 1, or " \
           "auto, not 0" in message
    assert f"{path}, line 8: summarise.method must be abstractive, extractive or none, " \
           "not 'yes'" in message
    # a --set of the same key takes the blame away from the file
    assert "--set translate.batch_size=-1" in error_of(path, ["translate.batch_size=-1"])


def test_a_yaml_syntax_error_gives_its_line(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("run:\n  name: x\ntranslate: [1, 2\n", "utf-8")
    assert error_of(path).startswith(f"config file {path}, line 4: ")


def test_relative_paths_in_a_file_are_relative_to_its_folder(tmp_path, monkeypatch):
    folder = tmp_path / "project" / "configs"
    folder.mkdir(parents=True)
    (folder / "local-model").mkdir()
    path = folder / "c.yaml"
    path.write_text("input:\n  path: ../news/**/*.txt\n  references: refs\n"
                    "run:\n  models_dir: ../models\ncache:\n  path: m.sqlite\n"
                    "output:\n  dir: ../out\n"
                    "translate:\n  model: local-model\nsummarise:\n  model: org/hub-model\n",
                    "utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    config = load_config(path)
    project = tmp_path / "project"
    assert config.input.path == f"{project}/news/**/*.txt"
    assert config.input.references == str(folder / "refs")
    assert config.run.models_dir == str(project / "models")
    assert config.cache.path == str(folder / "m.sqlite")
    assert config.output.dir == str(project / "out")
    assert config.translate.model == str(folder / "local-model")  # a folder there
    assert config.summarise.model == "org/hub-model"  # a Hub id stays one
    # --set paths are relative to the current folder; absolute and ~ paths stay as they are
    config = load_config(path, ["output.dir=mine", "input.path=/data/x.txt",
                                "cache.path=here.sqlite"])
    assert (config.output.dir, config.input.path, config.cache.path) == (
        "mine", "/data/x.txt", "here.sqlite")
    path.write_text("input:\n  path: ~/news/*.txt\noutput:\n  dir: /abs/out\n", "utf-8")
    config = load_config(path)
    assert (config.input.path, config.output.dir) == ("~/news/*.txt", "/abs/out")


def test_a_relative_config_path_gives_paths_relative_to_the_current_folder(tmp_path,
                                                                           monkeypatch):
    (tmp_path / "configs").mkdir()
    (tmp_path / "configs" / "c.yaml").write_text("input:\n  path: ../news/a.txt\n", "utf-8")
    monkeypatch.chdir(tmp_path)
    assert load_config("configs/c.yaml").input.path == "news/a.txt"
    assert load_config("configs/c.yaml", relative_to_file=False).input.path == "../news/a.txt"


def test_default_places_for_the_memory_and_the_models(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert Config().cache.path == str(tmp_path / "xdg" / "fr-en-briefs" / "memory.sqlite")
    assert load_config(None, ["cache.path=null"]).cache.path == Config().cache.path
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert Config().cache.path == str(tmp_path / "home" / ".cache" / "fr-en-briefs" /
                                      "memory.sqlite")
    assert Config().run.models_dir == "models"
    assert Config().output_dir("r1") == Path("outputs/r1")


@pytest.mark.parametrize("name", ["default", "default.yaml", "configs/default.yaml"])
def test_configs_of_the_package_are_found_by_name(name):
    from pipeline.config_io import find_config, shipped_configs

    assert find_config(name) == DEFAULT
    assert find_config("no-such-recipe") is None
    assert {"default.yaml", "newstest2013.yaml"} <= set(shipped_configs())


@pytest.mark.parametrize("item", ["summarise.words=true", "translate.num_beams=true",
                                  "translate.max_length_ratio=true", "summarise.sentences=yes"])
def test_a_boolean_is_not_a_number(item):
    key = item.split("=")[0]
    with pytest.raises(ConfigError, match=rf"^--set {item}: {key} must be .*, not 'true'$"):
        load_config(None, [item])


def test_booleans_stay_booleans():
    config = load_config(None, ["cache.enabled=false", "input.check_language=no"])
    assert config.cache.enabled is False and config.input.check_language is False


def test_a_path_written_from_the_current_folder_keeps_its_meaning(tmp_path, monkeypatch, capsys):
    """A config from before paths were read from the file's folder: its input, which exists
    from the current folder, is still found (and a note says so); its memory too."""
    (tmp_path / "configs").mkdir()
    (tmp_path / "examples").mkdir()
    (tmp_path / "examples" / "a.txt").write_text("Titre\n\nUne phrase.\n", "utf-8")
    (tmp_path / ".cache").mkdir()
    (tmp_path / ".cache" / "memory.sqlite").write_bytes(b"")
    (tmp_path / "configs" / "old.yaml").write_text(
        "input:\n  path: examples/a.txt\noutput:\n  dir: outputs/x\n", "utf-8")
    monkeypatch.chdir(tmp_path)
    config = load_config("configs/old.yaml")
    assert config.input.path == "examples/a.txt"
    assert "input.path: examples/a.txt is read from the current folder" in capsys.readouterr().err
    assert config.output.dir == os.path.join("configs", "outputs", "x")  # nothing there: rebased
    assert config.cache.path == os.path.join(".cache", "memory.sqlite")
