"""Test sets with reference translations: WMT SGML and XML, line-aligned text, reference files.

A test set gives the source already cut into segments, one reference segment each. These readers
return one Article per document whose ``paragraphs`` are the given segments and whose ``reference``
is a tuple of the same length, so that the pipeline translates the segments as given and scores
at the reference's segmentation. Every test-set Article has ``given_segments`` set and carries
``reference_sets``: one (name, segments) pair per reference translation (WMT XML may have several
translators; ``reference`` is then the first one's), and ``blocks``, the paragraph of each segment.

Anything wrong with a file (bad markup, a missing reference file) becomes a ReadFailure naming the
file and line. A document whose source and reference disagree (segment counts or ids) fails on its
own, naming both files, the docid and both counts: segments are never zipped silently.
"""

from __future__ import annotations

import html
import os
import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from itertools import groupby
from pathlib import Path
from typing import Any

from pipeline.errors import InputError
from pipeline.reading import (
    Item,
    ReadOptions,
    _check_article,
    _read_text,
    _Unreadable,
    register_reader,
    split_body,
)
from pipeline.records import Article, ReadFailure

TARGET = "en"  # the language of every reference
Stream = tuple[tuple[str, str], ...]  # (segment id, text) in order


@dataclass
class Document:
    """One parsed test-set document: segments in order, with the block each belongs to."""

    docid: str
    origlang: str
    line: int
    segments: list[tuple[str, str]] = field(default_factory=list)
    blocks: list[int] = field(default_factory=list)  # index of the <p>/<h1> block of a segment
    references: dict[str, Stream] = field(default_factory=dict)  # WMT XML: translator -> segments
    language: str = ""  # WMT XML: the lang of <src>


@dataclass
class ParsedFile:
    """A parsed test-set file: its kind (srcset, refset, dataset...), set id and documents."""

    kind: str = ""
    setid: str = ""
    documents: list[Document] = field(default_factory=list)


# --- WMT SGML ---------------------------------------------------------------------------------

_TOKEN = re.compile(r"<seg\b(?P<seg>[^>]*)>(?P<text>.*?)</seg\s*>"
                    r"|<(?P<end>/?)(?P<tag>[A-Za-z][\w.-]*)(?P<attrs>[^<>]*)>", re.IGNORECASE)
_ATTR = re.compile(r"""([\w.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")
_SETS = ("srcset", "refset", "tstset")


def _attributes(text: str) -> dict[str, str]:
    return {m[1].lower(): html.unescape(m[2] or m[3] or m[4] or "") for m in _ATTR.finditer(text)}


class _SgmlParser:
    """WMT SGML read line by line; as in every WMT release, a ``<seg>`` closes on its own line."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.result = ParsedFile()
        self.doc: Document | None = None
        self.marks: list[int] = []  # see _number_blocks
        self.in_block = False

    def error(self, line: int, what: str) -> _Unreadable:
        return _Unreadable(f"{self.path}:{line}: {what}")

    def feed(self, line: int, text: str) -> None:
        for match in _TOKEN.finditer(text):
            if match["text"] is not None:
                self.segment(line, _attributes(match["seg"]), match["text"])
            else:
                self.tag(line, match["tag"].lower(), bool(match["end"]), match["attrs"])

    def tag(self, line: int, tag: str, end: bool, attrs: str) -> None:
        if tag == "seg":
            what = "</seg> without an opening <seg>" if end else "<seg> not closed on its line"
            raise self.error(line, f"{what}; expected <seg id=N>text</seg> on one line")
        if tag in _SETS and not end:
            self.result.kind, self.result.setid = tag, _attributes(attrs).get("setid", "")
        elif tag == "doc" and end:
            self.close_doc(line)
        elif tag == "doc":
            self.open_doc(line, _attributes(attrs))
        elif self.doc is not None and tag not in _SETS:  # <p>, <h1>, <hl>...: a block
            self.in_block = not end
            if not end:
                self.marks.append(-1)

    def open_doc(self, line: int, attrs: dict[str, str]) -> None:
        if self.doc is not None:
            raise self.error(line, f"<doc> opens inside the <doc> of line {self.doc.line}, "
                                   "which has no </doc>")
        if not attrs.get("docid", "").strip():
            raise self.error(line, "<doc> without a docid attribute; expected <doc docid=...>")
        self.doc = Document(attrs["docid"].strip(), attrs.get("origlang", ""), line)

    def close_doc(self, line: int) -> None:
        if self.doc is None:
            raise self.error(line, "</doc> without an opening <doc>")
        self.doc.blocks = _number_blocks(self.marks)
        self.result.documents.append(self.doc)
        self.doc, self.marks, self.in_block = None, [], False

    def segment(self, line: int, attrs: dict[str, str], text: str) -> None:
        if self.doc is None:
            raise self.error(line, "<seg> outside any <doc>")
        if re.search(r"<seg\b", text, re.IGNORECASE):
            raise self.error(line, "<seg> not closed before the next <seg>")
        if not self.in_block:  # segments outside any block marker share one block
            self.marks.append(-1)
            self.in_block = True
        seg_id = attrs.get("id") or str(len(self.doc.segments) + 1)
        self.doc.segments.append((seg_id, html.unescape(text).strip()))
        self.marks.append(len(self.doc.segments) - 1)

    def finish(self, lines: int) -> ParsedFile:
        if self.doc is not None:
            raise self.error(self.doc.line, f"<doc docid={self.doc.docid!r}> is never closed "
                                            f"(no </doc> before the end, line {lines})")
        if not self.result.documents:
            raise _Unreadable(f"{self.path}: no <doc> found; expected WMT SGML "
                              "(<srcset>/<refset>, <doc docid=...>, <seg id=N>)")
        return self.result


def _number_blocks(marks: list[int]) -> list[int]:
    """Block starts (-1) and segment positions in order -> the block index of each segment."""
    block, numbered = -1, []
    for mark in marks:
        block += mark == -1
        if mark != -1:
            numbered.append(block)
    return numbered


def parse_sgml(path: Path) -> ParsedFile:
    """Parse a WMT SGML file; raises (internally) with the file and line on bad markup."""
    parser = _SgmlParser(path)
    lines = _read_text(path).split("\n")
    for number, text in enumerate(lines, start=1):
        parser.feed(number, text)
    return parser.finish(len(lines))


# --- WMT XML (WMT21 onwards) ------------------------------------------------------------------


def parse_xml(path: Path) -> ParsedFile:
    """Parse a WMT XML file (``<dataset><collection><doc><src>/<ref>``) with line numbers."""
    text = _read_text(path)
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        line, column = exc.position
        raise _Unreadable(f"{path}:{line}: not well-formed XML at column {column} ({exc}); "
                          "fix the markup (entities other than &amp; &lt; &gt; &quot; &apos; "
                          "must be written as characters)") from None
    if root.tag != "dataset":
        kind = XML_KINDS.get(_local_name(root.tag).lower())
        what = f"; it is {_A_KIND[kind]} {kind}, not a WMT test set" if kind else ""
        raise _Unreadable(f"{path}:1: root element <{root.tag}>, expected <dataset> (WMT XML)"
                          f"{what}")
    starts = [text.count("\n", 0, m.start()) + 1 for m in re.finditer(r"<doc\b", text)]
    elements = list(root.iter("doc"))
    starts = (starts + [starts[-1] if starts else 1] * len(elements))[:len(elements)]
    documents = [_xml_document(path, e, n) for e, n in zip(elements, starts, strict=True)]
    if not documents:
        raise _Unreadable(f"{path}: no <doc> found; expected <dataset><collection><doc id=...>")
    return ParsedFile("dataset", root.get("id", ""), documents)


def _xml_document(path: Path, element: ET.Element, line: int) -> Document:
    docid = (element.get("id") or "").strip()
    if not docid:
        raise _Unreadable(f"{path}:{line}: <doc> without an id attribute; expected <doc id=...>")
    sources = element.findall("src")
    if len(sources) != 1:
        raise _Unreadable(f"{path}:{line}: document {docid!r} has {len(sources)} <src> "
                          "elements, expected exactly one")
    doc = Document(docid, element.get("origlang", ""), line, language=sources[0].get("lang", ""))
    doc.segments, doc.blocks = _xml_stream(sources[0])
    for number, ref in enumerate(element.findall("ref"), start=1):
        name = ref.get("translator") or f"ref{number}"
        doc.references[name if name not in doc.references else f"{name}-{number}"] = tuple(
            _xml_stream(ref)[0])
    return doc


def _xml_stream(element: ET.Element) -> tuple[list[tuple[str, str]], list[int]]:
    """Segments under ``<src>`` or ``<ref>``, and the ``<p>`` block of each."""
    segments: list[tuple[str, str]] = []
    marks: list[int] = []
    bare = False  # consecutive <seg>s outside any <p> share one block
    for child in element:
        if child.tag != "seg" or not bare:
            marks.append(-1)
        bare = child.tag == "seg"
        for seg in [child] if bare else child.iter("seg"):
            seg_id = seg.get("id") or str(len(segments) + 1)
            segments.append((seg_id, "".join(seg.itertext()).strip()))
            marks.append(len(segments) - 1)
    return segments, _number_blocks(marks)


#: Root elements of XML files that are not test sets (lower-case local name -> what it is).
XML_KINDS = {"rss": "RSS feed", "rdf": "RSS feed", "feed": "Atom feed", "html": "HTML page",
             "urlset": "sitemap", "sitemapindex": "sitemap", "svg": "SVG image"}
_A_KIND = {kind: "a" if kind == "sitemap" else "an" for kind in XML_KINDS.values()}
_PROLOG = re.compile(r"\s*(?:<\?.*?\?>|<!--.*?-->|<!DOCTYPE(?:[^\[>]|\[.*?\])*>)", re.DOTALL)
_ROOT = re.compile(r"\s*<([A-Za-z_][\w.:-]*)")


def _local_name(tag: str) -> str:
    """``{namespace}name`` or ``prefix:name`` -> ``name``."""
    return tag.rpartition("}")[2].rpartition(":")[2]


def xml_root(path: Path, size: int = 65536) -> str | None:
    """The root element's name in the first ``size`` bytes of an XML file, or None when it
    cannot be told (not text, no element, declarations longer than ``size``).

    Raises:
        OSError: The file cannot be read.
    """
    with path.open("rb") as handle:
        data = handle.read(size)
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"),
                       (b"\xfe\xff", "utf-16-be")):
        if data.startswith(bom):
            text = data[len(bom):].decode(codec, errors="replace")
            break
    else:
        text = data.decode("utf-8", errors="replace")
    position = 0
    while match := _PROLOG.match(text, position):
        if match.end() == position:
            break
        position = match.end()
    root = _ROOT.match(text, position)
    return root[1] if root else None


def not_wmt_xml(path: Path) -> str | None:
    """Why an ``.xml`` file met in a folder or glob is not a WMT XML test set, judged by its root
    element (``not a WMT test set (RSS feed)``); None for ``<dataset>``, or when the root cannot
    be told (the reader then says what is wrong)."""
    try:
        root = xml_root(path)
    except OSError:
        return None  # read (and failed) later, naming the error
    if root is None or _local_name(root) == "dataset":
        return None
    kind = XML_KINDS.get(_local_name(root).lower(), f"root element <{root}>")
    return f"not a WMT test set ({kind})"


def count_by_origlang(path: str | Path) -> dict[str, int]:
    """How many documents of a WMT SGML or XML file have each origlang ("" where none is given).

    Raises:
        InputError: The file cannot be read or parsed (the message names file and line).
    """
    try:
        parse = parse_xml if Path(path).suffix.lower() == ".xml" else parse_sgml
        documents = parse(Path(path)).documents
    except (_Unreadable, OSError) as exc:
        raise InputError(str(exc)) from None
    return dict(sorted(Counter(d.origlang for d in documents).items()))


# --- Finding references -----------------------------------------------------------------------


def reference_names(name: str, language: str = "fr") -> list[str]:
    """Likely names of the reference of source file ``name``, best first.

    ``newstest2013-src.fr.sgm`` -> ``newstest2013-ref.en.sgm``, ``x.fr.txt`` -> ``x.en.txt``,
    ``src.fr`` -> ``ref.en`` then ``src.en``.
    """
    swapped = re.sub(rf"\.{re.escape(language)}(?=\.|$)", f".{TARGET}", name)
    role = re.compile(r"(?<![^\W\d_])src(?![^\W\d_])")
    names = [role.sub("ref", swapped), swapped] if swapped != name else [role.sub("ref", name)]
    return [n for n in dict.fromkeys(names) if n != name]


def reference_candidates(path: Path, options: ReadOptions) -> list[Path]:
    """Where the reference of ``path`` may be, best first.

    ``options.references`` wins: a file is the reference; a folder holds it under one of
    :func:`reference_names` or the source's own name. Without it, a sibling of ``path`` named by
    :func:`reference_names`.
    """
    given = Path(os.path.expanduser(options.references)) if options.references else None
    if given is not None and given.is_file() and given.resolve() == path.resolve():
        raise _Unreadable(f"{path}: input.references names the source file itself; expected "
                          "its reference translation")
    if given is not None and given.is_file():
        return [given]
    if given is not None and not given.is_dir():
        raise _Unreadable(f"{path}: input.references {str(given)!r} does not exist; expected "
                          "the reference file or a folder of reference files")
    folder = given if given is not None else path.parent
    names = (reference_names(path.name, options.language) + _unmarked_txt(path.name, options)
             + ([path.name] if given else []))
    candidates = [folder / name for name in dict.fromkeys(names) if folder / name != path]
    if given is None:  # a sibling that is a link out of the source's folder is not used
        inside = os.path.realpath(path.parent).rstrip(os.sep) + os.sep
        candidates = [c for c in candidates
                      if not c.is_symlink() or os.path.realpath(c).startswith(inside)]
    return candidates


def _unmarked_txt(name: str, options: ReadOptions) -> list[str]:
    """``x.txt`` (no language in its name) -> ``x.en.txt``; [] for other names."""
    stem, dot, suffix = name.rpartition(".")
    marked = re.search(rf"\.({re.escape(options.language)}|{TARGET})$", stem)
    return [f"{stem}.{TARGET}.txt"] if dot and stem and suffix == "txt" and not marked else []


def source_names(name: str, language: str = "fr") -> list[str]:
    """The names of the source files whose reference ``name`` may be, best first: the inverse of
    :func:`reference_names` (``x.en.txt`` -> ``x.fr.txt``, ``x.txt``; ``ref.en`` -> ``src.fr``,
    ``ref.fr``; ``newstest2013-ref.en.sgm`` -> ``newstest2013-src.fr.sgm``...)."""
    options = ReadOptions(language=language)
    swapped = re.sub(rf"\.{TARGET}(?=\.|$)", f".{language}", name)
    unmarked = re.sub(rf"\.{TARGET}(?=\.txt$)", "", name)
    role = re.compile(r"(?<![^\W\d_])ref(?![^\W\d_])")
    guesses = [role.sub("src", swapped), swapped, role.sub("src", unmarked), unmarked,
               role.sub("src", name)]
    target = re.compile(rf"\.{TARGET}(?=\.|$)")
    return [n for n in dict.fromkeys(guesses) if n != name and not target.search(n) and (
        name in reference_names(n, language) or name in _unmarked_txt(n, options))]


def reference_used(path: Path, reader: str, options: ReadOptions) -> Path | None:
    """The reference file the reader ``reader`` will pair with source ``path`` (see
    :func:`reference_candidates`), or None: none exists, or the reader takes no reference file
    (JSONL, WMT XML)."""
    if reader not in ("txt", "wmt-sgml", "lines"):
        return None
    try:
        return next((c for c in reference_candidates(path, options) if c.is_file()), None)
    except _Unreadable:
        return None


def find_reference(path: Path, options: ReadOptions) -> Path:
    """The reference file of ``path`` (see :func:`reference_candidates`).

    Raises:
        _Unreadable: None exists; the message names the paths expected.
    """
    candidates = reference_candidates(path, options)
    found = next((c for c in candidates if c.is_file()), None)
    if found is None:
        expected = " or ".join(str(c) for c in candidates) or "a reference file"
        raise _Unreadable(f"{path}: no reference translation found: expected {expected}; set "
                          "input.references to the reference file or its folder")
    return found


def is_reference_path(path: Path, root: Path | None = None, references: str | None = None) -> bool:
    """Whether a file met while walking an input folder or glob is a reference, not an input.

    References are ``*.en.txt``, ``*.en.sgm`` and ``*.en`` files (``ref.en`` beside ``src.fr``),
    files in a ``references`` folder under ``root``, and anything at or under ``references``
    (config ``input.references``).
    """
    name = path.name.lower()
    if name.endswith((f".{TARGET}.txt", f".{TARGET}.sgm", f".{TARGET}")):
        return True
    if root is not None and "references" in _parts_under(path, root)[:-1]:
        return True
    if references:
        refs = os.path.realpath(os.path.expanduser(references))
        resolved = os.path.realpath(path)
        return resolved == refs or resolved.startswith(refs.rstrip(os.sep) + os.sep)
    return False


def _parts_under(path: Path, root: Path) -> tuple[str, ...]:
    try:
        return path.relative_to(root).parts
    except ValueError:
        return path.parts


def unpaired_reason(path: Path, sources: list[Path], root: Path | None,
                    references: str | None = None, language: str = "fr") -> str:
    """Why reference ``path``, which no input of ``sources`` takes as its reference, is not
    read: there is no source of that name, or it lies in a ``references`` folder that is not
    ``input.references`` (the message says to set it)."""
    in_folder = root is not None and "references" in _parts_under(path, root)[:-1]
    names = source_names(path.name, language) + ([path.name] if in_folder else [])
    by_name = {}
    for source in sources:
        by_name.setdefault(source.name, source)
    match = next((by_name[n] for n in names if n in by_name), None)
    if match is not None and in_folder and not references:
        return (f"reference of {match} by its name, in a references folder: not used unless "
                f"input.references is set to {path.parent}")
    if match is not None:
        return (f"reference of {match} by its name, but not beside it: not used (move it next "
                f"to {match.name}, or set input.references to {path.parent})")
    expected = " or ".join(n for n in names if n != path.name)
    return ("reference without a source file" + (f" (no {expected} beside it)" if expected
                                                  and not in_folder else ""))


# --- Building Articles ------------------------------------------------------------------------


def _aligned(doc: Document, stream: Stream, source: Path, reference: Path) -> tuple[str, ...]:
    """The reference texts of ``doc``, once counts and segment ids are checked to agree."""
    where = f"{source}:{doc.line}: document {doc.docid!r}"
    if len(stream) != len(doc.segments):
        raise _Unreadable(f"{where} has {len(doc.segments)} source segments but its reference "
                          f"in {reference} has {len(stream)}; they must pair one to one",
                          doc.docid)
    for (src_id, _), (ref_id, _) in zip(doc.segments, stream, strict=True):
        if src_id != ref_id:
            raise _Unreadable(f"{where}: source segment id {src_id!r} meets reference segment "
                              f"id {ref_id!r} in {reference}; the segments are not aligned",
                              doc.docid)
    return tuple(text for _, text in stream)


def _article(doc: Document, references: dict[str, tuple[str, ...]], source: Path,
             testset: str, reference_file: Path | None, options: ReadOptions) -> Article:
    metadata: dict[str, Any] = {
        "docid": doc.docid, "origlang": doc.origlang or None,
        "seg_ids": [seg_id for seg_id, _ in doc.segments],
        "reference_file": str(reference_file) if reference_file else None,
    }
    article = Article(id=doc.docid, title="", paragraphs=tuple(t for _, t in doc.segments),
                      source=f"{source}:{doc.line}", language=options.language,
                      reference=next(iter(references.values()), None), given_segments=True,
                      reference_sets=tuple(references.items()), blocks=tuple(doc.blocks),
                      testset=testset, metadata=metadata)
    return _check_article(article, options)


def _kept(parsed: ParsedFile, path: Path, options: ReadOptions, role: str) -> list[Document]:
    """The documents that ``options.origlang`` keeps; none kept is a failure, never silence."""
    if parsed.kind == role:
        raise _Unreadable(f"{path}: is a <{role}> (a reference file), expected the source file; "
                          "give the source as input.path and this file as input.references")
    if not options.origlang:
        return parsed.documents
    kept = [d for d in parsed.documents if d.origlang.lower() == options.origlang.lower()]
    if not kept:
        found = Counter(d.origlang or "(none)" for d in parsed.documents)
        listed = ", ".join(f"{lang} {n}" for lang, n in sorted(found.items()))
        raise _Unreadable(f"{path}: input.origlang {options.origlang!r} keeps none of its "
                          f"{len(parsed.documents)} documents (origlang: {listed})")
    return kept


def _each(documents: list[Document], path: Path,
          build: Callable[[Document], Article]) -> list[Item]:
    """One Article per document; a document that cannot be built fails alone."""
    items: list[Item] = []
    for doc in documents:
        try:
            items.append(build(doc))
        except _Unreadable as exc:
            items.append(ReadFailure(exc.article_id or doc.docid, f"{path}:{doc.line}", str(exc)))
    return items


@register_reader("wmt-sgml", suffixes=(".sgm",))
def read_wmt_sgml(path: Path, options: ReadOptions) -> list[Item]:
    """A WMT SGML source file (``<srcset>``) with its ``<refset>`` (see :func:`find_reference`).

    One Article per ``<doc>``: id = docid, title "", one paragraph per ``<seg>`` (the ``<h1>``
    segment too, so that counts line up), reference = the segments of the reference document
    with the same docid, under the name ``ref`` in ``reference_sets``.
    """
    try:
        source = parse_sgml(path)
        documents = _kept(source, path, options, "refset")
        reference_file = find_reference(path, options)
        reference = parse_sgml(reference_file)
        if reference.kind == "srcset":
            raise _Unreadable(f"{reference_file}: is a <srcset>, expected the <refset> of {path}")
    except _Unreadable as exc:
        return [ReadFailure(options.default_id or path.stem, str(path), str(exc))]
    by_id = {doc.docid: doc for doc in reference.documents}
    testset = source.setid or path.stem

    def build(doc: Document) -> Article:
        if doc.docid not in by_id:
            raise _Unreadable(f"{path}:{doc.line}: document {doc.docid!r} has no <doc docid="
                              f"{doc.docid!r}> in its reference {reference_file}", doc.docid)
        refs = {"ref": _aligned(doc, tuple(by_id[doc.docid].segments), path, reference_file)}
        return _article(doc, refs, path, testset, reference_file, options)

    return _each(documents, path, build)


@register_reader("wmt-xml", suffixes=(".xml",))
def read_wmt_xml(path: Path, options: ReadOptions) -> list[Item]:
    """A WMT XML file (WMT21 onwards): source and every reference translation in one file.

    One Article per ``<doc>``, as for SGML; ``reference_sets`` pairs each ``<ref>``'s
    translator (``ref1``, ``ref2``... when unnamed) to its segments, and ``reference`` is the
    first ``<ref>``'s. A document without ``<ref>`` fails.
    """
    try:
        parsed = parse_xml(path)
        documents = _kept(parsed, path, options, "refset")
    except _Unreadable as exc:
        return [ReadFailure(options.default_id or path.stem, str(path), str(exc))]

    def build(doc: Document) -> Article:
        where = f"{path}:{doc.line}: document {doc.docid!r}"
        if doc.language and doc.language != options.language:
            raise _Unreadable(f"{where} has <src lang={doc.language!r}>, expected "
                              f"{options.language!r} (input.language)", doc.docid)
        if not doc.references:
            raise _Unreadable(f"{where} has no <ref>; a test set needs reference translations",
                              doc.docid)
        refs = {name: _aligned(doc, stream, path, path) for name, stream in doc.references.items()}
        return _article(doc, refs, path, parsed.setid or path.stem, path, options)

    return _each(documents, path, build)


# --- Line-aligned plain text ------------------------------------------------------------------


def _lines(path: Path) -> list[str]:
    """One stripped segment per line; an empty line is an empty segment, not a separator."""
    lines = _read_text(path).split("\n")
    if lines[-1] == "":
        lines.pop()  # the newline that ends the last line
    if not lines:
        raise _Unreadable(f"{path}: empty file; expected one segment per line")
    return [line.strip() for line in lines]


def _docids(path: Path, count: int, default: str) -> tuple[list[str], Path | None]:
    """The docid of each line, from ``<name>.docids``, ``<stem>.docids`` or ``docids`` beside."""
    candidates = [path.with_name(path.name + ".docids"), path.with_suffix(".docids"),
                  path.parent / "docids"]
    found = next((c for c in candidates if c.is_file()), None)
    if found is None:
        return [default] * count, None
    docids = _lines(found)
    if len(docids) != count:
        raise _Unreadable(f"{found} has {len(docids)} docids but {path} has {count} lines; "
                          "expected one docid per source line")
    blank = next((n for n, d in enumerate(docids, start=1) if not d), None)
    if blank is not None:
        raise _Unreadable(f"{found}:{blank}: blank docid; expected one docid per line")
    return docids, found


@register_reader("lines", suffixes=(".fr",))
def read_lines(path: Path, options: ReadOptions) -> list[Item]:
    """A line-aligned test set: ``path`` (e.g. ``src.fr``) and its reference (``ref.en``).
    In ``auto`` format, every file ending in ``.fr`` is read so (``x.fr.txt`` is an article).

    One segment per line, paired with the reference file's same line (same line count). With a
    docids file (see :func:`_docids`), consecutive lines with the same docid make one document;
    without one, the whole file is one document named by the file stem. There is no origlang:
    ``input.origlang`` fails here rather than be ignored.
    """
    file_id = options.default_id or path.stem
    try:
        if options.origlang:
            raise _Unreadable(f"{path}: input.origlang is set but line-aligned files have no "
                              "origlang; unset it or use the WMT SGML or XML release")
        sources = _lines(path)
        reference_file = _optional_reference(path, options)
        references = _lines(reference_file) if reference_file else [""] * len(sources)
        if len(references) != len(sources):
            raise _Unreadable(f"{path} has {len(sources)} lines but its reference "
                              f"{reference_file} has {len(references)}; expected one line each")
        docids, _ = _docids(path, len(sources), file_id)
    except _Unreadable as exc:
        return [ReadFailure(file_id, str(path), str(exc))]
    documents = _line_documents(sources, references, docids)
    return _each(documents, path, lambda doc: _article(
        doc, {"ref": tuple(t for _, t in doc.references["ref"])} if reference_file else {},
        path, path.stem, reference_file, options))


def _optional_reference(path: Path, options: ReadOptions) -> Path | None:
    """The reference of a line file, or None when there is none beside it and input.references
    is unset: the lines are then translated without scores."""
    if options.references:
        return find_reference(path, options)
    return next((c for c in reference_candidates(path, options) if c.is_file()), None)


def _line_documents(sources: list[str], references: list[str],
                    docids: list[str]) -> list[Document]:
    documents: list[Document] = []
    for docid, group in groupby(range(len(sources)), key=docids.__getitem__):
        numbers = list(group)
        doc = Document(docid, "", numbers[0] + 1, blocks=list(range(len(numbers))))
        doc.segments = [(str(n + 1), sources[n]) for n in numbers]
        doc.references["ref"] = tuple((str(n + 1), references[n]) for n in numbers)
        documents.append(doc)
    return documents


# --- Per-article reference files --------------------------------------------------------------


def attach_txt_reference(article: Article, path: Path, options: ReadOptions) -> Article:
    """``article`` (read from a txt file) with the body of its English reference file, if any.

    The reference of ``x.fr.txt`` (or of ``x.txt``) is ``x.en.txt`` beside it, or the file of
    that name (or of the same name) in the folder ``input.references``; when that option is
    set, the reference must exist. The English file has the French file's layout: its title
    line is kept in ``metadata["reference_title"]`` and its body becomes ``reference``, a str,
    since the body is what the pipeline's translation (title excluded) is scored on.
    """
    if options.references:
        reference_file: Path | None = find_reference(path, options)
    else:
        reference_file = next((c for c in reference_candidates(path, options) if c.is_file()),
                              None)
    if reference_file is None:
        return article
    text = _read_text(reference_file)
    if article.title:  # the English file has the French file's layout
        title, _, body = text.strip().partition("\n")
        title, paragraphs = title.strip(), split_body(body)
    else:
        title, paragraphs = "", split_body(text)
    if not paragraphs and article.paragraphs:
        raise _Unreadable(f"{reference_file}: the reference of {path} has no body after its "
                          "title line; expected the French file's layout (title, blank line, "
                          "paragraphs)", article.id)
    metadata = {**article.metadata, "reference_file": str(reference_file),
                "reference_title": title.strip()}
    return replace(article, reference="\n\n".join(paragraphs) or None, metadata=metadata)
