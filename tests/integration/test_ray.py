"""``run.executor: ray``: the same run on a local Ray (real CLI processes, tiny models).

Twenty-one inputs (seventeen articles, one unreadable file, a JSONL file with one new article
and two duplicate ids, one across files and one within the file), named by a relative
``input.path``, are run with both executors; the run folders must hold the same results. A Ray
run stopped with Ctrl-C and run again must end with one result per input.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from .test_resume import ENV, ROOT, example_sentences, run_until, snapshot

pytest.importorskip("ray.data", reason="Ray Data is not installed (pip install '.[scale]')")

TXT_ARTICLES = 17
INPUTS = TXT_ARTICLES + 4  # + an unreadable file + three JSONL records (two duplicate ids)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("ray-articles")
    sentences = example_sentences()
    for n in range(TXT_ARTICLES):
        chosen = [sentences[(n * 2 + k) % len(sentences)] for k in range(2 + n % 4)]
        (folder / f"art{n:02d}.txt").write_text(
            f"Article {n}\n\n" + " ".join(chosen[:1]) + "\n\n" + " ".join(chosen[1:]), "utf-8")
    (folder / "broken.txt").write_bytes(b"\x00\x01\x02 not text \xff\xfe" * 20)
    records = [{"id": "wire01", "text": sentences[3], "reference": "The army was deployed."},
               {"id": "art03", "text": sentences[5], "reference": "A second use of an id."},
               {"id": "wire01", "text": sentences[7], "reference": "Again in the same file."}]
    (folder / "wire.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n"
                                               for r in records), "utf-8")
    return folder


def command(tiny_models: dict[str, Path], inputs: Path, out: Path, executor: str,
            *extra: str) -> list[str]:
    return [sys.executable, str(ROOT / "run.py"), "--config", str(ROOT / "configs/default.yaml"),
            "--set", f"input.path={inputs.name}", "--set", f"output.dir={out}",  # in its folder
            "--set", f"translate.model={tiny_models['marian']}",
            "--set", f"summarise.model={tiny_models['bart']}",
            "--set", "translate.threads=1", "--set", "summarise.threads=1",
            "--set", "translate.batch_size=2", "--set", "summarise.batch_size=1",
            "--set", "run.chunk_segments=12", "--set", "cache.enabled=false",
            "--set", f"run.executor={executor}", "--set", "ray.translate.batch_size=4",
            "--set", "ray.summarise.batch_size=4", "--set", "ray.read.batch_size=4",
            "-v", *extra]


def folder(out: Path) -> dict[str, object]:
    """The run folder's results (:func:`snapshot`) and its corpus scores."""
    metrics = json.loads((out / "metrics.json").read_text("utf-8"))
    return {**snapshot(out), "corpus": [metrics["scores"], metrics["counts"]]}


@pytest.fixture(scope="module")
def local(tiny_models, inputs, tmp_path_factory) -> dict[str, object]:
    out = tmp_path_factory.mktemp("local") / "run"
    done = subprocess.run(command(tiny_models, inputs, out, "local"), capture_output=True,
                          text=True, env=ENV, cwd=inputs.parent, timeout=600)
    assert done.returncode == 1, done.stderr[-3000:]  # three inputs fail, as they must
    shot = folder(out)
    statuses = {json.loads(r)["id"]: json.loads(r)["status"] for r in shot["results"]}
    assert len(shot["results"]) == INPUTS == len(statuses)
    assert list(statuses) == [*(f"art{n:02d}" for n in range(TXT_ARTICLES)), "broken", "wire01",
                              "art03 (duplicate 2)", "wire01 (duplicate 2)"]  # input order
    assert statuses["broken"] == "failed" and statuses["art03 (duplicate 2)"] == "failed"
    assert statuses["wire01 (duplicate 2)"] == "failed"
    assert sum(s == "ok" for s in statuses.values()) == INPUTS - 3
    assert shot["corpus"]  # the JSONL references were scored
    return shot


def test_a_ray_run_gives_the_same_folder_as_a_local_run(tiny_models, inputs, local, tmp_path):
    out = tmp_path / "run"
    done = subprocess.run(command(tiny_models, inputs, out, "ray"), capture_output=True,
                          text=True, env=ENV, cwd=inputs.parent, timeout=600)
    assert done.returncode == 1, done.stderr[-3000:]  # the same failures, not a job failure
    assert "Traceback" not in done.stderr
    shot = folder(out)
    assert shot["results"] == local["results"]
    assert shot["briefs"] == local["briefs"]
    assert shot["tables"] == local["tables"]
    assert shot["corpus"] == local["corpus"]
    failures = {json.loads(r)["id"]: json.loads(r)["error"] for r in shot["results"]
                if json.loads(r)["status"] == "failed"}
    assert "binary" in failures["broken"] or "broken.txt" in failures["broken"]
    assert "duplicate article id 'art03'" in failures["art03 (duplicate 2)"]
    with sqlite3.connect(out / "pipeline.sqlite") as conn:
        (counts,) = conn.execute("SELECT counts_json FROM runs").fetchone()
    seconds = json.loads(counts)["seconds"]
    assert seconds["translate"] > 0 and seconds["summarise"] > 0 and seconds["model calls"] > 0


def test_a_ray_run_stopped_with_ctrl_c_resumes_to_one_result_per_input(
        tiny_models, inputs, local, tmp_path):
    out = tmp_path / "run"
    cmd = command(tiny_models, inputs, out, "ray")
    code, printed = run_until(cmd, r"chunk 1: \d+ articles committed", signal.SIGINT,
                              cwd=inputs.parent)
    assert code == 130, printed[-3000:]
    assert "Resume with:" in printed and "Traceback" not in printed
    with sqlite3.connect(out / "pipeline.sqlite") as conn:
        assert conn.execute("SELECT status FROM runs").fetchone() == ("interrupted",)
        stored = conn.execute("SELECT COUNT(*) FROM articles WHERE status = 'ok'").fetchone()[0]
    assert 0 < stored < INPUTS - 3
    resumed = subprocess.run(cmd, capture_output=True, text=True, env=ENV, cwd=inputs.parent,
                             timeout=600)
    assert resumed.returncode == 1, resumed.stderr[-3000:]
    assert "resuming run" in resumed.stderr
    shot = folder(out)
    ids = [json.loads(r)["id"] for r in shot["results"]]
    assert len(ids) == len(set(ids)) == INPUTS
    assert shot["results"] == local["results"]
    assert shot["corpus"] == local["corpus"]


BLOCK_RAY = """
import sys
class NoRay:
    def find_spec(self, name, path=None, target=None):
        if name == "ray" or name.startswith("ray."):
            raise ImportError(f"No module named {name!r}")
sys.meta_path.insert(0, NoRay())
from pipeline.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_executor_ray_without_ray_says_how_to_install_it(tiny_models, inputs, tmp_path):
    out = tmp_path / "run"
    cmd = command(tiny_models, inputs, out, "ray")
    done = subprocess.run([sys.executable, "-c", BLOCK_RAY, *cmd[2:]], capture_output=True,
                          text=True, env={**ENV, "PYTHONPATH": str(ROOT)}, cwd=inputs.parent,
                          timeout=120)
    assert done.returncode == 2, done.stderr[-3000:]
    assert "pip install '.[scale]'" in done.stderr and "run.executor" in done.stderr
    assert "Traceback" not in done.stderr
    assert not out.exists()  # stopped before any work


def test_a_local_run_never_imports_ray(tiny_models, inputs, tmp_path):
    out = tmp_path / "run"
    cmd = command(tiny_models, inputs, out, "local", "--set", "summarise.method=extractive")
    probe = ("import sys\nfrom pipeline.cli import main\ncode = main(sys.argv[1:])\n"
             "print('ray imported' if 'ray' in sys.modules else 'no ray')\n")
    done = subprocess.run([sys.executable, "-c", probe, *cmd[2:]], capture_output=True,
                          text=True, env={**ENV, "PYTHONPATH": str(ROOT)}, cwd=inputs.parent,
                          timeout=300)
    assert "no ray" in done.stdout, done.stdout[-2000:] + done.stderr[-2000:]



@pytest.mark.parametrize(("setting", "message"), [
    ("ray.translate.gpus=1", "ray.translate.gpus = 1, but this machine's Ray has no GPU"),
    ("ray.address=127.0.0.1:1", "nothing answers there"),
])
def test_a_ray_setting_that_cannot_work_stops_at_once(tiny_models, inputs, tmp_path, setting,
                                                       message):
    out = tmp_path / "run"
    done = subprocess.run(command(tiny_models, inputs, out, "ray", "--set", setting),
                          capture_output=True, text=True, env=ENV, cwd=inputs.parent, timeout=120)
    assert done.returncode == 2, done.stderr[-3000:]
    assert message in done.stderr and "Traceback" not in done.stderr
