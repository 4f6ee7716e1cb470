"""The command line end to end on tiny random-weight models loaded through from_pretrained."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.segment import split_paragraphs, split_sentences

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "lutte-anti-aqmi.fr.txt"


def tiny_args(tiny_models: dict[str, Path], out: Path, *extra: str) -> list[str]:
    return ["--config", str(ROOT / "configs" / "default.yaml"),
            "--set", f"translate.model={tiny_models['marian']}",
            "--set", f"summarise.model={tiny_models['bart']}",
            "--set", f"output.dir={out}",
            "--set", f"cache.path={out.parent / 'memory.sqlite'}",
            # tiny matrices gain nothing from threads, and lose much when cores are shared
            "--set", "translate.threads=1", *extra]


def read_results(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "results.jsonl").read_text("utf-8").splitlines()]


def table_count(db: Path, table: str, where: str = "") -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute(f"SELECT COUNT(*) FROM {table} {where}").fetchone()[0]


def example_sentences() -> list[str]:
    lines = EXAMPLE.read_text("utf-8").split("\n", 1)
    return [s for p in split_paragraphs(lines[1]) for s in split_sentences(p)]


def test_example_article_end_to_end(tiny_models, tmp_path, capsys):
    out = tmp_path / "run"
    code = main(tiny_args(tiny_models, out, "--set", f"input.path={EXAMPLE}"))
    assert code == 0
    results = read_results(out)
    assert [(r["id"], r["status"]) for r in results] == [("lutte-anti-aqmi.fr", "ok")]
    result = results[0]
    assert set(result) >= {"id", "status", "error", "title", "translation", "summary",
                           "scores", "flags"}
    assert result["summary"].strip() and result["title"].strip()
    # every sentence of the article has a translated segment, in order, plus the title
    with sqlite3.connect(out / "pipeline.sqlite") as conn:
        rows = conn.execute("SELECT paragraph, source FROM segments ORDER BY idx").fetchall()
    assert rows[0] == (-1, "Lutte anti-Aqmi: des militaires algériens dans le nord du Mali")
    assert [source for _, source in rows[1:]] == example_sentences()
    # paragraphs survive: one English paragraph per French one
    body = EXAMPLE.read_text("utf-8").split("\n", 1)[1]
    assert len(result["translation"].split("\n\n")) == len(split_paragraphs(body))
    metrics = {s["metric"] for s in result["scores"]}
    assert {"segments", "splits", "length-ratio"} <= metrics
    brief = (out / "briefs" / "lutte-anti-aqmi.fr.md").read_text("utf-8")
    assert result["title"] in brief and result["summary"][:40] in brief
    assert (out / "config.resolved.yaml").is_file()
    for table in ("runs", "articles", "summaries", "scores"):
        assert table_count(out / "pipeline.sqlite", table) >= 1
    shown = capsys.readouterr().out
    assert result["title"][:30] in shown and "results.jsonl" in shown


def test_long_article_is_summarised_in_chunks(tiny_models, tmp_path):
    out = tmp_path / "run"
    assert main(tiny_args(tiny_models, out, "--set", f"input.path={EXAMPLE}",
                          "--set", "summarise.max_input_tokens=64",
                          "--set", "summarise.max_length=12")) == 0
    stats = json.loads(sqlite3.connect(out / "pipeline.sqlite").execute(
        "SELECT stats_json FROM articles").fetchone()[0])
    assert stats["summary_chunks"] > 1


def test_directory_with_bad_files(tiny_models, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(EXAMPLE.read_text("utf-8"), "utf-8")
    (folder / "b.txt").write_text("Titre court\n\nUn paragraphe en français, avec le texte.\n",
                                  "utf-8")
    (folder / "empty.txt").write_text("  \n\n", "utf-8")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 4)
    out = tmp_path / "run"
    assert main(tiny_args(tiny_models, out, "--set", f"input.path={folder}")) == 1
    status = {r["id"]: (r["status"], r["error"]) for r in read_results(out)}
    assert status["a"] == ("ok", None) and status["b"] == ("ok", None)
    assert status["empty"][0] == "failed" and "empty" in status["empty"][1]
    assert status["binary"][0] == "failed" and "binary" in status["binary"][1]
    assert sorted(p.name for p in (out / "briefs").iterdir()) == ["a.md", "b.md"]


def test_running_again_resumes_and_overwrite_starts_a_new_run(tiny_models, tmp_path, capsys):
    out = tmp_path / "run"
    args = tiny_args(tiny_models, out, "--set", f"input.path={EXAMPLE}",
                     "--set", "summarise.method=extractive")
    assert main(args) == 0
    first = (out / "results.jsonl").read_bytes()
    assert main(args) == 0  # the same command: the finished run is resumed, nothing redone
    assert "1 were done by an earlier attempt" in capsys.readouterr().out
    db = out / "pipeline.sqlite"
    assert table_count(db, "runs") == 1 and table_count(db, "articles") == 1
    assert (out / "results.jsonl").read_bytes() == first
    # another decoding setting is refused, naming the key and the ways out; nothing changes
    assert main([*args, "--set", "translate.num_beams=2"]) == 2
    message = capsys.readouterr().err
    assert "translate.num_beams" in message and "--overwrite" in message
    assert (out / "results.jsonl").read_bytes() == first
    assert main([*args, "--set", "translate.num_beams=2", "--overwrite"]) == 0
    assert table_count(db, "runs") == 2
    per_run = table_count(db, "segments", "WHERE run_id = 1")
    assert per_run == len(example_sentences()) + 1
    assert table_count(db, "segments") == 2 * per_run
    assert len(read_results(out)) == 1
    assert (out / "superseded" / "run-1" / "results.jsonl").read_bytes() == first


def test_jsonl_with_references_is_scored(tiny_models, tmp_path):
    data = tmp_path / "in.jsonl"
    rows = [
        {"id": "one", "title": "Le titre", "text": "Le chat dort sur le canapé du salon.",
         "reference": "The cat is sleeping on the living room sofa.",
         "reference_summary": "A cat sleeps."},
        {"id": "two", "text": "Il pleut à Paris.\nLe métro est fermé pour la journée.",
         "reference": ["It is raining in Paris.", "The metro is closed for the day."]},
    ]
    data.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), "utf-8")
    out = tmp_path / "run"
    assert main(tiny_args(tiny_models, out, "--set", f"input.path={data}",
                          "--set", "input.check_language=false")) == 0
    results = {r["id"]: r for r in read_results(out)}
    one = {s["metric"]: s for s in results["one"]["scores"]}
    assert {"BLEU", "chrF++", "TER", "ROUGE-Lsum"} <= set(one)
    assert "nrefs:1" in one["BLEU"]["signature"] and "nw:2" in one["chrF++"]["signature"]
    two = [s for s in results["two"]["scores"] if s["scope"] == "segment"]
    assert sorted({s["segment_index"] for s in two}) == [0, 1]
    db = out / "pipeline.sqlite"
    assert table_count(db, "scores", "WHERE scope = 'corpus'") == 3


@pytest.mark.parametrize("args, needle", [
    (["--set", "translate.num_beam=4"], "translate.num_beam"),
    (["--set", "summarise.method=magic"], "summarise.method"),
    (["--set", "translate.device=gpu"], "translate.device"),
    (["--set", "input.path=/no/such/file.txt"], "/no/such/file.txt"),
])
def test_bad_config_exits_2_with_one_line(tiny_models, tmp_path, capsys, args, needle):
    assert main(tiny_args(tiny_models, tmp_path / "run", *args)) == 2
    err = capsys.readouterr().err.strip()
    assert needle in err and len(err.splitlines()) == 1
    assert "Traceback" not in err


def test_missing_config_file_exits_2(capsys):
    assert main(["--config", "/no/such.yaml"]) == 2
    assert "/no/such.yaml" in capsys.readouterr().err


def test_missing_model_stops_before_work(tmp_path, capsys):
    out = tmp_path / "run"
    code = main(["--config", str(ROOT / "configs" / "default.yaml"),
                 "--set", f"input.path={EXAMPLE}", "--set", f"run.models_dir={tmp_path}",
                 "--set", f"output.dir={out}"])
    err = capsys.readouterr().err.strip()
    assert code == 1
    assert "Helsinki-NLP/opus-mt-fr-en" in err and "models pull" in err
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert not out.exists()


def test_models_pull_without_network_is_clear(tmp_path, capsys):
    code = main(["models", "pull", "--config", str(ROOT / "configs" / "default.yaml"),
                 "--set", f"run.models_dir={tmp_path}"])
    assert code == 1
    assert "Helsinki-NLP/opus-mt-fr-en" in capsys.readouterr().err


def test_help_is_instant_and_imports_no_torch():
    code = ("import sys\nfrom pipeline.cli import main\ntry:\n    main(['--help'])\n"
            "finally:\n    print('TORCH' if 'torch' in sys.modules else 'NO-TORCH')")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert "--config" in done.stdout and done.stdout.strip().endswith("NO-TORCH")


def test_run_py_entry_point(tiny_models, tmp_path):
    out = tmp_path / "run"
    done = subprocess.run([sys.executable, "run.py", *tiny_args(
        tiny_models, out, "--set", f"input.path={EXAMPLE}", "--set", "summarise.method=none")],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={"HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    assert (out / "briefs" / "lutte-anti-aqmi.fr.md").is_file()


def test_warm_run_reuses_the_translation_memory(tiny_models, tmp_path, capsys):
    first, second = tmp_path / "first", tmp_path / "second"
    assert main(tiny_args(tiny_models, first, "--set", f"input.path={EXAMPLE}")) == 0
    cold = capsys.readouterr().out
    assert main(tiny_args(tiny_models, second, "--set", f"input.path={EXAMPLE}")) == 0
    warm = capsys.readouterr().out
    segments = len(example_sentences()) + 1
    assert f"0 of {segments} translation inputs reused" in cold
    assert f"{segments} of {segments} translation inputs reused, 0 computed" in warm
    assert "1 of 1 summary inputs reused" in warm
    assert read_results(first)[0]["translation"] == read_results(second)[0]["translation"]
    assert read_results(first)[0]["summary"] == read_results(second)[0]["summary"]


@pytest.mark.parametrize("backend", ["transformers", "ctranslate2"])
def test_warm_run_loads_no_tokenizer_and_no_model(tiny_models, tmp_path, backend):
    if backend == "ctranslate2":
        pytest.importorskip("ctranslate2")
    probe = ("import sys, runpy; sys.argv = ['run.py', *sys.argv[1:]]\n"
             "try:\n    runpy.run_path('run.py', run_name='__main__')\n"
             "except SystemExit as e:\n    code = e.code\n"
             "print('LOADED', sorted(m for m in ('transformers', 'sentencepiece', 'tokenizers')"
             " if m in sys.modules))\nsys.exit(code)\n")
    args = tiny_args(tiny_models, tmp_path / "out", "--set", f"input.path={EXAMPLE}",
                     "--set", f"translate.backend={backend}",
                     "--set", "summarise.method=extractive",
                     "--set", f"run.models_dir={tmp_path / 'models'}")
    env = {"HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"}
    runs = [subprocess.run([sys.executable, "-c", probe, *args], cwd=ROOT, capture_output=True,
                           text=True, timeout=300, env=env) for _ in range(2)]
    assert [r.returncode for r in runs] == [0, 0], runs[-1].stderr
    assert "'transformers']" in runs[0].stdout  # the cold run needs them
    assert "LOADED []" in runs[1].stdout, runs[1].stdout
    assert "translation inputs reused, 0 computed" in runs[1].stdout


def unwritable_folder(tmp_path: Path) -> Path:
    """A folder this process cannot write into: a read-only one, or /proc when running as root
    (root ignores permissions)."""
    if os.geteuid() == 0:
        return Path("/proc")
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o500)
    return folder


@pytest.mark.parametrize("case", ["proc", "file", "read-only", "cache-under-file",
                                  "cache-is-folder", "cache-read-only"])
def test_unusable_output_or_cache_path_exits_2_before_any_model(tmp_path, capsys, case):
    a_file = tmp_path / "a-file.txt"
    a_file.write_text("not a folder\n", "utf-8")
    out, cache = tmp_path / "run", tmp_path / "memory.sqlite"
    key, path = {
        "proc": ("output.dir", Path("/proc/x")),
        "file": ("output.dir", a_file),
        "read-only": ("output.dir", unwritable_folder(tmp_path) / "run"),
        "cache-under-file": ("cache.path", a_file / "memory.sqlite"),
        "cache-is-folder": ("cache.path", tmp_path),
        "cache-read-only": ("cache.path", unwritable_folder(tmp_path) / "memory.sqlite"),
    }[case]
    if key == "output.dir":
        out = path
    else:
        cache = path
    started = time.perf_counter()
    # models that do not exist: loading one would fail (exit 1), so exit 2 shows none was tried
    code = main(["--config", str(ROOT / "configs" / "default.yaml"),
                 "--set", f"input.path={EXAMPLE}",
                 "--set", f"translate.model={tmp_path / 'no-such-translator'}",
                 "--set", f"summarise.model={tmp_path / 'no-such-summariser'}",
                 "--set", f"output.dir={out}", "--set", f"cache.path={cache}"])
    err = capsys.readouterr().err.strip()
    assert code == 2, err
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert err.startswith(f"error: {key} {path}:"), err
    assert "no-such" not in err
    assert time.perf_counter() - started < 10
    assert not (tmp_path / "run").exists() and a_file.read_text("utf-8") == "not a folder\n"
    assert not list(tmp_path.glob("**/.write-check-*"))
