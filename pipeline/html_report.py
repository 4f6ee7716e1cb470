"""``report.html``: one self-contained page per run, built from ``pipeline.sqlite`` alone.

The page has an index of the articles (titles, summary, verdict, flags, chrF++ and BLEU; failed
and skipped ones with their reasons, filterable by verdict), one section per translated article
(the summary with the sentences that support it, the French beside the English paragraph by
paragraph with flagged sentences marked, the scores with their signatures, a chart of segment
chrF++), and the run: models, precision, timings, throughput, package versions and the config.

It needs nothing but the file: CSS and a few lines of script are inline, and a
Content-Security-Policy lets only that script run. Every text from an article, a model or the
config is escaped by Jinja's autoescape and has its control and bidi characters removed. Old
databases (without verdicts, flag rows or summary support) still render; what they lack shows
as "—".
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import platform
import sqlite3
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .errors import ConfigError
from .reading import clean_text
from .report_data import RunData, load_article, load_run
from .rundir import DB_NAME

REPORT_NAME = "report.html"
TEMPLATES = Path(__file__).with_name("templates")
#: Distributions whose versions the report lists (those not installed say so).
PACKAGES = ("torch", "transformers", "ctranslate2", "sacrebleu", "rouge-score",
            "lingua-language-detector", "trafilatura", "fr-en-briefs")


def write_report(out_dir: Path, run_id: int | None = None) -> Path:
    """Write ``report.html`` into a run folder from its database (replacing it whole).

    Args:
        out_dir: The run's output folder (it holds ``pipeline.sqlite``).
        run_id: The run to show; None: the latest run in the database.

    Returns:
        The path of the report.

    Raises:
        ConfigError: no such folder, no database there, no such run, or a damaged database.
    """
    out_dir = Path(out_dir)
    db_path = out_dir / DB_NAME
    if not out_dir.is_dir():
        raise ConfigError(f"{out_dir}: no such directory; expected the output.dir of a run")
    if not db_path.is_file():
        raise ConfigError(f"{out_dir}: no {DB_NAME} there; expected the output.dir of a run")
    path = out_dir / REPORT_NAME
    tmp = path.with_name(f".{REPORT_NAME}.{os.getpid()}.tmp")  # two writers never share one
    conn = None
    try:
        conn = _connect(db_path)
        run = load_run(conn, run_id)
        with tmp.open("w", encoding="utf-8", newline="\n") as handle:
            for part in _render(conn, run):
                handle.write(part)
        os.replace(tmp, path)
    except sqlite3.DatabaseError as exc:
        raise ConfigError(f"{db_path}: cannot be read ({exc}); it is left as it is") from None
    finally:
        tmp.unlink(missing_ok=True)
        if conn is not None:
            conn.close()
    return path


def report_notes(out_dir: Path, run_id: int | None = None) -> list[str]:
    """Write ``report.html`` where a failure must not fail the command (the end of a run, a
    rescore): returns ``["report.html not written: why"]`` on failure, else nothing."""
    try:
        write_report(out_dir, run_id)
    except Exception as exc:  # the results are stored and complete without the page
        return [f"{REPORT_NAME} not written: {type(exc).__name__}: {exc}"]
    return []


def _connect(db_path: Path) -> sqlite3.Connection:
    """A read-only connection (a plain one where the read-only one cannot open the WAL)."""
    uri = f"file:{quote(str(db_path.resolve()))}?mode=ro"
    conn = sqlite3.connect(uri, uri=True, timeout=60)
    try:
        conn.execute("SELECT name FROM sqlite_master LIMIT 1")
    except sqlite3.OperationalError:
        conn.close()
        conn = sqlite3.connect(db_path, timeout=60)
    conn.row_factory = sqlite3.Row
    return conn


def _render(conn: sqlite3.Connection, run: RunData) -> Iterator[str]:
    """The page, in pieces (articles are read from the database one at a time)."""
    env = _environment()
    script = env.loader.get_source(env, "report.js.j2")[0]  # type: ignore[union-attr]
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    articles = (load_article(conn, run, row) for row in run.index if row.detailed)
    context = {"run": run, "articles": articles, "groups": run.groups(),
               "models": _models(run.config), "timings": _timings(run),
               "config_text": _config_text(run.config),
               "versions": _stored_versions(run.counts.get("versions")),
               "written_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
               "script": _Trusted(script), "script_hash": f"sha256-{digest}"}
    return env.get_template("report.html.j2").generate(context)


class _Trusted(str):
    """Our own script, shipped with the package: the one text the page does not escape."""

    def __html__(self) -> str:
        return str(self)


def _environment() -> Any:
    """Jinja with autoescape on everywhere and every value cleaned of control characters."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True,
                      undefined=StrictUndefined, finalize=_shown, trim_blocks=True,
                      lstrip_blocks=True, keep_trailing_newline=False)
    env.filters["num"] = _number
    return env


def clean(value: Any) -> str:
    """Text fit for the page: control and bidi characters removed, lone surrogates (from file
    names that are not UTF-8) replaced, None as empty."""
    if value is None:
        return ""
    text = clean_text(str(value))[0]
    return text.encode("utf-8", "replace").decode("utf-8") if not text.isascii() else text


def _shown(value: Any) -> Any:
    """Jinja's finalize: every ``{{ }}`` value is cleaned before it is escaped (numbers, and
    markup the templates built themselves from values cleaned and escaped this way, pass)."""
    if hasattr(value, "__html__") or isinstance(value, (int, float)):
        return value
    return clean(value)


def _number(value: Any, digits: int = 2) -> str:
    """A score as text (``—`` for none)."""
    if value is None:
        return "—"
    try:
        return f"{float(value):.{digits}f}"
    except (TypeError, ValueError):
        return clean(value)


BRIEF_KEYS = ("backend", "device", "precision")  # what the page's header says of each model


def _models(config: dict[str, Any]) -> list[dict[str, Any]]:
    """What translated and summarised: model, revision, backend, device, precision, beams."""
    resolved = config.get("resolved") or {}
    rows = []
    for stage, label in (("translate", "Translation"), ("summarise", "Summaries")):
        section, done = config.get(stage) or {}, resolved.get(stage) or {}
        method = section.get("method", "abstractive")
        if stage == "summarise" and method != "abstractive":
            rows.append({"stage": label, "model": f"({method}: no model)", "details": [],
                         "brief": ""})
            continue
        precision = done.get("precision") or section.get("dtype") or section.get("compute_type")
        details = [("revision", section.get("revision") or "default branch"),
                   ("backend", done.get("backend") or section.get("backend")),
                   ("device", section.get("device")), ("precision", precision),
                   ("beams", done.get("num_beams") or section.get("num_beams") or "model default"),
                   ("weights", done.get("weights"))]
        details = [(k, v) for k, v in details if v not in (None, "")]
        rows.append({"stage": label, "model": section.get("model") or "—", "details": details,
                     "brief": ", ".join(str(v) for k, v in details if k in BRIEF_KEYS)})
    return rows


def _timings(run: RunData) -> dict[str, Any]:
    """Seconds per stage, and articles and segments per minute over the run's total time."""
    seconds = {k: v for k, v in (run.counts.get("seconds") or {}).items()
               if isinstance(v, (int, float))}
    total = seconds.get("total") or 0.0
    rates = []
    if total > 0:
        rates.append(("articles per minute", run.total * 60 / total))
        rates.append(("segments per minute", run.segment_count * 60 / total))
    if seconds.get("translate"):
        rates.append(("segments per minute of translation",
                      run.segment_count * 60 / seconds["translate"]))
    facts = [f"{value:.1f} {label}" for label, value in rates]
    counts = run.counts
    if isinstance(counts.get("peak_rss_mb"), (int, float)):
        facts.append(f"peak memory {counts['peak_rss_mb']:.0f} MB")
    if counts.get("attempts"):
        facts.append(f"{counts['attempts']} attempt{'' if counts['attempts'] == 1 else 's'}")
    if counts.get("resumed"):
        facts.append(f"{counts['resumed']} articles done by an earlier attempt")
    facts.append(f"{run.segment_count} segments stored")
    return {"seconds": seconds, "total": total, "facts": facts}


def _config_text(config: dict[str, Any]) -> str:
    """The stored config as YAML (JSON if YAML cannot say it)."""
    try:
        import yaml

        return yaml.safe_dump(config, sort_keys=False, allow_unicode=True, width=100)
    except Exception:  # a value YAML cannot represent: JSON says everything stored
        return json.dumps(config, indent=2, ensure_ascii=False, default=str)


def package_versions() -> dict[str, str]:
    """Installed versions of Python and of the packages that shape the outputs
    (:data:`PACKAGES`, read without importing them; "not installed" for those absent)."""
    from importlib.metadata import PackageNotFoundError, version

    found = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    return found


def _stored_versions(stored: Any) -> tuple[list[tuple[str, str]], bool]:
    """The versions the run recorded (True), else those installed now (False: a run made
    before runs recorded them)."""
    if isinstance(stored, dict) and stored:
        return [(str(k), str(v)) for k, v in stored.items()], True
    return list(package_versions().items()), False

