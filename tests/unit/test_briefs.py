"""Briefs render article and model text as text: checked with a CommonMark renderer."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from markdown_it import MarkdownIt

from pipeline.briefs import markdown_inline, markdown_text, render_brief
from pipeline.records import Article, ArticleResult, Score, Segment, TranslatedSegment

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "![pic](javascript:alert(1))",
    "<javascript:alert(1)>",
    "<https://example.com/x?a=1&b=2>",
    "https://example.com/raw and www.example.com",
    '<a href="javascript:alert(1)">x</a>',
    "[ref]: javascript:alert(1)",
    "[ref]",
    "`code` and ``more``",
    "*em* **strong** _under_ __dunder__ ~~strike~~",
    "a | b | c",
    "&amp; &#60; &#x3C; &copy; AT&T",
    "back\\slash \\* \\<",
    "<!-- comment -->",
]
LINE_STARTS = [
    "# heading", "## heading", "> quote", "- item", "+ item", "* item", "1. item", "2) item",
    "---", "===", "***", "___", "```", "~~~", "<div>", "    indented", "\tTabbed",
]
# C0 and C1 controls, DEL, bidi embeddings, overrides and isolates
CONTROLS = ("\x00\x01\x07\x08\x0b\x0c\x1b\x7f\x80\x85\x9f"
            "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


class Visible(HTMLParser):
    """The text a browser would show (entities decoded), and the tags it would build."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.tags: list[str] = []

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append(tag)


def render(markdown: str) -> str:
    """HTML as a CommonMark renderer (with GitHub's tables and strikethrough) makes it."""
    return MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(markdown)


def visible(html: str) -> tuple[str, list[str]]:
    parser = Visible()
    parser.feed(html)
    return " ".join("".join(parser.text).split()), parser.tags


def flat(text: str) -> str:
    return " ".join(text.split())


def result(title: str = "An English title", title_fr: str = "Un titre",
           paragraphs: tuple[str, ...] = ("First paragraph.",), summary: str = "A summary.",
           source: str = "in/article.txt", flags: tuple[str, ...] = (),
           stats: dict | None = None, metric: str = "BLEU") -> ArticleResult:
    article = Article(id="a1", title=title_fr, paragraphs=tuple("x" for _ in paragraphs),
                      source=source)
    segments = tuple(TranslatedSegment(Segment("a1", n, 0, "x"), text)
                     for n, text in enumerate(paragraphs))
    return ArticleResult("a1", source, "ok", article=article, title=title, segments=segments,
                         summary=summary, scores=(Score(metric, 12.5, "article", "sig"),),
                         flags=flags, stats=stats or {"segments": 1})


def assert_harmless(html: str) -> None:
    lowered = html.lower()
    assert "<script" not in lowered and "<img" not in lowered and "<a " not in lowered
    assert "javascript:" not in lowered.replace("javascript:alert", "")  # only as shown text
    assert 'href="javascript:' not in lowered and "<!--" not in lowered


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_everywhere_renders_as_text(text):
    brief = render_brief(result(title=text, title_fr=text, paragraphs=(text, f"x {text} y"),
                                summary=text, source=text, flags=(text,),
                                stats={"note": text}, metric=text))
    html = render(brief)
    assert_harmless(html)
    shown, tags = visible(html)
    assert shown.count(flat(text)) >= 8, (brief, shown)  # title x2, 2 paragraphs, summary, ...
    assert tags.count("h1") == 1 and "ul" not in tags and "ol" not in tags
    assert "blockquote" not in tags and "pre" not in tags
    assert "del" not in tags and "s" not in tags


def test_script_tag_is_shown_escaped():
    html = render(render_brief(result(summary="<script>alert(1)</script>")))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize("line", LINE_STARTS)
def test_line_starts_make_no_block(line):
    text = f"Before.\n{line} rest\n{line}"
    html = render(render_brief(result(paragraphs=(text, line), summary=text)))
    shown, tags = visible(html)
    assert flat(text) in shown and flat(line) in shown
    # the same elements as a brief of plain text: only the brief's own structure
    plain = render(render_brief(result(paragraphs=("Before.\nplain rest\nplain", "plain"),
                                       summary="Before.\nplain rest\nplain")))
    assert tags == visible(plain)[1], html


def test_table_cell_with_pipes_stays_one_cell():
    html = render(render_brief(result(metric="a | b | c")))
    row = html.split("<tbody>")[1].split("</tr>")[0]
    assert row.count("<td") == 3 and "a | b | c" in row


def test_control_and_bidi_characters_are_removed():
    text = f"Paris{CONTROLS} Kidal"
    brief = render_brief(result(title=text, title_fr=text, paragraphs=(text,), summary=text,
                                source=text, flags=(text,), stats={"note": text}))
    assert not set(CONTROLS) & set(brief)
    assert "ParisKidal" not in brief and "Paris Kidal" in brief


def test_newlines_and_tabs_survive_in_text():
    assert markdown_text("one\n\ntwo\tthree") == "one\n\ntwo\tthree"
    assert markdown_inline("one\n\ntwo\tthree") == "one two three"


@pytest.mark.parametrize("text", [
    "Le ministre a dit : « Nous partirons demain. » Il est 10 h 30, c'est-à-dire l'heure.",
    "The U.S. economy grew 3.5% in 2024 (after 2.1%); costs rose by $4 billion!",
    "Al-Qaeda's attacks - in Mali, Niger - began on 12.04.2010: \"no\" said 1 of 2.",
])
def test_ordinary_text_is_left_readable(text):
    assert markdown_text(text) == text
    assert markdown_inline(text) == text


def test_plain_names_stay_code_spans():
    brief = render_brief(result(source="in/lutte-anti-aqmi.fr.txt", flags=("repeated-ngram",)))
    assert "Source: `in/lutte-anti-aqmi.fr.txt`" in brief and "`repeated-ngram`" in brief


def test_brief_shows_the_original_characters():
    text = "x < y & z > w [a](b) *c* _d_ `e` #f |g| ~h~ !i \\j"
    shown, _ = visible(render(render_brief(result(summary=text, paragraphs=(text,)))))
    assert shown.count(text) == 2
