"""Query results and their text forms, written row by row.

Part of :mod:`kg.query`; may import ``kg.errors``.  A :class:`QueryResult` holds every
row (what :func:`kg.query.run_query` returns); a :class:`QueryStream` holds an iterator
over pyoxigraph's solutions that turns each into a row only when it is asked for (what
:func:`kg.query.stream_query` returns).  Each ``iter_*`` writer takes either and yields
the text in chunks of about :data:`CHUNK_CHARS` characters, so CSV, TSV, JSON and JSON
lines of millions of rows are written without holding them; the ``format_*`` functions
join those chunks into one string.  The table is the exception: its columns are as wide
as its widest cell, so it shows at most :data:`TABLE_ROWS` rows (``limit_rows``) and
counts the rest.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import pyoxigraph as ox

from kg.errors import QueryError

__all__ = [
    "CHUNK_CHARS",
    "FORMATTERS",
    "TABLE_ROWS",
    "WRITERS",
    "QueryResult",
    "QueryStream",
    "Results",
    "Row",
    "Term",
    "display_width",
    "format_csv",
    "format_json",
    "format_jsonl",
    "format_table",
    "format_tsv",
    "iter_csv",
    "iter_json",
    "iter_jsonl",
    "iter_table",
    "iter_tsv",
    "solution_rows",
    "triple_rows",
]

#: The most rows the table shows unless told otherwise.
TABLE_ROWS = 1000
#: About how many characters each chunk of a streamed result holds.
CHUNK_CHARS = 1 << 16

_XSD = "http://www.w3.org/2001/XMLSchema#"
_XSD_STRING = _XSD + "string"
_RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
#: Literals the SPARQL TSV format (as Turtle) writes bare: datatype -> lexical form.
_BARE = {
    _XSD + "integer": re.compile(r"[+-]?[0-9]+\Z"),
    _XSD + "decimal": re.compile(r"[+-]?[0-9]*\.[0-9]+\Z"),
    _XSD + "double": re.compile(
        r"[+-]?(?:[0-9]+\.[0-9]*[eE][+-]?[0-9]+|\.[0-9]+[eE][+-]?[0-9]+|[0-9]+[eE][+-]?[0-9]+)\Z"),
    _XSD + "boolean": re.compile(r"(?:true|false)\Z"),
}
_TSV_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_TERM_CACHE = 1 << 16
_TRIPLE_VARS = ("subject", "predicate", "object")

Kind = Literal["select", "ask", "construct", "update"]


@dataclass(frozen=True, slots=True, order=True)
class Term:
    """An RDF term in a result, in the shape of SPARQL 1.1 JSON results.

    Attributes:
        type: ``uri``, ``literal``, ``bnode`` or ``triple``.
        value: the IRI, the literal's lexical form, the blank node label, or the N-Triples
            form of a quoted triple.
        lang: the language tag of a literal, if any.
        datatype: the datatype IRI of a literal other than a plain or language string.
    """

    type: str
    value: str
    lang: str | None = None
    datatype: str | None = None


Row = tuple[Term | None, ...]


@dataclass(frozen=True, slots=True)
class QueryResult:
    """The outcome of :func:`kg.query.run_query`, every row held.

    Attributes:
        kind: ``select``, ``ask``, ``construct`` (also DESCRIBE) or ``update``.
        variables: the projected variables (``subject``/``predicate``/``object`` for
            CONSTRUCT).
        rows: one tuple of terms per solution or triple (``None`` where unbound).
        boolean: the answer of an ASK query.
        message: what an UPDATE did.
        prefixes: prefix -> namespace, used to shorten IRIs in a table.
    """

    kind: Kind
    variables: tuple[str, ...] = ()
    rows: tuple[Row, ...] = ()
    boolean: bool | None = None
    message: str = ""
    prefixes: Mapping[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class QueryStream:
    """The outcome of :func:`kg.query.stream_query`: like :class:`QueryResult`, but its
    rows come one at a time from the store and can be read once.

    Attributes:
        kind: ``select``, ``ask``, ``construct`` (also DESCRIBE) or ``update``.
        variables: the projected variables.
        rows: an iterator of rows; :func:`solution_rows` gives one that can also count
            what is left without making rows of it.
        boolean: the answer of an ASK query.
        message: what an UPDATE did.
        prefixes: prefix -> namespace, used to shorten IRIs in a table.
    """

    kind: Kind
    variables: tuple[str, ...] = ()
    rows: Iterator[Row] = field(default_factory=lambda: iter(()))
    boolean: bool | None = None
    message: str = ""
    prefixes: Mapping[str, str] = field(default_factory=dict)


Results = QueryResult | QueryStream


# ------------------------------------------------------- pyoxigraph -> rows


def _term(term: object) -> Term | None:
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return Term("uri", term.value)
    if isinstance(term, ox.BlankNode):
        return Term("bnode", term.value)
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value
        plain = datatype in (_XSD_STRING, _RDF_LANG_STRING)
        return Term("literal", term.value, term.language, None if plain else datatype)
    return Term("triple", str(term))


class _Terms:
    """pyoxigraph term -> :class:`Term`, each made once while it recurs (labels and
    classes recur from row to row); forgets them all past :data:`_TERM_CACHE` terms, so
    a stream of distinct values does not pile up."""

    def __init__(self) -> None:
        self._made: dict[object, Term | None] = {}

    def __call__(self, value: object) -> Term | None:
        try:
            return self._made[value]
        except KeyError:
            if len(self._made) >= _TERM_CACHE:
                self._made.clear()
            made = self._made[value] = _term(value)
            return made


class _Rows(Iterator[Row]):
    """Rows made from pyoxigraph's lazy solutions (or triples) as they are read; errors
    the store raises while evaluating become :class:`QueryError`."""

    def __init__(self, items: Iterator[Any], convert: Callable[[Any], Row],
                 keep: object = None) -> None:
        self._items = items
        self._convert = convert
        self._keep = keep  # the store, alive for as long as its solutions are read

    def __iter__(self) -> _Rows:
        return self

    def __next__(self) -> Row:
        return self._convert(self._next())

    def _next(self) -> Any:
        try:
            return next(self._items)
        except StopIteration:
            raise
        except (OSError, ValueError, RuntimeError) as exc:
            raise QueryError(f"query failed: {' '.join(str(exc).split())[:300]}",
                             path="query") from None

    def count_rest(self) -> int:
        """Read the rest without making rows of it; how many there were."""
        count = 0
        try:
            while True:
                self._next()
                count += 1
        except StopIteration:
            return count


def solution_rows(solutions: ox.QuerySolutions, keep: object = None) -> Iterator[Row]:
    """The rows of a SELECT's solutions, made one by one as they are read.

    Args:
        solutions: what ``Store.query`` returned for a SELECT.
        keep: an object to keep alive while they are read (the store).

    Returns:
        An iterator of rows (a solution lists its values in the order of the variables,
        ``None`` where unbound).
    """
    terms = _Terms()
    return _Rows(iter(solutions), lambda solution: tuple(map(terms, solution)), keep)


def triple_rows(triples: ox.QueryTriples, keep: object = None) -> Iterator[Row]:
    """The rows (subject, predicate, object) of a CONSTRUCT or DESCRIBE, one by one."""
    terms = _Terms()
    return _Rows(iter(triples),
                 lambda t: (terms(t.subject), terms(t.predicate), terms(t.object)), keep)


# ------------------------------------------------------------------ chunks


def _chunks(pieces: Iterable[str], size: int = CHUNK_CHARS) -> Iterator[str]:
    """The pieces joined into chunks of at least ``size`` characters (the last shorter)."""
    parts: list[str] = []
    length = 0
    for piece in pieces:
        parts.append(piece)
        length += len(piece)
        if length >= size:
            yield "".join(parts)
            parts, length = [], 0
    if parts:
        yield "".join(parts)


def _count_rest(rows: Iterator[Row]) -> int:
    counter = getattr(rows, "count_rest", None)
    return int(counter()) if callable(counter) else sum(1 for _ in rows)


# ------------------------------------------------------------------- table


def iter_table(result: Results, *, max_width: int = 60,
               limit_rows: int = TABLE_ROWS) -> Iterator[str]:
    """A terminal table whose columns line up with Chinese text, as one chunk.

    Wide and full-width characters count two columns.  IRIs are shortened with the
    result's prefixes; literals show their text; cells wider than ``max_width`` columns are
    cut with ``…``.  Past ``limit_rows`` rows the rest are counted, not shown, and the last
    line says how many there were.

    Args:
        result: a query result or stream.
        max_width: the widest a cell may be, in terminal columns.
        limit_rows: the most rows to show; 0 shows them all.

    Yields:
        The table (or the boolean / update message), ending with a newline.
    """
    if result.kind == "ask":
        yield ("true" if result.boolean else "false") + "\n"
        return
    if result.kind == "update":
        yield result.message + "\n"
        return
    rows = iter(result.rows)
    shown = list(itertools.islice(rows, limit_rows)) if limit_rows else list(rows)
    rest = _count_rest(rows) if limit_rows and len(shown) == limit_rows else 0
    header = list(result.variables)
    body = [[_clip(_display(t, result.prefixes), max_width) for t in row] for row in shown]
    widths = [max([_width(h)] + [_width(r[i]) for r in body]) for i, h in enumerate(header)]
    lines = [_table_line(header, widths), "  ".join("-" * w for w in widths)]
    lines += [_table_line(row, widths) for row in body]
    count = len(body)
    if rest:
        lines.append(f"… {rest:,} more row{'' if rest == 1 else 's'} not shown "
                     f"({count + rest:,} in all); use --format csv for all")
    else:
        lines.append(f"({count:,} row{'' if count == 1 else 's'})")
    yield "\n".join(line.rstrip() for line in lines) + "\n"


def format_table(result: Results, *, max_width: int = 60,
                 limit_rows: int = TABLE_ROWS) -> str:
    """The table of :func:`iter_table` as one string."""
    return "".join(iter_table(result, max_width=max_width, limit_rows=limit_rows))


def _table_line(cells: Iterable[str], widths: list[int]) -> str:
    pairs = zip(cells, widths, strict=True)
    return "  ".join(cell + " " * (width - _width(cell)) for cell, width in pairs)


def _char_width(char: str) -> int:
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def display_width(text: str) -> int:
    """How many terminal columns the text takes: wide and full-width characters two,
    combining marks none."""
    return sum(_char_width(c) for c in text)


_width = display_width


def _clip(text: str, max_width: int) -> str:
    if _width(text) <= max_width:
        return text
    out, used = [], 0
    for char in text:
        used += _char_width(char)
        if used > max_width - 1:
            break
        out.append(char)
    return "".join(out) + "…"


def _display(term: Term | None, prefixes: Mapping[str, str]) -> str:
    if term is None:
        return ""
    if term.type == "uri":
        return _shorten(term.value, prefixes)
    if term.type == "bnode":
        return "_:" + term.value
    return " ".join(term.value.split())


def _shorten(iri: str, prefixes: Mapping[str, str]) -> str:
    best = max((ns for ns in prefixes.values() if iri.startswith(ns)), key=len, default=None)
    if best is None:
        return f"<{iri}>"
    name = next(p for p, ns in sorted(prefixes.items()) if ns == best)
    return f"{name}:{iri[len(best):]}"


# --------------------------------------------------------------- CSV / TSV


def iter_csv(result: Results) -> Iterator[str]:
    """The result as SPARQL 1.1 Query Results CSV (CRLF line ends), in chunks.

    IRIs are written in full, literals as their lexical form, blank nodes as ``_:label``.
    ASK gives a single ``true`` / ``false`` line; UPDATE its message.

    Args:
        result: a query result or stream.

    Yields:
        The header line first, then chunks of rows.
    """
    if result.kind in ("ask", "update"):
        yield _single(result) + "\r\n"
        return
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def take() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(result.variables)
    yield take()
    for row in result.rows:
        writer.writerow([_csv_value(t) for t in row])
        if buffer.tell() >= CHUNK_CHARS:
            yield take()
    if buffer.tell():
        yield take()


def format_csv(result: Results) -> str:
    """The CSV of :func:`iter_csv` as one string."""
    return "".join(iter_csv(result))


def _single(result: Results) -> str:
    if result.kind == "ask":
        return "true" if result.boolean else "false"
    return result.message


def _csv_value(term: Term | None) -> str:
    if term is None:
        return ""
    return "_:" + term.value if term.type == "bnode" else term.value


def iter_tsv(result: Results) -> Iterator[str]:
    """The result as SPARQL 1.1 Query Results TSV, in chunks.

    The header names the variables with ``?``; terms are written as in Turtle: ``<iri>``,
    ``_:label``, ``"text"@zh``, ``"2012"^^<…#gYear>``, and integers, decimals, doubles
    and booleans bare; tabs, line ends, quotes and backslashes in a literal are escaped,
    so every row is one line.  ASK gives ``true`` / ``false``; UPDATE its message.

    Args:
        result: a query result or stream.

    Yields:
        The header line first, then chunks of rows.
    """
    if result.kind in ("ask", "update"):
        yield _single(result) + "\n"
        return
    yield "\t".join("?" + name for name in result.variables) + "\n"
    value = _Memo(_tsv_value)
    yield from _chunks("\t".join(["" if t is None else value(t) for t in row]) + "\n"
                       for row in result.rows)


def format_tsv(result: Results) -> str:
    """The TSV of :func:`iter_tsv` as one string."""
    return "".join(iter_tsv(result))


def _tsv_value(term: Term) -> str:
    if term.type == "uri":
        return f"<{term.value}>"
    if term.type == "bnode":
        return "_:" + term.value
    if term.type == "triple":
        return term.value
    if term.datatype and (bare := _BARE.get(term.datatype)) and bare.match(term.value):
        return term.value
    quoted = '"' + term.value.translate(_TSV_ESCAPES) + '"'
    if term.lang:
        return f"{quoted}@{term.lang}"
    return f"{quoted}^^<{term.datatype}>" if term.datatype else quoted


# ------------------------------------------------------------- JSON, JSONL


class _Memo:
    """``make(term)`` kept for the terms that recur (labels, classes); forgets them all
    past :data:`_TERM_CACHE` terms."""

    def __init__(self, make: Callable[[Term], str]) -> None:
        self._make = make
        self._made: dict[Term, str] = {}

    def __call__(self, term: Term) -> str:
        try:
            return self._made[term]
        except KeyError:
            if len(self._made) >= _TERM_CACHE:
                self._made.clear()
            made = self._made[term] = self._make(term)
            return made


def _bindings(result: Results, *, pretty: bool) -> Iterator[str]:
    """Each row's binding as JSON text: as ``json.dumps`` writes it on one line, or (pretty)
    with a two-space indent at the depth of ``results.bindings``.  Each distinct term is
    encoded once, and the bindings are put together from those pieces (``json.dumps``
    with an indent is pure Python, and ten times slower)."""
    names = [_dumps(name) for name in result.variables]
    if pretty:
        term = _Memo(lambda t: _dumps(_json_term(t), indent=2).replace("\n", "\n" + " " * 8))
        for row in result.rows:
            items = [f"        {n}: {term(t)}" for n, t in zip(names, row, strict=True)
                     if t is not None]
            yield "      {\n" + ",\n".join(items) + "\n      }" if items else "      {}"
    else:
        term = _Memo(lambda t: _dumps(_json_term(t)))
        for row in result.rows:
            yield "{" + ", ".join(f"{n}: {term(t)}" for n, t in zip(names, row, strict=True)
                                  if t is not None) + "}"


def iter_json(result: Results) -> Iterator[str]:
    """The result in the SPARQL 1.1 Query Results JSON format, in chunks.

    ``{"head": {"vars": [...]}, "results": {"bindings": [...]}}``; ASK gives
    ``{"head": {}, "boolean": true}``; CONSTRUCT rows bind ``subject``, ``predicate`` and
    ``object``; UPDATE gives ``{"head": {}, "message": ...}``.  The bindings are written
    one by one, the text the same as ``json.dumps`` of the whole with a two-space indent.

    Args:
        result: a query result or stream.

    Yields:
        The JSON text (UTF-8 characters kept) in chunks.
    """
    data: dict[str, object]
    if result.kind in ("ask", "update"):
        data = ({"head": {}, "boolean": bool(result.boolean)} if result.kind == "ask"
                else {"head": {}, "message": result.message})
        yield _dumps(data, indent=2) + "\n"
        return
    empty = {"head": {"vars": list(result.variables)}, "results": {"bindings": []}}
    head, tail = _dumps(empty, indent=2).split('"bindings": []')
    yield head + '"bindings": ['
    pieces = (("\n" if i == 0 else ",\n") + binding
              for i, binding in enumerate(_bindings(result, pretty=True)))
    wrote = False
    for chunk in _chunks(pieces):
        wrote = True
        yield chunk
    yield ("\n    ]" if wrote else "]") + tail + "\n"


def format_json(result: Results) -> str:
    """The SPARQL JSON results of :func:`iter_json` as one string."""
    return "".join(iter_json(result))


def iter_jsonl(result: Results) -> Iterator[str]:
    """The result as JSON lines: one object per row, in chunks.

    Each line is a row's binding as in SPARQL JSON results (``{"l": {"type": "literal",
    "value": "天津海关", "xml:lang": "zh"}}``; unbound variables left out); ASK gives
    ``{"boolean": true}``, UPDATE ``{"message": ...}``.

    Args:
        result: a query result or stream.

    Yields:
        Chunks of whole lines.
    """
    if result.kind == "ask":
        yield _dumps({"boolean": bool(result.boolean)}) + "\n"
        return
    if result.kind == "update":
        yield _dumps({"message": result.message}) + "\n"
        return
    yield from _chunks(binding + "\n" for binding in _bindings(result, pretty=False))


def format_jsonl(result: Results) -> str:
    """The JSON lines of :func:`iter_jsonl` as one string."""
    return "".join(iter_jsonl(result))


def _dumps(data: object, indent: int | None = None) -> str:
    return json.dumps(data, ensure_ascii=False, indent=indent)


def _json_term(term: Term) -> dict[str, str]:
    out = {"type": term.type, "value": term.value}
    if term.lang:
        out["xml:lang"] = term.lang
    if term.datatype:
        out["datatype"] = term.datatype
    return out


#: Output format name -> the whole text of a result; the CLI's ``kg query --format``
#: choices.
FORMATTERS: dict[str, Callable[[Results], str]] = {
    "table": format_table,
    "csv": format_csv,
    "tsv": format_tsv,
    "json": format_json,
    "jsonl": format_jsonl,
}
#: Output format name -> the text of a result in chunks, written as the rows come.
WRITERS: dict[str, Callable[[Results], Iterator[str]]] = {
    "table": iter_table,
    "csv": iter_csv,
    "tsv": iter_tsv,
    "json": iter_json,
    "jsonl": iter_jsonl,
}
