"""Cut French articles into paragraphs, sentences and pieces that fit a model's token budget.

OPUS-MT was trained on sentences, so an article is translated sentence by sentence. Paragraphs are
separated by blank lines; within one, a list item ("- ...", "• ...", "1. ...") or a short heading
line (no final punctuation, the next line starting anew) is a paragraph of its own, and the other
lines, hard-wrapped text, are joined with spaces.

The sentence splitter is rule-based (regular expressions, no model): a ``.``, ``?``, ``!`` or
ellipsis ends a sentence when whitespace (or an invisible zero-width space, word joiner or byte
order mark) and a sentence-like start follow it, unless it ends an abbreviation ("M.", "Mme",
"cf.", "l'art. 3", "J. Chirac"...), a list number (opening a sentence, or after a colon or a
semicolon: "mesures : 1. Gratuité..."), or sits inside parentheses. A period glued to the next
word ends a sentence only between a plain lower-case word and a capitalised one
("classiques.Enfin", not "www.lemonde.fr" or "3.5"). Closing guillemets and quotes stay with the
sentence they close (a straight quote after a space closes one opened earlier in the paragraph).
Splitting never changes a character: only the whitespace (and those invisible characters)
between sentences is dropped.

A sentence still too long for the model is broken at clause punctuation, then before a conjunction,
then at whitespace, and as a last resort inside a word, so that nothing is ever cut off.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable

from pipeline.records import Article, Segment

TokenCounter = Callable[[str], int]

# Words a capital or a number follows without a sentence ending; the second set in lower case.
_ABBREVIATIONS = frozenset(
    "M MM Mme Mmes Mlle Mlles Mgr Me Dr Drs Pr Prof St Ste Sts Mr Mrs Ms Jr Sr Gén Col Cdt Lt "
    "Cne Sgt Cie Vve Ph Ch Th Chr".split()
)
_LOWER_ABBREVIATIONS = frozenset(
    "cf p pp v vs av apr art chap vol fig éd coll env ex tél réf bd boul hab sq ibid op "
    "c.-à-d ca janv févr fév avr juil sept oct nov déc".split()
)
# Abbreviations that are also common words ("l'art.", "le vol.", "ils étaient sept."), and months
# ("le 28 déc. 2019"): only before a number.
_NUMBERED = frozenset("art vol janv févr fév avr juil sept oct nov déc".split())
_NUMBER_AFTER = re.compile(r"\d|[IVXLC]+(?![\w'’])|[A-Z]\.\s?\d|premier\b")
_ELISION = re.compile(r"(?:[cdjlmnst]|qu|jusqu|lorsqu|puisqu)['’]", re.IGNORECASE)
_INITIALS = re.compile(r"[A-ZÀ-Þ]|(?:[^\W\d_]\.-?)+[^\W\d_]")  # J. / U.S. / J.-C. / J.-P.
_ERA = frozenset({"av.", "apr.", "ap.", "avant", "après"})  # "44 av. J.-C." may end a sentence
# Typical sentence starts, after which a single capital that follows a common noun ("la vitamine
# C. Elle") or a capitalised abbreviation-like word ends a sentence; the words of the last group
# are also name particles ("J. Le Pen"), so a lower-case word must follow them.
_STARTER = re.compile(
    r"(?:Il|Ils|Elle|Elles|On|Nous|Vous|Je|Ce|Cet|Cette|Ces|Cela|Ça|Mais|Et|Or|Donc|Puis|Ainsi|"
    r"Alors|Pourtant|Cependant|Toutefois|Enfin|Aussi|En|Dans|Pour|Selon|Depuis|Après|Avant|"
    r"Pendant|Lors|Avec|Sans|Sur|Par|Parmi|Un|Une|Si|Quand|Comme)\s"
    r"|(?:C|Qu|Lorsqu|Puisqu)['’]"
    r"|(?:(?:Le|La|Les|Des|Du|Au|Aux)\s+|[LD]['’])[a-zà-ÿœæ]"
)
_LIST_MARKER = re.compile(r"\d{1,2}|[IVXLC]+|[a-z]")  # "1.", "IV.", "b." opening a sentence
_LIST_REACH = 1000  # how far after "1." after a colon "2." is looked for
_ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")
_OPENERS = "«\"“‘'([{"
_NOT_A_START = ",;:)]}»”…!?"  # these continue a sentence rather than start one
_MARKS = re.compile(r"[.!?…]+")
_CLOSER = re.compile(r"[ \u00a0\u202f]*[»”]|[)\]’']")
_STRAIGHT_QUOTE = re.compile(r'[ \u00a0\u202f]*"')
_QUOTE_MARK = re.compile(r'(?<![^\W\d_])"|"(?![^\W\d_])')  # not a typo inside a word: l"eau
_INVISIBLE = "\u200b\u2060\ufeff"  # zero-width space, word joiner, byte order mark
_GAP = re.compile(rf"[\s{_INVISIBLE}]+")
_RUN = re.compile(r"\s{2,}|[\t\n\r\f\v]")
_MAX_ASIDE = 300
_MAX_WORD = 80  # longer runs without a space are no words (URLs, garbage)
_PLAIN_WORD = re.compile(r"[a-zà-ÿœæ]+(?:['’-][a-zà-ÿœæ]+)*")
# "classiques.Enfin": a plain lower-case word glued by a period to a capitalised word.
_GLUED_LETTERS = 4  # at least, in the lower-case word
_GLUED_START = re.compile(
    r"(?!(?:Fr|Com|Org|Net|Eu|Be|Ch|Gouv|Info)\b)"  # "lemonde.Fr" is a domain name
    r"[A-ZÀ-Þ][a-zà-ÿœæ]+(?![\w@/]|\.\w)|(?:[CDJLMNST]|Qu|Jusqu|Lorsqu|Puisqu)['’][a-zà-ÿœæ]"
)

# Lines of a paragraph: list items, and what a heading may not end with.
_LIST_ITEM = re.compile(r"(?:[-–—•*·▪]|\d{1,3}[.)]|[a-zA-Z]\)|[IVXLC]+\.)\s")
_BULLETS = "•·▪"  # other markers may also start a line of running text: "C. Dupont", "– qui"
_LINE_CLOSERS = "»”\"’')] \u00a0\u202f"
_HEADING_WORDS = 12
_HEADING_CHARS = 100
_WRAPPED = 0.7  # a line this long, relative to the block's wrapped lines, is wrapped text
_NOT_LAST = frozenset(
    "de du des la le les un une et ou ni à au aux en pour par sur sous dans avec sans chez vers "
    "entre contre que qui dont où mais car son sa ses leur leurs ce cet cette ces mon ma mes ton "
    "ta tes notre nos votre vos très plus moins est sont a ont".split()
)

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
    """Split text into paragraphs at blank lines, list items and headings.

    Blank lines separate paragraphs. Within the lines between two blank lines, a list item starts
    a paragraph of its own: a line starting with "• ", "· " or "▪ ", or with "- ", "– ", "— ",
    "* ", "1. ", "1) ", "a) " or "IV. " where it cannot continue a sentence (first line, after a
    list item, a heading or a line ending in ``.``, ``!``, ``?``, ``…`` or ``:``). A heading ends
    a paragraph of its own: a short line (at most 12 words and 100 characters) without final
    punctuation, not ending in a quote or in a word such as "de" or "et", that could start a
    paragraph as above and comes before a line starting with a capital, a digit, a quote or a list
    marker; in hard-wrapped text (where a line is followed by a lower-case one) it must also be
    clearly shorter than the wrapped lines. A list item ends, too, where its last line ends a
    sentence or looks like a heading and the next line starts anew. The other lines are joined
    with spaces, and so hard-wrapped running text stays one paragraph. Runs in linear time.

    Args:
        text: Raw text, paragraphs separated by one or more blank lines.

    Returns:
        The non-empty paragraphs, stripped, with line breaks and whitespace runs made single spaces
        (a lone non-breaking space, as French typography puts before ``:`` or ``»``, stays).
    """
    paragraphs: list[str] = []
    for block in re.split(r"\n\s*\n", text):
        for lines in _block_paragraphs([s for line in block.split("\n") if (s := line.strip())]):
            if paragraph := _RUN.sub(" ", " ".join(lines)).strip():
                paragraphs.append(paragraph)
    return paragraphs


def _block_paragraphs(lines: list[str]) -> list[list[str]]:
    """Group the non-empty, stripped lines of a blank-line-separated block into paragraphs."""
    wrapped = [len(a) for a, b in zip(lines, lines[1:], strict=False) if b[0].islower()]
    width = max(wrapped, default=0)
    groups: list[list[str]] = []
    current: list[str] = []
    in_item = False
    for i, line in enumerate(lines):
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        after_end = not current or in_item or _ends_sentence(current[-1])
        item = _LIST_ITEM.match(line) is not None and (after_end or line[0] in _BULLETS)
        heading = (
            not item and after_end and _starts_anew(nxt) and _looks_like_heading(line, width)
        )
        if current and (item or heading):
            groups.append(current)
            current = []
        current.append(line)
        in_item = item or (in_item and not heading)
        ends_item = in_item and _starts_anew(nxt) and (
            _ends_sentence(line) or _looks_like_heading(line, width)
        )
        if heading or ends_item:
            groups.append(current)
            current, in_item = [], False
    if current:
        groups.append(current)
    return groups


def _ends_sentence(line: str) -> bool:
    """Tell whether a line ends with ``.``, ``!``, ``?``, ``…`` or ``:``, maybe before closers."""
    return line.rstrip(_LINE_CLOSERS)[-1:] in (".", "!", "?", "…", ":")


def _starts_anew(line: str) -> bool:
    """Tell whether a line starts like a heading's next line: capital, digit, quote, list marker."""
    return bool(line) and (
        line[0].isupper() or line[0].isdigit() or line[0] in "«\"“‘'"
        or _LIST_ITEM.match(line) is not None
    )


def _looks_like_heading(line: str, width: int) -> bool:
    """Tell whether a line is short and unpunctuated like a heading (or a list item's text).

    ``width`` is the length of the longest line that a lower-case line continues (0 if none): in
    hard-wrapped text a line nearly that long was cut by the wrapping, not ended."""
    if line[-1] in ".!?…:;,»”\"'’" or len(line) > _HEADING_CHARS:
        return False
    if width and len(line) >= _WRAPPED * width:
        return False
    words = line.split()
    return len(words) <= _HEADING_WORDS and words[-1].lower() not in _NOT_LAST


def split_sentences(text: str) -> list[str]:
    """Split French text into sentences without changing any character.

    Args:
        text: One paragraph (or more) of French text.

    Returns:
        The sentences in order. Joined without separators they give ``text`` less the whitespace
        (and zero-width spaces, word joiners, byte order marks) between sentences, and less the
        whitespace around the text.
    """
    sentences: list[str] = []
    start = len(text) - len(text.lstrip())
    parens = _parenthesis_depth(text)
    quotes = [m.start() for m in _QUOTE_MARK.finditer(text)]
    for mark in _MARKS.finditer(text):
        end = _closers_end(text, mark.end(), quotes)
        gap = _GAP.match(text, end)
        if gap is None:
            if end == mark.end() and _is_glued_boundary(text, mark, start, parens):
                sentences.append(text[start:end])
                start = end
            continue
        if gap.end() >= len(text):
            continue
        if _is_boundary(text, mark, end, gap.end(), start, parens):
            sentences.append(text[start:end])
            start = gap.end()
    if tail := text[start:].rstrip():
        sentences.append(tail)
    return sentences


def _closers_end(text: str, pos: int, quotes: list[int]) -> int:
    """Return the end of the closing quotes and brackets that follow a sentence-final mark.

    A straight quote glued to the mark and followed by a space closes; one after a space closes
    only if a space (or the end) follows it and the text before it holds an odd number of straight
    quotes, counted from the start of the paragraph (``quotes`` lists their offsets; a quote
    between two letters, a typo for an apostrophe, is not counted)."""
    while pos < len(text):
        closer = _CLOSER.match(text, pos) or _STRAIGHT_QUOTE.match(text, pos)
        if closer is None:
            break
        if closer.group()[-1] == '"':
            after = text[closer.end() : closer.end() + 1]
            alone = not after or after.isspace() or after in _INVISIBLE
            glued = closer.group() == '"'
            if not alone or not glued and bisect_left(quotes, pos) % 2 == 0:
                break
        pos = closer.end()
    return pos


def _is_boundary(
    text: str, mark: re.Match[str], end: int, following: int, start: int, parens: list[int]
) -> bool:
    """Decide whether the sentence-final mark ``mark`` (closed at ``end``) ends a sentence."""
    nxt = text[following]
    if nxt in _NOT_A_START or (nxt.islower() and not _ends_plain_word(text, mark)):
        return False
    if parens[end]:
        return False
    if mark.group() == ".":
        period = mark.start()
        return not (
            _is_abbreviation(text, period, start, following)
            or _is_list_marker(text, period, start)
        )
    if "?" not in mark.group() and "!" not in mark.group():
        # An ellipsis in brackets, "(...)" or "[…]", marks a cut in a quotation.
        return mark.start() == 0 or text[mark.start() - 1] not in "(["
    return True


def _is_glued_boundary(text: str, mark: re.Match[str], start: int, parens: list[int]) -> bool:
    """Tell whether a period with no space after it ends a sentence, as in "classiques.Enfin".

    Only a period between a plain lower-case word of four letters or more, not an abbreviation,
    and a capitalised word does: domains, decimals and initials ("M.Dupont") are left whole."""
    period = mark.start()
    if mark.group() != "." or _GLUED_START.match(text, mark.end()) is None:
        return False
    word, _ = _word_before(text, period)
    if _PLAIN_WORD.fullmatch(word) is None or sum(c.isalpha() for c in word) < _GLUED_LETTERS:
        return False
    if parens[mark.end()]:
        return False
    return not _is_abbreviation(text, period, start, mark.end())


def _ends_plain_word(text: str, mark: re.Match[str]) -> bool:
    """Tell whether a lone period closes a long lower-case word, which no abbreviation is.

    Informal text may start a sentence in lower case ("Très bien. je reviendrai"), but after "etc."
    or "sept." (or ``?``, ``!``, ``...``) a lower-case word continues the sentence."""
    word, _ = _word_before(text, mark.start())
    return mark.group() == "." and len(word) >= 6 and _PLAIN_WORD.fullmatch(word) is not None


def _word_before(text: str, pos: int) -> tuple[str, int]:
    """Return the word that ends at ``pos`` (without opening punctuation) and where it starts.

    A run of more than ``_MAX_WORD`` characters without a space is no word: ``("", pos)``, so that
    text without spaces is not scanned over and over."""
    begin = pos
    while begin > 0 and not text[begin - 1].isspace() and text[begin - 1] not in _INVISIBLE:
        begin -= 1
        if pos - begin > _MAX_WORD:
            return "", pos
    while begin < pos and text[begin] in _OPENERS:
        begin += 1
    return text[begin:pos], begin


def _opens_sentence(text: str, begin: int, start: int) -> bool:
    """Tell whether only opening punctuation and spaces lie between ``start`` and ``begin``."""
    for i in range(start, begin):
        if not (text[i].isspace() or text[i] in _OPENERS):
            return False
    return True


def _is_abbreviation(text: str, period: int, start: int, following: int) -> bool:
    """Tell whether the period at ``period`` ends an abbreviation or an initial.

    Args:
        text: The text.
        period: Offset of the period.
        start: Offset where the current sentence starts.
        following: Offset of the first character after the period, its closers and the gap.

    Returns:
        True for a listed abbreviation, also after an elided article ("l'art. 3"); "art." and
        "vol." only before a number ("School of Art. Il" ends), and a lower-case one capitalised
        mid-sentence not before a typical sentence start ("Av. Foch"). True also for an initial
        that does not end a sentence ("J. Chirac", but not "44 av. J.-C." or "la vitamine C. Elle").
    """
    token, begin = _word_before(text, period)
    elision = _ELISION.match(token)
    word = token[elision.end() :] if elision else token
    if word in _ABBREVIATIONS:
        return True
    lower = word[:1].lower() + word[1:]
    if lower in _LOWER_ABBREVIATIONS:
        if lower in _NUMBERED:
            return _NUMBER_AFTER.match(text, following) is not None
        # Capitalised, it opens a sentence ("Cf. Le Monde") or an address ("12, Av. Foch"), but a
        # typical sentence start after it shows that it was a word ending the sentence.
        return (
            word == lower
            or _opens_sentence(text, begin, start)
            or _STARTER.match(text, following) is None
        )
    if elision or not _INITIALS.fullmatch(word):
        return False
    previous, _ = _word_before(text, begin - 1) if begin > 0 else ("", 0)
    if word == "J.-C":
        return previous.lower() not in _ERA  # "J.-C. Decaux" goes on
    if len(word) == 1:
        # "2° C." is a temperature; "la vitamine C. Elle" a letter after a common noun.
        noun = _PLAIN_WORD.fullmatch(previous) is not None
        return not (previous.endswith("°") or noun and _STARTER.match(text, following))
    return True


def _is_list_marker(text: str, period: int, start: int) -> bool:
    """Tell whether the period ends a list marker ("1.", "IV.") that opens the current sentence,
    follows a ``;``, or follows a ``:`` and is itself followed by the next marker ("2.")."""
    word, begin = _word_before(text, period)
    if _LIST_MARKER.fullmatch(word) is None:
        return False
    if begin <= start + 1:
        return True
    before = begin
    while before > 0 and text[before - 1].isspace():
        before -= 1
    if before == begin or before == 0 or text[before - 1] not in ":;":
        return False
    if text[before - 1] == ";":
        return True
    successor = _successor(word)
    if successor is None:
        return False
    pattern = re.compile(rf"(?<!\S){successor}[.)]\s")
    return pattern.search(text, period, period + _LIST_REACH) is not None


def _successor(marker: str) -> str | None:
    """The list marker after ``marker`` ("2" after "1", "b" after "a", "IV" after "III")."""
    if marker.isdigit():
        return str(int(marker) + 1)
    if marker in _ROMAN[:-1]:
        return _ROMAN[_ROMAN.index(marker) + 1]
    if len(marker) == 1 and marker.islower() and marker != "z":
        return chr(ord(marker) + 1)
    return None


def _parenthesis_depth(text: str) -> list[int]:
    """Count, for each offset ``p`` from 0 to ``len(text)``, the ``(...)`` pairs at offsets
    ``a < p <= b``, so that a sentence end at ``p`` (past a mark, which no ``(`` follows) is
    inside that many asides. A stray ``)`` ("1)", a smiley) is ignored, and so is any pair too long
    for an aside, more likely an unclosed ``(`` matched with a stray ``)`` far away."""
    stack: list[int] = []
    change = [0] * (len(text) + 2)
    for i, char in enumerate(text):
        if char == "(":
            stack.append(i)
        elif char == ")" and stack:
            begin = stack.pop()
            if i - begin <= _MAX_ASIDE:
                change[begin + 1] += 1
                change[i + 1] -= 1
    depth, total = [], 0
    for step in change[:-1]:
        total += step
        depth.append(total)
    return depth


def ends_sentence(text: str, following: str) -> bool:
    """Tell whether ``text`` ends a sentence when ``following`` comes after it, as
    :func:`split_sentences` decides ("... M." before "Dupont" does not; "... hier." does).

    Args:
        text: A line of text.
        following: The text that comes next (its first words are enough).

    Returns:
        True when a sentence boundary falls at the end of ``text``.
    """
    head = text.rstrip()
    joined = f"{head} {following.lstrip()}"
    end = 0
    for sentence in split_sentences(joined):
        end = joined.index(sentence, end) + len(sentence)
        if end >= len(head):
            return end == len(head)
    return False


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
    left = size(0, last) if pieces else 0  # tokens still to place (counted once: the sum of
    while i < last:                        # the pieces' counts is close enough for a share)
        share = max_tokens if pieces is None else left / max(pieces - len(ends) + 1, 1)
        j = _longest_fit(size, i, last, min(max_tokens, int(share)))
        if pieces and j < last and size(i, j + 1) <= max_tokens:
            j += share - size(i, j) > size(i, j + 1) - share  # the closer of the two to the share
        left -= size(i, j) if pieces else 0
        ends.append(j)
        i = j
    return ends


def _longest_fit(size: Callable[[int, int], int], i: int, last: int, limit: int) -> int:
    """Return the largest ``j <= last`` with ``size(i, j) <= limit``, or ``i + 1`` if none.

    The search gallops from ``i`` (1, 2, 4... spans) before halving, so that it never counts
    the tokens of much more text than one piece: linear, not quadratic, in a long text."""
    low, step = i + 1, 1
    while low + step <= last and size(i, low + step) <= limit:
        low, step = low + step, step * 2
    high = min(low + step - 1, last)
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
