"""Readers: a file, directory or glob pattern in; Articles, and ReadFailures saying why, out.

What a path stands for is :mod:`pipeline.listing`'s work; here, each listed file is read by the
reader of its format. Anything wrong with one file or one JSONL line becomes a
:class:`ReadFailure` naming where and why, and reading goes on: nothing is dropped silently. Only
an empty match or unknown format raise.
"""

from __future__ import annotations

import codecs
import json
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from pipeline.errors import InputError
from pipeline.listing import (  # noqa: F401  (re-exported: the listing's public names)
    Listing,
    Refused,
    absolute_path,
    check_format,
    find_inputs,
    list_inputs,
    load_builtin_readers,
    printable,
    reader_of,
)
from pipeline.reading import (  # noqa: F401  (re-exported: the readers' public names)
    _VISIBLE,
    READERS,
    SUFFIXES,
    Item,
    Reader,
    ReadOptions,
    _binary_kind,
    _check_article,
    _read_decoded,
    _split_paragraphs,
    _Unreadable,
    clean_text,
    reading_notes,
    register_reader,
    split_title_body,
)
from pipeline.records import Article, ReadFailure


def read_inputs(path: str, fmt: str = "auto", *, max_chars: int = 200_000, language: str = "fr",
                references: str | None = None,
                origlang: str | None = None) -> list[Article | ReadFailure]:
    """Every article under ``path`` as a list (see :func:`iter_inputs`, which streams them)."""
    return list(iter_inputs(path, fmt, max_chars=max_chars, language=language,
                            references=references,
                            origlang=origlang))


def iter_inputs(path: str, fmt: str = "auto", *, max_chars: int = 200_000, language: str = "fr",
                references: str | None = None,
                origlang: str | None = None, files: Listing | list[Path] | None = None
                ) -> Iterator[Article | ReadFailure]:
    """Read every article under ``path`` lazily, in sorted file order and input order within a
    file: one file (one JSONL line) at a time, so memory does not grow with the input.

    A second article with an id already used becomes a failure of its own, under the id
    ``<id> (duplicate <n>)``, so that it is stored and visible rather than lost.

    Args:
        path: A file, a directory (its input files, recursively) or a glob pattern.
        fmt: ``auto`` (by suffix; unknown suffixes are read as txt) or a registered reader name.
        max_chars: Largest accepted article in characters (config key ``input.max_chars``).
        language: Expected source language code.
        references: Reference translations: a file or a folder (config ``input.references``);
            see :mod:`pipeline.testsets`.
        origlang: Test sets only: keep the documents whose original language is this one.
        files: The files of ``path`` when already listed (:func:`list_inputs`); a plain
            list is read as named, links followed.

    Raises:
        InputError: ``path`` matches nothing (or only references), or ``fmt`` is not a
            registered reader.
    """
    files = files if files is not None else list_inputs(path, references=references, fmt=fmt)
    uses: dict[str, tuple[str, int]] = {}  # id -> (first source, uses so far)
    for file, name, file_options in plan_reads(files, fmt, ReadOptions(
            max_chars=max_chars, language=language,
            references=references, origlang=origlang)):
        for item in read_file(file, name, file_options):
            yield _unique(item, uses)


def plan_reads(files: Listing | list[Path], fmt: str, options: ReadOptions
               ) -> list[tuple[Path, str | Refused, ReadOptions]]:
    """For each input file, the reader that reads it and its options (its default id set).

    Args:
        files: The inputs (:func:`list_inputs`), or files named one by one.
        fmt: ``auto`` or a registered reader name.
        options: What every reader is told.

    Returns:
        (file, reader name, options) per file, in order; a link the listing refused has a
        :class:`Refused` for its reader, which :func:`read_file` turns into its failure.

    Raises:
        InputError: ``fmt`` is not a registered reader, or references are given for JSONL.
    """
    load_builtin_readers()
    check_format(fmt)
    refused = files.refused if isinstance(files, Listing) else {}
    files = list(files.files if isinstance(files, Listing) else files)
    names: list[str | Refused] = [
        Refused(str(f), refused[f]) if f in refused else reader_of(f, fmt) for f in files]
    jsonl = [f for f, name in zip(files, names, strict=True) if name == "jsonl"]
    if options.references and jsonl:
        raise InputError(f"input.references {options.references!r} cannot apply to JSONL "
                         f"inputs such as {jsonl[0]}: a JSONL record carries its reference "
                         "inline (its 'reference' field); drop input.references, or give txt "
                         "or test-set inputs")
    return [(file, name, replace(options, default_id=default_id))
            for file, name, default_id in zip(files, names, _default_ids(files), strict=True)]


def read_file(file: Path, reader: str | Refused, options: ReadOptions) -> Iterator[Item]:
    """The items of one input file, as ``reader`` reads them (duplicate ids not yet checked:
    see :func:`duplicate_id`); a file that cannot be read gives one failure, and so does a
    link the listing refused (``reader`` is then its :class:`Refused`; the file is not
    opened)."""
    for item in _read_file(file, reader, options):
        yield _printable_item(item)


def _read_file(file: Path, reader: str | Refused, options: ReadOptions) -> Iterator[Item]:
    if isinstance(reader, Refused):
        yield ReadFailure(options.default_id or file.stem, reader.source, reader.reason)
        return
    load_builtin_readers()
    try:
        yield from READERS[reader](file, options)
    except OSError as exc:  # unreadable or vanished mid-run: this file fails, the run goes on
        yield ReadFailure(options.default_id, str(file), f"{file}: cannot read: {exc}")


def _printable_item(item: Item) -> Item:
    """The item with what a file name reaches printable (:func:`printable`): its id, source
    and message; an article's test-set name, reference-set names, reading notes and metadata
    (a reference file's name)."""
    if isinstance(item, ReadFailure):
        names: tuple[str, ...] = ("id", "source", "message")
    else:
        names = ("id", "source", "testset", "metadata", "reading")
    changed = {name: _printable_value(getattr(item, name)) for name in names}
    if isinstance(item, Article) and item.reference_sets:
        changed["reference_sets"] = tuple((printable(name), segments)
                                          for name, segments in item.reference_sets)
    if all(value == getattr(item, name) for name, value in changed.items()):
        return item
    return replace(item, **changed)


def _printable_value(value: Any) -> Any:
    """``value`` with every string in it printable, through dicts, lists and tuples."""
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, dict):
        return {printable(k) if isinstance(k, str) else k: _printable_value(v)
                for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_printable_value(v) for v in value)
    return value


def survey_inputs(files: Listing | list[Path]) -> tuple[int, str]:
    """Read the input files once, in blocks: about how many articles they hold, and a SHA-256
    of their names (relative to their common folder) and contents.

    The count (non-blank JSONL lines, ``<doc`` elements of test sets before any ``origlang``
    filter, one per other file) is for progress; the hash lets a run be resumed only on the
    inputs it started with. A link the listing refused is not opened: its reason is hashed.
    """
    import hashlib

    refused = files.refused if isinstance(files, Listing) else {}
    files = list(files.files if isinstance(files, Listing) else files)
    digest, total = hashlib.sha256(), 0
    base = os.path.commonpath([str(absolute_path(f).parent) for f in files]) if files else ""
    for file in files:
        # os.fsencode: a name that is not valid UTF-8 is hashed as its bytes
        digest.update(os.fsencode(os.path.relpath(absolute_path(file), base)) + b"\0")
        if file in refused:
            digest.update(os.fsencode(f"refused: {refused[file]}") + b"\0")
            total += 1
            continue
        try:
            total += max(1, _survey_file(file, digest))
        except OSError as exc:  # read (and failed) again later, naming the file
            digest.update(f"unreadable: {exc.strerror}".encode())
            total += 1
        digest.update(b"\0")
    return total, digest.hexdigest()


def _survey_file(file: Path, digest: Any) -> int:
    """Feed ``file`` to ``digest``; return its articles (JSONL lines, ``<doc`` elements) or 0."""
    suffix = file.suffix.lower()
    count, rest = 0, b""
    with file.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
            if suffix == ".jsonl":
                *lines, rest = (rest + block).split(b"\n")
                count += sum(1 for line in lines if line.strip())
            elif suffix in (".sgm", ".xml"):
                count += (rest + block).count(b"<doc ") - rest.count(b"<doc ")
                rest = block[-4:]
    return count + (suffix == ".jsonl" and bool(rest.strip()))


def _default_ids(files: list[Path]) -> list[str]:
    """File stems; where stems collide, the path from the common folder with '/' -> '__'; where
    those still collide (``x.txt`` and ``x.html`` in one folder), that path with the file's
    suffix kept (``x.txt``, ``x.html``). A name that is not valid UTF-8 is made printable
    (:func:`printable`)."""
    if not files:
        return []
    stems = Counter(f.stem for f in files)
    base = os.path.commonpath([str(absolute_path(f).parent) for f in files])

    def flat(path: Path) -> str:
        return os.path.relpath(path, base).replace(os.sep, "__").replace("/", "__")

    ids = [f.stem if stems[f.stem] == 1 else flat(absolute_path(f).with_suffix(""))
           for f in files]
    uses = Counter(ids)
    return [printable(flat(absolute_path(f)) if uses[i] > 1 else i)
            for f, i in zip(files, ids, strict=True)]


def _unique(item: Item, uses: dict[str, tuple[str, int]]) -> Item:
    """The item, or a failure under a new id if its id was used before in this run."""
    duplicate = duplicate_id(item.id, item.source, uses)
    if duplicate is None:
        return item
    return ReadFailure(*duplicate)


def duplicate_id(article_id: str, source: str, uses: dict[str, tuple[str, int]]
                 ) -> tuple[str, str, str] | None:
    """None for an id's first use in a run; for a later use, the ``(new id, source, message)``
    of the failure it is stored as: ``<id> (duplicate <n>)``.

    ``uses`` (id -> first source and uses so far) is updated. The new id's form (spaces and
    brackets) is chosen not to meet real ids; should one still equal a later record's id, that
    record is a duplicate in turn, since ``uses`` holds the new ids too: no two records ever
    share an id, and none is lost.
    """
    first, count = uses.get(article_id, (source, 0))
    uses[article_id] = (first, count + 1)
    if count == 0:
        return None
    n = count + 1
    while f"{article_id} (duplicate {n})" in uses:
        n += 1
    new_id = f"{article_id} (duplicate {n})"
    uses[new_id] = (source, 1)
    return new_id, source, (f"{source}: duplicate article id {article_id!r}, first used by "
                            f"{first}; stored as {new_id!r}; ids must be unique within a run")


@register_reader("txt", suffixes=(".txt",))
def read_txt(path: Path, options: ReadOptions) -> list[Item]:
    """One article per file: a short first line is the title, blank lines split paragraphs
    (see :func:`pipeline.reading.split_title_body`); a file that holds an HTML page is read as
    one (:mod:`pipeline.webpage`)."""
    from pipeline.testsets import attach_txt_reference  # x.en.txt beside x.fr.txt

    article_id = options.default_id or path.stem
    try:
        article = attach_txt_reference(_txt_article(path, article_id, options), path, options)
        return [_check_article(article, options)]
    except _Unreadable as exc:
        return [ReadFailure(article_id, str(path), str(exc))]


def _txt_article(path: Path, article_id: str, options: ReadOptions) -> Article:
    from pipeline.webpage import html_article, looks_like_html

    decoded = _read_decoded(path)
    if looks_like_html(decoded.text):
        return html_article(decoded, path, article_id, options)
    if not _VISIBLE.search(decoded.text):
        removed = f" and {decoded.removed} control characters" if decoded.removed else ""
        raise _Unreadable(f"{path}: empty file (nothing but whitespace{removed}); expected "
                          "French text")
    title, paragraphs = split_title_body(decoded.text)
    return Article(id=article_id, title=title, paragraphs=paragraphs, source=str(path),
                   language=options.language, reading=reading_notes(decoded))


_JSONL_KEYS = ("id", "title", "text", "reference", "reference_summary")


@register_reader("jsonl", suffixes=(".jsonl",))
def read_jsonl(path: Path, options: ReadOptions) -> Iterator[Item]:
    """One article per non-blank line: ``id``, ``text``, optional ``title`` and references.

    The file is read line by line, so a large archive never sits in memory; a line that is not
    UTF-8 or not a JSON object fails alone, naming its line (and byte offset).
    """
    file_id = options.default_id or path.stem
    found = False
    with path.open("rb") as handle:
        kind = _binary_kind(handle.read(8192))
        if kind is not None:
            yield ReadFailure(file_id, str(path), f"{path}: looks like a binary file ({kind}); "
                              "expected UTF-8 JSON lines")
            return
        handle.seek(0)
        for number, line in _jsonl_lines(handle, path):
            found = True
            source = f"{path}:{number}"
            try:
                if isinstance(line, _Unreadable):
                    raise line
                yield _check_article(_jsonl_article(line, source, options), options)
            except _Unreadable as exc:
                yield ReadFailure(exc.article_id or f"{file_id}:{number}", source, str(exc))
    if not found:
        message = f"{path}: empty file (no JSON lines); expected one JSON object per line"
        yield ReadFailure(file_id, str(path), message)


def _jsonl_lines(handle: Any, path: Path) -> Iterator[tuple[int, str | _Unreadable]]:
    """(line number, text or why it is unreadable) of each non-blank line."""
    offset = 0
    for number, raw in enumerate(handle, start=1):
        start, offset = offset, offset + len(raw)
        if number == 1 and raw.startswith(codecs.BOM_UTF8):
            raw, start = raw[len(codecs.BOM_UTF8):], start + len(codecs.BOM_UTF8)
        if not raw.strip():
            continue
        where = f"{path}:{number}"
        if b"\x00" in raw:
            yield number, _Unreadable(f"{where}: NUL bytes in the line; expected UTF-8 "
                                             "JSON text")
            continue
        try:
            yield number, raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield number, _Unreadable(
                f"{where}: not valid UTF-8: byte 0x{raw[exc.start]:02x} at byte offset "
                f"{start + exc.start}; it is probably Latin-1 or Windows-1252: re-encode the "
                "file, e.g. iconv -f latin1 -t utf-8 in.jsonl > out.jsonl")


def _jsonl_article(line: str, source: str, options: ReadOptions) -> Article:
    record = _parse_object(line, source)
    article_id = str(_typed(record, "id", source, (str, int), "a non-empty string or int", True))
    try:
        text = _typed(record, "text", source, str, "a non-empty string", required=True)
        paragraphs, reference = _paragraphs_and_reference(record, text, source)
        title = _typed(record, "title", source, str, "a string") or ""
        summary = _typed(record, "reference_summary", source, str, "a string") or ""
    except _Unreadable as exc:
        raise _Unreadable(str(exc), article_id.strip()) from None
    metadata = {k: v for k, v in record.items() if k not in _JSONL_KEYS}
    given = isinstance(reference, tuple)  # a list in the JSON: one reference per line of text
    (title, *paragraphs), removed = _cleaned([title, *paragraphs])
    reading: dict[str, Any] = {"encoding": "utf-8"}
    if removed:
        reading["removed_characters"] = removed
    return Article(id=article_id.strip(), title=title.strip(), paragraphs=tuple(paragraphs),
                   source=source, language=options.language, reference=reference,
                   reference_summary=summary.strip() or None, given_segments=given,
                   reference_sets=(("ref", reference),) if given else (), metadata=metadata,
                   reading=reading)


def _cleaned(texts: list[str]) -> tuple[list[str], int]:
    """Each text without control and bidi characters (:func:`clean_text`); how many went."""
    cleaned = [clean_text(text) for text in texts]
    return [text for text, _ in cleaned], sum(n for _, n in cleaned)


def _parse_object(line: str, source: str) -> dict[str, Any]:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise _Unreadable(f"{source}: not valid JSON ({exc.msg} at column {exc.colno}); "
                          "expected one JSON object per line") from None
    if not isinstance(record, dict):
        found = type(record).__name__
        raise _Unreadable(f"{source}: found a JSON {found}, expected an object with id and text")
    try:
        json.dumps(record, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise _Unreadable(f"{source}: an escaped lone surrogate "
                          f"({exc.object[exc.start:exc.end]!r}) is not a character; expected "
                          "valid Unicode text") from None
    return record


def _typed(record: dict[str, Any], key: str, source: str, types: type | tuple[type, ...],
           expected: str, required: bool = False) -> Any:
    """``record[key]`` if of ``types`` (non-blank if required); None if optional and absent."""
    value = record.get(key)
    if value is None and not required:
        return None
    blank = required and not str(value).strip()
    if isinstance(value, bool) or not isinstance(value, types) or blank:
        found = "missing" if key not in record else f"{type(value).__name__} {value!r:.40}"
        raise _Unreadable(f"{source}: {key!r} is {found}, expected {expected}")
    return value


def _paragraphs_and_reference(record: dict[str, Any], text: str, source: str) -> tuple[
        tuple[str, ...], str | tuple[str, ...] | None]:
    """A list reference pairs with the lines of ``text``, one segment each; else paragraphs."""
    reference = record.get("reference")
    if not isinstance(reference, list):
        ref = _typed(record, "reference", source, str, "a string or a list of strings")
        return _split_paragraphs(text), (ref.strip() or None) if ref else None
    if not all(isinstance(r, str) for r in reference):
        raise _Unreadable(f"{source}: 'reference' is a list with non-strings, expected strings")
    segments = tuple(line.strip() for line in text.split("\n") if line.strip())
    if len(segments) != len(reference):
        raise _Unreadable(f"{source}: 'reference' has {len(reference)} segments but 'text' has "
                          f"{len(segments)} lines; a reference list needs one source line each")
    return segments, tuple(r.strip() for r in reference)
