"""Tests for issue 13 of kg.query: SPARQL errors a user can act on (the likeliest mistake,
its line and column, the query line with a caret under it), read-only meaning local
(SERVICE and LOAD refused unless allowed, against a real HTTP server on 127.0.0.1), and
results written row by row (CSV, TSV, JSON, JSON lines) with a table that stops at
``--limit-rows``."""

from __future__ import annotations

import csv
import http.server
import io
import json
import pickle
import re
import socket
import subprocess
import sys
import threading
import tracemalloc
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner, Result

from kg.cli import main
from kg.errors import QueryError
from kg.query import (
    TABLE_ROWS,
    WRITERS,
    QueryResult,
    QueryStream,
    QuerySyntaxError,
    Term,
    format_csv,
    format_json,
    format_jsonl,
    format_table,
    format_tsv,
    query_chunks,
    run_query,
    stream_query,
)
from kg.query.results import solution_rows
from kg.query.sparql import explain_syntax_error
from kg.vocab import PREFIXES

pytestmark = pytest.mark.issue(13)

HERE = Path(__file__).parent
REPO = HERE.parent
GRAPH = HERE / "data" / "graphs" / "query_customs.trig"
DECLARED = "ckg:, id:, org:, prov:, skos:, rdfs:, rdf:, xsd:, dcterms:, owl:"


def _run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), prog_name="kg")


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _syntax_error(text: str) -> QuerySyntaxError:
    with pytest.raises(QuerySyntaxError) as info:
        run_query(text, GRAPH)
    return info.value


def _underlined(error: QuerySyntaxError) -> tuple[int, str]:
    """The line number of the display and the text its carets stand under, measured in
    terminal columns (a Chinese character is two)."""
    shown, carets = error.display.split("\n")
    gutter, line = shown.split(" | ", 1)
    assert carets.startswith(" " * len(gutter) + " | ")
    marks = carets[len(gutter) + 3:]
    start = len(marks) - len(marks.lstrip(" "))
    width = len(marks.strip())
    assert set(marks.strip()) == {"^"}
    out, column = [], 0
    for char in line + " ":
        if start <= column < start + width:
            out.append(char)
        column += _width(char)
    return int(gutter), "".join(out)


# ------------------------------------------------------------ the messages

CASES = [
    # (query, the problem, the text under the carets, the line it is on)
    ("SELECT ?x WHERE { ?x foo:bar ?y }",
     (f"at line 1, column 22: unknown prefix foo: (declared: {DECLARED}); declare it with "
      "PREFIX foo: <…> before the query"), "foo:", 1),
    ("SELECT ?x WHERE { ?x rdfss:label ?y }",
     f"unknown prefix rdfss: (declared: {DECLARED}); did you mean rdfs:?", "rdfss:", 1),
    ("PREFIX ex: <http://example.org/>\nSELECT * WHERE {\n  ?s ex:p ?o .\n  ?s exx:q ?o\n}",
     "at line 4, column 6: unknown prefix exx: (declared: ex:, ckg:, id:", "exx:", 4),
    ("SELECT ?x WHERE {",
     "at line 1, column 17: unbalanced braces: this { is never closed; add } where it ends",
     "{", 1),
    ("SELECT ?x WHERE { ?x ?p ?o } }", "unbalanced braces: this } closes nothing", "}", 1),
    ("SELECT ?x WHERE { ?x ?p ?o . FILTER(?o = 1 }",
     ("unbalanced parentheses: the ( at line 1, column 36 is closed by this }; close the ( "
      "with ) first"), "}", 1),
    ("SELECT ?x WHERE {\n  ?x rdfs:label ?o\n  ?x a ckg:Bureau\n}",
     ('at line 2, column 19: missing "." between two triple patterns: one ends with ?o, the '
      'next starts with ?x; add "." after ?o'), " ", 2),
    ('SELECT ?x WHERE { ?x rdfs:label "天津海关"@zh ?x a ckg:Bureau }',
     'missing "." between two triple patterns: one ends with "天津海关"@zh', " ", 1),
    ("SELECT ?x WHERE { x rdfs:label ?o }", "x is not a term: a variable needs ?; write ?x",
     "x", 1),
    ("SELECT x WHERE { ?x ?p ?o }", "at line 1, column 8: x is not a term: a variable needs ?",
     "x", 1),
    ("SELECT ?x WHERE { ?x rdfs:label 天津海关 }",
     '天津海关 is not a term: a literal needs quotes; write "天津海关"@zh', "天津海关", 1),
    ("SELECT ?x", "SELECT without a WHERE body; add WHERE { … } after the variables", " ", 1),
    ("SELECT ?x WHERE", "SELECT without a WHERE body; add { … } after WHERE", " ", 1),
    ("ASK", "ASK without a WHERE body; add { … } after ASK", " ", 1),
    ("SELECT * WHERE { ?s ?p ?o } `", "stray character ` (U+0060, grave accent)", "`", 1),
    ("SELECT * WHERE { ?s ?p ?o . FILTER(?o = “x”) }",
     'curly quote “ (U+201C, left double quotation mark); SPARQL needs the ASCII "', "“", 1),
    ("SELECT * WHERE ｛ ?s ?p ?o ｝",
     "full-width ｛ (U+FF5B, fullwidth left curly bracket); SPARQL needs the ASCII {", "｛", 1),
    ("SELECT * WHERE { ?s rdfs：label ?o }", "full-width ： (U+FF1A, fullwidth colon)", "：", 1),
    ("SELECT * WHERE {\u00a0?s ?p ?o }", "stray no-break space (U+00A0); use a plain space",
     " ", 1),
    ("SELEC ?x WHERE { ?x ?p ?o }",
     "at line 1, column 1: unknown keyword SELEC; did you mean SELECT?", "SELEC", 1),
    ("SELECT * WHERE { ?s ?p ?o OPTINAL { ?s ?q ?r } }",
     "unknown keyword OPTINAL; did you mean OPTIONAL?", "OPTINAL", 1),
    ("SELECT * WHERE { ?s ?p ?o . FILTR(?o) }",
     "FILTR is not a SPARQL function; did you mean FILTER?", "FILTR", 1),
    ('SELECT ?x WHERE { ?x ?p "abc }', 'unterminated string: this " is never closed', '"', 1),
    ("SELECT * WHERE { ?s ?p }", "incomplete triple pattern: ?s ?p has no object before this }",
     "}", 1),
    ("SELECT * WHERE { ?s ?p ?o , }", 'no object after this "," (?s ?p …)', ",", 1),
    ("SELECT * WHERE { ?s ?p ?o . . }", 'stray "." (two in a row)', ".", 1),
    ("SELECT ?x WHERE { ?x ?p ?o . BIND(1 AS ?x) }",
     "BIND assigns ?x, which the patterns before it already bind", "?x", 1),
    ("SELECT ?s (COUNT(?x) ?n) WHERE { ?x ?p ?o } GROUP BY ?s",
     "(COUNT(?x) ?n) in SELECT has no AS ?name; write (COUNT(?x) AS ?n)", "(COUNT(?x) ?n)", 1),
    ("SELECT * WHERE { ?s ?p ?o } LIMIT x", "LIMIT needs a whole number", "x", 1),
    ("SELECT * WHERE { ?s ?p <http://x.org/a b> }",
     "invalid IRI <http://x.org/a b>: it holds a space", "<http://x.org/a b>", 1),
    ("SELECT * WHERE { ?s ?p <http://x.org/a#b#c> }",
     "invalid IRI <http://x.org/a#b#c>: it holds a second #", "<http://x.org/a#b#c>", 1),
    ("SELECT * WHERE { ?s ?p <http://x.org/a ?o }", "unclosed IRI: this < has no >", "<", 1),
    ("SELECT * WHERE {\n  ?s ?p ?o\nORDER BY ?s", ("at line 3, column 1: ORDER inside { … }: "
     "the group is not closed before it; add } before ORDER"), "ORDER", 3),
    ('SELECT * WHERE { ?s ckg:year "2012" = . }', "stray = between the patterns", "=", 1),
    # no mistake of ours to name: pyoxigraph's own sentence, at its place
    ("SELECT ?x WHERE { ?x ?p ?o } GROUP BY ?o",
     "the SELECT contains a variable that is unbound", " ", 1),
]


@pytest.mark.parametrize(("text", "problem", "marked", "line"), CASES,
                         ids=[f"{i:02d}" for i in range(len(CASES))])
def test_safety_syntax_error_names_the_mistake_and_marks_it(text: str, problem: str,
                                                             marked: str, line: int) -> None:
    error = _syntax_error(text)
    first, *display = str(error).splitlines()
    assert first.startswith("query: malformed SPARQL at line "), first
    assert problem in first, first
    assert "expected one of" not in str(error) and "\\u{" not in str(error)
    assert len(display) == 2 and display == error.display.split("\n")
    assert _underlined(error) == (line, marked)
    assert error.position is not None and error.position[0] == line
    shown = display[0].split(" | ", 1)[1]
    assert shown == text.split("\n")[line - 1].replace("\u00a0", " ")


def test_safety_unknown_prefix_message_is_exact() -> None:
    error = _syntax_error("SELECT ?x WHERE { ?x foo:bar ?y }")
    assert str(error) == (
        "query: malformed SPARQL at line 1, column 22: unknown prefix foo: (declared: ckg:, "
        "id:, org:, prov:, skos:, rdfs:, rdf:, xsd:, dcterms:, owl:); declare it with PREFIX "
        "foo: <…> before the query\n"
        "  1 | SELECT ?x WHERE { ?x foo:bar ?y }\n"
        "    |                      ^^^^")


def test_safety_a_mistake_in_a_real_query_is_found_on_its_line() -> None:
    text = (REPO / "queries" / "03_recipients_of_honour.rq").read_text(encoding="utf-8")
    broken = text.replace("ckg:recipient ?recipient .", "ckg:recipient ?recipient", 1)
    assert broken != text
    error = _syntax_error(broken)
    line = broken.split("\n").index("         ckg:recipient ?recipient") + 1
    assert f"at line {line}, column 34: missing \".\"" in str(error)
    assert "one ends with ?recipient, the next starts with ?recipient" in str(error)
    assert _underlined(error)[0] == line


@pytest.mark.parametrize("path", sorted((REPO / "queries").glob("*.rq")), ids=lambda p: p.stem)
def test_safety_valid_queries_hold_no_likely_mistake(path: Path) -> None:
    """What the readers take for a mistake in a valid query they would name for an error
    anywhere after it: on the six questions (paths, OPTIONAL chains, VALUES, UNION,
    FILTER, COALESCE) they must find nothing, and fall back to the parser's place."""
    text = path.read_text(encoding="utf-8")
    lines = text.rstrip("\n").split("\n")
    message = f"error at {len(lines)}:{len(lines[-1]) + 1}: expected [_]"
    error = explain_syntax_error(text, message, {**PREFIXES, "id": "https://x.org/"})
    assert "syntax error here" in error.problem, error.problem


def test_safety_long_line_is_cut_around_the_place() -> None:
    text = "SELECT * WHERE { " + " . ".join(f"?s ckg:p{n} ?o{n}" for n in range(30)) + (
        " . ?s foo:x ?o }")
    error = _syntax_error(text)
    shown = error.display.split("\n")[0]
    assert len(shown) <= 104 and shown.startswith("  1 | …")
    assert _underlined(error) == (1, "foo:")


def test_safety_syntax_error_survives_pickling() -> None:
    error = _syntax_error("SELECT ?x WHERE {")
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is QuerySyntaxError and str(copy) == str(error)
    assert copy.position == error.position and isinstance(copy, QueryError)


def test_safety_cli_prints_one_error_line_then_the_caret() -> None:
    result = _run("query", "SELECT ?x WHERE {\n  ?x foo:bar ?y\n}", "--graph", str(GRAPH))
    assert result.exit_code == 2 and "Traceback" not in result.output
    lines = result.output.splitlines()
    errors = [i for i, line in enumerate(lines) if line.startswith("Error:")]
    assert len(errors) == 1
    at = errors[0]
    assert lines[at].startswith("Error: query: malformed SPARQL at line 2, column 6: unknown "
                                "prefix foo: (declared: ckg:")
    assert lines[at + 1:] == ["  2 |   ?x foo:bar ?y", "    |      ^^^^"]


# ----------------------------------------------------- SERVICE and LOAD


class _Endpoint(http.server.ThreadingHTTPServer):
    """A SPARQL endpoint on 127.0.0.1 that answers every query with one row (x =
    "remote") and serves a one-triple Turtle file at /g.ttl; it records each request."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, str]] = []
        super().__init__(("127.0.0.1", 0), _Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _Endpoint

    def _answer(self) -> None:
        size = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(size).decode("utf-8", "replace") if size else ""
        self.server.requests.append((self.command, self.path, body))
        if self.path.endswith(".ttl"):
            data, kind = b"<http://a.example/s> <http://a.example/p> 1 .\n", "text/turtle"
        else:
            data = json.dumps({"head": {"vars": ["x"]}, "results": {"bindings": [
                {"x": {"type": "literal", "value": "remote"}}]}}).encode()
            kind = "application/sparql-results+json"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = _answer

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def endpoint() -> Iterator[_Endpoint]:
    server = _Endpoint()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


REFUSED = [
    "SELECT ?x WHERE { SERVICE <{url}/sparql> { ?x ?p ?o } }",
    "select ?x where { service <{url}/sparql> { ?x ?p ?o } }",
    "SELECT ?x WHERE { SeRvIcE SILENT <{url}/sparql> { ?x ?p ?o } }",
    ("# the local part first\nSELECT ?x WHERE {\n  ?b a ckg:Bureau .\n  OPTIONAL { { "
     "SERVICE <{url}/sparql> { ?x ?p ?o } } }\n}"),
    "SELECT ?x WHERE { ?b a ckg:Bureau FILTER EXISTS { SERVICE <{url}/sparql> { ?x ?p ?o } } }",
    "SELECT ?x WHERE { { SELECT ?x WHERE { SERVICE <{url}/sparql> { ?x ?p ?o } } } }",
]


@pytest.mark.parametrize("template", REFUSED, ids=["plain", "lowercase", "mixed_case_silent",
                                                   "nested_optional", "filter_exists",
                                                   "subquery"])
def test_safety_service_is_refused_without_a_request(template: str,
                                                     endpoint: _Endpoint) -> None:
    text = template.replace("{url}", endpoint.url)
    with pytest.raises(QueryError, match=r"SERVICE refused: .*--allow-service") as info:
        run_query(text, GRAPH)
    assert "\n" not in str(info.value)
    assert endpoint.requests == []
    # the same query, allowed, does reach the server: the refusal is what kept it away
    run_query(text, GRAPH, allow_service=True)
    assert endpoint.requests and endpoint.requests[0][0] == "POST"
    assert "?x ?p ?o" in endpoint.requests[0][2]  # the SERVICE pattern, sent as the query


def test_safety_service_with_a_variable_endpoint_is_refused(endpoint: _Endpoint) -> None:
    text = f"SELECT ?x WHERE {{ VALUES ?e {{ <{endpoint.url}/sparql> }} SERVICE ?e {{ ?x ?p ?o }} }}"
    with pytest.raises(QueryError, match=r"SERVICE refused: the query would send a request "
                                         r"to \?e"):
        run_query(text, GRAPH)
    # allowed, pyoxigraph 0.5 evaluates the SERVICE before the VALUES that binds ?e and
    # fails while the rows are read: that too is a QueryError, and nothing was sent
    with pytest.raises(QueryError, match="query failed: The variable encoding the service "
                                         "name is unbound"):
        run_query(text, GRAPH, allow_service=True)
    assert endpoint.requests == []


def test_safety_service_refusal_names_the_endpoint(endpoint: _Endpoint) -> None:
    text = f"SELECT ?x WHERE {{\n  SERVICE <{endpoint.url}/sparql> {{ ?x ?p ?o }}\n}}"
    with pytest.raises(QueryError) as info:
        run_query(text, GRAPH)
    assert str(info.value) == (
        f"query: SERVICE refused: the query would send a request to <{endpoint.url}/sparql> "
        "(line 2, column 3); kg query reads the local build only; pass --allow-service to "
        "let it reach remote endpoints")


@pytest.mark.parametrize("template", [
    'SELECT ?x WHERE { ?x rdfs:label "SERVICE <{url}/sparql> { ?x ?p ?o }" }',
    "SELECT ?x WHERE { ?x rdfs:label '''\nSERVICE <{url}/sparql> { ?x ?p ?o }\n''' }",
    "# SERVICE <{url}/sparql> { ?x ?p ?o }\nSELECT ?x WHERE { ?x a ckg:Bureau }",
    "SELECT ?x WHERE { ?x a <{url}/SERVICE> }",
    "SELECT ?service WHERE { ?service a ckg:Bureau }",
    "SELECT ?x WHERE { ?x ckg:SERVICE ?o }",
    "SELECT ?x FROM <{url}/g.ttl> WHERE { ?x ?p ?o }",  # pyoxigraph reads FROM from the store
], ids=["string", "long_string", "comment", "iri", "variable", "prefixed_name", "from"])
def test_safety_service_as_data_is_not_refused(template: str, endpoint: _Endpoint) -> None:
    run_query(template.replace("{url}", endpoint.url), GRAPH)
    assert endpoint.requests == []


def test_safety_load_is_refused_even_with_allow_update(endpoint: _Endpoint) -> None:
    text = f"LOAD <{endpoint.url}/g.ttl>"
    with pytest.raises(QueryError, match=r"LOAD refused: the update would fetch <http://"):
        run_query(text, GRAPH, allow_update=True)
    assert endpoint.requests == []
    result = run_query(text, GRAPH, allow_update=True, allow_service=True)
    assert endpoint.requests[0][:2] == ("GET", "/g.ttl")
    counts = re.search(r"(\d+) quads before, (\d+) after", result.message)
    assert counts is not None and int(counts.group(2)) == int(counts.group(1)) + 1


def test_safety_service_that_cannot_be_reached_is_a_query_error() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    text = f"SELECT ?x WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?x ?p ?o }} }}"
    with pytest.raises(QueryError, match="query failed"):
        run_query(text, GRAPH, allow_service=True)


def test_safety_cli_allow_service(endpoint: _Endpoint) -> None:
    text = f"SELECT ?x WHERE {{ SERVICE <{endpoint.url}/sparql> {{ ?x ?p ?o }} }}"
    refused = _run("query", text, "--graph", str(GRAPH))
    assert refused.exit_code == 2 and "Error: query: SERVICE refused" in refused.output
    assert endpoint.requests == []
    allowed = _run("query", text, "--graph", str(GRAPH), "--allow-service", "--format", "csv")
    assert allowed.exit_code == 0, allowed.output
    assert allowed.output.splitlines() == ["x", "remote"] and len(endpoint.requests) == 1


# ------------------------------------------------------------- streaming


def _values(count: int) -> str:
    return "{ " + " ".join(str(n) for n in range(count)) + " }"


#: 20 labelled nodes × 100 × 100: 200,000 rows from a 20-triple graph.
MANY = (f"SELECT ?s ?l ?a ?b WHERE {{ ?s rdfs:label ?l VALUES ?a {_values(100)} "
        f"VALUES ?b {_values(100)} }}")
MANY_ROWS = 200_000


@pytest.fixture(scope="module")
def small_graph(tmp_path_factory: pytest.TempPathFactory) -> Path:
    build = tmp_path_factory.mktemp("small")
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    ox.serialize([ox.Triple(ox.NamedNode(f"https://example.org/n{n}"), label,
                            ox.Literal(f"海关{n}", language="zh")) for n in range(20)],
                 str(build / "graph.ttl"), format=ox.RdfFormat.TURTLE)
    return build


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["csv", "tsv", "jsonl", "json"])
def test_safety_many_rows_are_written_without_holding_them(fmt: str,
                                                           small_graph: Path) -> None:
    """200,000 rows: the text is megabytes, yet the most Python ever holds at once is a
    small part of it (holding the rows alone, as run_query does, takes five times the
    CSV text)."""
    tracemalloc.start()
    try:
        size = lines = 0
        for chunk in query_chunks(MANY, small_graph, fmt):
            size += len(chunk)
            lines += chunk.count("\n")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    header = {"csv": 1, "tsv": 1, "jsonl": 0}.get(fmt)
    if header is not None:
        assert lines == MANY_ROWS + header
    assert size > 6_000_000
    assert peak < 2_500_000 and peak < size / 3, (peak, size)


@pytest.mark.slow
def test_safety_holding_the_rows_would_fail_the_memory_check(small_graph: Path) -> None:
    """The check above can fail: the same rows written from a held result go far past."""
    tracemalloc.start()
    try:
        size = len(format_csv(run_query(MANY, small_graph)))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak > size


def _counted(total: int) -> tuple[QueryStream, list[int]]:
    read = [0]

    def rows() -> Iterator[tuple[Term | None, ...]]:
        for n in range(total):
            read[0] += 1
            yield (Term("literal", f"行{n}", lang="zh"), None if n % 2 else Term("uri", "u:x"))

    return QueryStream("select", ("a", "b"), rows()), read


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json", "jsonl"])
def test_safety_writers_yield_rows_before_reading_them_all(fmt: str) -> None:
    total = 100_000  # the first chunk of rows is about 64 K characters: 7,000 rows
    stream, read = _counted(total)
    chunks = WRITERS[fmt](stream)
    seen = ""
    for chunk in chunks:
        seen += chunk
        if "行" in seen:
            break
    assert 0 < read[0] < total // 8, read[0]
    rest = "".join(chunks)
    assert read[0] == total and f"行{total - 1}" in rest


def test_safety_table_stops_at_the_limit_and_counts_the_rest() -> None:
    stream, read = _counted(1_234_567 + TABLE_ROWS)
    lines = format_table(stream).splitlines()
    assert len(lines) == 2 + TABLE_ROWS + 1 and read[0] == 1_234_567 + TABLE_ROWS
    assert lines[-1] == ("… 1,234,567 more rows not shown (1,235,567 in all); use --format "
                         "csv for all")
    assert lines[-2].startswith(f"行{TABLE_ROWS - 1}")
    whole = format_table(_counted(TABLE_ROWS)[0]).splitlines()
    assert whole[-1] == "(1,000 rows)"  # exactly the limit: nothing left out
    assert format_table(_counted(5)[0], limit_rows=0).splitlines()[-1] == "(5 rows)"


def test_safety_cli_table_limit_rows(small_graph: Path) -> None:
    text = f"SELECT ?s ?n WHERE {{ ?s rdfs:label ?l VALUES ?n {_values(125)} }}"  # 2,500 rows
    lines = _run("query", text, "--graph", str(small_graph)).output.splitlines()
    assert len(lines) == 2 + 1000 + 1
    assert lines[-1] == "… 1,500 more rows not shown (2,500 in all); use --format csv for all"
    lines = _run("query", text, "--graph", str(small_graph), "--limit-rows", "10"
                 ).output.splitlines()
    assert len(lines) == 13 and lines[-1].startswith("… 2,490 more rows not shown")
    lines = _run("query", text, "--graph", str(small_graph), "--limit-rows", "0"
                 ).output.splitlines()
    assert len(lines) == 2 + 2500 + 1 and lines[-1] == "(2,500 rows)"
    result = _run("query", text, "--graph", str(small_graph), "--format", "csv")
    assert result.exit_code == 0 and len(result.output.splitlines()) == 2501


def test_safety_cli_limit_rows_default_is_the_library_default() -> None:
    option = next(p for p in main.commands["query"].params if p.name == "limit_rows")
    assert option.default == TABLE_ROWS


def _tricky_store() -> tuple[ox.Store, str]:
    store = ox.Store()
    s, p = ox.NamedNode("http://a.example/s"), ox.NamedNode("http://a.example/p")
    xsd = "http://www.w3.org/2001/XMLSchema#"
    objects: list[ox.NamedNode | ox.BlankNode | ox.Literal] = [
        ox.Literal('tab\there, "quoted", back\\slash\nnew line', language="zh"),
        ox.Literal("12", datatype=ox.NamedNode(xsd + "integer")),
        ox.Literal("-1.5", datatype=ox.NamedNode(xsd + "decimal")),
        ox.Literal("1.0E3", datatype=ox.NamedNode(xsd + "double")),
        ox.Literal("true", datatype=ox.NamedNode(xsd + "boolean")),
        ox.Literal("2012", datatype=ox.NamedNode(xsd + "gYear")),
        ox.Literal("plain, with comma"), ox.BlankNode("b0"), ox.NamedNode("http://a.example/o"),
    ]
    for obj in objects:
        store.add(ox.Quad(s, p, obj))
    return store, "SELECT ?s ?o ?unbound WHERE { ?s ?p ?o } ORDER BY ?o"


def _pyoxigraph(fmt: ox.QueryResultsFormat) -> str:
    store, text = _tricky_store()
    solutions = store.query(text)
    assert isinstance(solutions, ox.QuerySolutions)
    out = solutions.serialize(format=fmt)
    assert out is not None
    return out.decode()


@pytest.fixture
def tricky() -> QueryResult:
    """The tricky terms' rows as kg.query makes them from the same store's solutions."""
    store, text = _tricky_store()
    solutions = store.query(text)
    assert isinstance(solutions, ox.QuerySolutions)
    return QueryResult("select", tuple(v.value for v in solutions.variables),
                       tuple(solution_rows(solutions)))


def test_safety_tsv_is_sparql_tsv_as_pyoxigraph_writes_it(tricky: QueryResult) -> None:
    ours = format_tsv(tricky)
    assert ours == _pyoxigraph(ox.QueryResultsFormat.TSV)
    assert all(line.count("\t") == 2 for line in ours.splitlines())  # one row, one line


def test_safety_csv_and_json_agree_with_pyoxigraph_on_tricky_terms(tricky: QueryResult) -> None:
    theirs = _pyoxigraph(ox.QueryResultsFormat.CSV)
    assert list(csv.reader(io.StringIO(format_csv(tricky)))) == list(
        csv.reader(io.StringIO(theirs)))
    assert json.loads(format_json(tricky)) == json.loads(
        _pyoxigraph(ox.QueryResultsFormat.JSON))


def test_safety_jsonl_is_one_binding_per_line(tricky: QueryResult) -> None:
    lines = format_jsonl(tricky).splitlines()
    bindings = json.loads(format_json(tricky))["results"]["bindings"]
    assert [json.loads(line) for line in lines] == bindings and len(lines) == 9
    assert all("unbound" not in json.loads(line) for line in lines)
    ask = run_query("ASK { ?s ?p ?o }", GRAPH)
    assert format_jsonl(ask) == '{"boolean": true}\n'
    assert format_tsv(ask) == "true\n"


def test_safety_streamed_json_is_the_text_json_dumps_writes() -> None:
    """Written binding by binding over several chunks, the text is still exactly the
    indented json.dumps of the whole (the json format did not change)."""
    stream, _ = _counted(5_000)
    rows = [(Term("literal", f"行{n}", lang="zh"), None if n % 2 else Term("uri", "u:x"))
            for n in range(5_000)]
    whole = {"head": {"vars": ["a", "b"]}, "results": {"bindings": [
        {k: v for k, v in (("a", {"type": "literal", "value": a.value, "xml:lang": "zh"}),
                           ("b", b and {"type": "uri", "value": b.value})) if v}
        for a, b in rows]}}
    chunks = list(WRITERS["json"](stream))
    assert len(chunks) > 3
    assert "".join(chunks) == json.dumps(whole, ensure_ascii=False, indent=2) + "\n"
    empty = QueryResult("select", ("a",))
    assert format_json(empty) == json.dumps(
        {"head": {"vars": ["a"]}, "results": {"bindings": []}}, indent=2) + "\n"


def test_safety_streamed_csv_over_chunks_equals_pyoxigraph(small_graph: Path) -> None:
    text = f"SELECT ?s ?l ?n WHERE {{ ?s rdfs:label ?l VALUES ?n {_values(500)} }} ORDER BY ?s ?n"
    chunks = list(query_chunks(text, small_graph, "csv"))
    assert len(chunks) > 3
    store = ox.Store()
    store.load(path=small_graph / "graph.ttl", format=ox.RdfFormat.TURTLE)
    solutions = store.query(text, prefixes=PREFIXES)
    assert isinstance(solutions, ox.QuerySolutions)
    theirs = solutions.serialize(format=ox.QueryResultsFormat.CSV)
    assert theirs is not None and "".join(chunks) == theirs.decode()


def test_safety_stream_raises_before_any_row() -> None:
    with pytest.raises(QuerySyntaxError):
        stream_query("SELECT ?x WHERE {", GRAPH)
    with pytest.raises(QueryError, match="unknown result format 'xml'"):
        query_chunks("ASK {}", GRAPH, "xml")
    stream = stream_query("SELECT ?l WHERE { ?b a ckg:Bureau ; rdfs:label ?l }", GRAPH)
    assert isinstance(stream.rows, Iterator) and len(list(stream.rows)) == 2
    assert list(stream.rows) == []  # read once


@pytest.mark.slow
def test_safety_cli_reader_that_stops_early_ends_quietly(small_graph: Path) -> None:
    with subprocess.Popen([sys.executable, "-m", "kg", "query", MANY, "--graph",
                           str(small_graph), "--format", "csv"], cwd=REPO,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE) as child:
        assert child.stdout is not None and child.stderr is not None
        first = child.stdout.readline()
        child.stdout.close()  # as `| head -1` does
        errors = child.stderr.read().decode()
        code = child.wait(60)
    assert first == b"s,l,a,b\r\n"
    assert code == 0 and errors == ""
