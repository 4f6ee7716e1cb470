"""report.html in a real browser: a run over awkward and hostile articles on the tiny models,
opened from disk in headless Chromium. The page's own script runs; nothing from an article
does; every title, summary, verdict and flag is there as text. A screenshot is kept in
tests/artifacts/report.png for a person to look at."""

from __future__ import annotations

import json
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from pipeline.cli import main

from .test_cli import EXAMPLE, tiny_args

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
BROWSER = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which(
    "google-chrome")
PWN = "document.body.setAttribute('data-pwned','1')"
SCRIPT = f"<script>{PWN}</script>"
IMG = f'<img src=x onerror="{PWN}">'
LINK = f"[ici](javascript:{PWN})"
FRENCH = ("Le gouvernement a annoncé mardi une série de mesures pour soutenir les agriculteurs "
          "touchés par la sécheresse. Le ministre a précisé que les aides seraient versées en "
          "janvier.")

pytestmark = pytest.mark.skipif(
    BROWSER is None, reason="no chromium, chromium-browser or google-chrome on PATH (install "
    "it, e.g. apt-get install chromium, to run the browser test)")


def hostile_folder(folder: Path) -> None:
    """Articles with script, handler and link payloads, control characters, another
    language, a binary, and a plain one."""
    folder.mkdir()
    files = {
        "aqmi.txt": EXAMPLE.read_bytes(),
        "hostile.txt": (f"Titre {SCRIPT}\n\nLe ministre a parlé {IMG} mardi. Voir {LINK} pour "
                        f"les détails.\n\n{FRENCH}").encode(),
        "controls.txt": f"Titre\x07 sonore\n\n{FRENCH} \x1b[31mFin\x1b[0m\u202e.".encode(),
        "italian.txt": ("Titolo\n\nIl governo ha annunciato martedì una serie di misure per "
                        "sostenere gli agricoltori colpiti dalla siccità.").encode(),
        "scan.txt": b"%PDF-1.4\n%\xe2\xe3\xcf\xd3 binary",
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)


class Dom(HTMLParser):
    """Elements with their attributes, and the visible text (scripts and styles left out)."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.texts: list[str] = []
        self._skip = 0
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        self._skip += tag in ("script", "style")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.texts.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.texts).split())

    def find(self, tag: str, **wanted: str) -> list[dict[str, str | None]]:
        return [a for t, a in self.elements
                if t == tag and all(a.get(k.replace("_", "-")) == v for k, v in wanted.items())]


def browser(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Headless Chromium with a throw-away profile."""
    profile = tmp_path / "profile"
    return subprocess.run(
        [str(BROWSER), "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         "--no-first-run", f"--user-data-dir={profile}", *args],
        capture_output=True, text=True, timeout=180, check=False)


@pytest.fixture(scope="module")
def report(tiny_models: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("report-browser")
    hostile_folder(base / "in")
    out = base / "run"
    code = main(tiny_args(tiny_models, out, "--set", f"input.path={base / 'in'}",
                          "--set", "summarise.method=extractive"))
    assert code == 1  # the binary failed; the rest was done or skipped
    assert (out / "report.html").is_file()  # written by the run itself
    return out


def results(out: Path) -> dict[str, dict]:
    lines = (out / "results.jsonl").read_text("utf-8").splitlines()
    return {r["id"]: r for r in map(json.loads, lines)}


def test_the_page_shows_everything_and_runs_only_its_own_script(report: Path, tmp_path: Path):
    done = browser(tmp_path, "--dump-dom", (report / "report.html").as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    dom = Dom(done.stdout)
    # the page's own script ran (the filter bar is shown, "all" pressed)...
    (bar,) = dom.find("div", id="filter")
    assert "hidden" not in bar
    assert dom.find("button", value="all", aria_pressed="true")
    # ...and nothing from an article did
    assert not [a for _, a in dom.elements if "data-pwned" in a]
    assert "pwned" not in " ".join(a.get("href") or "" for _, a in dom.elements)
    assert not dom.find("img")
    text = dom.text
    for payload in (SCRIPT, IMG, LINK):
        assert payload in text, payload  # shown as text
    stored = results(report)
    assert {k: r["status"] for k, r in stored.items()} == {
        "aqmi": "ok", "controls": "ok", "hostile": "ok", "italian": "skipped",
        "scan": "failed"}
    for article_id, result in stored.items():
        assert article_id in text
        if result["status"] != "ok":
            assert result["error"].split(": ", 1)[1][:40] in text, article_id
            continue
        assert " ".join(result["title"].split())[:60] in text, article_id
        assert " ".join(result["summary"].split())[:60] in text, article_id
        for flag in result["flags"]:
            assert flag in text, (article_id, flag)
    rows = {a["data-group"] for a in dom.find("tr") if a.get("data-group")}
    verdicts = {r.get("verdict") or "none" for r in stored.values() if r["status"] == "ok"}
    assert rows == verdicts | {"failed", "skipped"}
    assert "\x1b" not in done.stdout and "\u202e" not in done.stdout and "\x07" not in done.stdout
    assert "Titre sonore" in text  # the bell is gone, the title stays


def test_a_link_can_open_the_page_filtered(report: Path, tmp_path: Path):
    done = browser(tmp_path, "--dump-dom", (report / "report.html").as_uri() + "#show=failed")
    assert done.returncode == 0, done.stderr[-2000:]
    dom = Dom(done.stdout)
    shown = [a["data-group"] for t, a in dom.elements
             if a.get("data-group") and "hidden" not in a]
    assert shown == ["failed"]  # one index row; failed articles have no section
    assert dom.find("button", value="failed", aria_pressed="true")


def test_screenshot(report: Path, tmp_path: Path):
    """A picture of the page as a reader sees it, kept for a person to look at."""
    shot = tmp_path / "report.png"
    done = browser(tmp_path, f"--screenshot={shot}", "--window-size=1280,2400",
                   (report / "report.html").as_uri())
    assert done.returncode == 0 and shot.is_file(), done.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copyfile(shot, ARTIFACTS / "report.png")
