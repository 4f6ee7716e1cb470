"""Listing inputs: what a folder or glob reads, what it leaves out and why, and links."""

from __future__ import annotations

import io
import json
import os
import pickle
import sqlite3
from pathlib import Path

import pytest

from pipeline.errors import InputError
from pipeline.listing import Listing, Refused, find_inputs, list_inputs
from pipeline.readers import (
    ReadOptions,
    _default_ids,
    plan_reads,
    read_file,
    read_inputs,
    survey_inputs,
)
from pipeline.records import Article, ReadFailure

ARTICLE = "Titre\n\nLe chat dort sur le canapé.\n"
REFERENCE = "Title\n\nThe cat sleeps on the sofa.\n"
RSS = '<?xml version="1.0" encoding="utf-8"?>\n<!-- news -->\n<rss version="2.0"><channel/></rss>\n'
ATOM = '<?xml version="1.0"?>\n<feed xmlns="http://www.w3.org/2005/Atom"></feed>\n'
HTML_PAGE = "<!DOCTYPE html>\n<html><head><title>x</title></head><body></body></html>\n"
WMT_XML = """<?xml version="1.0" encoding="utf-8"?>
<dataset id="tiny">
<collection id="general">
<doc id="d1" origlang="fr">
<src lang="fr"><p><seg id="1">Le chat dort.</seg></p></src>
<ref lang="en" translator="A"><p><seg id="1">The cat sleeps.</seg></p></ref>
</doc>
</collection>
</dataset>
"""


def write(path: Path, content: str = ARTICLE) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8")
    return path


def read(path: str | Path, **options: object) -> list[Article | ReadFailure]:
    return read_inputs(str(path), **options)  # type: ignore[arg-type]


def failures(items: list[Article | ReadFailure]) -> dict[str, str]:
    return {i.id: i.message for i in items if isinstance(i, ReadFailure)}


# --- what a folder reads and leaves out ------------------------------------------------------


def test_folder_lists_the_registered_formats_and_says_why_it_left_the_rest_out(
        tmp_path: Path) -> None:
    for name in ("a.txt", "sub/b.txt", "c.jsonl", "d.xml", "notes.pdf", "letter.docx",
                 "meta.json", "README", ".DS_Store", ".git/config", ".git/x.txt", "feed.xml",
                 "atom.xml", "page.xml", "docids"):
        write(tmp_path / name)
    write(tmp_path / "d.xml", WMT_XML)
    write(tmp_path / "feed.xml", RSS)
    write(tmp_path / "atom.xml", ATOM)
    write(tmp_path / "page.xml", HTML_PAGE)
    listing = list_inputs(str(tmp_path))
    assert listing.root == tmp_path and listing.refused == {}
    assert listing.files == [tmp_path / "a.txt", tmp_path / "c.jsonl", tmp_path / "d.xml",
                             tmp_path / "sub" / "b.txt"]
    assert listing.skipped == [
        (tmp_path / ".DS_Store", "hidden file"),
        (tmp_path / ".git", "hidden folder; not searched"),
        (tmp_path / "README", "no suffix"),
        (tmp_path / "atom.xml", "not a WMT test set (Atom feed)"),
        (tmp_path / "docids", "document ids of the line-aligned files beside it"),
        (tmp_path / "feed.xml", "not a WMT test set (RSS feed)"),
        (tmp_path / "letter.docx", "unknown suffix .docx"),
        (tmp_path / "meta.json", "unknown suffix .json"),
        (tmp_path / "notes.pdf", "unknown suffix .pdf"),
        (tmp_path / "page.xml", "not a WMT test set (HTML page)"),
    ]
    assert listing.notes(limit=2) == [
        f"not read: {tmp_path / '.DS_Store'} (hidden file)",
        f"not read: {tmp_path / '.git'} (hidden folder; not searched)",
        "... and 8 more files not read (each with its reason under 'unread_inputs' in the "
        "run's counts, pipeline.sqlite)",
    ]
    assert find_inputs(str(tmp_path)) == listing.files


def test_an_rss_feed_named_directly_fails_saying_what_it_is(tmp_path: Path) -> None:
    feed = write(tmp_path / "feed.xml", RSS)
    (failure,) = read(feed)
    assert isinstance(failure, ReadFailure)
    assert failure.message == (f"{feed}:1: root element <rss>, expected <dataset> (WMT XML); "
                               "it is an RSS feed, not a WMT test set")


def test_references_beside_their_sources_are_named_and_used(tmp_path: Path) -> None:
    write(tmp_path / "x.txt")
    write(tmp_path / "x.en.txt", REFERENCE)
    write(tmp_path / "y.fr.txt")
    write(tmp_path / "y.en.txt", REFERENCE)
    write(tmp_path / "z.en.txt", REFERENCE)  # no z.txt or z.fr.txt
    write(tmp_path / "references" / "y.en.txt", REFERENCE)
    listing = list_inputs(str(tmp_path))
    assert listing.files == [tmp_path / "x.txt", tmp_path / "y.fr.txt"]
    assert listing.skipped == [
        (tmp_path / "references" / "y.en.txt",
         f"reference of {tmp_path / 'y.fr.txt'} by its name, in a references folder: not used "
         f"unless input.references is set to {tmp_path / 'references'}"),
        (tmp_path / "x.en.txt", f"reference of {tmp_path / 'x.txt'}"),
        (tmp_path / "y.en.txt", f"reference of {tmp_path / 'y.fr.txt'}"),
        (tmp_path / "z.en.txt", "reference without a source file (no z.fr.txt or z.txt beside "
                                "it)"),
    ]
    x, y = read(tmp_path)
    assert isinstance(x, Article) and isinstance(y, Article)
    assert x.id == "x" and x.reference == "The cat sleeps on the sofa."  # x.txt + x.en.txt
    assert x.metadata["reference_file"] == str(tmp_path / "x.en.txt")
    assert y.reference == "The cat sleeps on the sofa."


def test_a_references_folder_given_as_input_references_pairs_by_name(tmp_path: Path) -> None:
    write(tmp_path / "x.txt")
    write(tmp_path / "references" / "x.en.txt", REFERENCE)
    write(tmp_path / "references" / "w.en.txt", REFERENCE)
    refs = str(tmp_path / "references")
    listing = list_inputs(str(tmp_path), references=refs)
    assert listing.files == [tmp_path / "x.txt"]
    assert listing.skipped == [
        (tmp_path / "references" / "w.en.txt", "reference without a source file"),
        (tmp_path / "references" / "x.en.txt", f"reference of {tmp_path / 'x.txt'}"),
    ]
    (article,) = read(tmp_path, references=refs)
    assert isinstance(article, Article) and article.reference == "The cat sleeps on the sofa."


def test_a_folder_of_references_only_says_so(tmp_path: Path) -> None:
    write(tmp_path / "x.en.txt", REFERENCE)
    with pytest.raises(InputError) as caught:
        list_inputs(str(tmp_path))
    assert str(caught.value) == (
        f"input.path {str(tmp_path)!r} holds no source file to translate, only reference "
        f"translations: {tmp_path / 'x.en.txt'}: reference without a source file (no x.fr.txt "
        "or x.txt beside it). Put each reference beside its French source (x.fr.txt or x.txt "
        "for x.en.txt, src.fr for ref.en), or point input.path at the French files")


def test_a_folder_of_unknown_files_names_them(tmp_path: Path) -> None:
    write(tmp_path / "notes.pdf")
    with pytest.raises(InputError) as caught:
        list_inputs(str(tmp_path))
    message = str(caught.value)
    assert message.startswith(f"input.path {str(tmp_path)!r} matches nothing: expected")
    assert message.endswith(f"; found only files left out: {tmp_path / 'notes.pdf'}: unknown "
                            "suffix .pdf")


# --- line-aligned files ----------------------------------------------------------------------


def test_a_bare_fr_file_is_read_one_segment_per_line(tmp_path: Path) -> None:
    source = write(tmp_path / "newstest.fr", "Le chat dort.\nIl pleut.\n")
    write(tmp_path / "newstest.en", "The cat sleeps.\nIt rains.\n")
    write(tmp_path / "story.fr.txt")
    (article,) = read(source)  # no input.format: the suffix says "lines"
    assert isinstance(article, Article) and article.given_segments
    assert article.paragraphs == ("Le chat dort.", "Il pleut.")
    assert article.reference == ("The cat sleeps.", "It rains.")
    listing = list_inputs(str(tmp_path))
    assert listing.files == [source, tmp_path / "story.fr.txt"]
    assert listing.skipped == [(tmp_path / "newstest.en", f"reference of {source}")]
    assert plan_reads(listing, "auto", ReadOptions())[0][1] == "lines"
    assert plan_reads(listing, "auto", ReadOptions())[1][1] == "txt"  # x.fr.txt: an article


# --- symbolic links --------------------------------------------------------------------------


def links(tmp_path: Path) -> tuple[Path, Path]:
    """An input folder with every kind of link, and a folder outside it."""
    outside, root = tmp_path / "outside", tmp_path / "in"
    write(outside / "secret.txt")
    write(outside / "deep" / "more.txt")
    write(root / "a.txt")
    write(root / "sub" / "real.txt")
    os.symlink(outside / "secret.txt", root / "leak.txt")
    os.symlink(root / "nowhere.txt", root / "gone.txt")
    os.symlink("loop2.txt", root / "loop1.txt")
    os.symlink("loop1.txt", root / "loop2.txt")
    os.symlink("sub/real.txt", root / "inside.txt")
    os.symlink(".", root / "sub" / "loop")
    os.symlink(outside, root / "elsewhere")
    os.symlink("sub", root / "again")
    return root, outside


def test_folder_links_inside_are_followed_and_the_others_fail_with_their_reason(
        tmp_path: Path) -> None:
    root, outside = links(tmp_path)
    listing = list_inputs(str(root))
    assert listing.files == [root / "a.txt", root / "elsewhere", root / "gone.txt",
                             root / "leak.txt", root / "loop1.txt",
                             root / "loop2.txt", root / "sub" / "real.txt"]
    real_root = os.path.realpath(root)
    assert listing.skipped == [  # a folder is read once, from its own place; a file too
        (root / "again", f"symbolic link to {real_root}/sub, a folder already searched as "
                         f"{root / 'sub'}; not followed"),
        (root / "inside.txt", f"link to {root / 'sub' / 'real.txt'}, which is read itself"),
        (root / "sub" / "loop",
         f"symbolic link to {real_root}/sub, a folder that holds it: a loop, not followed"),
    ]
    reasons = {
        "elsewhere": f"{root / 'elsewhere'}: symbolic link to the folder "
                     f"{os.path.realpath(outside)}, outside the input folder {root}; not searched "
                     "(name that folder itself as input.path to read it)",
        "gone": f"{root / 'gone.txt'}: symbolic link to {root / 'nowhere.txt'}, which does not "
                "exist; not read (fix or remove the link)",
        "leak": f"{root / 'leak.txt'}: symbolic link to "
                f"{os.path.realpath(outside / 'secret.txt')}, outside the input folder {root}; not "
                "read (name the file itself as input.path to read it)",
        "loop1": f"{root / 'loop1.txt'}: symbolic link loop (loop1.txt -> loop2.txt -> ... never "
                 "reaches a file); not read (fix or remove the link)",
        "loop2": f"{root / 'loop2.txt'}: symbolic link loop (loop2.txt -> loop1.txt -> ... never "
                 "reaches a file); not read (fix or remove the link)",
    }
    assert {Path(p).stem: why for p, why in listing.refused.items()} == reasons
    items = read(root)
    assert failures(items) == reasons  # each stored as a failed article, with its reason
    assert sorted(i.id for i in items if isinstance(i, Article)) == ["a", "real"]
    assert [i.source for i in items if isinstance(i, ReadFailure)] == [
        str(root / n) for n in ("elsewhere", "gone.txt", "leak.txt", "loop1.txt", "loop2.txt")]
    assert find_inputs(str(root)) == [root / "a.txt", root / "sub" / "real.txt"]


def test_a_link_named_directly_is_read_wherever_it_points(tmp_path: Path) -> None:
    root, outside = links(tmp_path)
    (article,) = read(root / "leak.txt")
    assert isinstance(article, Article) and article.id == "leak"
    assert [a.id for a in read(root / "elsewhere")] == ["more", "secret"]  # a folder named
    with pytest.raises(InputError, match="gone.txt' is a symbolic link to .*nowhere.txt, which "
                                         "does not exist or loops"):
        list_inputs(str(root / "gone.txt"))


def test_glob_never_loops_nor_leaves_its_folder(tmp_path: Path) -> None:
    root, outside = links(tmp_path)
    os.symlink(".", root / "loop")
    os.symlink("/etc", root / "etc")
    listing = list_inputs(str(root / "**" / "*.txt"))
    assert listing.root == root
    assert listing.files == [root / "a.txt", root / "elsewhere", root / "etc",
                             root / "gone.txt", root / "leak.txt",
                             root / "loop1.txt", root / "loop2.txt", root / "sub" / "real.txt"]
    assert listing.refused[root / "etc"] == (
        f"{root / 'etc'}: symbolic link to the folder {os.path.realpath('/etc')}, outside "
        f"{root}, the folder of the glob; not searched (name that folder itself as input.path "
        "to read it)")
    assert listing.refused[root / "leak.txt"].endswith(
        f"outside {root}, the folder of the glob; not read (name the file itself as "
        "input.path to read it)")
    assert [p.relative_to(root) for p, _ in listing.skipped] == [
        Path("again"), Path("inside.txt"), Path("loop"), Path("sub/loop")]
    # no wildcard below: only the top folder, links checked the same way (inside.txt is
    # read: sub/real.txt, where it leads, is not matched)
    top = list_inputs(str(root / "*.txt"))
    assert top.files == [root / "a.txt", root / "gone.txt", root / "inside.txt",
                         root / "leak.txt", root / "loop1.txt", root / "loop2.txt"]
    assert top.skipped == []


def test_glob_matches_as_python_glob_does_for_plain_trees(tmp_path: Path) -> None:
    import glob

    for name in ("a.txt", "b/c.txt", "b/d/e.txt", ".hidden/f.txt", "b/.g.txt", "h.jsonl",
                 "x.en.txt"):
        write(tmp_path / name)
    for pattern in ("**/*.txt", "*.txt", "b/*/*.txt", "**", "b/**", "*/**/*.txt", "[ab]*"):
        full = str(tmp_path / pattern)
        expected = sorted((Path(m) for m in glob.glob(full, recursive=True)
                           if Path(m).is_file() and not m.endswith(".en.txt")), key=str)
        assert list_inputs(full).files == expected, pattern


def test_both_executors_record_refused_links_alike(tmp_path: Path) -> None:
    root, _ = links(tmp_path)
    listing = list_inputs(str(root))
    plan = plan_reads(listing, "auto", ReadOptions())
    shipped = pickle.loads(pickle.dumps(plan))  # as the Ray executor ships a plan to its actors
    local = [item for file, name, options in plan for item in read_file(file, name, options)]
    remote = [item for file, name, options in shipped for item in read_file(file, name, options)]
    assert local == remote
    assert isinstance(shipped[1][1], Refused) and shipped[1][1].source == str(root / "elsewhere")
    assert failures(local) == failures(read(root))


def test_survey_counts_refused_links_without_opening_them(tmp_path: Path) -> None:
    root, outside = links(tmp_path)
    listing = list_inputs(str(root))
    total, digest = survey_inputs(listing)
    assert total == len(listing.files) == 7
    (outside / "secret.txt").write_text("changed", "utf-8")
    assert survey_inputs(listing) == (total, digest)  # what lies outside is never read
    (root / "a.txt").write_text("changed", "utf-8")
    assert survey_inputs(listing)[1] != digest
    assert survey_inputs(Listing(str(root), root, [root / "a.txt"]))[0] == 1


# --- through a run ---------------------------------------------------------------------------


def test_a_run_stores_refused_links_as_failures_and_notes_what_it_left_out(
        tmp_path: Path) -> None:
    from rich.console import Console

    from pipeline.config import load_config
    from pipeline.report import print_outcome
    from pipeline.runner import run
    from tests.unit.test_runner import FirstWords, UpperTranslator

    root = tmp_path / "in"
    write(root / "a.txt")
    write(root / "notes.pdf")
    write(tmp_path / "secret.txt")
    os.symlink(tmp_path / "secret.txt", root / "leak.txt")
    config = load_config(None, [f"input.path={root}", f"output.dir={tmp_path / 'out'}",
                                "input.check_language=false"])
    outcome = run(config, translator=UpperTranslator(), summariser=FirstWords())
    assert outcome.counts["ok"] == 1 and outcome.failed == 1
    (failure,) = outcome.failures
    assert failure["id"] == "leak" and failure["source"] == str(root / "leak.txt")
    assert failure["error"] == (
        f"{root / 'leak.txt'}: symbolic link to {os.path.realpath(tmp_path / 'secret.txt')}, "
        f"outside the input folder {root}; not read (name the file itself as input.path to "
        "read it)")
    assert outcome.notes == [f"not read: {root / 'notes.pdf'} (unknown suffix .pdf)"]
    with sqlite3.connect(outcome.out_dir / "pipeline.sqlite") as conn:
        (counts,) = conn.execute("SELECT counts_json FROM runs").fetchone()
    assert json.loads(counts)["unread_inputs"] == [[str(root / "notes.pdf"),
                                                    "unknown suffix .pdf"]]
    shown = io.StringIO()
    print_outcome(Console(file=shown, width=300, soft_wrap=True), outcome)
    assert f"not read: {root / 'notes.pdf'} (unknown suffix .pdf)" in shown.getvalue()
    assert "leak.txt" in shown.getvalue()


def run_folder(tmp_path: Path, input_path: Path | str, out: Path, *, overwrite: bool = False,
               cache: Path | None = None):
    """A run with the fake models over ``input_path``, writing to ``out``."""
    from pipeline.config import load_config
    from pipeline.runner import run
    from tests.unit.test_runner import FirstWords, UpperTranslator

    config = load_config(None, [
        f"input.path={input_path}", f"output.dir={out}", "input.check_language=false",
        f"cache.path={cache or tmp_path / 'memory.sqlite'}"])
    return run(config, translator=UpperTranslator(), summariser=FirstWords(),
               overwrite=overwrite)


# --- a file reached through links, the run's own files, ids of one stem ---------------------


def test_a_file_reached_through_links_is_read_once_from_its_own_place(tmp_path: Path) -> None:
    root = tmp_path / "in"
    write(root / "a" / "one.txt")
    os.symlink("a/one.txt", root / "link_inside.txt")
    os.symlink("link_inside.txt", root / "chain.txt")
    read_itself = f"link to {root / 'a' / 'one.txt'}, which is read itself"
    for pattern in (root, root / "**" / "*.txt"):
        listing = list_inputs(str(pattern))
        assert listing.files == [root / "a" / "one.txt"], pattern
        assert listing.skipped == [(root / "chain.txt", read_itself),
                                   (root / "link_inside.txt", read_itself)], pattern
        assert [i.id for i in read(pattern)] == ["one"]
    # only links lead to the file (hidden, so not listed): the first of them is read
    write(root / ".store" / "two.txt")
    os.symlink(".store/two.txt", root / "b.txt")
    os.symlink(".store/two.txt", root / "c.txt")
    listing = list_inputs(str(root))
    assert listing.files == [root / "a" / "one.txt", root / "b.txt"]
    assert (root / "c.txt", f"link to {root / 'b.txt'}, which is read itself") in listing.skipped
    # a link named as input.path is read all the same
    assert [i.id for i in read(root / "chain.txt")] == ["chain"]


def test_the_runs_output_dir_and_cache_are_left_out_of_a_folder_or_glob(tmp_path: Path) -> None:
    root = tmp_path / "in"
    write(root / "a.txt")
    write(root / "out" / "results.jsonl", '{"id": "x", "text": "Le chat."}\n')
    write(root / "out" / "briefs" / "a.md", "# A\n")
    write(root / "cache" / "m.sqlite", "")
    write(root / "cache" / "m.sqlite-journal", "")
    write(root / "cache" / "kept.txt")
    exclude = {root / "out": "the run's output.dir", str(root / "cache" / "m.sqlite"): "cache",
               str(root / "cache" / "m.sqlite-journal"): "cache"}
    for pattern in (root, root / "**" / "*"):
        listing = list_inputs(str(pattern), exclude=exclude)
        assert listing.files == [root / "a.txt", root / "cache" / "kept.txt"], pattern
        left_out = {p: why for p, why in listing.skipped}
        assert left_out[root / "out"] == "the run's output.dir"
        assert left_out[root / "cache" / "m.sqlite"] == "cache"
        assert left_out[root / "cache" / "m.sqlite-journal"] == "cache"
    # output.dir is the input folder itself: the files the run writes there are left out
    for name in ("results.jsonl", "hypotheses.en.txt", "references.en.txt", "report.html",
                 "pipeline.sqlite", "briefs/a.md"):
        write(root / name, "x\n")
    listing = list_inputs(str(root), exclude={root: "the run's output.dir"})
    assert listing.files == [root / "a.txt", root / "cache" / "kept.txt", root / "out" /
                             "results.jsonl"]
    left_out = {p.relative_to(root): why for p, why in listing.skipped}
    assert {str(p) for p, why in left_out.items() if why == "the run's output.dir"} == {
        "results.jsonl", "hypotheses.en.txt", "references.en.txt", "report.html",
        "pipeline.sqlite", "briefs"}
    # named directly, a file inside the output dir is read
    assert list_inputs(str(root / "out" / "results.jsonl"), exclude=exclude).files == [
        root / "out" / "results.jsonl"]


def test_a_run_with_its_output_dir_inside_the_input_folder_resumes(tmp_path: Path) -> None:
    for root, out in ((tmp_path / "in", tmp_path / "in" / "out"),  # below the input folder
                      (tmp_path / "in2", tmp_path / "in2")):  # the input folder itself
        write(root / "a.txt")
        write(root / "b.txt", "Titre B\n\nLe chien dort.\n")
        first = run_folder(tmp_path, root, out, cache=root / "cache" / "memory.sqlite")
        assert (first.counts["articles"], first.failed) == (2, 0), out
        again = run_folder(tmp_path, root, out, cache=root / "cache" / "memory.sqlite")
        assert (again.counts["articles"], again.counts["resumed"], again.failed) == (2, 2, 0)
        assert f"not read: {out / 'results.jsonl' if out == root else out} (the run's " \
               "output.dir)" in again.notes
        fresh = run_folder(tmp_path, root, out, overwrite=True,
                           cache=root / "cache" / "memory.sqlite")
        assert [r["id"] for r in map(json.loads, (out / "results.jsonl").read_text(
            "utf-8").splitlines())] == ["a", "b"]
        assert (fresh.counts["articles"], fresh.failed) == (2, 0)


def test_files_of_one_stem_keep_their_suffix_in_their_ids(tmp_path: Path) -> None:
    root = tmp_path / "in"
    for name in ("x.txt", "x.html", "page.html", "page.xhtml", "y.txt", "y.fr", "solo.txt",
                 "sub/z.txt", "other/z.txt"):
        write(root / name, HTML_PAGE.replace("<body>", "<body><p>Le chat dort sur le "
                                             "canapé du salon.</p>")
              if "html" in name else ARTICLE)
    listing = list_inputs(str(root))
    ids = dict(zip(listing.files, _default_ids(listing.files), strict=True))
    assert {str(p.relative_to(root)): i for p, i in ids.items()} == {
        "other/z.txt": "other__z", "page.html": "page.html", "page.xhtml": "page.xhtml",
        "solo.txt": "solo", "sub/z.txt": "sub__z", "x.html": "x.html", "x.txt": "x.txt",
        "y.fr": "y.fr", "y.txt": "y.txt"}
    items = read(root)
    assert failures(items) == {}
    assert sorted(i.id for i in items) == sorted(ids.values())


# --- file names that are not UTF-8 -----------------------------------------------------------


def bad_name(folder: Path, name: bytes, content: str = ARTICLE) -> Path:
    """A file whose name is not valid UTF-8 (Latin-1 bytes), as Python names it."""
    folder.mkdir(parents=True, exist_ok=True)
    path = Path(os.fsdecode(os.path.join(os.fsencode(folder), name)))
    path.write_text(content, "utf-8")
    return path


def test_a_file_name_that_is_not_utf8_is_listed_surveyed_and_read_printably(
        tmp_path: Path) -> None:
    root = tmp_path / "in"
    write(root / "ok.txt")
    ete = bad_name(root, b"\xe9t\xe9.txt")
    bad_name(root, b"r\xe9sum\xe9.pdf")
    os.symlink(tmp_path, Path(os.fsdecode(os.path.join(os.fsencode(root), b"l\xe9"))))
    listing = list_inputs(str(root))
    assert ete in listing.files
    total, digest = survey_inputs(listing)
    assert total == 3 and digest == survey_inputs(list_inputs(str(root)))[1]
    items = read(root)
    by_id = {i.id: i for i in items}
    assert set(by_id) == {"ok", "\\xe9t\\xe9", "l\\xe9"}
    assert by_id["\\xe9t\\xe9"].source == str(root / "\\xe9t\\xe9.txt")
    assert isinstance(by_id["l\\xe9"], ReadFailure)
    assert by_id["l\\xe9"].message.startswith(f"{root / 'l'}\\xe9: symbolic link")
    for item in items:  # what SQLite and UTF-8 files take
        for text in (item.id, item.source, getattr(item, "message", "")):
            text.encode("utf-8")
    assert listing.notes() == [f"not read: {root}/r\\xe9sum\\xe9.pdf (unknown suffix .pdf)"]
    # named directly
    (article,) = read(ete)
    assert isinstance(article, Article) and article.id == "\\xe9t\\xe9"
    assert survey_inputs(list_inputs(str(ete)))[0] == 1


def test_a_run_over_a_file_name_that_is_not_utf8_stores_it_and_the_others(
        tmp_path: Path) -> None:
    root = tmp_path / "in"
    write(root / "ok.txt")
    ete = bad_name(root, b"\xe9t\xe9.txt")
    bad_name(root, b"r\xe9sum\xe9.pdf")
    bad_name(root, b"s\xe9.fr", "Le chat dort.\nLe chien aussi.\n")  # a test set, its name
    bad_name(root, b"s\xe9.en", "The cat sleeps.\nThe dog too.\n")  # in its fields
    for input_path, ids in ((root, ["ok", "s\\xe9", "\\xe9t\\xe9"]), (ete, ["\\xe9t\\xe9"])):
        out = tmp_path / f"out-{len(ids)}"
        outcome = run_folder(tmp_path, input_path, out)
        assert (outcome.counts["ok"], outcome.failed) == (len(ids), 0)
        results = [json.loads(line) for line in
                   (out / "results.jsonl").read_text("utf-8").splitlines()]
        assert [r["id"] for r in results] == ids
        assert results[-1]["source"] == str(root / "\\xe9t\\xe9.txt")
        with sqlite3.connect(out / "pipeline.sqlite") as conn:
            stored = conn.execute("SELECT article_id, source FROM articles").fetchall()
            (counts,) = conn.execute("SELECT counts_json FROM runs").fetchone()
        assert sorted(i for i, _ in stored) == sorted(ids)
        assert len(list((out / "briefs").glob("*.md"))) == len(ids)
        if input_path == root:  # scored against the test set's reference
            assert json.loads((out / "metrics.json").read_text("utf-8"))
        again = run_folder(tmp_path, input_path, out)  # resumed: the same inputs
        assert again.counts["resumed"] == len(ids)
        if input_path == root:
            assert json.loads(counts)["unread_inputs"] == [
                [f"{root}/r\\xe9sum\\xe9.pdf", "unknown suffix .pdf"],
                [f"{root}/s\\xe9.en", f"reference of {root}/s\\xe9.fr"]]


# --- input.format ----------------------------------------------------------------------------


def test_an_unknown_input_format_exits_2_before_the_output_dir_is_made(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from pipeline.cli import main

    root = write(tmp_path / "in" / "a.txt").parent
    out = tmp_path / "out"
    args = ["--config", str(Path(__file__).resolve().parents[2] / "configs" / "default.yaml"),
            "--set", f"input.path={root}", "--set", f"output.dir={out}",
            "--set", f"cache.path={tmp_path / 'memory.sqlite'}",
            "--set", f"translate.model={tmp_path / 'no-such-translator'}",
            "--set", f"summarise.model={tmp_path / 'no-such-summariser'}"]
    for path in (root, root / "a.txt", root / "*.txt"):
        code = main([*args, "--set", f"input.path={path}", "--set", "input.format=foo"])
        err = capsys.readouterr().err
        assert code == 2, err
        assert "input.format 'foo' is not a known reader; use one of: auto, " in err
        assert "txt" in err and "no-such" not in err
        assert not out.exists()
    with pytest.raises(InputError, match="input.format 'foo'"):
        list_inputs(str(root), fmt="foo")
