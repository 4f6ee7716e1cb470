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


#: Byte-order marks, longest first (a UTF-32-LE mark begins like a UTF-16-LE one).
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
         (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
         (codecs.BOM_UTF16_BE, "utf-16-be"))
#: Legacy single-byte encodings a French text without a mark may be in, likeliest first.
LEGACY_ENCODINGS = ("cp1252", "iso8859_15", "latin_1", "mac_roman")
#: File signatures of common binary formats, named in the failure.
_SIGNATURES = ((b"%PDF", "a PDF document"), (b"PK\x03\x04", "a ZIP archive (or .docx/.odt)"),
               (b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"),
               (b"GIF8", "a GIF image"), (b"\x7fELF", "an executable"),
               (b"\x1f\x8b", "a gzip archive"), (b"\xd0\xcf\x11\xe0", "an old Office document"),
               (b"SQLite format 3", "an SQLite database"))
# Removed from every text read: ANSI terminal sequences ("ESC[31m"), C0/C1 control characters
# but tab and newline, DEL, bidirectional embeddings, overrides and isolates (which can make
# a text display other than it reads) and stray byte-order marks. Line and page breaks are
# made newlines first.
_REMOVED = re.compile(
    "\x1b\\[[0-?]*[ -/]*[@-~]|\x1b\\][^\x07\x1b]*(?:\x07|\x1b\\\\)|"
    "[\x00-\x08\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_BREAKS = re.compile("\r\n?|[\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")


@dataclass(frozen=True)
class Decoded:
    """A file's text and how it was read: ``encoding`` (``utf-8``, ``utf-16-le``... with
    `` (guessed)`` appended when no mark or valid UTF-8 said so) and how many invisible
    control characters were ``removed`` (see :func:`clean_text`)."""

    text: str
    encoding: str
    removed: int = 0


def clean_text(text: str) -> tuple[str, int]:
    """Line breaks made ``\\n``; control, bidi-override and ANSI terminal characters removed.

    Args:
        text: Decoded text.

    Returns:
        The cleaned text, and how many characters were removed (line-break changes not counted).
    """
    text = _BREAKS.sub("\n", text)
    cleaned = _REMOVED.sub("", text)
    return cleaned, len(text) - len(cleaned)


def _binary_kind(data: bytes) -> str | None:
    """What makes ``data`` (without a byte-order mark) a binary file, or None for text.

    A stray NUL or control byte in a text is removed later; a binary has a known signature, or
    more than 1% NUL bytes or 5% control codes (and more than 4) in its first 8 KiB."""
    sample = data[:8192]
    for signature, name in _SIGNATURES:
        if sample.startswith(signature):
            return name
    if not sample:
        return None
    nuls = sample.count(0)
    controls = sum(1 for b in sample if (b < 32 and b not in b"\t\n\r\f\v\x1b") or b == 127)
    if nuls > max(4, 0.01 * len(sample)):
        return f"{nuls} NUL bytes in its first {len(sample)} bytes"
    if controls > max(4, 0.05 * len(sample)):
        return f"{controls} control codes in its first {len(sample)} bytes"
    return None


def decode_bytes(data: bytes, where: str) -> Decoded:
    """Decode a text file: UTF-8/16/32 with a byte-order mark, UTF-8, UTF-16 without a mark, or
    a legacy single-byte encoding (CP1252, ISO 8859-15, Latin-1, Mac Roman) chosen by
    charset-normalizer; then :func:`clean_text`.

    Args:
        data: The file's bytes.
        where: The file (or line) to name in errors.

    Returns:
        The decoded, cleaned text.

    Raises:
        _Unreadable: a binary file, or a byte-order mark the bytes then contradict.
    """
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom):].decode(codec)
            except UnicodeDecodeError as exc:
                raise _Unreadable(f"{where}: starts with a {codec.upper()} byte-order mark but "
                                  f"is not valid {codec.upper()} (byte offset "
                                  f"{len(bom) + exc.start})") from None
            cleaned, removed = clean_text(text)
            return Decoded(cleaned, f"{codec} (byte-order mark)", removed)
    kind = _binary_kind(data)
    if kind is not None:
        unmarked = _utf16_without_mark(data)
        if unmarked is None:
            raise _Unreadable(f"{where}: looks like a binary file ({kind}); expected text")
        text, encoding = unmarked
    else:
        try:
            text, encoding = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            text, encoding = _damaged_utf8(data) or _legacy(data)
    cleaned, removed = clean_text(text)
    return Decoded(cleaned, encoding, removed)


def _damaged_utf8(data: bytes) -> tuple[str, str] | None:
    """UTF-8 with a few invalid bytes (a file cut in mid-character, a stray byte), decoded with
    each invalid sequence replaced by U+FFFD; None when the invalid bytes outnumber the valid
    non-ASCII characters, as in a legacy single-byte encoding, where every accent is one."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") - data.count("\ufffd".encode())
    valid = sum(1 for char in text if ord(char) > 127) - bad
    if valid <= bad:
        return None
    return text, f"utf-8 ({bad} invalid byte sequence{'s' * (bad > 1)} replaced by U+FFFD)"


def _utf16_without_mark(data: bytes) -> tuple[str, str] | None:
    """UTF-16 text without a byte-order mark (every other byte NUL), or None."""
    sample = data[:8192]
    even, odd = sample[0::2], sample[1::2]
    for codec, zeros in (("utf-16-le", odd), ("utf-16-be", even)):
        if zeros and zeros.count(0) > 0.9 * len(zeros):
            try:
                return data.decode(codec), f"{codec} (guessed)"
            except UnicodeDecodeError:
                return None
    return None


def _legacy(data: bytes) -> tuple[str, str]:
    """Decode non-UTF-8 bytes with the legacy encoding charset-normalizer finds likeliest.

    A text charset-normalizer finds in a non-Latin script (KOI8-R, Shift-JIS, CP1251...) is
    decoded so, and then found not French by its script; otherwise the likeliest of
    :data:`LEGACY_ENCODINGS`, and CP1252 when it cannot tell, with the five bytes CP1252 leaves
    undefined read as Latin-1 (control characters, then removed and counted), so that one such
    byte does not cost the file its curly quotes and euro signs.
    """
    import charset_normalizer

    from .language import main_script

    anything = charset_normalizer.from_bytes(data).best()
    if anything is not None and main_script(str(anything)) is not None:
        return str(anything), f"{anything.encoding} (guessed)"
    best = charset_normalizer.from_bytes(data, cp_isolation=list(LEGACY_ENCODINGS)).best()
    if best is not None:
        return str(best), f"{best.encoding} (guessed)"
    return data.decode("cp1252", errors=_LATIN1_FALLBACK), "cp1252 (guessed)"


def _latin1_fallback(error: UnicodeDecodeError) -> tuple[str, int]:
    return error.object[error.start:error.end].decode("latin-1"), error.end


_LATIN1_FALLBACK = "fr-en-briefs-latin1"
codecs.register_error(_LATIN1_FALLBACK, _latin1_fallback)


def reading_notes(decoded: Decoded, **more: object) -> dict[str, object]:
    """What an article records of how it was read (its ``reading`` field)."""
    notes: dict[str, object] = {"encoding": decoded.encoding}
    if decoded.removed:
        notes["removed_characters"] = decoded.removed
    return {**notes, **more}


def _read_decoded(path: Path) -> Decoded:
    """The file decoded and cleaned (see :func:`decode_bytes`)."""
    return decode_bytes(path.read_bytes(), str(path))


def _read_text(path: Path) -> str:
    """The file's text, decoded and cleaned (see :func:`decode_bytes`)."""
    return _read_decoded(path).text


_VISIBLE = re.compile(r"[^\s\u200b\u2060\ufeff]")
#: A first line longer than this is a paragraph, not a title.
MAX_TITLE_CHARS = 200
_LINE_END = re.compile(r"[.!?…:;»\"”)\]]\s*$")


def split_title_body(text: str) -> tuple[str, tuple[str, ...]]:
    """A plain-text article's title and body paragraphs.

    The first line is the title when it is at most :data:`MAX_TITLE_CHARS` characters and either
    a blank line follows it or it does not end like a sentence (with a full stop); otherwise the
    article has no title and the first line is its first paragraph: a text on one line is all
    body. Blank lines separate paragraphs. A body without any blank line (scraped text often has
    one paragraph per line) starts a new paragraph after every line that ends a sentence, and
    joins the others (lines wrapped in mid-sentence).

    Args:
        text: The decoded file.

    Returns:
        ``(title, paragraphs)``; the title may be empty.
    """
    lines = text.strip().split("\n")
    first = lines[0].strip()
    blank_after = len(lines) > 1 and not lines[1].strip()
    titled = (len(lines) > 1 and len(first) <= MAX_TITLE_CHARS
              and (blank_after or not first.endswith(".")))
    title, rest = (first, lines[1:]) if titled else ("", lines)
    return title, split_body("\n".join(rest))


def split_body(text: str) -> tuple[str, ...]:
    """The paragraphs of an article's body (its title line removed): see
    :func:`split_title_body`."""
    from .segment import ends_sentence

    lines = text.strip().split("\n")
    if not re.search(r"\n[ \t]*\n", text.strip()):
        text = "\n".join(
            line + "\n" if _LINE_END.search(line) and ends_sentence(line, after[:200]) else line
            for line, after in zip(lines, [*lines[1:], ""], strict=True))
    return _split_paragraphs(text)


def _split_paragraphs(text: str) -> tuple[str, ...]:
    """Blank lines separate paragraphs; lines within one are joined with a space."""
    from .segment import split_paragraphs

    return tuple(split_paragraphs(text))


def _check_article(article: Article, options: ReadOptions) -> Article:
    """The article, or why it cannot be one: nothing visible in it, or longer than the limit."""
    text = "\n".join([article.title, *article.paragraphs])
    if not _VISIBLE.search(text) and not article.given_segments:
        removed = article.reading.get("removed_characters")
        after = f" after removing {removed} control characters" if removed else ""
        raise _Unreadable(f"{article.source}: no visible text{after}; expected French text",
                          article.id)
    if len(text) > options.max_chars:
        raise _Unreadable(
            f"{article.source}: {len(text):,} characters, more than the limit of "
            f"{options.max_chars:,} (input.max_chars); split the article or raise the limit "
            "(articles are never truncated)", article.id)
    return article
