"""Readers: a file, directory or glob pattern in; Articles, and ReadFailures saying why, out.

Anything wrong with one file or one JSONL line becomes a :class:`ReadFailure` naming where and
why, and reading goes on: nothing is dropped silently. Only an empty match or unknown format raise.
"""

from __future__ import annotations

import codecs
import errno
import fnmatch
import json
import os
import re
import stat
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pipeline.errors import InputError
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
    _read_text,
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
    _load_builtin_readers()
    _check_format(fmt)
    refused = files.refused if isinstance(files, Listing) else {}
    files = list(files.files if isinstance(files, Listing) else files)
    names: list[str | Refused] = [
        Refused(str(f), refused[f]) if f in refused else _reader_of(f, fmt) for f in files]
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
    _load_builtin_readers()
    try:
        yield from READERS[reader](file, options)
    except OSError as exc:  # unreadable or vanished mid-run: this file fails, the run goes on
        yield ReadFailure(options.default_id, str(file), f"{file}: cannot read: {exc}")


_SURROGATE = re.compile("[\ud800-\udfff]")


def printable(text: str) -> str:
    """``text`` with the bytes of a file name that is not valid UTF-8 (which Python holds as
    lone surrogates, see :func:`os.fsdecode`) written as ``\\xe9`` escapes: SQLite, JSON and
    the terminal reject lone surrogates. Text without them is returned as it is."""
    if not _SURROGATE.search(text):
        return text
    try:
        return os.fsencode(text).decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a surrogate that no byte stands for
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


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


SHOWN_UNREAD = 10  # files left out, named one by one at the end of a run
SQLITE_FILES = ("", "-journal", "-wal", "-shm")  # a database, and the files SQLite puts beside it


@dataclass(frozen=True)
class Refused:
    """A listed input that is not read but fails: a symbolic link that leaves the input folder,
    points nowhere or loops. It stands for the reader in a read plan (:func:`plan_reads`), so
    that every executor stores the same failure (:func:`read_file`).

    Attributes:
        source: The link, as listed.
        reason: The failure's message: the link, where it points, why it is not read and what
            to do.
    """

    source: str
    reason: str


@dataclass
class Listing:
    """What ``input.path`` stands for (see :func:`list_inputs`).

    Attributes:
        path: ``input.path`` as given.
        root: The folder searched: the folder given, or a glob's folder before its first
            wildcard; None when ``path`` names a file.
        files: The inputs, sorted: the files to read, and the links in ``refused``.
        refused: The links listed but not followed -> the message of their failure.
        skipped: What was left out, and why, sorted: (path, reason).
    """

    path: str
    root: Path | None = None
    files: list[Path] = field(default_factory=list)
    refused: dict[Path, str] = field(default_factory=dict)
    skipped: list[tuple[Path, str]] = field(default_factory=list)

    def notes(self, limit: int = SHOWN_UNREAD) -> list[str]:
        """What was not read and why, one line per file (the first ``limit``), for the end of
        a run; the refused links are failures and are reported as such."""
        lines = [printable(f"not read: {path} ({why})") for path, why in self.skipped[:limit]]
        if len(self.skipped) > limit:
            lines.append(f"... and {len(self.skipped) - limit} more files not read (each with "
                         "its reason under 'unread_inputs' in the run's counts, pipeline.sqlite)")
        return lines


def list_inputs(path: str, *, references: str | None = None, fmt: str = "auto",
                exclude: Mapping[str | Path, str] | None = None) -> Listing:
    """The inputs ``path`` stands for, and what was left out of them and why.

    A file is read wherever it points. A folder gives its files of the registered suffixes
    (``.txt``, ``.jsonl``, ``.sgm``, ``.xml``, ``.fr``...), recursively; a glob gives the files
    it matches (``**`` for any depth). Both leave out, with a reason: hidden files and folders
    (a folder only; a glob's wildcards do not match them), files of other suffixes (a folder
    only), reference translations (``*.en.txt``, ``*.en.sgm``, ``*.en``, a ``references``
    folder, the ``references`` path: read with their source files), ``docids`` files, and an
    ``.xml`` file whose root element is not ``<dataset>`` (an RSS feed, a web page...). A
    symbolic link inside them is followed only when it resolves inside the folder (a glob's
    folder before its first wildcard), and a folder only once; a link that leaves it, points
    nowhere or loops is listed in ``refused``, to fail with its reason. A link to a file that is
    read anyway (itself, or through another link) is left out, saying which file is read: a
    file is read once.

    Args:
        path: ``input.path``: a file, a directory or a glob pattern (``~`` expanded).
        references: ``input.references``: a reference file or folder, left out of the inputs.
        fmt: ``input.format``: the reader of every file, or ``auto`` (by suffix).
        exclude: Paths a folder or glob leaves out -> the reason given (the run's own
            ``output.dir`` and ``cache.path``, so that a rerun does not read its outputs):
            a folder is left out whole; where it is the folder searched, the run files it
            holds at its top (``results.jsonl``, ``briefs/``...) are left out instead. A
            file named as ``path`` is read all the same.

    Returns:
        The :class:`Listing`.

    Raises:
        InputError: ``fmt`` is neither ``auto`` nor a registered reader; nothing to read:
            ``path`` matches nothing, or only files left out (the message names them and
            why; a folder holding only references says so).
    """
    from pipeline.testsets import is_reference_path, not_wmt_xml

    _load_builtin_readers()
    _check_format(fmt)
    given = Path(os.path.expanduser(path))
    if given.is_file():
        return Listing(path, None, [given])
    if given.is_symlink() and not given.exists():
        raise InputError(f"input.path {path!r} is a symbolic link to {os.readlink(given)}, "
                         "which does not exist or loops; point input.path at the file or folder "
                         "itself")
    if given.is_dir():
        listing, found = _list_folder(path, given, fmt, exclude or {})
    else:
        listing, found = _list_glob(path, fmt, exclude or {})
    references_found: list[Path] = []
    for file in found:
        reader = _reader_of(file, fmt)
        if file.name == "docids" or file.suffix.lower() == ".docids":
            listing.skipped.append((file, "document ids of the line-aligned files beside it"))
        elif is_reference_path(file, listing.root, references):
            references_found.append(file)
        elif reader == "wmt-xml" and (why := not_wmt_xml(file)):
            listing.skipped.append((file, why))
        else:
            listing.files.append(file)
    listing.files.sort(key=str)
    _leave_out_repeated_links(listing)
    listing.skipped += _reference_reasons(listing, references_found, fmt, references)
    listing.files.sort(key=str)
    listing.skipped.sort(key=lambda entry: str(entry[0]))
    if not listing.files:
        raise InputError(printable(_nothing_to_read(listing, references_found)))
    return listing


def find_inputs(path: str, *, references: str | None = None) -> list[Path]:
    """The files ``path`` stands for that are read, sorted (see :func:`list_inputs`, which also
    says what was left out and lists the refused links, which this leaves out).

    Raises:
        InputError: Nothing to read.
    """
    listing = list_inputs(path, references=references)
    return [f for f in listing.files if f not in listing.refused]


def absolute_path(file: Path) -> Path:
    """``file`` made absolute through its folder's real path, the file itself (a link) kept."""
    return Path(os.path.realpath(file.parent)) / file.name


def _check_format(fmt: str) -> None:
    """Raise InputError unless ``fmt`` is ``auto`` or a registered reader (readers loaded)."""
    if fmt != "auto" and fmt not in READERS:
        names = ", ".join(["auto", *sorted(READERS)])
        raise InputError(f"input.format {fmt!r} is not a known reader; use one of: {names}")


def _leave_out_repeated_links(listing: Listing) -> None:
    """Read each file once: a listed link whose target is listed too (by real path) moves to
    ``listing.skipped``, naming the file that is read: the file itself, or, where only links
    reach it, the first of them in sorted order (``listing.files`` is sorted)."""
    folders: dict[Path, str] = {}

    def real(file: Path) -> str:
        if file.is_symlink():
            return os.path.realpath(file)
        if file.parent not in folders:
            folders[file.parent] = os.path.realpath(file.parent)
        return os.path.join(folders[file.parent], file.name)

    readable = [f for f in listing.files if f not in listing.refused]
    links = {f for f in readable if f.is_symlink()}
    if not links:
        return
    kept: dict[str, Path] = {}
    for file in sorted(readable, key=lambda f: (f in links, str(f))):  # files before links
        kept.setdefault(real(file), file)
    repeated = {f: kept[real(f)] for f in links if kept[real(f)] != f}
    listing.files = [f for f in listing.files if f not in repeated]
    listing.skipped += [(link, f"link to {read}, which is read itself")
                        for link, read in repeated.items()]


def _reader_of(file: Path, fmt: str) -> str:
    return fmt if fmt != "auto" else SUFFIXES.get(file.suffix.lower(), "txt")


def _read_suffixes() -> list[str]:
    """What a folder contributes: the suffixes of the registered readers."""
    return sorted({".txt", *SUFFIXES})


def _list_folder(path: str, root: Path, fmt: str, exclude: Mapping[str | Path, str]
                 ) -> tuple[Listing, list[Path]]:
    """Walk folder ``root``: the listing (refused links and what was left out so far) and the
    files found with the registered suffixes, references among them."""
    from pipeline.testsets import is_reference_path

    listing, found = Listing(path, root), []
    suffixes = _read_suffixes()

    def enter(folder: Path, parts: tuple[str, ...]) -> bool:
        if parts[-1].startswith("."):
            listing.skipped.append((folder, "hidden folder; not searched"))
            return False
        return True

    outside = f"outside the input folder {os.path.abspath(root)}"
    for file, parts, kind, why in _walk(root, enter, outside, _Excluded(root, exclude)):
        suffix = file.suffix.lower()
        if kind in ("refused-folder", "skipped", "excluded"):  # a folder link not followed
            _refuse_or_skip(listing, file, kind, why)
        elif parts[-1].startswith("."):
            listing.skipped.append((file, "hidden file"))
        elif suffix not in suffixes and not (file.name == "docids" or suffix == ".docids"
                                             or is_reference_path(file)):  # ref.en
            listing.skipped.append((file, f"unknown suffix {suffix}" if suffix else
                                    "no suffix"))
        else:
            _take(listing, found, file, kind, why)
    return listing, found


def _list_glob(pattern: str, fmt: str, exclude: Mapping[str | Path, str]
               ) -> tuple[Listing, list[Path]]:
    """Walk the folder of glob ``pattern`` (before its first wildcard) for the files it matches
    (``**``: any depth; wildcards do not match hidden names, as in :func:`glob.glob`)."""
    root, wanted = _glob_root(os.path.expanduser(pattern))
    listing, found = Listing(pattern, root), []
    if not wanted or not root.is_dir():
        return listing, found

    def enter(folder: Path, parts: tuple[str, ...]) -> bool:
        return _may_descend(parts, wanted)

    outside = f"outside {os.path.abspath(root)}, the folder of the glob"
    for file, parts, kind, why in _walk(root, enter, outside, _Excluded(root, exclude)):
        if kind in ("refused-folder", "skipped"):
            _refuse_or_skip(listing, file, kind, why)
        elif kind == "excluded":  # a folder the glob enters, or a file it matches
            if file.is_dir() or _matches(parts, wanted):
                listing.skipped.append((file, why))
        elif _matches(parts, wanted):
            _take(listing, found, file, kind, why)
    return listing, found


def _take(listing: Listing, found: list[Path], file: Path, kind: str, why: str) -> None:
    """A file met by a walk: read (``found``), refused (a link) or skipped (not a file)."""
    if kind == "refused":
        _refuse_or_skip(listing, file, kind, why)
    elif kind == "special":
        listing.skipped.append((file, why))
    else:
        found.append(file)


def _refuse_or_skip(listing: Listing, path: Path, kind: str, why: str) -> None:
    if kind.startswith("refused"):
        listing.files.append(path)
        listing.refused[path] = f"{path}: {why}"
    else:
        listing.skipped.append((path, why))


_Walked = tuple[Path, tuple[str, ...], str, str]  # path, its parts under the root, kind, why


class _Excluded:
    """The paths a walk of ``root`` leaves out (see ``exclude`` in :func:`list_inputs`), by real
    path: folders inside ``root``, whole; for a folder that is ``root`` or holds it, the run
    files at its top (:mod:`pipeline.rundir`); anything else (a file, or nothing yet), that
    path."""

    def __init__(self, root: Path, exclude: Mapping[str | Path, str]) -> None:
        from pipeline import rundir

        root_real = os.path.realpath(root)
        self.folders: dict[str, str] = {}
        self.files: dict[str, str] = {}
        self.patterns: list[tuple[str, str, str]] = []  # folder, name pattern, reason
        for given, why in exclude.items():
            real = os.path.realpath(os.path.expanduser(given))
            if os.path.isdir(real) and _inside(root_real, real):  # the run folder holds root
                names = [*rundir.RUN_FILES, rundir.BRIEFS_DIR, rundir.SUPERSEDED_DIR,
                         rundir.LOCK_NAME, *(rundir.DB_NAME + end for end in SQLITE_FILES)]
                self.files.update((os.path.join(real, name), why) for name in names)
                self.patterns.append((real, "references*.en.txt", why))
            elif os.path.isdir(real):
                self.folders[real] = why
            else:
                self.files[real] = why

    def __bool__(self) -> bool:
        return bool(self.files or self.folders or self.patterns)

    def reason(self, where: str, real: str | None = None) -> str | None:
        """Why the entry at ``where`` (its folder's real path joined with its name; ``real``:
        where it leads, for a link) is left out, or None."""
        for path in (where, real):
            if path is None:
                continue
            if path in self.files:
                return self.files[path]
            for folder, why in self.folders.items():
                if _inside(path, folder):
                    return why
            folder, name = os.path.split(path)
            for holder, pattern, why in self.patterns:
                if folder == holder and fnmatch.fnmatchcase(name, pattern):
                    return why
        return None


def _walk(root: Path, enter: Callable[[Path, tuple[str, ...]], bool], outside: str,
          excluded: _Excluded | None = None) -> Iterator[_Walked]:
    """Everything under folder ``root`` (itself followed, even if a link), in name order,
    never leaving it and never looping: its real folders first, then the links to folders
    inside it that lead to a folder not searched yet (so that a folder is read from its own
    place, once).

    Yields (path, parts under ``root``, kind, why), kind being ``file`` (a regular file, or a
    link to one inside ``root``), ``refused`` (a link that leaves ``root``, points nowhere or
    loops), ``special`` (not a regular file), and for a folder that ``enter(path, parts)``
    wants but that is not searched, ``refused-folder`` (a link that leaves ``root``) or
    ``skipped`` (a folder already searched, reached again through a link, or unreadable),
    and ``excluded`` for what ``excluded`` leaves out (a folder only if ``enter`` wants it).
    ``why`` says why (``outside``: how to name ``root`` in it); "" for a file.
    """
    root_real = os.path.realpath(root)
    visited = {root_real: root}
    stack: list[tuple[Path, tuple[str, ...]]] = [(root, ())]
    links: list[tuple[Path, tuple[str, ...], str]] = []  # folder links, followed last
    while stack or links:
        if not stack:
            path, rel, holder = links.pop(0)
            real = os.path.realpath(path)
            if real in visited and _inside(holder, real):
                yield path, rel, "skipped", (f"symbolic link to {real}, a folder that holds "
                                             "it: a loop, not followed")
            elif real in visited:
                yield path, rel, "skipped", (f"symbolic link to {real}, a folder already "
                                             f"searched as {visited[real]}; not followed")
            else:
                visited[real] = path
                stack.append((path, rel))
            continue
        folder, parts = stack.pop()
        try:
            with os.scandir(folder) as scan:
                entries = sorted(scan, key=lambda e: e.name)
        except OSError as exc:
            yield folder, parts, "skipped", f"folder cannot be listed ({exc.strerror})"
            continue
        below: list[tuple[Path, tuple[str, ...]]] = []
        folder_real = os.path.realpath(folder)
        for entry in entries:
            path, rel = folder / entry.name, (*parts, entry.name)
            kind, why = _entry_kind(entry, path, root_real, outside)
            if kind == "folder" and not enter(path, rel):
                continue
            if excluded and kind != "refused":
                link = os.path.realpath(path) if entry.is_symlink() else None
                reason = excluded.reason(os.path.join(folder_real, entry.name), link)
                if reason is not None:
                    yield path, rel, "excluded", reason
                    continue
            if kind != "folder":
                yield path, rel, kind, why
                continue
            real = os.path.realpath(path)
            if not _inside(real, root_real):
                yield path, rel, "refused-folder", (
                    f"symbolic link to the folder {real}, {outside}; not searched (name that "
                    "folder itself as input.path to read it)")
            elif entry.is_symlink():
                links.append((path, rel, os.path.realpath(folder)))
            elif real in visited:  # a folder mounted twice
                yield path, rel, "skipped", (f"the folder {real}, already searched as "
                                             f"{visited[real]}; not searched twice")
            else:
                visited[real] = path
                below.append((path, rel))
        stack.extend(reversed(below))


def _entry_kind(entry: os.DirEntry[str], path: Path, root_real: str, outside: str
                ) -> tuple[str, str]:
    """(kind, why) of one folder entry: ``folder``, ``file``, ``special`` or ``refused``."""
    target = "?"
    try:
        if not entry.is_symlink():
            if entry.is_dir(follow_symlinks=False):
                return "folder", ""
            if entry.is_file(follow_symlinks=False):
                return "file", ""
            return "special", "not a regular file (a pipe, socket or device)"
        target = os.readlink(path)
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return "refused", (f"symbolic link to {target}, which does not exist; not read (fix "
                           "or remove the link)")
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "refused", (f"symbolic link loop ({entry.name} -> {target} -> ... never "
                               "reaches a file); not read (fix or remove the link)")
        return "refused", f"cannot be followed ({exc.strerror}); not read"
    if stat.S_ISDIR(mode):
        return "folder", ""
    real = os.path.realpath(path)
    if not _inside(real, root_real):
        return "refused", (f"symbolic link to {real}, {outside}; not read (name the file "
                           "itself as input.path to read it)")
    if stat.S_ISREG(mode):
        return "file", ""
    return "special", f"symbolic link to {real}, not a regular file"


def _inside(path: str, folder: str) -> bool:
    """Whether real path ``path`` is ``folder`` or lies under it."""
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _glob_root(pattern: str) -> tuple[Path, tuple[str, ...]]:
    """A glob's folder (its parts before the first wildcard) and the parts that follow."""
    parts = Path(pattern).parts
    first = next((n for n, part in enumerate(parts) if set(part) & set("*?[")), len(parts))
    return (Path(*parts[:first]) if first else Path(".")), parts[first:]


def _component(name: str, pattern: str) -> bool:
    """One path component against one glob component; wildcards skip hidden names."""
    if name.startswith(".") and not pattern.startswith("."):
        return False
    return fnmatch.fnmatchcase(name, pattern)


def _matches(parts: tuple[str, ...], pattern: tuple[str, ...]) -> bool:
    """Whether a path (its parts under the glob's folder) matches the glob's parts."""
    if not pattern:
        return not parts
    if pattern[0] == "**":
        return _matches(parts, pattern[1:]) or (
            bool(parts) and not parts[0].startswith(".") and _matches(parts[1:], pattern))
    return bool(parts) and _component(parts[0], pattern[0]) and _matches(parts[1:], pattern[1:])


def _may_descend(parts: tuple[str, ...], pattern: tuple[str, ...]) -> bool:
    """Whether something below the folder ``parts`` may match the glob's parts."""
    if not parts:
        return bool(pattern)
    if not pattern:
        return False
    if pattern[0] == "**":
        return _may_descend(parts, pattern[1:]) or (
            not parts[0].startswith(".") and _may_descend(parts[1:], pattern))
    return _component(parts[0], pattern[0]) and _may_descend(parts[1:], pattern[1:])


def _reference_reasons(listing: Listing, found: list[Path], fmt: str,
                       references: str | None) -> list[tuple[Path, str]]:
    """Why each reference file found is not read as an input: ``reference of <source>``, the
    file that takes it, or why none does (see :func:`pipeline.testsets.unpaired_reason`)."""
    from pipeline.testsets import reference_used, unpaired_reason

    if not found:
        return []
    options = ReadOptions(references=references)
    sources = [f for f in listing.files if f not in listing.refused]
    taken: dict[str, Path] = {}
    for source in sources:
        reference = reference_used(source, _reader_of(source, fmt), options)
        if reference is not None:
            taken.setdefault(os.path.realpath(reference), source)
    reasons = []
    for file in found:
        source = taken.get(os.path.realpath(file))
        reasons.append((file, f"reference of {source}" if source is not None else
                        unpaired_reason(file, sources, listing.root, references)))
    return reasons


def _nothing_to_read(listing: Listing, references: list[Path]) -> str:
    """The message of a listing with no input: what was found instead, and what is expected."""
    path = listing.path
    shown = "; ".join(f"{f}: {why}" for f, why in listing.skipped[:5])
    more = f"; and {len(listing.skipped) - 5} more" if len(listing.skipped) > 5 else ""
    if references:
        others = "" if len(references) == len(listing.skipped) else " and files left out"
        return (f"input.path {path!r} holds no source file to translate, only reference "
                f"translations{others}: {shown}{more}. Put each reference beside its French "
                "source (x.fr.txt or x.txt for x.en.txt, src.fr for ref.en), or point "
                "input.path at the French files")
    wanted = ", ".join(f"*{s}" for s in _read_suffixes())
    found = f"; found only files left out: {shown}{more}" if shown else ""
    return (f"input.path {path!r} matches nothing: expected an existing file, a directory "
            f"with {wanted} files in it, or a glob such as 'news/**/*.txt'{found}")


def _load_builtin_readers() -> None:
    """Import the modules whose readers register themselves; here, not at import, to stay cheap."""
    import pipeline.testsets  # noqa: F401  (wmt-sgml, wmt-xml, lines)
    import pipeline.webpage  # noqa: F401  (html)


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
