"""Readers: txt and JSONL in, Articles or ReadFailures out, and clear messages for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline import readers
from pipeline.errors import InputError
from pipeline.readers import ReadOptions, read_inputs, register_reader
from pipeline.records import Article, ReadFailure

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "lutte-anti-aqmi.fr.txt"

FRENCH = (
    "Le gouvernement a annoncé mardi une série de mesures pour soutenir les agriculteurs "
    "touchés par la sécheresse, qui sont confrontés depuis plusieurs mois à une baisse de "
    "leurs revenus et à la hausse du prix des aliments pour le bétail."
)
ENGLISH = (
    "The government announced on Tuesday a series of measures to support the farmers who "
    "have been hit by the drought, which has cut their income for several months and raised "
    "the price of animal feed across the country."
)


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", newline="")
    return path


def only(items: list[Article | ReadFailure]) -> Article | ReadFailure:
    assert len(items) == 1, items
    return items[0]


@pytest.mark.parametrize(
    ("content", "title", "paragraphs"),
    [
        ("Titre\n\nPremier.\n\nSecond.\n", "Titre", ("Premier.", "Second.")),
        ("\ufeffTitre\n\nPremier.\n", "Titre", ("Premier.",)),
        ("Titre\r\n\r\nPremier.\r\n\r\nSecond.\r\n", "Titre", ("Premier.", "Second.")),
        ("Titre\rPremier.\r\rSecond.", "Titre", ("Premier.", "Second.")),
        (
            "\n\n  Titre  \nligne un\nligne deux\n \t\nfin\n",
            "Titre",
            ("ligne un ligne deux", "fin"),
        ),
        ("Un texte d'une ligne\n\n\n", "", ("Un texte d'une ligne",)),  # never all title
    ],
    ids=["plain", "bom", "crlf", "cr", "leading-blank-and-wrapped", "one-line"],
)
def test_txt_title_and_paragraphs(
    tmp_path: Path, content: str, title: str, paragraphs: tuple[str, ...]
) -> None:
    path = write(tmp_path / "article.txt", content)
    article = only(read_inputs(str(path)))
    assert isinstance(article, Article)
    assert (article.id, article.title, article.paragraphs) == ("article", title, paragraphs)
    assert article.source == str(path)
    assert article.language == "fr"


def test_example_article_reads_title_and_every_paragraph() -> None:
    lines = [ln.strip() for ln in EXAMPLE.read_text(encoding="utf-8").splitlines() if ln.strip()]
    article = only(read_inputs(str(EXAMPLE)))
    assert isinstance(article, Article)
    assert article.title == lines[0]
    assert article.title == "Lutte anti-Aqmi: des militaires algériens dans le nord du Mali"
    # Every body paragraph is one line in the file, separated by blank lines.
    assert len(article.paragraphs) == len(lines) - 1 == 15
    assert list(article.paragraphs) == lines[1:]


def test_directory_is_read_recursively_in_sorted_order_with_unique_ids(tmp_path: Path) -> None:
    write(tmp_path / "c" / "x.txt", f"C\n\n{FRENCH}")
    write(tmp_path / "b.txt", f"B\n\n{FRENCH}")
    write(tmp_path / "a" / "x.txt", f"A\n\n{FRENCH}")
    write(tmp_path / "d.jsonl", json.dumps({"id": "j1", "text": FRENCH}) + "\n")
    write(tmp_path / "notes.md", "not an input")
    items = read_inputs(str(tmp_path))
    assert all(isinstance(i, Article) for i in items)
    assert [i.id for i in items] == ["a__x", "b", "c__x", "j1"]
    assert [i.title for i in items[:3]] == ["A", "B", "C"]
    assert items[0].source == str(tmp_path / "a" / "x.txt")
    assert read_inputs(str(tmp_path)) == items  # deterministic


def test_glob_pattern_is_expanded_recursively_and_sorted(tmp_path: Path) -> None:
    for name in ["z.txt", "sub/m.txt", "a.txt", "skip.jsonl"]:
        write(tmp_path / name, f"{Path(name).stem}\n\n{FRENCH}")
    items = read_inputs(str(tmp_path / "**" / "*.txt"))
    assert [i.id for i in items] == ["a", "m", "z"]
    assert all(isinstance(i, Article) for i in items)


def test_jsonl_good_lines_survive_bad_ones(tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": 1, "title": "T", "text": f"{FRENCH}\n\n{FRENCH}", "source": "AFP"}),
        "{not json",
        "",
        json.dumps({"id": "2", "title": "sans texte"}),
        json.dumps({"id": ["3"], "text": FRENCH}),
        json.dumps(["a", "list"]),
        json.dumps({"id": "1", "text": FRENCH}),
        json.dumps({"id": "4", "text": "une\ndeux", "reference": ["one", "two", "three"]}),
        json.dumps({"id": "5", "text": "un\n\ndeux", "reference": ["one", "two"]}),
        json.dumps({"id": "6", "text": FRENCH, "reference": 7}),
        json.dumps({"id": "7", "text": FRENCH, "reference": "The ref.", "reference_summary": "S"}),
    ]
    path = write(tmp_path / "news.jsonl", "\n".join(lines) + "\n")
    items = read_inputs(str(path))
    by_line = {int(i.source.rsplit(":", 1)[1]): i for i in items}
    assert sorted(by_line) == [1, 2, 4, 5, 6, 7, 8, 9, 10, 11]  # blank line 3 skipped, none lost
    assert all(i.source == f"{path}:{n}" for n, i in by_line.items())

    good = {n: i for n, i in by_line.items() if isinstance(i, Article)}
    assert sorted(good) == [1, 9, 11]
    assert (good[1].id, good[1].title, good[1].paragraphs) == ("1", "T", (FRENCH, FRENCH))
    assert good[1].metadata == {"source": "AFP"}
    assert good[9].paragraphs == ("un", "deux") and good[9].reference == ("one", "two")
    assert good[11].reference == "The ref." and good[11].reference_summary == "S"

    expected = {
        2: ["not valid JSON", "one JSON object per line"],
        4: ["'text' is missing", "expected a non-empty string"],
        5: ["'id' is list", "expected a non-empty string or int"],
        6: ["found a JSON list", "expected an object"],
        7: ["duplicate article id '1'", f"{path}:1"],
        8: ["3 segments", "2 lines"],
        10: ["'reference' is int", "a list of strings"],
    }
    for number, fragments in expected.items():
        failure = by_line[number]
        assert isinstance(failure, ReadFailure), number
        assert failure.message.startswith(f"{path}:{number}: ")
        for fragment in fragments:
            assert fragment in failure.message, (number, failure.message)


def test_duplicate_ids_across_files_fail_the_later_one(tmp_path: Path) -> None:
    for name in ["one.jsonl", "two.jsonl"]:
        write(tmp_path / name, json.dumps({"id": "same", "text": FRENCH}) + "\n")
    first, second = read_inputs(str(tmp_path))
    assert isinstance(first, Article) and isinstance(second, ReadFailure)
    assert "duplicate article id 'same'" in second.message and "one.jsonl:1" in second.message


@pytest.mark.parametrize(
    ("name", "content", "fragments"),
    [
        ("empty.txt", "", ["empty file"]),
        ("blank.txt", " \n\t\n\r\n", ["empty file", "whitespace"]),
        ("empty.jsonl", "\n\n", ["empty file", "JSON"]),
        ("zip.txt", b"PK\x03\x04\x00\x00binary", ["binary", "ZIP archive"]),
        ("nul.txt", b"\x00\x01\x02" * 100, ["binary", "NUL bytes"]),
        ("ctrl.txt", bytes(range(1, 9)) * 50, ["binary", "control codes"]),
        ("bad-bom.txt", b"\xff\xfe\x00\xd8", ["UTF-16-LE byte-order mark", "not valid"]),
    ],
)
def test_bad_files_fail_with_a_message_naming_the_file(
    tmp_path: Path, name: str, content: str | bytes, fragments: list[str]
) -> None:
    path = write(tmp_path / name, content)
    failure = only(read_inputs(str(path)))
    assert isinstance(failure, ReadFailure)
    assert failure.source == str(path) and failure.id == path.stem
    assert failure.message.startswith(str(path))
    for fragment in fragments:
        assert fragment in failure.message, failure.message


def test_bad_file_does_not_stop_the_others(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", b"\x00\x01")
    write(tmp_path / "b.txt", f"Titre\n\n{FRENCH}")
    failure, article = read_inputs(str(tmp_path))
    assert isinstance(failure, ReadFailure) and isinstance(article, Article)


def test_too_large_fails_with_size_and_limit_and_is_not_truncated(tmp_path: Path) -> None:
    path = write(tmp_path / "long.txt", "Titre\n\n" + "mot " * 400)
    failure = only(read_inputs(str(path), max_chars=1000))
    assert isinstance(failure, ReadFailure)
    for fragment in ["1,605 characters", "limit of 1,000", "input.max_chars"]:
        assert fragment in failure.message, failure.message
    assert isinstance(only(read_inputs(str(path), max_chars=2000)), Article)


def test_jsonl_limit_applies_per_article(tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": "short", "text": "court"}),
        json.dumps({"id": "l", "text": "x" * 60}),
    ]
    path = write(tmp_path / "a.jsonl", "\n".join(lines))
    short, long = read_inputs(str(path), max_chars=40)
    assert isinstance(short, Article)
    assert isinstance(long, ReadFailure) and long.id == "l" and "input.max_chars" in long.message


def test_explicit_format_overrides_the_suffix(tmp_path: Path) -> None:
    path = write(tmp_path / "feed.dat", json.dumps({"id": "x", "text": FRENCH}))
    assert only(read_inputs(str(path), "jsonl")).id == "x"
    # auto: an unknown suffix is read as txt (one line: all body)
    assert only(read_inputs(str(path))).paragraphs[0].startswith("{")


@pytest.mark.parametrize("pattern", ["missing.txt", "nowhere/*.txt", "**/*.nothing"])
def test_path_matching_nothing_raises(tmp_path: Path, pattern: str) -> None:
    given = str(tmp_path / pattern)
    with pytest.raises(InputError) as caught:
        read_inputs(given)
    assert given in str(caught.value)
    assert "file" in str(caught.value) and "directory" in str(caught.value)
    assert "glob" in str(caught.value)


def test_directory_without_inputs_raises(tmp_path: Path) -> None:
    write(tmp_path / "readme.md", "nothing to read")
    with pytest.raises(InputError, match=r"\*\.txt"):
        read_inputs(str(tmp_path))


def test_unknown_format_raises_listing_registered_names(tmp_path: Path) -> None:
    path = write(tmp_path / "a.txt", "Titre")
    with pytest.raises(InputError) as caught:
        read_inputs(str(path), "xml")
    message = str(caught.value)
    assert "'xml'" in message
    assert all(name in message for name in ["auto", "txt", "jsonl"])


def test_registered_reader_is_used_by_name_and_suffix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipeline import listing, reading

    for name in ("READERS", "SUFFIXES"):  # the registry (in reading) as the others see it
        copy = dict(getattr(reading, name))
        for module in (reading, readers, listing):
            monkeypatch.setattr(module, name, copy)

    @register_reader("upper", suffixes=(".up",))
    def read_upper(path: Path, options: ReadOptions) -> list[Article | ReadFailure]:
        text = path.read_text(encoding="utf-8").upper()
        return [Article(options.default_id, text, (), str(path), options.language)]

    write(tmp_path / "a.up", "titre")
    write(tmp_path / "b.txt", "Titre\n\nTexte.")
    assert [i.title for i in read_inputs(str(tmp_path))] == ["TITRE", "Titre"]
    assert only(read_inputs(str(tmp_path / "b.txt"), "upper")).title == "TITRE\n\nTEXTE."
    with pytest.raises(InputError, match="upper"):
        read_inputs(str(tmp_path), "nope")


def test_a_jsonl_line_not_in_utf8_fails_alone(tmp_path: Path) -> None:
    good = '{"id": "ok", "text": "Le texte est en français."}\n'.encode()
    bad = '{"id": 1, "text": "été"}\n'.encode("latin-1")
    path = write(tmp_path / "mixed.jsonl", good + bad + good.replace(b'"ok"', b'"ok2"'))
    items = read_inputs(str(path))
    assert [type(i).__name__ for i in items] == ["Article", "ReadFailure", "Article"]
    failure = items[1]
    assert failure.source == f"{path}:2" and failure.id == "mixed:2"
    offset = len(good) + len(b'{"id": 1, "text": "')
    for fragment in ("not valid UTF-8", "0xe9", f"byte offset {offset}", "iconv"):
        assert fragment in failure.message


def test_a_duplicate_never_takes_the_id_of_a_real_record(tmp_path: Path) -> None:
    rows = ['{"id": "x", "text": "Un."}', '{"id": "x", "text": "Deux."}',
            '{"id": "x#2", "text": "Trois."}', '{"id": "x (duplicate 2)", "text": "Quatre."}',
            '{"id": "x#2", "text": "Cinq."}']
    path = write(tmp_path / "dup.jsonl", "\n".join(rows) + "\n")
    items = read_inputs(str(path))
    ids = [item.id for item in items]
    assert len(ids) == len(set(ids)) == 5  # every record kept, under its own id
    assert [type(i).__name__ for i in items] == ["Article", "ReadFailure", "Article",
                                                  "ReadFailure", "ReadFailure"]
    assert ids[:3] == ["x", "x (duplicate 2)", "x#2"]  # a unique real id is never failed
    assert ids[4] == "x#2 (duplicate 2)"
    # a real id equal to a name given to a duplicate is a duplicate in turn, never lost
    assert ids[3] == "x (duplicate 2) (duplicate 2)" and "Quatre" not in str(items[3])


def test_input_references_with_jsonl_inputs_is_an_error_not_ignored(tmp_path: Path) -> None:
    path = write(tmp_path / "a.jsonl", '{"id": "a", "text": "Un texte."}\n')
    refs = write(tmp_path / "refs.jsonl", '{"id": "a", "reference": "A text."}\n')
    with pytest.raises(InputError, match="cannot apply to JSONL inputs"):
        read_inputs(str(path), references=str(refs))


def test_printable_writes_the_bytes_of_a_non_utf8_name_as_escapes() -> None:
    from pipeline.readers import printable

    assert printable("/in/\udce9t\udce9.txt") == "/in/\\xe9t\\xe9.txt"
    assert printable("déjà vu.txt") == "déjà vu.txt"  # untouched
    assert printable("a\ud800b") == "a\\ud800b"  # a surrogate no byte stands for
    assert printable("/in/\udce9t\udce9.txt").encode("utf-8")


def test_a_second_run_of_a_name_that_is_not_utf8_gets_the_same_id(tmp_path: Path) -> None:
    import os

    path = Path(os.fsdecode(os.path.join(os.fsencode(tmp_path), b"caf\xe9.txt")))
    write(path, "Titre\n\nLe chat dort.\n")
    first, again = read_inputs(str(tmp_path)), read_inputs(str(tmp_path))
    assert [a.id for a in first] == ["caf\\xe9"] and first == again
    assert isinstance(first[0], Article) and first[0].input_sha == again[0].input_sha
