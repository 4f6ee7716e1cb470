"""Tests for pipeline.html_report: report.html from a hand-built store, read with html.parser."""

from __future__ import annotations

import json
import sqlite3
from html.parser import HTMLParser
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.html_report import TEMPLATES, write_report
from pipeline.records import Article, ArticleResult, Flag, Score, Segment, TranslatedSegment
from pipeline.store import Store

SCRIPT = "<script>document.body.setAttribute('data-pwned','1')</script>"
IMG = "<img src=x onerror=\"document.body.setAttribute('data-pwned','1')\">"
LINK = "[ici](javascript:alert(1))"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


class Page(HTMLParser):
    """Every element with its attributes, the text, each script's content, and the text
    inside every element that has an id."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self.texts: list[str] = []
        self.by_id: dict[str, list[str]] = {}
        self._open: list[tuple[str, str | None]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        if tag == "script":
            self.scripts.append("")
        if tag not in VOID:
            self._open.append((tag, dict(attrs).get("id")))
            if dict(attrs).get("id"):
                self.by_id[str(dict(attrs)["id"])] = []

    def handle_endtag(self, tag: str) -> None:
        while self._open:
            if self._open.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._open and self._open[-1][0] == "script":
            self.scripts[-1] += data
            return
        self.texts.append(data)
        for _, element_id in self._open:
            if element_id:
                self.by_id[element_id].append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.texts).split())

    def text_of(self, element_id: str) -> str:
        return " ".join(" ".join(self.by_id[element_id]).split())


def _seg(paragraph: int, sentence: int, fr: str, en: str) -> TranslatedSegment:
    return TranslatedSegment(Segment("hostile", paragraph, sentence, fr), en)


def hostile_result() -> ArticleResult:
    """An article whose every text carries a payload, with flags, a verdict and support."""
    title_fr = f"Titre {SCRIPT}\x1b[31m rouge\u202e"
    article = Article("hostile", title_fr, (), "in/hostile.txt")
    segments = (
        _seg(-1, 0, title_fr, f"Title {SCRIPT}"),
        _seg(0, 0, f"Le ministre a parlé {IMG} mardi.", f"The minister spoke {IMG} on Tuesday."),
        _seg(0, 1, f"Voir {LINK}.", f"See {LINK}."),
        _seg(1, 0, "Il y a 12 morts.", "There are 13 dead."),
    )
    scores = (Score("BLEU", 21.5, "article", "nrefs:1|bleu-sig"),
              Score("chrF++", 48.25, "article", "nrefs:1|chrf-sig"),
              *(Score("chrF++", v, "segment", "nrefs:1|chrf-sig", segment_index=i)
                for i, v in enumerate((70.0, 20.0, 55.0))))
    return ArticleResult(
        "hostile", "in/hostile.txt", "ok", article=article, title=f"Title {SCRIPT}",
        segments=segments, summary=f"The minister spoke {IMG}. There are 13 dead.",
        scores=scores, flags=("numbers-changed", "invented-number"),
        stats={"segments": 4, "language": "fr", "encoding": "utf-8"},
        issues=(Flag("numbers-changed", {"expected": ["12"], "found": ["13"]}, 3),
                Flag("invented-number", {"expected": [], "found": [f"13 {SCRIPT}"],
                                         "summary_sentence": 1}, None, "summary")),
        verdict="review", reasons=(f"a number changed {IMG}",), support=((1,), (3,)))


def plain_result() -> ArticleResult:
    article = Article("calme", "Un jour calme", (), "in/calme.txt")
    segments = (TranslatedSegment(Segment("calme", -1, 0, "Un jour calme"), "A calm day"),
                TranslatedSegment(Segment("calme", 0, 0, "Rien ne se passe."), "Nothing happens."))
    return ArticleResult("calme", "in/calme.txt", "ok", position=1, article=article,
                         title="A calm day", segments=segments, summary="Nothing happens.",
                         verdict="ok", support=((1,),))


def others() -> list[ArticleResult]:
    return [ArticleResult(f"evil{IMG}", "in/evil.bin", "failed", position=2,
                          error=f"in/evil.bin: looks like a binary file {SCRIPT}"),
            ArticleResult("italien", "in/italien.txt", "skipped", position=3,
                          error="in/italien.txt: the text is in Italian (it, confidence 1.00)",
                          stats={"language": "it"})]


@pytest.fixture()
def run_dir(tmp_path: Path) -> Path:
    store = Store(tmp_path / "run")
    store.open("hostile-run", {"input": {"path": f"in/{SCRIPT}"},
                               "translate": {"model": "tiny/marian", "backend": "transformers"},
                               "resolved": {"translate": {"precision": "float32"}}})
    store.commit([hostile_result(), plain_result(), *others()])
    store.add_corpus_scores([Score("BLEU", 21.5, "corpus", "nrefs:1|corpus-sig")])
    store.finish({**store.counts(), "seconds": {"translate": 2.0, "total": 6.0}})
    store.close()
    return tmp_path / "run"


def test_every_article_is_shown_and_nothing_is_markup(run_dir: Path) -> None:
    page = Page(write_report(run_dir).read_text("utf-8"))
    ours = (TEMPLATES / "report.js.j2").read_text("utf-8")
    assert [s.strip() for s in page.scripts] == [ours.strip()]  # our one script, no other
    tags = [tag for tag, _ in page.elements]
    assert "img" not in tags and tags.count("script") == 1
    for tag, attrs in page.elements:
        assert not [a for a in attrs if a.startswith("on")], (tag, attrs)
        assert not str(attrs.get("href") or "").lower().startswith("javascript:"), attrs
    text = page.text
    for shown in ("Title " + SCRIPT, "The minister spoke " + IMG, f"See {LINK}.", "A calm day",
                  "Un jour calme", "Nothing happens.", "evil" + IMG, "looks like a binary file",
                  "the text is in Italian", f"a number changed {IMG}", f"in/{SCRIPT}",
                  "numbers-changed", "invented-number", "review", "skipped", "failed"):
        assert shown in text, shown
    assert "data-pwned" not in str(page.elements)


def test_control_and_bidi_characters_are_removed(run_dir: Path) -> None:
    html = write_report(run_dir).read_text("utf-8")
    assert "\x1b" not in html and "\u202e" not in html
    text = Page(html).text
    assert "rouge" in text and "[31m" not in text  # the colour code goes, the title stays


def test_index_rows_carry_verdicts_scores_and_reasons(run_dir: Path) -> None:
    page = Page(write_report(run_dir).read_text("utf-8"))
    rows = [attrs for tag, attrs in page.elements if tag == "tr" and "data-group" in attrs]
    assert [r["data-group"] for r in rows] == ["review", "ok", "failed", "skipped"]
    sections = [attrs["id"] for tag, attrs in page.elements if tag == "section"]
    assert sections == ["article-1", "article-2"]  # translated articles have a section each
    assert "48.2" in page.text and "21.5" in page.text  # chrF++ and BLEU in the index
    assert "nrefs:1|chrf-sig" in page.text and "nrefs:1|corpus-sig" in page.text


def test_flags_sit_beside_their_sentence_and_summary(run_dir: Path) -> None:
    page = Page(write_report(run_dir).read_text("utf-8"))
    flagged = [attrs["id"] for tag, attrs in page.elements
               if tag == "tr" and "flagged" in str(attrs.get("class"))]
    assert flagged == ["article-1-s3"]
    row = page.text_of("article-1-s3")
    assert "Il y a 12 morts." in row and "There are 13 dead." in row
    assert "numbers-changed" in row and "expected: 12" in row and "found: 13" in row
    section = page.text_of("article-1")
    summary = section[section.index("Summary"):section.index("Translation")]
    # each summary sentence, then the sentence that supports it; the summary flag with its own
    assert summary.index("The minister spoke") < summary.index("§1") < summary.index("There are")
    assert "invented-number" in summary and f"found: 13 {SCRIPT}" in summary
    links = [attrs["href"] for tag, attrs in page.elements if tag == "a"
             and str(attrs.get("href")).startswith("#article-1-s")]
    assert links == ["#article-1-s1", "#article-1-s3"]


def test_segment_chart_has_one_bar_per_scored_sentence(run_dir: Path) -> None:
    page = Page(write_report(run_dir).read_text("utf-8"))
    bars = [attrs for tag, attrs in page.elements if tag == "rect"]
    assert len(bars) == 3
    assert [float(b["height"]) for b in bars] == [84.0, 24.0, 66.0]  # of 120
    assert "sentence 2: 20.0" in page.text


def test_run_section_lists_models_timings_versions_and_config(run_dir: Path) -> None:
    page = Page(write_report(run_dir).read_text("utf-8"))
    text = page.text
    assert "tiny/marian" in text and "float32" in text
    assert "40.0 articles per minute" in text  # 4 articles in 6 seconds
    assert "180.0 segments per minute of translation" in text  # 6 segments in 2 seconds
    assert "sacrebleu" in text and "fr-en-briefs" in text
    assert "translate:" in text and "model: tiny/marian" in text  # the config, as YAML


def test_an_old_database_without_verdicts_or_flags_still_renders(tmp_path: Path) -> None:
    out = tmp_path / "old"
    out.mkdir()
    with sqlite3.connect(out / "pipeline.sqlite") as conn:
        conn.executescript("""
            CREATE TABLE runs (id INTEGER PRIMARY KEY, name TEXT, started_at TEXT,
                finished_at TEXT, config_json TEXT, counts_json TEXT, status TEXT);
            CREATE TABLE articles (run_id INTEGER, article_id TEXT, source TEXT, status TEXT,
                error TEXT, title_fr TEXT, title_en TEXT, translation TEXT, flags_json TEXT,
                stats_json TEXT);
            CREATE TABLE segments (run_id INTEGER, article_id TEXT, idx INTEGER,
                paragraph INTEGER, sentence INTEGER, piece INTEGER, source TEXT,
                translation TEXT);
            INSERT INTO runs VALUES (1, 'old', '2024-01-01', NULL, '{}', NULL, 'ok');
            INSERT INTO articles VALUES (1, 'a', 'a.txt', 'ok', NULL, 'Titre', 'Title', 'Hi.',
                '["repeated-ngram"]', '{"flagged_segments": {"repeated-ngram": [1]}}');
            INSERT INTO segments VALUES (1, 'a', 0, -1, 0, 0, 'Titre', 'Title');
            INSERT INTO segments VALUES (1, 'a', 1, 0, 0, 0, 'Salut.', 'Hi hi hi hi.');
        """)
    page = Page(write_report(out).read_text("utf-8"))
    assert "Title" in page.text and "no verdict" in page.text and "—" in page.text
    assert "repeated-ngram" in page.text_of("article-1-s1")  # from the stats


def test_the_run_id_picks_a_run(run_dir: Path) -> None:
    store = Store(run_dir)
    store.open("second", {"other": True}, overwrite=True)
    store.commit([plain_result()])
    store.finish(store.counts())
    store.close()
    assert "hostile" not in Page(write_report(run_dir).read_text("utf-8")).text
    assert "Title " + SCRIPT in Page(write_report(run_dir, 1).read_text("utf-8")).text


def test_report_command(run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    (run_dir / "report.html").unlink(missing_ok=True)
    assert main(["report", "--run", str(run_dir)]) == 0
    assert capsys.readouterr().out.strip() == str(run_dir / "report.html")
    assert (run_dir / "report.html").is_file()
    assert main(["report", "--run", str(tmp_path / "nowhere")]) == 2
    assert capsys.readouterr().err.strip().endswith("no such directory")
    assert main(["report", "--run", str(tmp_path)]) == 2
    assert "no pipeline.sqlite there" in capsys.readouterr().err
    assert main(["report", "--run", str(run_dir), "--run-id", "9"]) == 2
    assert capsys.readouterr().err.count("\n") == 1  # one line


def test_a_failed_report_is_a_note_not_a_failed_run(tmp_path: Path) -> None:
    from pipeline.runner import _write_report

    store = Store(tmp_path / "nothing")  # no database: the report cannot be written
    notes = _write_report(store)
    assert len(notes) == 1 and notes[0].startswith("report.html not written: ")


def test_results_line_support_is_what_the_report_reads(run_dir: Path) -> None:
    with sqlite3.connect(run_dir / "pipeline.sqlite") as conn:
        line = json.loads(conn.execute("SELECT result_json FROM articles WHERE article_id = "
                                       "'hostile'").fetchone()[0])
    assert line["summary_support"] == [[1], [3]]


def test_past_the_section_limit_titles_link_to_briefs(run_dir: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("pipeline.report_data.MAX_SECTIONS", 1)
    page = Page(write_report(run_dir).read_text("utf-8"))
    assert [a["id"] for t, a in page.elements if t == "section"] == ["article-1"]
    links = [a["href"] for t, a in page.elements if t == "a" and a.get("class") == "clamp short"]
    assert links == ["#article-1", "briefs/calme.md"]
    assert (run_dir / "briefs" / "calme.md").is_file()
    assert "the other 1 link to their brief" in page.text


def test_every_run_writes_it_and_a_resumed_run_writes_it_again(tmp_path: Path) -> None:
    from pipeline.runner import run

    from .test_runner import FirstWords, UpperTranslator, config_for

    outcome = run(config_for(tmp_path), translator=UpperTranslator(fail_on="Dupont"),
                  summariser=FirstWords())
    first = Page((outcome.out_dir / "report.html").read_text("utf-8"))
    rows = [a["data-group"] for t, a in first.elements if t == "tr" and "data-group" in a]
    assert rows[2] == "failed" and "model exploded" in first.text
    outcome = run(config_for(tmp_path), translator=UpperTranslator(), summariser=FirstWords())
    assert outcome.resumed and not outcome.notes
    again = Page((outcome.out_dir / "report.html").read_text("utf-8"))
    assert "failed" not in [a["data-group"] for t, a in again.elements if "data-group" in a]
    assert "M. DUPONT PARLE" in again.text and "2 attempts" in again.text


def test_summary_support_shows_a_broken_sentence_whole() -> None:
    from pipeline.report_data import _summary

    segments = [
        {"idx": 0, "paragraph": 0, "sentence": 0, "piece": 0, "source": "Une longue phrase,",
         "translation": "A long sentence,"},
        {"idx": 1, "paragraph": 0, "sentence": 0, "piece": 1, "source": "coupée en deux.",
         "translation": "cut in two."},
        {"idx": 2, "paragraph": 0, "sentence": 1, "piece": 0, "source": "Une autre.",
         "translation": "Another."},
    ]
    shown = _summary("A long sentence cut in two. Another.", [[0], [2, 7]], segments, [])
    first, second = (item["support"] for item in shown["items"])
    assert [s["translation"] for s in first] == ["A long sentence, cut in two."]
    assert first[0]["idx"] == 0 and first[0]["source"] == "Une longue phrase, coupée en deux."
    assert [s["translation"] for s in second] == ["Another.", "(not stored)"]
