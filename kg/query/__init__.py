"""SPARQL over a built graph with pyoxigraph, and the text forms of its results.

May import ``kg.vocab``, ``kg.resources``, ``kg._fs``, ``kg.graphfiles`` and ``kg.errors``;
the persisted store lives in :mod:`kg.query.persist`, the reading of query text (what may
reach the network, what a syntax error most likely is) in :mod:`kg.query.sparql`, the
result types and their text forms in :mod:`kg.query.results`.

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
directory, and an allowed UPDATE.  The contract's prefixes and ``id:`` (the build's
resource base IRI) are predeclared, and a query's own ``PREFIX`` lines win.

Read-only means local: UPDATE is refused unless allowed, and then only changes the
in-memory copy; ``SERVICE`` (and an update's ``LOAD``), which pyoxigraph would send over
HTTP, is refused before anything is evaluated unless allowed.  A malformed query raises a
:class:`QuerySyntaxError` that names the likeliest mistake and shows the query line with a
caret under it.

:func:`stream_query` gives the rows one at a time as pyoxigraph evaluates them;
:func:`query_chunks` (what ``kg query`` prints) writes them in a format chunk by chunk,
so CSV, TSV, JSON and JSON lines of millions of rows never sit in memory, and the table
stops at ``limit_rows`` rows and counts the rest.  The ``format_*`` functions return
strings and never print; :func:`stats` counts what a build holds.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg._fs import reading_graph, recover
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
from kg.query.results import (
    FORMATTERS,
    TABLE_ROWS,
    WRITERS,
    QueryResult,
    QueryStream,
    Results,
    Row,
    Term,
    format_csv,
    format_json,
    format_jsonl,
    format_table,
    format_tsv,
    iter_csv,
    iter_json,
    iter_jsonl,
    iter_table,
    iter_tsv,
    solution_rows,
    triple_rows,
)
from kg.query.sparql import QuerySyntaxError, explain_syntax_error, refuse_network
from kg.vocab import CKG, DEFAULT_BASE_IRI, PREFIXES, SLUGS, resource_base

__all__ = [
    "FORMATTERS",
    "PERSIST_MIN_BYTES",
    "STORE_DIR",
    "TABLE_ROWS",
    "WRITERS",
    "GraphStats",
    "QueryResult",
    "QueryStream",
    "QuerySyntaxError",
    "Results",
    "Row",
    "Term",
    "ensure_store",
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
    "open_store",
    "query_chunks",
    "run_query",
    "stats",
    "stream_query",
]

_UPDATE_WORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
)
_IRI_REF = re.compile(r"<[^<>\"{}|^`\\\s]*>")
_COMMENT = re.compile(r"#[^\n]*")
_PROLOGUE = re.compile(r"\s*(?:PREFIX\s+[^\s:]*:\s*<>|BASE\s*<>)", re.IGNORECASE)
_FIRST_WORD = re.compile(r"\s*([A-Za-z]+)")


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
    if source.is_dir():
        recover(source)  # a set of files a kill cut short is completed first
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
    return store, {**PREFIXES, "id": resource_base(declared) or DEFAULT_BASE_IRI}


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


def run_query(sparql: str, source: Path, *, allow_update: bool = False,
              allow_service: bool = False) -> QueryResult:
    """Evaluate a SPARQL query (or, if allowed, an update) over a build, every row held.

    Args:
        sparql: the query text; the contract's prefixes need not be declared.
        source: a graph file or a build directory (``graph.trig`` preferred).
        allow_update: apply a SPARQL UPDATE to the in-memory copy instead of refusing it.
        allow_service: let ``SERVICE`` (and an update's ``LOAD``) reach the network
            instead of refusing the query.

    Returns:
        The result: rows for SELECT, a boolean for ASK, triples for CONSTRUCT / DESCRIBE,
        a message for UPDATE.

    Raises:
        QuerySyntaxError: malformed SPARQL (a :class:`QueryError`).
        QueryError: an UPDATE without ``allow_update``, SERVICE or LOAD without
            ``allow_service``, or a query the store could not evaluate.
        InputError: the build cannot be read.
    """
    stream = stream_query(sparql, source, allow_update=allow_update,
                          allow_service=allow_service)
    return QueryResult(stream.kind, stream.variables, tuple(stream.rows), stream.boolean,
                       stream.message, stream.prefixes)


def stream_query(sparql: str, source: Path, *, allow_update: bool = False,
                 allow_service: bool = False) -> QueryStream:
    """Evaluate a query like :func:`run_query`, the rows made one by one as they are read.

    What is refused and what does not parse raises here, before a row is read; an error
    of the store while evaluating raises (as :class:`QueryError`) from the rows.

    Args:
        sparql: the query text; the contract's prefixes need not be declared.
        source: a graph file or a build directory (``graph.trig`` preferred).
        allow_update: apply a SPARQL UPDATE to the in-memory copy instead of refusing it.
        allow_service: let ``SERVICE`` (and an update's ``LOAD``) reach the network.

    Returns:
        The result; its ``rows`` can be read once.

    Raises:
        QuerySyntaxError: malformed SPARQL (a :class:`QueryError`).
        QueryError: as for :func:`run_query`.
        InputError: the build cannot be read.
    """
    is_update = _is_update(sparql)
    if is_update and not allow_update:
        raise QueryError("SPARQL UPDATE refused: the graph is read-only", path="query",
                         hint="pass --allow-update to apply it to an in-memory copy")
    refuse_network(sparql, allow_service=allow_service)  # before the store sees it
    store, prefixes = open_store(Path(source), persist=not is_update)
    try:
        if is_update:
            return _update(store, sparql, prefixes)
        answer = store.query(sparql, prefixes=prefixes)
    except SyntaxError as exc:
        raise explain_syntax_error(sparql, str(exc), prefixes) from None
    except (OSError, ValueError, TypeError) as exc:
        raise QueryError(f"query failed: {short_message(exc)}", path="query") from None
    return _stream(answer, prefixes, store)


def query_chunks(sparql: str, source: Path, fmt: str = "table", *,
                 allow_update: bool = False, allow_service: bool = False,
                 limit_rows: int = TABLE_ROWS) -> Iterator[str]:
    """The result of a query as text in a format, in chunks to write as they come.

    The query is parsed and started before this returns, so a refused or malformed one
    raises here, before anything is written.

    Args:
        sparql: the query text.
        source: a graph file or a build directory.
        fmt: a name in :data:`WRITERS` (``table``, ``csv``, ``tsv``, ``json``, ``jsonl``).
        allow_update: as for :func:`run_query`.
        allow_service: as for :func:`run_query`.
        limit_rows: the most rows a table shows (0: all); the other formats write all.

    Returns:
        An iterator of text chunks.

    Raises:
        QueryError: an unknown format, and as for :func:`stream_query`.
        InputError: the build cannot be read.
    """
    if fmt not in WRITERS:
        raise QueryError(f"unknown result format {fmt!r}", path="format",
                         hint="use one of " + ", ".join(WRITERS))
    stream = stream_query(sparql, source, allow_update=allow_update,
                          allow_service=allow_service)
    if fmt == "table":
        return iter_table(stream, limit_rows=limit_rows)
    return WRITERS[fmt](stream)


def _is_update(sparql: str) -> bool:
    """Whether the text is a SPARQL UPDATE: its first keyword after the prologue."""
    text = _COMMENT.sub(" ", _IRI_REF.sub("<>", sparql))
    position = 0
    while match := _PROLOGUE.match(text, position):
        position = match.end()
    word = _FIRST_WORD.match(text, position)
    return word is not None and word.group(1).upper() in _UPDATE_WORDS


def _update(store: ox.Store, sparql: str, prefixes: dict[str, str]) -> QueryStream:
    before = len(store)
    store.update(sparql, prefixes=prefixes)
    after = len(store)
    message = (f"update applied to an in-memory copy: {before} quads before, {after} after "
               "(the built files are unchanged)")
    return QueryStream("update", message=message, prefixes=prefixes)


def _stream(answer: object, prefixes: dict[str, str], store: ox.Store) -> QueryStream:
    if isinstance(answer, ox.QueryBoolean):
        return QueryStream("ask", boolean=bool(answer), prefixes=prefixes)
    if isinstance(answer, ox.QuerySolutions):
        names = tuple(v.value for v in answer.variables)
        return QueryStream("select", names, solution_rows(answer, store), prefixes=prefixes)
    if isinstance(answer, ox.QueryTriples):
        return QueryStream("construct", ("subject", "predicate", "object"),
                           triple_rows(answer, store), prefixes=prefixes)
    raise TypeError(f"unexpected result {type(answer).__name__}")


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
