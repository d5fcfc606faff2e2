"""The tables of ``kg/data/ingest/`` compiled once, and the character classes ingest uses.

Part of :mod:`kg.ingest`; may import ``kg.resources`` and ``kg.errors`` only.  Each data
file documents its own format in its header comment: ``furniture.txt`` and ``tail.txt``
(one regex a line), ``metadata.tsv`` (id, scope, pattern, example), ``html.tsv`` (kind,
value, field) and ``magic.tsv`` (hex signature, name).  A malformed row raises
:class:`~kg.errors.DataError` naming ``path:line``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from kg.errors import DataError
from kg.resources import data_path, read_data_text

__all__ = ["CJK", "CJK_CHARS", "CJK_PUNCT", "IngestRules", "MetaPattern", "load_rules"]

#: CJK ideographs: extension A, the URO, compatibility ideographs, extensions B to G.
CJK_CHARS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
#: CJK punctuation: symbols and punctuation, full-width forms, curly quotes, dashes, dots.
CJK_PUNCT = "\u3000-\u303f\uff00-\uffef\u2018-\u201f\u2025-\u2027\u2014\u2015\u00b7\ufe30-\ufe4f"
CJK = re.compile(f"[{CJK_CHARS}]")

_META_FIELDS = frozenset({"publisher", "creator", "year", "month", "day"})
_SCOPES = frozenset({"head", "after_title", "any"})


@dataclass(frozen=True, slots=True)
class MetaPattern:
    """One row of ``metadata.tsv``: a regex whose named groups give metadata fields."""

    id: str
    scope: str
    regex: re.Pattern[str]
    example: str


@dataclass(frozen=True, slots=True)
class IngestRules:
    """The compiled tables of ``kg/data/ingest/``, loaded once per process."""

    furniture: re.Pattern[str]
    tail: re.Pattern[str]
    metadata: tuple[MetaPattern, ...]
    magic: tuple[tuple[bytes, str], ...]
    html_drop: frozenset[str]
    html_hide: re.Pattern[str]
    html_block: frozenset[str]
    html_meta: tuple[tuple[str, str], ...]


@functools.cache
def load_rules() -> IngestRules:
    """Load and compile the tables of ``kg/data/ingest/`` (once per process).

    Returns:
        The compiled rules.

    Raises:
        DataError: a file is missing or a row is malformed (with ``path:line``).
    """
    html = _tsv("html.tsv", ("kind", "value", "field"))
    return IngestRules(
        furniture=_regex_file("furniture.txt"),
        tail=_regex_file("tail.txt"),
        metadata=tuple(_meta_pattern(n, row) for n, row in _tsv(
            "metadata.tsv", ("id", "scope", "pattern", "example"))),
        magic=tuple(_magic(n, row) for n, row in _tsv("magic.tsv", ("hex", "name"))),
        html_drop=frozenset(r[1] for _, r in html if r[0] == "drop"),
        html_hide=_join([_compile("html.tsv", n, r[1], re.IGNORECASE)
                         for n, r in html if r[0] == "hide"], re.IGNORECASE),
        html_block=frozenset(r[1] for _, r in html if r[0] == "block"),
        html_meta=tuple((r[1], r[2]) for _, r in html if r[0] == "meta"),
    )


def _data_lines(name: str) -> Iterator[tuple[int, str]]:
    """(line number, line) for the non-blank, non-comment lines of a data file."""
    text = read_data_text(data_path("ingest", name))
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip() and not line.lstrip().startswith("#"):
            yield number, line


def _tsv(name: str, header: tuple[str, ...]) -> list[tuple[int, list[str]]]:
    rows = list(_data_lines(name))
    where = str(data_path("ingest", name))
    if not rows or tuple(rows[0][1].split("\t")) != header:
        raise DataError(f"header must be {' TAB '.join(header)}", path=where,
                        line=rows[0][0] if rows else None)
    out = []
    for number, line in rows[1:]:
        fields = line.split("\t")
        if len(fields) != len(header):
            raise DataError(f"{len(fields)} columns, expected {len(header)}", path=where,
                            line=number)
        out.append((number, fields))
    return out


def _compile(name: str, number: int, pattern: str, flags: int = 0) -> re.Pattern[str]:
    try:
        return re.compile(pattern, flags)
    except re.error as exc:
        raise DataError(f"bad regex ({exc.msg})", path=str(data_path("ingest", name)),
                        line=number) from None


def _join(patterns: list[re.Pattern[str]], flags: int = 0) -> re.Pattern[str]:
    """One alternation of many patterns (never matches when the list is empty)."""
    if not patterns:
        return re.compile(r"(?!)")
    return re.compile("|".join(f"(?:{p.pattern})" for p in patterns), flags)


def _regex_file(name: str) -> re.Pattern[str]:
    return _join([_compile(name, n, line.strip()) for n, line in _data_lines(name)])


def _meta_pattern(number: int, row: list[str]) -> MetaPattern:
    pid, scope, pattern, example = row
    where = str(data_path("ingest", "metadata.tsv"))
    regex = _compile("metadata.tsv", number, pattern)
    unknown = set(regex.groupindex) - _META_FIELDS
    if scope not in _SCOPES or unknown:
        problem = f"unknown scope {scope!r}" if scope not in _SCOPES else (
            f"unknown group(s) {', '.join(sorted(unknown))}")
        raise DataError(f"{pid}: {problem}", path=where, line=number)
    if regex.search(example) is None:
        raise DataError(f"{pid}: pattern does not match its example", path=where, line=number)
    return MetaPattern(id=pid, scope=scope, regex=regex, example=example)


def _magic(number: int, row: list[str]) -> tuple[bytes, str]:
    try:
        return bytes.fromhex(row[0]), row[1]
    except ValueError:
        raise DataError(f"bad hex signature {row[0]!r}", path=str(data_path("ingest", "magic.tsv")),
                        line=number) from None
