"""The command line as a user meets it: commands and help, the version, one-line messages for
bad values that say where they came from, the installed console script run from another folder,
and ``make run ARGS=...``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import pipeline
from pipeline.cli import main, resume_command

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT / "configs" / "default.yaml"
COMMANDS = ("run", "evaluate", "compare", "models", "report")


def environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    """A child's environment: offline, its own home and cache folder."""
    return {"HF_HUB_OFFLINE": "1", "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(tmp_path / "home"), "XDG_CACHE_HOME": str(tmp_path / "xdg"), **extra}


def one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    return err


# --- commands, help, version ---------------------------------------------------------------

def test_help_lists_every_command_under_the_name_it_was_called_by(capsys):
    done = subprocess.run([sys.executable, "run.py", "--help"], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.startswith("usage: run.py ")
    listed = done.stdout.split("commands:")[1]
    for command in COMMANDS:
        assert f"\n    {command} " in listed, command
    assert main(["--help"], prog="fr-en-briefs") == 0
    assert capsys.readouterr().out.startswith("usage: fr-en-briefs ")
    assert main(["models", "pull", "--help"], prog="fr-en-briefs") == 0
    assert capsys.readouterr().out.startswith("usage: fr-en-briefs models pull ")


def test_version(capsys, monkeypatch):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"fr-en-briefs {pipeline.__version__}\n"
    # without installed metadata (a source tree on sys.path): the package's own version
    import importlib.metadata

    from pipeline.arguments import version

    def not_installed(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", not_installed)
    assert version() == pipeline.__version__


def test_python_dash_m_pipeline_is_the_command_line(tmp_path):
    done = subprocess.run([sys.executable, "-m", "pipeline", "--version"], cwd=tmp_path,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True,
                          text=True, timeout=120)
    assert (done.returncode, done.stdout) == (0, f"fr-en-briefs {pipeline.__version__}\n")


def test_run_is_the_default_command(capsys):
    bad = ["--config", str(DEFAULT), "--set", "translate.num_beam=4"]
    assert main(bad) == 2
    implied = one_line_error(capsys)
    assert main(["run", *bad]) == 2
    assert one_line_error(capsys) == implied
    assert main(["run", "--help"]) == 0
    shown = capsys.readouterr().out
    assert "--config FILE" in shown and "--set SECTION.KEY=VALUE" in shown
    assert main([]) == 2
    assert "no config given: pass --config FILE" in one_line_error(capsys)


def test_models_alone_says_what_to_do(capsys):
    assert main(["models"], prog="fr-en-briefs") == 2
    assert "'fr-en-briefs models pull --config FILE' downloads" in one_line_error(capsys)


def test_an_unknown_command_names_the_close_one(capsys):
    assert main(["evalute", "--run", "x"]) == 2
    err = capsys.readouterr().err
    assert "unknown command 'evalute' (did you mean evaluate?)" in err


def test_compare_help_shows_a_percent_sign(capsys):
    assert main(["compare", "--help"]) == 0
    shown = capsys.readouterr().out
    assert "95% confidence" in shown and "%%" not in shown


def test_the_resume_command_names_the_program():
    assert resume_command(["--config", "c.yaml"], "/o", "fr-en-briefs") == \
        "fr-en-briefs --config c.yaml --set output.dir=/o"
    assert resume_command(["--config", "c.yaml"], "/o", "run.py") == \
        "python run.py --config c.yaml --set output.dir=/o"


# --- bad values: where from, what is allowed, exit 2 before any work -----------------------

def torch_has(device: str) -> bool:
    import torch

    if device == "mps":
        return bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())
    return torch.cuda.is_available()


@pytest.mark.parametrize("sets, absent, expected", [
    (["translate.num_beam=4"], None, "--set translate.num_beam=4: unknown key "
     "translate.num_beam (did you mean translate.num_beams?)"),
    (["translate.batch_size=0"], None, "--set translate.batch_size=0: translate.batch_size "
     "must be a whole number of at least 1, or auto, not 0"),
    (["translate.compute_type=int3"], None, "--set translate.compute_type=int3: "
     "translate.compute_type must be auto, default, int8, "),
    (["translate.compute_type=int8"], None, "--set translate.compute_type=int8: "
     "translate.compute_type: 'int8' is a setting of backend ctranslate2; backend "
     "transformers takes translate.dtype (auto, float32, bfloat16, float16)"),
    (["translate.device=gpu"], None, "--set translate.device=gpu: translate.device must be "
     "auto, cpu, cuda, cuda:N (N = 0, 1...) or mps, not 'gpu'"),
    (["summarise.method=extractive", "summarise.device=gpu"], None, "--set "
     "summarise.device=gpu: summarise.device must be auto, cpu, "),
    (["translate.device=mps"], "mps", "--set translate.device=mps: translate.device: 'mps' is "
     "not available on this machine: torch has no MPS device here"),
    (["translate.device=cuda:0"], "cuda", "--set translate.device=cuda:0: translate.device: "
     "'cuda:0' is not available on this machine: torch sees 0 CUDA devices; allowed here: "
     "auto, cpu"),
    (["summarise.device=cuda"], "cuda", "--set summarise.device=cuda: summarise.device: "
     "'cuda' is not available on this machine"),
    (["translate.backend=ctranslate2", "translate.dtype=float16"], None, "--set "
     "translate.dtype=float16: translate.dtype: 'float16' is a setting of backend "
     "transformers; backend ctranslate2 takes translate.compute_type"),
    (["translate.backend=ctranslate2", "translate.device=mps"], None, "--set "
     "translate.device=mps: translate.device: 'mps' is not a device of backend ctranslate2"),
    (["translate.backend=ctranslate2", "translate.device=cuda:3"], "ct2-cuda", "--set "
     "translate.device=cuda:3: translate.device: 'cuda:3' is not available on this machine: "
     "CTranslate2 sees 0 CUDA devices; allowed here: auto, cpu"),
])
def test_bad_values_stop_before_any_work_naming_where_they_came_from(
        tmp_path, capsys, monkeypatch, sets, absent, expected):
    if "translate.backend=ctranslate2" in sets:
        ctranslate2 = pytest.importorskip("ctranslate2")
        if absent == "ct2-cuda" and ctranslate2.get_cuda_device_count():
            pytest.skip("this machine has CUDA devices")
    elif absent and torch_has(absent):
        pytest.skip(f"this machine has {absent}")
    monkeypatch.chdir(tmp_path)
    # models that do not exist: looking for one would fail with exit code 1
    args = ["--config", str(DEFAULT), "--set", f"translate.model={tmp_path / 'no-translator'}",
            "--set", f"summarise.model={tmp_path / 'no-summariser'}"]
    for item in sets:
        args += ["--set", item]
    assert main(args) == 2
    err = one_line_error(capsys)
    assert err.startswith(f"error: {expected}"), err
    assert list(tmp_path.iterdir()) == []  # no output folder, no memory


def test_on_ray_the_devices_are_the_workers_and_not_checked_here():
    from pipeline.config import load_config
    from pipeline.engines import check_settings
    from pipeline.errors import ConfigError

    check_settings(load_config(None, ["run.executor=ray", "translate.device=cuda:7",
                                      "summarise.device=mps"]))
    with pytest.raises(ConfigError, match="'int8' is a setting of backend ctranslate2") as info:
        check_settings(load_config(None, ["run.executor=ray", "translate.compute_type=int8"]))
    assert info.value.key == "translate.compute_type"


def test_a_bad_value_in_a_config_file_names_the_file_and_line(tmp_path, capsys):
    config = tmp_path / "c.yaml"
    config.write_text("# my recipe\ntranslate:\n  batch_size: 0\n", "utf-8")
    assert main(["--config", str(config)]) == 2
    assert one_line_error(capsys) == (
        f"error: {config}, line 3: translate.batch_size must be a whole number of at least 1, "
        "or auto, not 0")
    if not torch_has("mps"):
        config.write_text("translate:\n  device: mps\n", "utf-8")
        assert main(["--config", str(config), "--set", f"output.dir={tmp_path / 'out'}"]) == 2
        assert one_line_error(capsys).startswith(
            f"error: {config}, line 2: translate.device: 'mps' is not available")
        assert not (tmp_path / "out").exists()


# --- from another folder: run.py and the installed console script ---------------------------

def check_run_from_elsewhere(done: subprocess.CompletedProcess, elsewhere: Path,
                             tmp_path: Path, example: Path) -> None:
    """The example was read, the files went to ./outputs/<run name>, the memory to the user's
    cache folder, and nothing else was left in the current folder."""
    assert done.returncode == 0, done.stderr[-3000:]
    assert sorted(p.name for p in elsewhere.iterdir()) == ["outputs"]
    out = elsewhere / "outputs" / "2024-01-01"  # run.name kept as typed, not a date
    results = [json.loads(line) for line in (out / "results.jsonl").read_text("utf-8")
               .splitlines()]
    assert [(r["id"], r["status"]) for r in results] == [("lutte-anti-aqmi.fr", "ok")]
    assert Path(results[0]["source"]).resolve() == example.resolve()
    assert (tmp_path / "xdg" / "fr-en-briefs" / "memory.sqlite").is_file()


def run_args(tiny_models: dict[str, Path]) -> list[str]:
    return ["--set", f"translate.model={tiny_models['marian']}",
            "--set", "summarise.method=none", "--set", "translate.threads=1",
            "--set", "run.name=2024-01-01", "-q"]


def test_run_py_from_another_folder_finds_the_example(tiny_models, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    done = subprocess.run([sys.executable, str(ROOT / "run.py"), "--config",
                           "configs/default.yaml", *run_args(tiny_models)], cwd=elsewhere,
                          capture_output=True, text=True, timeout=300,
                          env=environment(tmp_path))
    assert f"--config configs/default.yaml: not in {elsewhere}; using {DEFAULT}" in done.stderr
    check_run_from_elsewhere(done, elsewhere, tmp_path,
                             ROOT / "examples" / "lutte-anti-aqmi.fr.txt")


def install_package(tmp_path: Path) -> Path:
    """Build this tree's wheel (in a copy, so the tree gets no build folders) and install it
    into a folder; returns that folder (its bin/ holds the console script)."""
    source = tmp_path / "source"
    for name in ("pyproject.toml", "README.md"):
        source.mkdir(exist_ok=True)
        shutil.copy(ROOT / name, source / name)
    for name in ("pipeline", "configs", "examples"):
        shutil.copytree(ROOT / name, source / name,
                        ignore=shutil.ignore_patterns("__pycache__"))
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    built = subprocess.run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-w",
                            str(tmp_path / "wheel"), str(source)], capture_output=True,
                           text=True, timeout=300)
    if built.returncode != 0 and "No module named" in built.stderr:
        pytest.skip(f"cannot build a wheel here: {built.stderr.strip()[-200:]}")
    assert built.returncode == 0, built.stderr
    site = tmp_path / "site"
    wheel = next((tmp_path / "wheel").glob("*.whl"))
    installed = subprocess.run([*pip, "install", "--no-deps", "--no-compile", "--target",
                                str(site), str(wheel)], capture_output=True, text=True,
                               timeout=300)
    assert installed.returncode == 0, installed.stderr
    return site


def test_the_console_script_works_from_any_folder(tiny_models, tmp_path):
    site = install_package(tmp_path)
    script = site / "bin" / "fr-en-briefs"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = environment(tmp_path, PYTHONPATH=str(site))
    shown = subprocess.run([str(script), "--help"], cwd=elsewhere, capture_output=True,
                           text=True, timeout=60, env=env)
    assert shown.returncode == 0 and shown.stdout.startswith("usage: fr-en-briefs "), shown
    assert "run.py" not in shown.stdout
    version = subprocess.run([str(script), "--version"], cwd=elsewhere, capture_output=True,
                             text=True, timeout=60, env=env)
    assert version.stdout == f"fr-en-briefs {pipeline.__version__}\n"
    done = subprocess.run([str(script), "--config", "default", *run_args(tiny_models)],
                          cwd=elsewhere, capture_output=True, text=True, timeout=300, env=env)
    packaged = site / "pipeline"
    assert f"using {packaged / 'configs' / 'default.yaml'}" in done.stderr, done.stderr
    check_run_from_elsewhere(done, elsewhere, tmp_path,
                             packaged / "examples" / "lutte-anti-aqmi.fr.txt")


def test_a_missing_config_lists_those_of_the_package(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["--config", "recipe.yaml"]) == 2
    err = one_line_error(capsys)
    assert err.startswith(f"error: --config recipe.yaml: no such file in {tmp_path}")
    assert "default.yaml" in err and "newstest2013.yaml" in err


# --- make run ARGS=... --------------------------------------------------------------------

def test_make_run_passes_args(tmp_path):
    if shutil.which("make") is None:
        pytest.skip("no make here")
    done = subprocess.run(["make", "-n", "run", f"VENV={tmp_path / 'venv'}",
                           "ARGS=--set translate.num_beams=4 --set run.name=try"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert (f"{tmp_path / 'venv'}/bin/python run.py --config configs/default.yaml --set "
            "translate.num_beams=4 --set run.name=try") in done.stdout


@pytest.mark.parametrize("command", [["report", "--run"], ["evaluate", "--run"]])
def test_a_folder_that_is_not_a_run_is_a_command_line_error(command, tmp_path, capsys):
    assert main([*command, str(tmp_path)]) == 2
    assert capsys.readouterr().err == (f"error: --run {tmp_path}: no pipeline.sqlite there; "
                                       "expected the output.dir of a run\n")


@pytest.mark.parametrize("given", ["mine/default.yaml", "~/elsewhere/newstest2013.yaml"])
def test_a_missing_config_of_the_users_own_is_never_replaced_by_the_packages(
        given, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["--config", given]) == 2
    assert capsys.readouterr().err.startswith(f"error: --config {given}: no such file in ")
