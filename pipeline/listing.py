"""Listing inputs: what a file, folder or glob pattern stands for, and what it leaves out.

A folder or glob is walked without following a symbolic link out of its root or round a loop;
every file it does not read is named with the reason (:class:`Listing`), and a link that leaves
the tree, points nowhere or loops becomes a failure of the run (:class:`Refused`), so that
nothing is left out silently. :mod:`pipeline.readers` reads what the listing gives.
"""

from __future__ import annotations

import errno
import fnmatch
import os
import re
import stat
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.errors import InputError
from pipeline.reading import READERS, SUFFIXES, ReadOptions


def load_builtin_readers() -> None:
    """Import the modules whose readers register themselves; here, not at import, to stay cheap."""
    import pipeline.testsets  # noqa: F401  (wmt-sgml, wmt-xml, lines)
    import pipeline.webpage  # noqa: F401  (html)


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

    load_builtin_readers()
    check_format(fmt)
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
        reader = reader_of(file, fmt)
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


def check_format(fmt: str) -> None:
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


def reader_of(file: Path, fmt: str) -> str:
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
        reference = reference_used(source, reader_of(source, fmt), options)
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
