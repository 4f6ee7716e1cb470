"""Test sets: WMT SGML and XML, line-aligned text and reference files, at their segmentation."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.errors import InputError
from pipeline.readers import read_inputs
from pipeline.records import Article, ReadFailure
from pipeline.segment import segment_article
from pipeline.testsets import count_by_origlang, reference_names

WMT = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "wmt-newstest2013-fren"
ROOT = Path(__file__).resolve().parents[2]

FR = [
    "Le gouvernement a annoncé mardi une série de mesures pour les agriculteurs.",
    "Ils sont confrontés depuis plusieurs mois à une baisse de leurs revenus.",
    "Le prix des aliments pour le bétail a augmenté de 20 % en un an.",
]
EN = [
    "The government announced a series of measures for farmers on Tuesday.",
    "They have faced falling incomes for several months.",
    "The price of animal feed has risen by 20% in a year.",
]


def write(path: Path, content: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8")
    return path


def articles(items: list[Article | ReadFailure]) -> list[Article]:
    assert all(isinstance(i, Article) for i in items), [getattr(i, "message", i) for i in items]
    return [i for i in items if isinstance(i, Article)]


def failures(items: list[Article | ReadFailure]) -> list[ReadFailure]:
    return [i for i in items if isinstance(i, ReadFailure)]


def sgml(kind: str, docs: dict[str, tuple[str, list[str]]], lang: str = "fr") -> str:
    """A WMT SGML file: docid -> (origlang, segments); the first segment is an <h1>."""
    trglang = ' trglang="en"' if kind == "refset" else ""
    lines = [f'<{kind} setid="tiny" srclang="any"{trglang}>']
    for docid, (origlang, segments) in docs.items():
        lines += [f'<doc docid="{docid}" genre="news" origlang="{origlang}">', "<h1>",
                  f'<seg id="1">{segments[0]}</seg>', "</h1>", "<p>"]
        lines += [f'<seg id="{n}">{s}</seg>' for n, s in enumerate(segments[1:], start=2)]
        lines += ["</p>", "</doc>"]
    return "\n".join([*lines, f"</{kind}>", ""])


def sgml_pair(folder: Path, ref_docs: dict[str, tuple[str, list[str]]] | None = None) -> Path:
    source = {"d1": ("fr", FR), "d2": ("en", FR[:2])}
    write(folder / "tiny-ref.en.sgm", sgml("refset", ref_docs or {"d1": ("fr", EN),
                                                                  "d2": ("en", EN[:2])}))
    return write(folder / "tiny-src.fr.sgm", sgml("srcset", source))


# --- the real newstest2013 ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def newstest2013() -> Path:
    if not WMT.is_dir():
        pytest.skip(f"WMT data not found at {WMT}")
    return WMT / "newstest2013-src.fr.sgm"


@pytest.mark.parametrize(("origlang", "documents", "segments"), [(None, 52, 3000), ("fr", 9, 500)])
def test_newstest2013_documents_and_segments(
    newstest2013: Path, origlang: str | None, documents: int, segments: int
) -> None:
    read = articles(read_inputs(str(newstest2013), "auto", origlang=origlang))
    assert len(read) == documents
    assert sum(len(a.paragraphs) for a in read) == segments
    assert all(isinstance(a.reference, tuple) and len(a.reference) == len(a.paragraphs)
               for a in read)
    assert all(a.title == "" and a.testset == "newstest2013" for a in read)
    assert origlang is None or {a.metadata["origlang"] for a in read} == {origlang}
    given = {(a.id, s.paragraph, s.sentence) for a in read
             for s in segment_article(a, len, 512)[0]}
    assert len(given) == segments  # long ones may be broken into pieces, never merged


def test_newstest2013_first_document_and_origlang_counts(newstest2013: Path) -> None:
    first = articles(read_inputs(str(newstest2013)))[0]
    assert first.id == first.metadata["docid"] == "cyberpresse/2012/12/01/1564248"
    assert first.paragraphs[0] == "Une stratégie républicaine pour contrer la réélection d'Obama"
    assert first.reference[0] == "A Republican strategy to counter the re-election of Obama"
    assert list(first.blocks)[:5] == [0, 1, 1, 1, 2]  # <h1>, then <p>s
    assert first.metadata["seg_ids"][:3] == ["1", "2", "3"]
    assert first.source == f"{newstest2013}:2"
    counts = {"cs": 9, "de": 7, "en": 9, "es": 11, "fr": 9, "ru": 7}
    assert count_by_origlang(newstest2013) == counts
    assert count_by_origlang(newstest2013.with_name("newstest2013-ref.en.sgm")) == counts


def test_newstest2013_folder_reads_the_source_only(newstest2013: Path) -> None:
    read = articles(read_inputs(str(newstest2013.parent)))  # the refset is not an input
    assert len(read) == 52 and all(a.source.startswith(str(newstest2013)) for a in read)
    references = [r for a in read for r in a.reference]
    assert any("black & white" in r for r in references)


# --- WMT SGML, synthetic ------------------------------------------------------------------------


def test_sgml_pair_by_sibling_name(tmp_path: Path) -> None:
    source = sgml_pair(tmp_path)
    d1, d2 = articles(read_inputs(str(source)))
    assert (d1.id, d1.title, d1.paragraphs, d1.reference) == ("d1", "", tuple(FR), tuple(EN))
    assert list(d1.blocks) == [0, 1, 1]
    assert dict(d1.reference_sets) == {"ref": tuple(EN)}
    assert d1.metadata["reference_file"] == str(tmp_path / "tiny-ref.en.sgm")
    assert d2.metadata["origlang"] == "en" and d2.reference == tuple(EN[:2])
    assert [a.id for a in articles(read_inputs(str(source), origlang="fr"))] == ["d1"]


def test_sgml_entities_bare_segments_and_unquoted_ids(tmp_path: Path) -> None:
    body = ('<doc docid=x origlang=fr>\n<seg id=1>Pierre &amp; Marie</seg>\n'
            '<seg id=2>&laquo;&nbsp;Oui&nbsp;&raquo;, a-t-il dit.</seg>\n<p>\n'
            '<seg id=3>Le texte suit.</seg>\n</p>\n<seg id=4>Fin.</seg>\n</doc>\n')
    write(tmp_path / "refs" / "any-name.sgm", "<refset>\n" + body.replace("Pierre", "P") +
          "</refset>\n")
    source = write(tmp_path / "a.sgm", f"<srcset setid=s>\n{body}</srcset>\n")
    (article,) = articles(read_inputs(str(source), references=str(tmp_path / "refs" /
                                                                     "any-name.sgm")))
    assert article.paragraphs[:2] == ("Pierre & Marie", "«\u00a0Oui\u00a0», a-t-il dit.")
    assert article.reference[0] == "P & Marie"
    assert list(article.blocks) == [0, 0, 1, 2]
    assert article.testset == "s"


def test_sgml_reference_from_a_references_folder(tmp_path: Path) -> None:
    source = sgml_pair(tmp_path / "src")
    (tmp_path / "src" / "tiny-ref.en.sgm").rename(tmp_path / "tiny-ref.en.sgm")
    read = articles(read_inputs(str(source), references=str(tmp_path)))
    assert [a.reference for a in read] == [tuple(EN), tuple(EN[:2])]


@pytest.mark.parametrize(
    ("body", "line", "fragment"),
    [
        ('<doc docid="a">\n<seg id="1">Ouvert\n</doc>', 3, "<seg> not closed on its line"),
        ('<doc docid="a">\n<seg id="1">Un <seg id="2">deux</seg>\n</doc>', 3,
         "not closed before the next <seg>"),
        ('<doc genre="news">\n<seg id="1">Un</seg>\n</doc>', 2, "<doc> without a docid"),
        ('<doc docid="a">\n<doc docid="b">\n</doc>', 3, "inside the <doc> of line 2"),
        ('<doc docid="a">\n<seg id="1">Un</seg>', 2, "never closed"),
        ('<seg id="1">Un</seg>', 2, "<seg> outside any <doc>"),
        ('<doc docid="a">\n</seg>\n</doc>', 3, "</seg> without an opening"),
        ("</doc>", 2, "</doc> without an opening <doc>"),
    ],
    ids=["unclosed-seg", "nested-seg", "no-docid", "nested-doc", "unclosed-doc", "seg-outside",
         "stray-end-seg", "stray-end-doc"],
)
def test_malformed_sgml_names_file_and_line(
    tmp_path: Path, body: str, line: int, fragment: str
) -> None:
    source = write(tmp_path / "bad-src.fr.sgm", f"<srcset>\n{body}\n</srcset>\n")
    write(tmp_path / "bad-ref.en.sgm", sgml("refset", {"a": ("fr", EN)}))
    (failure,) = read_inputs(str(source))
    assert isinstance(failure, ReadFailure) and failure.source == str(source)
    assert failure.message.startswith(f"{source}:{line}: ") and fragment in failure.message
    with pytest.raises(InputError, match=f"{source}:{line}: "):
        count_by_origlang(source)


def test_sgml_segment_count_mismatch_fails_that_document_only(tmp_path: Path) -> None:
    source = sgml_pair(tmp_path, {"d1": ("fr", EN[:2]), "d2": ("en", EN[:2])})
    failure, article = read_inputs(str(source))
    assert isinstance(failure, ReadFailure) and isinstance(article, Article)
    reference = tmp_path / "tiny-ref.en.sgm"
    assert failure.id == "d1" and failure.source == f"{source}:2"
    for fragment in [str(source), str(reference), "'d1'", "3 source segments", "has 2"]:
        assert fragment in failure.message, failure.message


def test_sgml_missing_reference_document_and_misaligned_ids(tmp_path: Path) -> None:
    source = sgml_pair(tmp_path, {"d1": ("fr", EN)})
    ref = tmp_path / "tiny-ref.en.sgm"
    assert failures(read_inputs(str(source)))[0].message.endswith(
        f"document 'd2' has no <doc docid='d2'> in its reference {ref}")
    write(ref, sgml("refset", {"d1": ("fr", EN)}).replace('id="2"', 'id="9"'))
    (failure, _) = failures(read_inputs(str(source)))
    assert "source segment id '2' meets reference segment id '9'" in failure.message


def test_sgml_missing_reference_file_names_the_expected_path(tmp_path: Path) -> None:
    source = sgml_pair(tmp_path)
    (tmp_path / "tiny-ref.en.sgm").unlink()
    (failure,) = read_inputs(str(source))
    assert isinstance(failure, ReadFailure)
    assert f"expected {tmp_path / 'tiny-ref.en.sgm'}" in failure.message
    assert "input.references" in failure.message
    (failure,) = read_inputs(str(source), references=str(tmp_path / "nowhere.sgm"))
    assert "nowhere.sgm' does not exist" in failure.message


def test_sgml_wrong_roles_and_empty_origlang_selection_fail(tmp_path: Path) -> None:
    source = sgml_pair(tmp_path)
    ref = tmp_path / "tiny-ref.en.sgm"
    assert "is a <refset>" in failures(read_inputs(str(ref)))[0].message
    itself = failures(read_inputs(str(source), references=str(source)))[0]
    assert "names the source file itself" in itself.message
    copy = write(tmp_path / "copy.sgm", source.read_text(encoding="utf-8"))
    swapped = failures(read_inputs(str(source), references=str(copy)))[0]
    assert "is a <srcset>, expected the <refset>" in swapped.message
    (none_kept,) = read_inputs(str(source), origlang="de")
    assert isinstance(none_kept, ReadFailure)
    assert "keeps none of its 2 documents (origlang: en 1, fr 1)" in none_kept.message


# --- WMT XML ------------------------------------------------------------------------------------

XML = """<?xml version="1.0" encoding="utf-8"?>
<dataset id="wmttest2099">
  <collection id="general">
    <doc id="news-1" origlang="fr">
      <src lang="fr">
        <p><seg id="1">{fr0}</seg></p>
        <p><seg id="2">{fr1}</seg><seg id="3">{fr2} &amp; co</seg></p>
      </src>
      <ref lang="en" translator="A">
        <p><seg id="1">{en0}</seg></p>
        <p><seg id="2">{en1}</seg><seg id="3">{en2} &amp; co</seg></p>
      </ref>
      <ref lang="en" translator="B">
        <p><seg id="1">B0</seg><seg id="2">B1</seg><seg id="3">B2</seg></p>
      </ref>
    </doc>
    <doc id="news-2" origlang="en">
      <src lang="fr"><p><seg id="1">{fr0}</seg></p></src>
      <ref lang="en" translator="A"><p><seg id="1">{en0}</seg></p></ref>
      <ref lang="en" translator="B"><p><seg id="1">B0</seg></p></ref>
    </doc>
  </collection>
</dataset>
""".format(**{f"fr{n}": s for n, s in enumerate(FR)}, **{f"en{n}": s for n, s in enumerate(EN)})


def test_xml_several_references(tmp_path: Path) -> None:
    path = write(tmp_path / "wmttest2099.fr-en.xml", XML)
    first, second = articles(read_inputs(str(path)))  # .xml: wmt-xml by suffix
    assert first.id == "news-1" and first.source == f"{path}:4"
    assert first.paragraphs == (FR[0], FR[1], FR[2] + " & co")
    assert first.reference == (EN[0], EN[1], EN[2] + " & co")  # the first translator's
    assert dict(first.reference_sets) == {"A": first.reference, "B": ("B0", "B1", "B2")}
    assert list(first.blocks) == [0, 1, 1]
    assert first.testset == "wmttest2099"
    assert dict(second.reference_sets) == {"A": (EN[0],), "B": ("B0",)}
    assert [a.id for a in articles(read_inputs(str(path), "wmt-xml", origlang="fr"))] == [
        "news-1"]
    assert count_by_origlang(path) == {"en": 1, "fr": 1}


@pytest.mark.parametrize(
    ("old", "new", "where", "fragment"),
    [
        ('<seg id="3">B2</seg>', "", ":4: document 'news-1'", "3 source segments but its "
         "reference"),
        ('<doc id="news-2" origlang="en">', '<doc origlang="en">', ":17: ", "<doc> without an id"),
        ('<seg id="2">B1</seg>', "<seg id='2'>B1", ":14: ", "mismatched tag"),
        ("&amp; co</seg></p>\n      </src>", "&eacute;</seg></p>\n      </src>", ":7: ",
         "not well-formed XML"),
        ('<src lang="fr"><p>', '<src lang="de"><p>', ":17: document 'news-2'", "lang='de'"),
    ],
    ids=["ref-count", "no-id", "unclosed-seg", "html-entity", "src-lang"],
)
def test_bad_xml_names_file_and_line(
    tmp_path: Path, old: str, new: str, where: str, fragment: str
) -> None:
    assert old in XML
    path = write(tmp_path / "bad.xml", XML.replace(old, new, 1))
    (failure,) = failures(read_inputs(str(path)))
    assert failure.message.startswith(f"{path}{where}") and fragment in failure.message


def test_xml_document_without_reference_fails(tmp_path: Path) -> None:
    path = write(tmp_path / "blind.xml", XML[:XML.index("<ref")] + XML[XML.index("</doc>"):])
    failure, article = read_inputs(str(path))
    assert isinstance(article, Article)
    assert isinstance(failure, ReadFailure) and "has no <ref>" in failure.message


def test_xml_other_root_fails(tmp_path: Path) -> None:
    path = write(tmp_path / "feed.xml", "<rss>\n<channel/>\n</rss>\n")
    (failure,) = read_inputs(str(path))
    assert isinstance(failure, ReadFailure) and "root element <rss>, expected <dataset>" in (
        failure.message)


# --- line-aligned text --------------------------------------------------------------------------


def test_lines_without_docids_are_one_document(tmp_path: Path) -> None:
    write(tmp_path / "ref.en", "\n".join(EN) + "\n")
    source = write(tmp_path / "src.fr", "\n".join(FR) + "\n")
    (article,) = articles(read_inputs(str(source), "lines"))
    assert (article.id, article.paragraphs, article.reference) == ("src", tuple(FR), tuple(EN))
    assert article.metadata["seg_ids"] == ["1", "2", "3"]
    assert article.metadata["reference_file"] == str(tmp_path / "ref.en")


def test_lines_with_docids_and_an_empty_segment(tmp_path: Path) -> None:
    source = write(tmp_path / "test.fr", "\n".join([*FR, "", FR[0]]) + "\n")
    write(tmp_path / "test.en", "\n".join([*EN, "", EN[0]]) + "\n")
    write(tmp_path / "test.fr.docids", "a\na\nb\nb\nc\n")
    a, b, c = articles(read_inputs(str(source), "lines"))
    assert (a.id, a.paragraphs, a.reference) == ("a", tuple(FR[:2]), tuple(EN[:2]))
    assert (b.paragraphs, b.reference) == ((FR[2], ""), (EN[2], ""))
    assert (c.source, c.metadata["seg_ids"]) == (f"{source}:5", ["5"])
    assert len(segment_article(b, len, 512)[0]) == 2  # the empty segment keeps its place


def test_lines_documents_must_be_contiguous(tmp_path: Path) -> None:
    source = write(tmp_path / "src.fr", "\n".join(FR) + "\n")
    write(tmp_path / "ref.en", "\n".join(EN) + "\n")
    write(tmp_path / "docids", "a\nb\na\n")
    a, b, again = read_inputs(str(source), "lines")
    assert isinstance(a, Article) and isinstance(b, Article)
    assert isinstance(again, ReadFailure) and "duplicate article id 'a'" in again.message


@pytest.mark.parametrize(
    ("reference", "docids", "fragments"),
    [
        ("\n".join(EN[:2]), None, ["has 3 lines", "ref.en has 2", "src.fr"]),
        ("\n".join(EN), "a\nb\n", ["docids has 2 docids", "src.fr has 3 lines"]),
        ("\n".join(EN), "a\n\nb\n", ["docids:2: blank docid"]),
    ],
    ids=["count", "docid-count", "blank-docid"],
)
def test_lines_mismatches_are_errors(
    tmp_path: Path, reference: str | None, docids: str | None, fragments: list[str]
) -> None:
    source = write(tmp_path / "src.fr", "\n".join(FR) + "\n")
    if reference is not None:
        write(tmp_path / "ref.en", reference + "\n")
    if docids is not None:
        write(tmp_path / "docids", docids)
    (failure,) = read_inputs(str(source), "lines")
    assert isinstance(failure, ReadFailure) and failure.source == str(source)
    for fragment in fragments:
        assert fragment in failure.message, failure.message


def test_lines_without_a_reference_are_translated_unscored(tmp_path: Path) -> None:
    source = write(tmp_path / "src.fr", "\n".join(FR) + "\n")
    (article,) = articles(read_inputs(str(source)))  # auto: .fr is a line file
    assert article.paragraphs == tuple(FR) and article.given_segments
    assert article.reference is None and article.reference_sets == ()
    write(tmp_path / "refs" / "other.en", "x\n")  # a reference asked for must exist
    (failure,) = read_inputs(str(source), references=str(tmp_path / "refs"))
    assert isinstance(failure, ReadFailure)
    assert "no reference translation found" in failure.message


def test_lines_reference_option_and_origlang(tmp_path: Path) -> None:
    source = write(tmp_path / "a" / "news.txt", "\n".join(FR))
    reference = write(tmp_path / "b" / "english.txt", "\n".join(EN))
    (article,) = articles(read_inputs(str(source), "lines", references=str(reference)))
    assert article.reference == tuple(EN)
    (failure,) = read_inputs(str(source), "lines", references=str(reference), origlang="fr")
    assert isinstance(failure, ReadFailure) and "input.origlang" in failure.message


# --- per-article reference files ----------------------------------------------------------------

FR_TXT = f"Titre\n\n{FR[0]} {FR[1]}\n\n{FR[2]}\n"
EN_TXT = f"Title\n\n{EN[0]} {EN[1]}\n\n{EN[2]}\n"


def test_txt_sibling_reference_and_folder_walk(tmp_path: Path) -> None:
    write(tmp_path / "x.fr.txt", FR_TXT)
    write(tmp_path / "x.en.txt", EN_TXT)
    write(tmp_path / "y.fr.txt", FR_TXT)
    x, y = articles(read_inputs(str(tmp_path)))  # x.en.txt is not read as an article
    assert x.id == "x.fr" and x.reference == f"{EN[0]} {EN[1]}\n\n{EN[2]}"
    assert x.metadata == {"reference_file": str(tmp_path / "x.en.txt"), "reference_title": "Title"}
    assert y.reference is None and y.metadata == {}


def test_txt_references_folder(tmp_path: Path) -> None:
    write(tmp_path / "in" / "x.fr.txt", FR_TXT)
    write(tmp_path / "in" / "y.txt", FR_TXT)
    write(tmp_path / "in" / "references" / "x.en.txt", EN_TXT)
    write(tmp_path / "in" / "references" / "y.txt", EN_TXT)
    read = articles(read_inputs(str(tmp_path / "in"), references=str(tmp_path / "in" /
                                                                       "references")))
    assert [a.id for a in read] == ["x.fr", "y"]
    assert all(a.reference == f"{EN[0]} {EN[1]}\n\n{EN[2]}" for a in read)
    assert [a.id for a in articles(read_inputs(str(tmp_path / "in")))] == ["x.fr", "y"]


def test_txt_missing_reference_in_the_given_folder_fails(tmp_path: Path) -> None:
    source = write(tmp_path / "x.fr.txt", FR_TXT)
    (tmp_path / "refs").mkdir()
    (failure,) = read_inputs(str(source), references=str(tmp_path / "refs"))
    assert isinstance(failure, ReadFailure)
    assert f"expected {tmp_path / 'refs' / 'x.en.txt'} or {tmp_path / 'refs' / 'x.fr.txt'}" in (
        failure.message)
    write(tmp_path / "refs" / "x.en.txt", "Title only\n")
    (failure,) = read_inputs(str(source), references=str(tmp_path / "refs"))
    assert isinstance(failure, ReadFailure) and "no body after its title line" in failure.message


# --- JSONL references, naming, import cost -----------------------------------------------------


def test_jsonl_list_reference_is_one_given_segment_per_line(tmp_path: Path) -> None:
    record = {"id": "j", "title": "Titre", "text": "\n".join(FR), "reference": EN}
    (article,) = articles(read_inputs(str(write(tmp_path / "a.jsonl", json.dumps(record)))))
    assert article.paragraphs == tuple(FR) and article.reference == tuple(EN)
    segments, _ = segment_article(article, len, 512)
    assert [s.source for s in segments if s.paragraph >= 0] == FR  # title aside, one each


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("newstest2013-src.fr.sgm", ["newstest2013-ref.en.sgm", "newstest2013-src.en.sgm"]),
        ("x.fr.txt", ["x.en.txt"]),
        ("src.fr", ["ref.en", "src.en"]),
        ("news-src.sgm", ["news-ref.sgm"]),
        ("article.txt", []),
        ("srcset.fr", ["srcset.en"]),
    ],
)
def test_reference_names(name: str, expected: list[str]) -> None:
    assert reference_names(name) == expected


def test_importing_readers_does_not_import_testsets() -> None:
    code = "import sys, pipeline.readers; print('pipeline.testsets' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "False"
