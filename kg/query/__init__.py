"""SPARQL over a built graph with pyoxigraph, and the text forms of its results.

May import ``kg.vocab``, ``kg.resources`` and ``kg.errors``; the persisted store lives in
:mod:`kg.query.persist`.

:func:`run_query` evaluates a query over a build whose default graph is the union of the
named graphs, each triple once.  The union is stored, not computed per query: pyoxigraph's
``use_default_graph_as_union`` repeats a triple once for every graph that states it, and
every document restates the type and label of the entities it mentions, so on a corpus
joins multiply (five documents repeating the same facts took 16 s for question 2, ten did
not finish; the stored union answers in a millisecond, and agrees with rdflib's
``default_union``).  For a large build directory (a graph file of :data:`PERSIST_MIN_BYTES`
or more) it answers from an embedded pyoxigraph store persisted in ``<build>/store/`` (see
:func:`ensure_store`): made with ``bulk_load`` on the first query and reused for as long
as the graph file it was made from is unchanged, so the build is not parsed again on
every call.  A store already there (``kg build`` may make one) is used whatever the size.
A small build is loaded into memory instead, which is faster than opening a database
(3 ms against 13 ms for the seeds), as are a single graph file, an unwritable build
directory, and an allowed UPDATE.  The contract's prefixes and ``id:`` (the build's resource base IRI) are predeclared, and a
query's own ``PREFIX`` lines win.  UPDATE is refused unless allowed, and then only changes
the in-memory copy.  :func:`format_table`, :func:`format_csv` and :func:`format_json`
return strings and never print; :func:`stats` counts what a build holds.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pyoxigraph as ox

from kg._fs import reading_graph
from kg.errors import InputError, QueryError
from kg.graphfiles import find_graph_file, graph_format
from kg.query.persist import (
    PERSIST_MIN_BYTES,
    STORE_DIR,
    ensure_store,
    short_message,
    store_identity,
    union_quads,
)
from kg.vocab import CKG, DEFAULT_BASE_IRI, PREFIXES, SLUGS

__all__ = [
    "FORMATTERS",
    "PERSIST_MIN_BYTES",
    "STORE_DIR",
    "GraphStats",
    "QueryResult",
    "Term",
    "ensure_store",
    "format_csv",
    "format_json",
    "format_table",
    "open_store",
    "run_query",
    "stats",
]

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_UPDATE_WORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
)
_IRI_REF = re.compile(r"<[^<>\"{}|^`\\\s]*>")
_COMMENT = re.compile(r"#[^\n]*")
_PROLOGUE = re.compile(r"\s*(?:PREFIX\s+[^\s:]*:\s*<>|BASE\s*<>)", re.IGNORECASE)
_FIRST_WORD = re.compile(r"\s*([A-Za-z]+)")
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
    """The outcome of :func:`run_query`.

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


@dataclass(frozen=True, slots=True)
class GraphStats:
    """What a build holds.

    Attributes:
        documents: ``ckg:Document`` nodes.
        entities: entity class name (``Bureau``, ``Honour`` …) -> distinct nodes of it.
        awards: ``ckg:HonourAward`` nodes.
        programmes: ``ckg:Programme`` nodes.
        years: ``ckg:Year`` nodes.
        triples: distinct triples over all named graphs.
        quads: statements counted per named graph.
    """

    documents: int
    entities: Mapping[str, int]
    awards: int
    programmes: int
    years: int
    triples: int
    quads: int


# ------------------------------------------------------------------ loading


def open_store(source: Path, *, persist: bool = True) -> tuple[ox.Store, dict[str, str]]:
    """Open a build as a store: the persisted one of a build directory, else in memory.

    Args:
        source: a graph file or a build directory.
        persist: for a build directory whose graph file is large, or that has a store
            already, use (and make or refresh) ``<build>/store/``; when False, or when that
            directory cannot be written, load the file into memory.

    Returns:
        The store and the prefixes to predeclare (the contract's, plus ``id:`` as the file
        declares it, else the default base IRI).

    Raises:
        InputError: nothing to read, an unknown file type, or a file that does not parse.
    """
    source = Path(source)
    path = find_graph_file(source)
    fmt = graph_format(path)
    store: ox.Store | None = None
    with reading_graph(path, describe=short_message):
        if persist and source.is_dir() and (path.stat().st_size >= PERSIST_MIN_BYTES
                                            or (source / STORE_DIR).is_dir()):
            store = _open_persisted(source)
        if store is None:
            store = ox.Store()
            store.load(path=path, format=fmt)
            store.extend(union_quads(ox.parse(path=path, format=fmt)))
        declared = _declared_prefixes(path, fmt)
    return store, {**PREFIXES, "id": declared.get("id", DEFAULT_BASE_IRI)}


def _open_persisted(build: Path) -> ox.Store | None:
    """The build's persisted store, read-only; None when it cannot be made or opened there
    (the caller then loads the graph file into memory, which reports any real problem)."""
    try:
        directory = ensure_store(build)
        return _read_only_store(str(directory), store_identity(directory))
    except (InputError, OSError):
        return None


@functools.lru_cache(maxsize=4)
def _read_only_store(directory: str, identity: tuple[int, int]) -> ox.Store:
    """A persisted store opened once per process for as long as it is not remade (its
    identity changes): opening the database costs more than a small query."""
    del identity  # part of the cache key only
    return ox.Store.read_only(directory)


def _declared_prefixes(path: Path, fmt: ox.RdfFormat) -> dict[str, str]:
    """The prefixes a file declares before its first statement (our writers put all there)."""
    parser = ox.parse(path=path, format=fmt)
    next(iter(parser), None)
    return dict(parser.prefixes)


# ----------------------------------------------------------------- querying


def run_query(sparql: str, source: Path, *, allow_update: bool = False) -> QueryResult:
    """Evaluate a SPARQL query (or, if allowed, an update) over a build.

    Args:
        sparql: the query text; the contract's prefixes need not be declared.
        source: a graph file or a build directory (``graph.trig`` preferred).
        allow_update: apply a SPARQL UPDATE to the in-memory copy instead of refusing it.

    Returns:
        The result: rows for SELECT, a boolean for ASK, triples for CONSTRUCT / DESCRIBE,
        a message for UPDATE.

    Raises:
        QueryError: malformed SPARQL, or an UPDATE without ``allow_update``.
        InputError: the build cannot be read.
    """
    is_update = _is_update(sparql)
    if is_update and not allow_update:
        raise QueryError("SPARQL UPDATE refused: the graph is read-only", path="query",
                         hint="pass --allow-update to apply it to an in-memory copy")
    store, prefixes = open_store(Path(source), persist=not is_update)
    try:
        if is_update:
            return _update(store, sparql, prefixes)
        answer = store.query(sparql, prefixes=prefixes)
        return _result(answer, prefixes)
    except SyntaxError as exc:
        raise QueryError(f"malformed SPARQL: {short_message(exc)}", path="query",
                         hint="check the query against SPARQL 1.1") from None
    except (OSError, ValueError, TypeError) as exc:
        raise QueryError(f"query failed: {short_message(exc)}", path="query") from None


def _is_update(sparql: str) -> bool:
    """Whether the text is a SPARQL UPDATE: its first keyword after the prologue."""
    text = _COMMENT.sub(" ", _IRI_REF.sub("<>", sparql))
    position = 0
    while match := _PROLOGUE.match(text, position):
        position = match.end()
    word = _FIRST_WORD.match(text, position)
    return word is not None and word.group(1).upper() in _UPDATE_WORDS


def _update(store: ox.Store, sparql: str, prefixes: dict[str, str]) -> QueryResult:
    before = len(store)
    store.update(sparql, prefixes=prefixes)
    after = len(store)
    message = (f"update applied to an in-memory copy: {before} quads before, {after} after "
               "(the built files are unchanged)")
    return QueryResult("update", message=message, prefixes=prefixes)


def _result(answer: object, prefixes: dict[str, str]) -> QueryResult:
    if isinstance(answer, ox.QueryBoolean):
        return QueryResult("ask", boolean=bool(answer), prefixes=prefixes)
    if isinstance(answer, ox.QuerySolutions):
        names = tuple(v.value for v in answer.variables)
        made: dict[object, Term | None] = {}  # labels and classes recur from row to row

        def term(value: object) -> Term | None:
            found = made.get(value, _MISSING)
            if found is _MISSING:
                found = made[value] = _term(value)
            return found  # type: ignore[return-value]

        # a solution iterates over its values in the order of the variables (None: unbound)
        rows = tuple(tuple(map(term, solution)) for solution in answer)
        return QueryResult("select", names, rows, prefixes=prefixes)
    if isinstance(answer, ox.QueryTriples):
        rows = tuple((_term(t.subject), _term(t.predicate), _term(t.object)) for t in answer)
        return QueryResult("construct", _TRIPLE_VARS, rows, prefixes=prefixes)
    raise TypeError(f"unexpected result {type(answer).__name__}")


_MISSING = object()


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


# --------------------------------------------------------------- formatting


def format_table(result: QueryResult, *, max_width: int = 60) -> str:
    """A terminal table whose columns line up with Chinese text.

    Wide and full-width characters count two columns.  IRIs are shortened with the
    result's prefixes; literals show their text; cells wider than ``max_width`` columns are
    cut with ``…``.

    Args:
        result: a query result.
        max_width: the widest a cell may be, in terminal columns.

    Returns:
        The table (or the boolean / update message), ending with a newline.
    """
    if result.kind == "ask":
        return ("true" if result.boolean else "false") + "\n"
    if result.kind == "update":
        return result.message + "\n"
    header = list(result.variables)
    body = [[_clip(_display(t, result.prefixes), max_width) for t in row] for row in result.rows]
    widths = [max([_width(h)] + [_width(r[i]) for r in body]) for i, h in enumerate(header)]
    lines = [_table_line(header, widths), "  ".join("-" * w for w in widths)]
    lines += [_table_line(row, widths) for row in body]
    count = len(body)
    lines.append(f"({count} row{'' if count == 1 else 's'})")
    return "\n".join(line.rstrip() for line in lines) + "\n"


def _table_line(cells: Iterable[str], widths: list[int]) -> str:
    pairs = zip(cells, widths, strict=True)
    return "  ".join(cell + " " * (width - _width(cell)) for cell, width in pairs)


def _char_width(char: str) -> int:
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def _width(text: str) -> int:
    return sum(_char_width(c) for c in text)


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


def format_csv(result: QueryResult) -> str:
    """The result as SPARQL 1.1 Query Results CSV (CRLF line ends).

    IRIs are written in full, literals as their lexical form, blank nodes as ``_:label``.
    ASK gives a single ``true`` / ``false`` line; UPDATE its message.

    Args:
        result: a query result.

    Returns:
        The CSV text.
    """
    if result.kind == "ask":
        return ("true" if result.boolean else "false") + "\r\n"
    if result.kind == "update":
        return result.message + "\r\n"
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(result.variables)
    for row in result.rows:
        writer.writerow([_csv_value(t) for t in row])
    return buffer.getvalue()


def _csv_value(term: Term | None) -> str:
    if term is None:
        return ""
    return "_:" + term.value if term.type == "bnode" else term.value


def format_json(result: QueryResult) -> str:
    """The result in the SPARQL 1.1 Query Results JSON format.

    ``{"head": {"vars": [...]}, "results": {"bindings": [...]}}``; ASK gives
    ``{"head": {}, "boolean": true}``; CONSTRUCT rows bind ``subject``, ``predicate`` and
    ``object``; UPDATE gives ``{"head": {}, "message": ...}``.

    Args:
        result: a query result.

    Returns:
        The JSON text (UTF-8 characters kept, two-space indent).
    """
    data: dict[str, object]
    if result.kind == "ask":
        data = {"head": {}, "boolean": bool(result.boolean)}
    elif result.kind == "update":
        data = {"head": {}, "message": result.message}
    else:
        bindings = [
            {name: _json_term(t) for name, t in zip(result.variables, row, strict=True)
             if t is not None}
            for row in result.rows
        ]
        data = {"head": {"vars": list(result.variables)}, "results": {"bindings": bindings}}
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _json_term(term: Term) -> dict[str, str]:
    out = {"type": term.type, "value": term.value}
    if term.lang:
        out["xml:lang"] = term.lang
    if term.datatype:
        out["datatype"] = term.datatype
    return out


# -------------------------------------------------------------------- stats

_CLASS_COUNTS = """
SELECT ?class (COUNT(DISTINCT ?node) AS ?n) WHERE { ?node a ?class } GROUP BY ?class
"""
_TRIPLE_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
_QUAD_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


def _select(store: ox.Store, sparql: str) -> ox.QuerySolutions:
    solutions = store.query(sparql)
    if not isinstance(solutions, ox.QuerySolutions):  # pragma: no cover - a SELECT above
        raise TypeError("expected SELECT solutions")
    return solutions


def stats(source: Path) -> GraphStats:
    """Count the documents, entities per class, awards, programmes, years and triples.

    Args:
        source: a graph file or a build directory.

    Returns:
        The counts (classes absent from the graph count 0).

    Raises:
        InputError: the build cannot be read.
    """
    store, _ = open_store(Path(source))
    counts = {
        solution["class"].value: int(solution["n"].value)
        for solution in _select(store, _CLASS_COUNTS)
    }

    def count(name: str) -> int:
        return counts.get(str(CKG[name]), 0)

    triples = int(next(iter(_select(store, _TRIPLE_COUNT)))["n"].value)
    quads = int(next(iter(_select(store, _QUAD_COUNT)))["n"].value)
    return GraphStats(
        documents=count("Document"),
        entities={name: count(name) for name in SLUGS},
        awards=count("HonourAward"),
        programmes=count("Programme"),
        years=count("Year"),
        triples=triples,
        quads=quads or triples,  # a Turtle build has only the default graph
    )


#: Output format name -> formatter; the CLI's ``kg query --format`` choices.
FORMATTERS: dict[str, Callable[[QueryResult], str]] = {
    "table": format_table,
    "csv": format_csv,
    "json": format_json,
}
