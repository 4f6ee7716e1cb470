"""A folder of awkward inputs through the command line, on tiny models: every file ends as a
brief with a body or as a failed or skipped article with its reason, or is named as not read;
every character of a translated source is in some segment."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

from markdown_it import MarkdownIt

from pipeline.cli import main

from .test_cli import tiny_args

FRENCH = ("Le gouvernement a annoncé mardi une série de mesures pour soutenir les agriculteurs "
          "touchés par la sécheresse. Le ministre a précisé que les aides seraient versées en "
          "janvier.")
PAGE = """<!DOCTYPE html><html lang="fr"><head><title>Le Mali - Le Journal</title>
<script>alert("x")</script></head><body><nav><a href="/">Accueil</a></nav>
<article><h1>Le Mali intensifie la lutte contre AQMI</h1>
<p>Les autorités maliennes ont annoncé mardi un renforcement de leur dispositif militaire dans le
nord du pays.</p><img src=x onerror="alert(1)">
<p>Selon le ministre de la Défense, trois bataillons seront déployés avant la fin de l'année.</p>
</article><footer>Tous droits réservés.</footer></body></html>"""


def awkward_folder(folder: Path) -> dict[str, str]:
    """Write the inputs; return file name -> what must become of it."""
    folder.mkdir()
    files: dict[str, bytes] = {
        "oneline.txt": FRENCH.encode(),
        "longline.txt": " ".join(f"mot{n}" for n in range(300)).encode(),
        "utf16.txt": f"Titre\n\n{FRENCH}".encode("utf-16"),
        "cp1252.txt": f"L'été à Orléans\n\n{FRENCH} Coût : 5 €.".encode("cp1252"),
        "controls.txt": f"Titre\x07\n\n{FRENCH} \x1b[31mFin\x1b[0m\u202e.\x00".encode(),
        "page.html": PAGE.encode(),
        "italian.txt": ("Titolo\n\nIl governo ha annunciato martedì una serie di misure per "
                        "sostenere gli agricoltori colpiti dalla siccità.").encode(),
        "mixed.txt": ("Titre\n\nLe ministre a parlé mardi.\n\n* * *\n\nIl a cité Churchill. We "
                      "shall fight on the beaches, we shall never surrender.\n").encode(),
        "hostile.txt": ("Titre <script>alert(1)</script>\n\nLe ministre a parlé <img src=x "
                        "onerror=alert(1)> et [ici](javascript:alert(1)) mardi.").encode(),
        "scan.txt": b"%PDF-1.4\n%\xe2\xe3\xcf\xd3 binary",
        "feed.xml": b'<?xml version="1.0"?><rss version="2.0"><channel/></rss>',
        "notes.pdf": b"%PDF-1.4",
        "orphan.en.txt": b"An orphan reference.",
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    os.symlink("/etc/passwd", folder / "leak.txt")
    os.symlink("nowhere.txt", folder / "dangling.txt")
    os.symlink(".", folder / "loop")
    return {
        **{name: "ok" for name in ["oneline", "longline", "utf16", "cp1252", "controls", "page",
                                   "mixed", "hostile"]},
        "italian": "skipped", "scan": "failed", "leak": "failed", "dangling": "failed",
        "feed.xml": "not read", "notes.pdf": "not read", "orphan.en.txt": "not read",
        "loop": "not read",
    }


def test_every_awkward_input_is_accounted_for(tiny_models, tmp_path, capsys):
    expected = awkward_folder(tmp_path / "in")
    out = tmp_path / "run"
    code = main(tiny_args(tiny_models, out, "--set", f"input.path={tmp_path / 'in'}",
                          "--set", "summarise.method=extractive"))
    assert code == 1  # the links out of the folder and the binary are failures
    lines = (out / "results.jsonl").read_text("utf-8").splitlines()
    results = {r["id"]: r for r in map(json.loads, lines)}
    stored = {name: results[name]["status"] for name in results}
    assert stored == {name: what for name, what in expected.items() if what != "not read"}
    printed = capsys.readouterr().out
    for name, what in expected.items():
        if what == "not read":
            assert f"not read: {tmp_path / 'in' / name}" in " ".join(printed.split()), name
        elif what != "ok":
            assert results[name]["error"].startswith(str(tmp_path / "in" / name)), name
    assert "the text is in Italian" in results["italian"]["error"]
    assert "binary" in results["scan"]["error"] and "outside" in results["leak"]["error"]
    with sqlite3.connect(out / "pipeline.sqlite") as conn:
        rows = conn.execute("SELECT article_id, source, translation FROM segments "
                            "ORDER BY article_id, idx").fetchall()
    for name, what in expected.items():
        if what != "ok":
            continue
        result = results[name]
        assert result["translation"].strip(), name  # a body, not only a title
        brief = (out / "briefs" / f"{name}.md").read_text("utf-8")
        rendered = MarkdownIt("commonmark").render(brief)
        assert "<h2>Translation</h2>" in rendered
        assert "<script" not in rendered and "<img" not in rendered
        assert 'href="javascript:' not in rendered
        sources = "".join(s for a, s, _ in rows if a == name)
        (path,) = (tmp_path / "in").glob(f"{name}.*")
        for text in _source_texts(path, name):
            assert "".join(text.split()) in "".join(sources.split()), (name, text)
    assert results["oneline"]["stats"]["segments"] == 2  # no title: two sentences of body
    assert results["longline"]["stats"]["segments"] >= 1
    assert results["utf16"]["stats"]["encoding"] == "utf-16-le (byte-order mark)"
    assert results["cp1252"]["stats"]["encoding"] == "cp1252 (guessed)"
    assert results["controls"]["stats"]["removed_characters"] == 1 + 5 + 4 + 1 + 1
    assert results["mixed"]["stats"]["kept_no_letters"] == [2]
    assert results["mixed"]["stats"]["kept_english"] == [4]
    assert results["page"]["stats"]["format"] == "html"
    assert not any("alert" in s or "Accueil" in s for a, s, _ in rows if a == "page")


def _source_texts(path: Path, name: str) -> list[str]:
    """The French text every segment of a file must cover (whitespace aside)."""
    if name == "page":
        return ["Les autorités maliennes ont annoncé mardi un renforcement",
                "Selon le ministre de la Défense, trois bataillons seront déployés"]
    data = path.read_bytes()
    text = {"utf16": lambda: data.decode("utf-16"), "cp1252": lambda: data.decode("cp1252")}.get(
        name, lambda: data.decode("utf-8"))()
    for char in "\x07\x00\u202e":
        text = text.replace(char, "")
    return [text.replace("\x1b[31m", "").replace("\x1b[0m", "")]
