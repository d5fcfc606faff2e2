"""Character classes, quotes, years and clause boundaries shared by the extract rules.

Pure helpers over strings; may import ``kg.patterns`` only.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from kg.patterns import Resources

__all__ = [
    "CLAUSE_BREAKS",
    "EVIDENCE_LIMIT",
    "ClauseIndex",
    "PHRASE_BREAKS",
    "SEGMENT_BREAKS",
    "OPEN_QUOTES",
    "QUOTE_PAIRS",
    "Quoted",
    "YearMark",
    "clause_start",
    "excerpt",
    "is_cjk",
    "quoted_between",
    "quoted_spans",
    "record_year",
    "strip_quotes",
    "year_before",
    "years_in",
]

OPEN_QUOTES = "“‘「『\""
QUOTE_PAIRS = {"“": "”", "‘": "’", "「": "」", "『": "』", "\"": "\"", "《": "》"}
#: Characters that end a clause for subject and year lookup.
CLAUSE_BREAKS = frozenset("，,；;：:")
#: What ends a comma clause of a sentence, and what ends a ；-segment of one.
PHRASE_BREAKS = frozenset("，,；;。")
SEGMENT_BREAKS = frozenset("；;。")
_QUOTE_CHARS = "“”‘’「」『』\"'《》"
_OPENER = re.compile("[" + re.escape("".join(QUOTE_PAIRS)) + "]")


def is_cjk(char: str) -> bool:
    """True for a CJK unified ideograph."""
    return "\u4e00" <= char <= "\u9fff"


def strip_quotes(text: str) -> str:
    """``text`` without quote and title marks (天津市“文明单位” -> 天津市文明单位)."""
    return "".join(ch for ch in text if ch not in _QUOTE_CHARS).strip()


@dataclass(frozen=True, slots=True)
class Quoted:
    """A quoted or book-titled span: ``start``/``end`` include the marks."""

    start: int
    end: int
    inner: str
    mark: str


def quoted_spans(text: str, max_len: int = 60) -> list[Quoted]:
    """Balanced “…”, ‘…’, 「…」, "…" and 《…》 spans in ``text`` (outermost only)."""
    return quoted_between(text, 0, len(text), max_len)


def quoted_between(text: str, start: int, end: int, max_len: int = 60) -> list[Quoted]:
    """:func:`quoted_spans` of ``text[:end]`` read from ``start`` on (offsets into
    ``text``; nothing is copied)."""
    spans: list[Quoted] = []
    i = start
    while (found := _OPENER.search(text, i, end)) is not None:
        i = found.start()
        opener = text[i]
        closer = QUOTE_PAIRS[opener]
        j = _find_closer(text, i + 1, opener, closer, max_len, end)
        if j < 0:
            i += 1
            continue
        spans.append(Quoted(i, j + 1, text[i + 1:j], opener))
        i = j + 1
    return spans


def _find_closer(text: str, i: int, opener: str, closer: str, max_len: int,
                 end: int | None = None) -> int:
    depth = 0
    limit = min(len(text) if end is None else end, i + max_len)
    while i < limit:
        ch = text[i]
        if ch == closer and depth == 0:
            return i
        if opener != closer and ch == opener:
            depth += 1
        elif opener != closer and ch == closer:
            depth -= 1
        elif ch in "。！？\n":
            return -1
        i += 1
    return -1


@dataclass(frozen=True, slots=True)
class YearMark:
    """A year expression at ``start``: the year and whether it says 以来 / 起."""

    start: int
    end: int
    year: int
    since: bool


def years_in(text: str, res: Resources) -> list[YearMark]:
    """Every year expression in ``text`` (2008年, 2010年以来, 自2012年起), and the years
    said relative to the one before (同年, 次年)."""
    marks = []
    for m in res.finditer("year", text):
        marks.append(YearMark(m.start(), m.end(), int(m.group("year")), bool(m.group("since"))))
    if marks and "年" in text:
        marks = _relative_years(text, marks)
    return marks


#: Years said relative to the year named before them: the offset from it.
_RELATIVE_YEARS = {"同年": 0, "当年": 0, "次年": 1, "翌年": 1, "第二年": 1}
_RELATIVE_YEAR = re.compile("|".join(_RELATIVE_YEARS))
#: How far back (in characters, within its paragraph) 次年 looks for its year.
_RELATIVE_REACH = 200


def _relative_years(text: str, marks: list[YearMark]) -> list[YearMark]:
    """``marks`` (sorted by start) with the relative years added, sorted by start.

    A relative year takes the year of the last mark before it (in start order, among the
    ones found so far) that ends at most ``_RELATIVE_REACH`` characters before it on its
    line; only the marks starting in that reach are looked at (bisect on the starts), so
    a text with thousands of years costs no more per 次年 than one with ten.
    """
    out = list(marks)
    starts = [y.start for y in out]
    longest = max((y.end - y.start for y in out), default=0)
    for m in _RELATIVE_YEAR.finditer(text):
        at = m.start()
        # a mark ending in reach starts at or after this (its length is at most ``longest``)
        low = at - _RELATIVE_REACH - longest
        found = None
        for i in range(bisect_left(starts, at) - 1, -1, -1):
            y = out[i]
            if y.start < low:
                break
            if y.end <= at and at - y.end <= _RELATIVE_REACH and "\n" not in text[y.end:at]:
                found = y
                break
        if found is not None:
            mark = YearMark(at, m.end(), found.year + _RELATIVE_YEARS[m.group()], False)
            # after the marks of the same start, as a stable sort of the appended list puts it
            index = bisect_right(starts, at)
            starts.insert(index, at)
            out.insert(index, mark)
            longest = max(longest, mark.end - mark.start)
    return out


#: A yearly record's title: 2022年政府信息公开工作年度报告, 2019年大事记, 2023年工作总结.
_RECORD_YEAR = re.compile(
    r"((?:19|20)[0-9]{2})\s*年(?:度)?[^，。]{0,24}?(?:报告|总结|大事记|纪事|年鉴|回顾)")


def record_year(title: str) -> int | None:
    """The year a yearly record (annual report, chronicle, year review) is about, from its
    title: what it tells of without a year of its own happened in that year."""
    m = _RECORD_YEAR.search(title)
    return int(m.group(1)) if m else None


def year_before(marks: list[YearMark], pos: int, floor: int = 0) -> int | None:
    """The year of the last mark that ends at or before ``pos`` and starts at ``floor`` or later.

    ``marks`` are sorted by start (as :func:`years_in` gives them): the marks starting
    after ``pos`` are skipped by bisection and the walk back stops at the first mark
    that starts before ``floor``.
    """
    for i in range(bisect_right(marks, pos, key=_mark_start) - 1, -1, -1):
        mark = marks[i]
        if mark.start < floor:
            return None
        if mark.end <= pos:
            return mark.year
    return None


def _mark_start(mark: YearMark) -> int:
    return mark.start


def inside_marks(text: str, pos: int, opening: str, closing: str, reach: int, *,
                 one_line: bool = False) -> bool:
    """Whether ``pos`` is inside a pair of marks (《…》, “…”) that opened at most ``reach``
    characters before it (and, with ``one_line``, on its line)."""
    opened = text.rfind(opening, max(0, pos - reach), pos)
    return opened >= 0 and text.rfind(closing, opened, pos) < 0 and not (
        one_line and "\n" in text[opened:pos])


_CLOSING_MARKS = "”’」』》"
_OPENING_MARKS = "“‘「『《"


def clause_start(text: str, pos: int, breaks: frozenset[str] = CLAUSE_BREAKS) -> int:
    """The start of the clause holding ``pos``: just after the last break before it,
    ignoring breaks inside quotes.

    This reads backwards from ``pos``; on a long text with many look-ups use a
    :class:`ClauseIndex`, which gives the same answers in time independent of how far
    back the clause starts.
    """
    depth = 0
    i = pos - 1
    while i >= 0:
        ch = text[i]
        if ch in _CLOSING_MARKS:
            depth += 1
        elif ch in _OPENING_MARKS and depth:
            depth -= 1
        elif depth == 0 and ch in breaks:
            return i + 1
        i -= 1
    return 0


class ClauseIndex:
    """:func:`clause_start` for many positions of one text, each answered in about
    constant time.

    Reading back from a position, a closing mark opens a quoted stretch (breaks inside
    it do not count) that ends at the opening mark it pairs with, the marks paired as a
    stack pairs them; an opening mark with nothing open is passed over.  So the clause
    start is the last break before the position, unless a closing mark comes after that
    break: then the reading goes on from the mark's partner (or finds no start: 0, when
    it has none).  The breaks and marks are sorted offsets searched by bisection, and
    where a reading goes on from a partner is remembered, so no stretch of text is read
    twice however many clauses start far back.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self._breaks: dict[frozenset[str], list[int]] = {}
        self._from: dict[frozenset[str], dict[int, int]] = {}
        closers: list[int] = []
        partner: dict[int, int] = {}
        stack: list[int] = []
        for m in _MARK.finditer(text):
            if m.group() in _OPENING_MARKS:
                stack.append(m.start())
            else:
                closers.append(m.start())
                partner[m.start()] = stack.pop() if stack else -1
        self._closers = closers
        self._partner = partner

    def _break_offsets(self, breaks: frozenset[str]) -> list[int]:
        found = self._breaks.get(breaks)
        if found is None:
            chars = re.compile("[" + re.escape("".join(sorted(breaks))) + "]") if breaks \
                else None
            found = [m.start() for m in chars.finditer(self.text)] if chars else []
            self._breaks[breaks] = found
            self._from[breaks] = {}
        return found

    def start(self, pos: int, breaks: frozenset[str] = CLAUSE_BREAKS) -> int:
        """The same as ``clause_start(text, pos, breaks)``."""
        offsets = self._break_offsets(breaks)
        memo = self._from[breaks]
        closers, partner = self._closers, self._partner
        pos = min(pos, len(self.text))
        visited = []
        while True:
            if pos in memo:  # read from here before (a reading from here is the same)
                found = memo[pos]
                break
            i = bisect_left(offsets, pos) - 1
            j = bisect_left(closers, pos) - 1
            last_break = offsets[i] if i >= 0 else -1
            last_closer = closers[j] if j >= 0 else -1
            if last_break > last_closer:
                found = last_break + 1
                break
            if last_closer < 0 or partner[last_closer] < 0:
                found = 0
                break
            pos = partner[last_closer]
            visited.append(pos)
        for at in visited:
            memo[at] = found
        return found


_MARK = re.compile("[" + re.escape(_CLOSING_MARKS + _OPENING_MARKS) + "]")


#: The longest evidence a fact carries: a longer sentence (a table or OCR text whose
#: clauses are joined by ，) is cited by the clauses that state the fact.
EVIDENCE_LIMIT = 1000
_EXCERPT_BREAKS = "，,；;。"
_EXCERPT_BREAK = re.compile("[" + _EXCERPT_BREAKS + "]")


def excerpt(text: str, lo: int, hi: int, anchors: list[tuple[int, int]],
            limit: int = EVIDENCE_LIMIT) -> tuple[int, int]:
    """The part of the sentence ``text[lo:hi]`` that cites a fact: the whole sentence when
    it has at most ``limit`` characters; otherwise the clause (between ，；。) holding the
    first anchor span, widened to the clauses of the other anchors while it stays within
    ``limit``, and cut to ``limit`` around the first anchor if that clause alone is longer.
    Each clause is looked for at most ``limit`` characters from its anchor, so the cost
    does not grow with the sentence.

    Returns:
        Start and end offsets, with no white space at either end.
    """
    if hi - lo <= limit:
        return lo, hi
    spans = [(a, b) for a, b in anchors if lo <= a < b <= hi]
    if not spans:
        spans = [(lo, lo)]
    start, end = _clause_around(text, lo, hi, *spans[0], limit)
    for a, b in spans[1:]:
        more = _clause_around(text, lo, hi, a, b, limit)
        wider = min(start, more[0]), max(end, more[1])
        if wider[1] - wider[0] <= limit:
            start, end = wider
    if end - start > limit:
        a, b = spans[0]
        start = max(start, min(a, b - limit))
        end = min(end, start + limit)
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _clause_around(text: str, lo: int, hi: int, a: int, b: int, limit: int
                   ) -> tuple[int, int]:
    """The clause of ``text[lo:hi]`` holding ``[a, b)``, each end looked for within
    ``limit`` characters (else cut there); a closing 。 stays in."""
    floor = max(lo, a - limit)
    last = max(text.rfind(mark, floor, a) for mark in _EXCERPT_BREAKS)
    start = last + 1 if last >= 0 else floor
    found = _EXCERPT_BREAK.search(text, b, min(hi, b + limit))
    if found is None:
        end = min(hi, b + limit)
    else:
        end = found.end() if found.group() == "。" else found.start()
    return start, end


_SPACE = re.compile(r"\s+")


def squash(text: str) -> str:
    """``text`` with all white space removed (names never contain spaces in Chinese)."""
    return _SPACE.sub("", text)
