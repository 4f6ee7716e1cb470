"""Web pages (HTML and XHTML) read as articles: the main text, without scripts, styles, menus.

The extraction is trafilatura's (Barbaresi, 2021, "Trafilatura: A Web Scraping Library and
Command-Line Tool for Text Discovery and Extraction", ACL demos), the main-content extractor that
scores best in the published comparisons; it drops ``<script>``, ``<style>``, navigation,
headers, footers and comments, and returns the title and one line per block (paragraph, heading,
list item). Each block becomes a paragraph of the article.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.reading import (
    Decoded,
    Item,
    ReadOptions,
    _check_article,
    _read_decoded,
    _split_paragraphs,
    _Unreadable,
    clean_text,
    reading_notes,
    register_reader,
)
from pipeline.records import Article, ReadFailure

_HTML_STARTS = ("<!doctype html", "<html", "<?xml")


def looks_like_html(text: str) -> bool:
    """Whether a text file holds a web page: it starts with a doctype or ``<html>`` element
    (or an XML declaration followed by one)."""
    head = text.lstrip()[:1024].lower()
    if not head.startswith(_HTML_STARTS):
        return False
    return not head.startswith("<?xml") or "<html" in head


@register_reader("html", suffixes=(".html", ".htm", ".xhtml"))
def read_html(path: Path, options: ReadOptions) -> list[Item]:
    """One article per page: its title, and its main text block by block.

    A page with no main text (an index, a page of links) fails, saying so.
    """
    article_id = options.default_id or path.stem
    try:
        return [_check_article(html_article(_read_decoded(path), path, article_id, options),
                               options)]
    except _Unreadable as exc:
        return [ReadFailure(article_id, str(path), str(exc))]


def html_article(decoded: Decoded, path: Path, article_id: str, options: ReadOptions
                 ) -> Article:
    """The article in a decoded web page.

    Raises:
        _Unreadable: trafilatura finds no main text in the page.
    """
    import trafilatura

    found = trafilatura.bare_extraction(decoded.text, with_metadata=True, include_comments=False,
                                        include_tables=True, favor_recall=True,
                                        include_formatting=False, include_links=False)
    text = (found.text or "") if found is not None else ""
    if not text.strip():
        raise _Unreadable(f"{path}: an HTML page without article text (no paragraphs found "
                          "outside menus, scripts and boilerplate)")
    title, removed_title = clean_text(" ".join((found.title or "").split()))
    body, removed_body = clean_text(text)
    lines = [line.strip() for line in body.split("\n") if line.strip()]
    if lines and title and lines[0] == title:
        lines = lines[1:]  # the <h1> repeats the title
    if not title and len(lines) > 1:
        title, lines = lines[0], lines[1:]
    removed = decoded.removed + removed_title + removed_body
    notes = reading_notes(Decoded("", decoded.encoding, removed), format="html")
    return Article(id=article_id, title=title, paragraphs=_split_paragraphs("\n\n".join(lines)),
                   source=str(path), language=options.language, reading=notes)
