"""Reading text right: encodings, invisible characters, titles of unformatted files, web pages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.readers import read_inputs
from pipeline.reading import clean_text, decode_bytes, split_title_body
from pipeline.records import Article, ReadFailure

TEXT = ("Titre de l'article\n\nLe ministre a déclaré « nous irons » — l'été dernier, à Orléans… "
        "Les œuvres coûtent 5 €.\n")
TITLE = "Titre de l'article"
BODY = ("Le ministre a déclaré « nous irons » — l'été dernier, à Orléans… Les œuvres coûtent "
        "5 €.",)


def read_one(path: Path) -> Article | ReadFailure:
    items = read_inputs(str(path))
    assert len(items) == 1
    return items[0]


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + TEXT.encode("utf-8"), "utf-8 (byte-order mark)"),
        (TEXT.encode("utf-16"), "utf-16-le (byte-order mark)"),
        (b"\xfe\xff" + TEXT.encode("utf-16-be"), "utf-16-be (byte-order mark)"),
        (TEXT.encode("utf-32"), "utf-32-le (byte-order mark)"),
        (TEXT.encode("utf-16-le"), "utf-16-le (guessed)"),
        (TEXT.encode("cp1252"), "cp1252 (guessed)"),
        (TEXT.replace("€", "EUR").replace("œ", "oe").replace("…", "...").replace("—", "-")
         .encode("latin-1"), None),
    ],
    ids=["utf8", "utf8-bom", "utf16le-bom", "utf16be-bom", "utf32-bom", "utf16-no-bom",
         "cp1252", "latin1"],
)
def test_every_common_encoding_is_read_and_recorded(tmp_path: Path, data: bytes,
                                                    encoding: str | None) -> None:
    path = tmp_path / "article.txt"
    path.write_bytes(data)
    article = read_one(path)
    assert isinstance(article, Article), article
    assert article.title == TITLE
    if encoding is None:  # Latin-1 bytes: any of the single-byte codes that read them alike
        assert article.reading["encoding"].endswith("(guessed)")
        assert article.paragraphs[0].startswith("Le ministre a déclaré « nous irons » - l'été")
    else:
        assert article.paragraphs == BODY
        assert article.reading["encoding"] == encoding


def test_invisible_and_terminal_characters_are_removed_and_counted(tmp_path: Path) -> None:
    dirty = ("Titre\x07\n\nIl est \x1b[31mparti\x1b[0m hier.\u202e Le train\x00 est arrivé "
             "à\u2066 l'heure.\x7f\n")
    path = tmp_path / "dirty.txt"
    path.write_text(dirty, "utf-8")
    article = read_one(path)
    assert isinstance(article, Article), article
    assert article.title == "Titre"
    assert article.paragraphs == ("Il est parti hier. Le train est arrivé à l'heure.",)
    # BEL, two ANSI sequences (5 + 4 characters), RLO, NUL, LRI, DEL
    assert article.reading["removed_characters"] == 1 + 5 + 4 + 1 + 1 + 1 + 1


def test_clean_text_keeps_everything_visible() -> None:
    text = "Prix : 5 €\u00a0; « cité » — l’été\tfin\u200b.\nLigne"
    assert clean_text(text) == (text, 0)
    assert clean_text("a\r\nb\rc\x0cd\u2028e") == ("a\nb\nc\nd\ne", 0)


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "a PDF document"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "a PNG image"),
        (bytes(range(256)) * 20, "control codes"),
    ],
    ids=["pdf", "png", "random"],
)
def test_real_binaries_are_refused(tmp_path: Path, data: bytes, fragment: str) -> None:
    path = tmp_path / "scan.txt"
    path.write_bytes(data)
    failure = read_one(path)
    assert isinstance(failure, ReadFailure) and failure.status == "failed"
    assert f"{path}: looks like a binary file" in failure.message
    assert fragment in failure.message


def test_one_stray_nul_does_not_make_a_text_binary() -> None:
    decoded = decode_bytes(("Titre\n\nLe texte" + "\x00" + " continue ici." * 20).encode(), "x")
    assert "\x00" not in decoded.text and decoded.removed == 1


@pytest.mark.parametrize(
    ("text", "title", "paragraphs"),
    [
        # one line: all body, whatever its length
        ("Le gouvernement a annoncé mardi une série de mesures. Le ministre a précisé les "
         "modalités.", "",
         ("Le gouvernement a annoncé mardi une série de mesures. Le ministre a précisé les "
          "modalités.",)),
        ("Une brève sans ponctuation", "", ("Une brève sans ponctuation",)),
        # a short first line without a full stop is a title, even with no blank line after it
        ("Le Mali face à AQMI\nLes autorités ont annoncé mardi un renfort. Il arrive.\n"
         "Le ministre a parlé à la presse.",
         "Le Mali face à AQMI",
         ("Les autorités ont annoncé mardi un renfort. Il arrive.",
          "Le ministre a parlé à la presse.")),
        # a first line that is a sentence is the first paragraph
        ("Le gouvernement a annoncé mardi une série de mesures.\nLe ministre a précisé les "
         "modalités.", "",
         ("Le gouvernement a annoncé mardi une série de mesures.",
          "Le ministre a précisé les modalités.")),
        # lines wrapped in mid-sentence are joined; a line ending a sentence ends a paragraph
        ("Titre\nLe gouvernement a annoncé mardi une\nsérie de mesures pour les agriculteurs.\n"
         "Le ministre a précisé les modalités\ndu versement.",
         "Titre",
         ("Le gouvernement a annoncé mardi une série de mesures pour les agriculteurs.",
          "Le ministre a précisé les modalités du versement.")),
        # a blank line after a first line ending in a full stop: the author's title
        ("Un titre qui finit par un point.\n\nLe corps.", "Un titre qui finit par un point.",
         ("Le corps.",)),
    ],
    ids=["one-line", "one-line-short", "title-no-blank", "sentence-first", "wrapped",
         "titled-with-period"],
)
def test_titles_of_files_without_blank_lines(text: str, title: str,
                                             paragraphs: tuple[str, ...]) -> None:
    assert split_title_body(text) == (title, paragraphs)


def test_a_huge_line_without_punctuation_is_all_body(tmp_path: Path) -> None:
    words = " ".join(f"mot{n}" for n in range(5000))  # about 38 KB, one line, no punctuation
    path = tmp_path / "scraped.txt"
    path.write_text(words, "utf-8")
    article = read_one(path)
    assert isinstance(article, Article)
    assert article.title == "" and article.paragraphs == (words,)


PAGE = """<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>Le Mali face à AQMI - Le Journal</title>
<style>p { color: red }</style><script>alert("script");</script></head>
<body><nav><ul><li><a href="/">Accueil</a></li><li><a href="/monde">Monde</a></li></ul></nav>
<article><h1>Le Mali intensifie la lutte contre AQMI</h1>
<p>Les autorités maliennes ont annoncé mardi un renforcement de leur dispositif militaire dans
le nord du pays, où opère la branche maghrébine d'Al-Qaïda.</p>
<h2>Une coopération régionale</h2>
<p>Selon le ministre de la Défense, <b>trois</b> bataillons seront déployés avant la fin de
l'année, en coordination avec l'Algérie, la Mauritanie et le Niger.</p>
<img src=x onerror="alert('img')">
<p>« Nous ne laisserons pas le terrorisme s'installer », a-t-il déclaré devant la presse.</p>
<p>Lire aussi : <a href="javascript:alert('link')">notre dossier</a> sur le Sahel.</p>
</article><footer>© 2011 Le Journal – Tous droits réservés. Mentions légales.</footer>
</body></html>
"""


@pytest.mark.parametrize("name", ["page.html", "page.htm", "saved-page.txt"])
def test_web_pages_become_title_and_paragraphs(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text(PAGE, "utf-8")
    article = read_one(path)
    assert isinstance(article, Article), article
    assert article.title == "Le Mali intensifie la lutte contre AQMI"
    assert article.paragraphs[0].startswith("Les autorités maliennes ont annoncé mardi")
    assert "Une coopération régionale" in article.paragraphs  # the heading is its own segment
    assert any(p.startswith("« Nous ne laisserons pas") for p in article.paragraphs)
    everything = "\n".join(article.paragraphs)
    for left_out in ["alert", "color", "Accueil", "Tous droits", "onerror", "<", "javascript"]:
        assert left_out not in everything, left_out
    assert article.reading["format"] == "html"


def test_xhtml_and_legacy_encoded_pages(tmp_path: Path) -> None:
    xhtml = ('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML '
             '1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\n'
             + PAGE.split("\n", 1)[1].replace("<html", '<html xmlns="http://www.w3.org/1999/xhtml"'))
    (tmp_path / "a.xhtml").write_text(xhtml, "utf-8")
    (tmp_path / "b.html").write_bytes(PAGE.replace('charset="utf-8"', 'charset="windows-1252"')
                                      .encode("cp1252", errors="replace"))
    first, second = read_inputs(str(tmp_path))
    for article in (first, second):
        assert isinstance(article, Article), article
        assert article.title == "Le Mali intensifie la lutte contre AQMI"
        assert "dispositif militaire" in article.paragraphs[0]
    assert second.reading["encoding"] == "cp1252 (guessed)"
    assert "Défense" in second.paragraphs[2]


def test_a_page_without_article_text_fails_saying_so(tmp_path: Path) -> None:
    path = tmp_path / "menu.html"
    path.write_text("<html><head><script>document.write('x')</script></head><body>"
                    "<img src='photo.jpg'></body></html>", "utf-8")
    failure = read_one(path)
    assert isinstance(failure, ReadFailure)
    assert failure.message.startswith(f"{path}: an HTML page without article text")


def test_jsonl_text_is_cleaned_of_control_characters(tmp_path: Path) -> None:
    path = tmp_path / "wire.jsonl"
    record = {"id": "a", "title": "Titre\u202e", "text": "Il est \u001b[1mparti\u001b[0m hier."}
    path.write_text(json.dumps(record) + "\n", "utf-8")
    article = read_one(path)
    assert isinstance(article, Article)
    assert (article.title, article.paragraphs) == ("Titre", ("Il est parti hier.",))
    assert article.reading == {"encoding": "utf-8", "removed_characters": 1 + 4 + 4}


def test_utf8_with_a_few_bad_bytes_stays_utf8() -> None:
    text = "Titre\n\nLe président a parlé d’une voix forte à l’Élysée."
    damaged = text.encode().replace(b"a parl", b"a\xffparl") + "é".encode()[:1]  # cut at the end
    decoded = decode_bytes(damaged, "x")
    assert decoded.text == text.replace("a parl", "a\ufffdparl") + "\ufffd"
    assert decoded.encoding == "utf-8 (2 invalid byte sequences replaced by U+FFFD)"


def test_a_byte_cp1252_leaves_undefined_costs_nothing_else() -> None:
    text = "Le président a parlé d’une voix « forte » : « 5 € ».\n"
    decoded = decode_bytes(text.encode("cp1252") + b"\x81\x8d", "x")
    assert (decoded.text, decoded.removed) == (text, 2)
    assert decoded.encoding == "cp1252 (guessed)"


def test_non_latin_legacy_encodings_are_named_not_taken_for_latin() -> None:
    russian = "Правительство объявило во вторник о новых мерах поддержки фермеров."
    decoded = decode_bytes(russian.encode("koi8_r"), "x")
    assert decoded.text == russian and decoded.encoding == "koi8_r (guessed)"


@pytest.mark.parametrize(("data", "said"), [
    (b"\x07\x1b[0m\n", "empty file (nothing but whitespace and 5 control characters)"),
    (b"\xe2\x80\x8b\xe2\x80\x8b\n", "empty file (nothing but whitespace)")],
    ids=["controls", "zero-width"])
def test_a_file_with_nothing_visible_fails(tmp_path: Path, data: bytes, said: str) -> None:
    path = tmp_path / "blank.txt"
    path.write_bytes(data)
    failure = read_one(path)
    assert isinstance(failure, ReadFailure)
    assert failure.message.startswith(f"{path}: {said}")


def test_a_jsonl_text_with_nothing_visible_fails(tmp_path: Path) -> None:
    path = tmp_path / "wire.jsonl"
    path.write_text(json.dumps({"id": "a", "text": "\u0007\u001b[0m"}) + "\n", "utf-8")
    failure = read_one(path)
    assert isinstance(failure, ReadFailure)
    assert "no visible text after removing 5 control characters" in failure.message


def test_a_tiny_text_with_one_control_byte_is_text() -> None:
    assert decode_bytes(b"Oui\x07.\n", "x").text == "Oui.\n"


def test_a_line_ending_in_an_abbreviation_does_not_end_a_paragraph() -> None:
    text = ("Titre\nIl a rencontré mardi soir M.\nDupont, le patron. La ville fut fondée vers "
            "52 av.\nJ.-C. par les Romains.\nLe lendemain, il est parti.")
    assert split_title_body(text) == ("Titre", (
        "Il a rencontré mardi soir M. Dupont, le patron. La ville fut fondée vers 52 av. J.-C. "
        "par les Romains.", "Le lendemain, il est parti."))


def test_the_terminal_never_receives_control_sequences() -> None:
    from pipeline.report import escape

    assert escape("id\x1b[2J\x1b[31m[bold]x[/bold]\u202e") == "id\\[bold]x\\[/bold]"


def test_a_jsonl_line_with_a_lone_surrogate_fails_alone(tmp_path: Path) -> None:
    path = tmp_path / "wire.jsonl"
    path.write_text('{"id": "a", "text": "Le \\udce9 chat"}\n{"id": "b", "text": "Le chat."}\n',
                    "utf-8")
    failure, article = read_inputs(str(path))
    assert isinstance(failure, ReadFailure) and isinstance(article, Article)
    assert "lone surrogate" in failure.message and failure.source == f"{path}:1"
