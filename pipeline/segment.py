"""Cut French articles into paragraphs, sentences and pieces that fit a model's token budget.

OPUS-MT was trained on sentences, so an article is translated sentence by sentence. The sentence
splitter is rule-based (regular expressions, no model): a ``.``, ``?``, ``!`` or ellipsis ends a
sentence when whitespace and a sentence-like start follow it, unless it ends an abbreviation
("M.", "Mme", "cf.", "J. Chirac"...), a list number, or sits inside parentheses. Closing guillemets
and quotes stay with the sentence they close. Splitting never changes a character: only the
whitespace between sentences is dropped.

A sentence still too long for the model is broken at clause punctuation, then before a conjunction,
then at whitespace, and as a last resort inside a word, so that nothing is ever cut off.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from pipeline.records import Article, Segment

TokenCounter = Callable[[str], int]
_Pair = tuple[int, int]

# Words a capital or a number follows without a sentence ending; the second set in lower case.
_ABBREVIATIONS = frozenset(
    "M MM Mme Mmes Mlle Mlles Mgr Me Dr Drs Pr Prof St Ste Sts Mr Mrs Ms Jr Sr Gén Col Cdt Lt "
    "Cne Sgt Cie Vve Ph Ch Th Chr".split()
)
_LOWER_ABBREVIATIONS = frozenset(
    "cf p pp v vs av apr art chap vol fig éd coll env ex tél réf bd boul hab sq ibid op "
    "c.-à-d ca".split()
)
_INITIALS = re.compile(r"[A-ZÀ-Þ]|(?:[^\W\d_]\.-?)+[^\W\d_]")  # J. / U.S. / J.-C. / J.-P.
_LIST_MARKER = re.compile(r"\d{1,2}|[IVXLC]+|[a-z]")  # "1.", "IV.", "b." opening a sentence
_OPENERS = "«\"“‘'([{"
_NOT_A_START = ",;:)]}»”…!?"  # these continue a sentence rather than start one
_MARKS = re.compile(r"[.!?…]+")
_CLOSER = re.compile(r"[ \u00a0\u202f]*[»”]|[)\]’']")
_STRAIGHT_QUOTE = re.compile(r'[ \u00a0\u202f]*"')
_SPACE = re.compile(r"\s+")
_RUN = re.compile(r"\s{2,}|[\t\n\r\f\v]")
_MAX_ASIDE = 300
_PLAIN_WORD = re.compile(r"[a-zà-ÿœæ]+(?:['’-][a-zà-ÿœæ]+)*")

# Where a too-long sentence may be broken, best first; a cut is made at the start of each match.
_BREAK_LEVELS = (
    re.compile(r"(?<=[;:])\s"),
    re.compile(r"(?<=,)\s|\s(?=[–—-]\s)"),
    re.compile(r"\s(?=(?:et|mais|ou|car|donc|puis|quand|lorsque?|(?:parce|alors|tandis|bien) "
               r"que?|afin|qui|dont|où)(?!\w))"),
    re.compile(r"\s+"),
    re.compile(r"(?<=.)(?=.)", re.DOTALL),  # between any two characters: the last resort
)


def split_paragraphs(text: str) -> list[str]:
    """Split text into paragraphs at blank lines.

    Args:
        text: Raw text, paragraphs separated by one or more blank lines.

    Returns:
        The non-empty paragraphs, stripped, with line breaks and whitespace runs made single spaces
        (a lone non-breaking space, as French typography puts before ``:`` or ``»``, stays).
    """
    paragraphs = (_RUN.sub(" ", p).strip() for p in re.split(r"\n\s*\n", text))
    return [p for p in paragraphs if p]


def split_sentences(text: str) -> list[str]:
    """Split French text into sentences without changing any character.

    Args:
        text: One paragraph (or more) of French text.

    Returns:
        The sentences in order. Joined without separators they give ``text`` less the whitespace
        between sentences (and around the text).
    """
    sentences: list[str] = []
    start = len(text) - len(text.lstrip())
    parens = _parenthesis_spans(text)
    for mark in _MARKS.finditer(text):
        end = _closers_end(text, mark.end(), start)
        gap = _SPACE.match(text, end)
        if gap is None or gap.end() >= len(text):
            continue
        if _is_boundary(text, mark, end, gap.end(), start, parens):
            sentences.append(text[start:end])
            start = gap.end()
    if tail := text[start:].rstrip():
        sentences.append(tail)
    return sentences


def _closers_end(text: str, pos: int, start: int) -> int:
    """Return the end of the closing quotes and brackets that follow a sentence-final mark.

    A straight quote glued to the mark and followed by a space closes; one after a space closes
    only if the sentence so far (from ``start``) holds an odd number of them."""
    while pos < len(text):
        closer = _CLOSER.match(text, pos) or _STRAIGHT_QUOTE.match(text, pos)
        if closer is None:
            break
        after = text[closer.end() : closer.end() + 1]
        glued = closer.group() == '"' and (not after or after.isspace())
        if closer.group()[-1] == '"' and not glued and text.count('"', start, pos) % 2 == 0:
            break
        pos = closer.end()
    return pos


def _is_boundary(
    text: str, mark: re.Match[str], end: int, following: int, start: int, parens: list[_Pair]
) -> bool:
    """Decide whether the sentence-final mark ``mark`` (closed at ``end``) ends a sentence."""
    nxt = text[following]
    if nxt in _NOT_A_START or (nxt.islower() and not _ends_plain_word(text, mark)):
        return False
    if any(a < mark.start() and b >= end for a, b in parens):
        return False
    if mark.group() == ".":
        period = mark.start()
        return not (_is_abbreviation(text, period) or _is_list_marker(text, period, start))
    if "?" not in mark.group() and "!" not in mark.group():
        # An ellipsis in brackets, "(...)" or "[…]", marks a cut in a quotation.
        return mark.start() == 0 or text[mark.start() - 1] not in "(["
    return True


def _ends_plain_word(text: str, mark: re.Match[str]) -> bool:
    """Tell whether a lone period closes a long lower-case word, which no abbreviation is.

    Informal text may start a sentence in lower case ("Très bien. je reviendrai"), but after "etc."
    or "sept." (or ``?``, ``!``, ``...``) a lower-case word continues the sentence."""
    word, _ = _word_before(text, mark.start())
    return mark.group() == "." and len(word) >= 6 and _PLAIN_WORD.fullmatch(word) is not None


def _word_before(text: str, pos: int) -> tuple[str, int]:
    """Return the word that ends at ``pos`` (without opening punctuation) and where it starts."""
    begin = pos
    while begin > 0 and not text[begin - 1].isspace():
        begin -= 1
    while begin < pos and text[begin] in _OPENERS:
        begin += 1
    return text[begin:pos], begin


def _is_abbreviation(text: str, period: int) -> bool:
    """Tell whether the period at ``period`` ends an abbreviation or an initial."""
    word, begin = _word_before(text, period)
    if word in _ABBREVIATIONS or word.lower() in _LOWER_ABBREVIATIONS:
        return True
    if not _INITIALS.fullmatch(word):
        return False
    # "av. J.-C." ends dates, and so may end a sentence; "J.-C. Decaux" does not.
    previous, _ = _word_before(text, begin - 1) if begin > 0 else ("", 0)
    return not (word == "J.-C" and previous.lower() in ("av.", "apr."))


def _is_list_marker(text: str, period: int, start: int) -> bool:
    """Tell whether the period ends a list marker ("1.", "IV.") opening the current sentence."""
    word, begin = _word_before(text, period)
    return begin <= start + 1 and _LIST_MARKER.fullmatch(word) is not None


def _parenthesis_spans(text: str) -> list[_Pair]:
    """Find matched ``(...)`` pairs, ignoring a stray ``)`` ("1)", a smiley) and any pair too long
    for an aside, more likely an unclosed ``(`` matched with a stray ``)`` far away."""
    stack: list[int] = []
    spans: list[_Pair] = []
    for i, char in enumerate(text):
        if char == "(":
            stack.append(i)
        elif char == ")" and stack:
            begin = stack.pop()
            if i - begin <= _MAX_ASIDE:
                spans.append((begin, i))
    return spans


def break_long(sentence: str, count_tokens: TokenCounter, max_tokens: int) -> list[str]:
    """Break a sentence that is too long for the model into pieces that fit.

    Breaks at ``;`` and ``:`` first, then at commas and dashes, then before a conjunction, then at
    whitespace, and finally between characters; at each level the pieces are packed so that there
    are as few as possible and they are balanced in length. Token counts are assumed to grow with
    the length of the text, as they do for subword tokenizers.

    Args:
        sentence: The sentence.
        count_tokens: Number of model tokens in a text.
        max_tokens: The budget per piece; at least 1.

    Returns:
        ``[sentence]`` when it fits; otherwise stripped pieces whose space-joined text equals the
        sentence up to whitespace. Every piece fits the budget, except a single character that
        alone counts more than ``max_tokens``, which is returned as a piece of its own.

    Raises:
        ValueError: If ``max_tokens`` is below 1.
    """
    if max_tokens < 1:
        raise ValueError(f"max_tokens must be at least 1, got {max_tokens}")
    if count_tokens(sentence) <= max_tokens:
        return [sentence]
    return _break(sentence.strip(), 0, count_tokens, max_tokens)


def _break(text: str, level: int, count: TokenCounter, max_tokens: int) -> list[str]:
    """Break ``text`` at the cuts of ``level`` and recurse into pieces that still do not fit."""
    if count(text) <= max_tokens or level == len(_BREAK_LEVELS):
        return [text]  # past the last level the text is one character: it stays, fitting or not
    cuts = sorted({m.start() for m in _BREAK_LEVELS[level].finditer(text)} - {0, len(text)})
    if not cuts:
        return _break(text, level + 1, count, max_tokens)
    bounds = [0, *cuts, len(text)]
    ends = _pack(text, bounds, count, max_tokens)
    pieces = (text[bounds[i] : bounds[j]].strip() for i, j in zip(ends, ends[1:], strict=False))
    deeper = level + 1
    return [part for piece in pieces if piece for part in _break(piece, deeper, count, max_tokens)]


def _pack(text: str, bounds: list[int], count: TokenCounter, max_tokens: int) -> list[int]:
    """Group the spans between ``bounds`` into as few, as even pieces as fit; return piece ends.

    A greedy pass finds how many pieces are needed; a second pass aims each piece at an equal
    share of what is left, so that the last one is not a scrap, and wins if it needs no more."""
    fewest = _fill(text, bounds, count, max_tokens, None)
    even = _fill(text, bounds, count, max_tokens, len(fewest) - 1)
    return even if len(even) <= len(fewest) else fewest


def _fill(
    text: str, bounds: list[int], count: TokenCounter, max_tokens: int, pieces: int | None
) -> list[int]:
    """Fill pieces up to the budget (or to an even share of ``pieces``); return piece ends."""

    def size(i: int, j: int) -> int:
        return count(text[bounds[i] : bounds[j]].strip())

    ends, i, last = [0], 0, len(bounds) - 1
    while i < last:
        share = max_tokens if pieces is None else size(i, last) / max(pieces - len(ends) + 1, 1)
        j = _longest_fit(size, i, last, min(max_tokens, int(share)))
        if pieces and j < last and size(i, j + 1) <= max_tokens:
            j += share - size(i, j) > size(i, j + 1) - share  # the closer of the two to the share
        ends.append(j)
        i = j
    return ends


def _longest_fit(size: Callable[[int, int], int], i: int, last: int, limit: int) -> int:
    """Return the largest ``j <= last`` with ``size(i, j) <= limit``, or ``i + 1`` if none."""
    low, high = i + 1, last
    while low < high:
        middle = (low + high + 1) // 2
        if size(i, middle) <= limit:
            low = middle
        else:
            high = middle - 1
    return low


def segment_article(
    article: Article, count_tokens: TokenCounter, max_tokens: int
) -> tuple[list[Segment], int]:
    """Cut an article into the segments that are translated one by one.

    The title (if any) becomes paragraph -1, sentence 0, and is not sentence-split. Each paragraph
    is split into sentences, except when ``article.given_segments``: then each paragraph is a
    segment given by the test set and is kept whole, so that translations line up with the
    references (an empty given segment still yields one empty segment). Whatever is too long for
    the model is broken into pieces that share paragraph and sentence and differ in ``piece``.

    Args:
        article: The article.
        count_tokens: Number of model tokens in a text.
        max_tokens: The budget per segment.

    Returns:
        The segments, ``index`` numbering them from 0, and how many sentences had to be broken.
    """
    given = article.given_segments
    units = [(-1, 0, article.title.strip())] if article.title.strip() else []
    if given:
        units += _given_units(article)
    else:
        for number, paragraph in enumerate(article.paragraphs):
            units.extend((number, k, s) for k, s in enumerate(split_sentences(paragraph)))
    segments: list[Segment] = []
    broken = 0  # sentences (or the title, or given segments) broken into pieces
    for paragraph, sentence, text in units:
        pieces = break_long(text, count_tokens, max_tokens) if text else [text]
        broken += len(pieces) > 1
        for k, piece in enumerate(pieces):
            segments.append(
                Segment(article.id, paragraph, sentence, piece, piece=k, index=len(segments))
            )
    return segments, broken


def _given_units(article: Article) -> list[tuple[int, int, str]]:
    """Given segments as (paragraph, sentence, text): grouped by the test set's ``<p>`` blocks
    when the reader recorded them, so the brief keeps the paragraphs; else one per paragraph."""
    blocks = article.blocks
    if not blocks or len(blocks) != len(article.paragraphs):
        return [(n, 0, p.strip()) for n, p in enumerate(article.paragraphs)]
    units, seen = [], {}
    for block, text in zip(blocks, article.paragraphs, strict=True):
        seen[block] = seen.get(block, -1) + 1
        units.append((block, seen[block], text.strip()))
    return units
