"""What every reader shares: options, the registry, text decoding and the article checks.

:mod:`pipeline.readers` (plain articles) and :mod:`pipeline.testsets` (test sets with references)
both build on this module, so neither imports the other's internals.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from pipeline.records import Article, ReadFailure

Item = Article | ReadFailure


@dataclass(frozen=True)
class ReadOptions:
    """What every reader is told; ``default_id`` is unique in the run, for id-less articles."""

    max_chars: int = 200_000  # a larger article fails; it is never truncated
    language: str = "fr"
    check_language: bool = True
    default_id: str = ""
    references: str | None = None  # reference file or folder (config input.references)
    origlang: str | None = None  # test sets: keep only documents first written in this language


Reader = Callable[[Path, ReadOptions], Iterable[Item]]
READERS: dict[str, Reader] = {}
SUFFIXES: dict[str, str] = {}  # file suffix -> reader name, for fmt="auto"


def register_reader(name: str, *, suffixes: tuple[str, ...] = ()) -> Callable[[Reader], Reader]:
    """Register a reader under ``name``; files ending in ``suffixes`` go to it in auto mode."""

    def decorate(reader: Reader) -> Reader:
        READERS[name] = reader
        SUFFIXES.update({suffix.lower(): name for suffix in suffixes})
        return reader

    return decorate


class _Unreadable(Exception):
    """One file or line that cannot become an Article; the message says where and why."""

    def __init__(self, message: str, article_id: str = "") -> None:
        super().__init__(message)
        self.article_id = article_id


def _check_not_binary(data: bytes, path: Path) -> None:
    """Raise if ``data`` (a file, or its start) holds NUL bytes or many control codes."""
    sample = data[:8192]
    controls = sum(1 for b in sample if (b < 32 and b not in b"\t\n\r\f\v") or b == 127)
    if b"\x00" in data or controls > 0.05 * len(sample):
        found = f"{controls} control codes in its first {len(sample)} bytes"
        found = "NUL bytes" if b"\x00" in data else found
        raise _Unreadable(f"{path}: looks like a binary file ({found}); expected UTF-8 text")


def _read_text(path: Path) -> str:
    """The file as UTF-8 text (BOM dropped, line endings made '\\n'), or why it is not text."""
    data = path.read_bytes()
    _check_not_binary(data, path)
    bom = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        text = data[bom:].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _Unreadable(
            f"{path}: not valid UTF-8: byte 0x{data[bom + exc.start]:02x} at byte offset "
            f"{bom + exc.start}; it is probably Latin-1 or Windows-1252: re-encode it, "
            "e.g. iconv -f latin1 -t utf-8 in.txt > out.txt"
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _split_paragraphs(text: str) -> tuple[str, ...]:
    """Blank lines separate paragraphs; lines within one are joined with a space."""
    from .segment import split_paragraphs

    return tuple(split_paragraphs(text))


# Frequent function words. Words shared with French ("a", "en", "de", "la", "que", "son", "des",
# "y") are left out, so that each share counts only words that tell the languages apart.
_FUNCTION_WORDS = {lang: frozenset(words.split()) for lang, words in {
    "French": "le les du un une et est dans pour qui sur au aux pas par avec il elle ils ce cette "
    "ces sa ses leur leurs mais ou où nous vous sont été être ont plus d l qu n c s j à ne",
    "English": "the and of to is in that it was for with on as are be this by have from at which "
    "not were has their they he she but an or will would been its",
    "Spanish": "el los las del por con una para como pero más sus lo al fue está muy",
    "German": "der die das und ist nicht ein eine mit zu den von sich auf für dem im auch wird",
}.items()}
_WORD = re.compile(r"[^\W\d_]+")


def _language_problem(text: str, language: str) -> str | None:
    """Evidence that French ``text`` is another language; None on short or unclear text."""
    words = [w.lower() for w in _WORD.findall(text)]
    if language != "fr" or len(words) < 20:
        return None
    shares = {lang: sum(w in vocab for w in words) / len(words)
              for lang, vocab in _FUNCTION_WORDS.items()}
    french = shares.pop("French")
    other, share = max(shares.items(), key=lambda kv: kv[1])
    if share < 0.10 or french >= share / 2:  # conservative: only a clear other language fails
        return None
    return (
        f"looks like {other}, not French: {french:.0%} French function words against {share:.0%} "
        f"{other} ones in {len(words)} words; if intended, turn off input.check_language"
    )


def _check_article(article: Article, options: ReadOptions) -> Article:
    text = "\n".join([article.title, *article.paragraphs])
    if len(text) > options.max_chars:
        raise _Unreadable(
            f"{article.source}: {len(text):,} characters, more than the limit of "
            f"{options.max_chars:,} (input.max_chars); split the article or raise the limit "
            "(articles are never truncated)", article.id)
    problem = _language_problem(text, options.language) if options.check_language else None
    if problem:
        raise _Unreadable(f"{article.source}: {problem}", article.id)
    return article
