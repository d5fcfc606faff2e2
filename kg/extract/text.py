"""Character classes, quotes, years and clause boundaries shared by the extract rules.

Pure helpers over strings; may import ``kg.patterns`` only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kg.patterns import Resources

__all__ = [
    "CLAUSE_BREAKS",
    "PHRASE_BREAKS",
    "SEGMENT_BREAKS",
    "OPEN_QUOTES",
    "QUOTE_PAIRS",
    "Quoted",
    "YearMark",
    "clause_start",
    "is_cjk",
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
    spans: list[Quoted] = []
    i = 0
    while (found := _OPENER.search(text, i)) is not None:
        i = found.start()
        opener = text[i]
        closer = QUOTE_PAIRS[opener]
        j = _find_closer(text, i + 1, opener, closer, max_len)
        if j < 0:
            i += 1
            continue
        spans.append(Quoted(i, j + 1, text[i + 1:j], opener))
        i = j + 1
    return spans


def _find_closer(text: str, i: int, opener: str, closer: str, max_len: int) -> int:
    depth = 0
    limit = min(len(text), i + max_len)
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
    out = list(marks)
    for m in _RELATIVE_YEAR.finditer(text):
        before = [y for y in out if y.end <= m.start() and m.start() - y.end <= _RELATIVE_REACH
                  and "\n" not in text[y.end:m.start()]]
        if before:
            out.append(YearMark(m.start(), m.end(), before[-1].year + _RELATIVE_YEARS[m.group()],
                                False))
            out.sort(key=lambda y: y.start)
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
    """The year of the last mark that ends at or before ``pos`` and starts at ``floor`` or later."""
    found = None
    for mark in marks:
        if floor <= mark.start and mark.end <= pos:
            found = mark.year
    return found


def inside_marks(text: str, pos: int, opening: str, closing: str, reach: int, *,
                 one_line: bool = False) -> bool:
    """Whether ``pos`` is inside a pair of marks (《…》, “…”) that opened at most ``reach``
    characters before it (and, with ``one_line``, on its line)."""
    opened = text.rfind(opening, max(0, pos - reach), pos)
    return opened >= 0 and text.rfind(closing, opened, pos) < 0 and not (
        one_line and "\n" in text[opened:pos])


def clause_start(text: str, pos: int, breaks: frozenset[str] = CLAUSE_BREAKS) -> int:
    """The start of the clause holding ``pos``: just after the last break before it,
    ignoring breaks inside quotes."""
    depth = 0
    i = pos - 1
    while i >= 0:
        ch = text[i]
        if ch in "”’」』》":
            depth += 1
        elif ch in "“‘「『《" and depth:
            depth -= 1
        elif depth == 0 and ch in breaks:
            return i + 1
        i -= 1
    return 0


_SPACE = re.compile(r"\s+")


def squash(text: str) -> str:
    """``text`` with all white space removed (names never contain spaces in Chinese)."""
    return _SPACE.sub("", text)
