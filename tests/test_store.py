"""Tests for kg.store: loading a build into a real Oxigraph server over the Graph Store
Protocol (twice without duplicates, a rebuilt document replacing its graph, Oxigraph's bulk
path), the competency queries answered through the server's SPARQL endpoint exactly as
locally, and bounded retries with one-line errors when the store is down or refuses."""

from __future__ import annotations

import http.server
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from kg.cli import main
from kg.errors import InputError, StoreError
from kg.export import read_output, write_outputs
from kg.query import Term, run_query
from kg.store import GraphPayload, RetryPolicy, load, read_graphs

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"
QUERIES = sorted((REPO / "queries").glob("*.rq"))
DOC = "https://w3id.org/customs-kg/id/doc/"
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
#: Tiny waits, so that the retry tests stay fast.
FAST = RetryPolicy(attempts=3, backoff=0.01, max_wait=0.02, timeout=5.0)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_up(url: str, process: subprocess.Popen[bytes], seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"oxigraph exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError(f"oxigraph did not answer at {url} within {seconds} s")


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real ``oxigraph serve`` on 127.0.0.1 and a free port; yields its base URL."""
    binary = shutil.which("oxigraph")
    if binary is None:
        pytest.skip("oxigraph not installed (pip install oxigraph)")
    location = tmp_path_factory.mktemp("oxigraph")
    base = f"http://127.0.0.1:{_free_port()}"
    with (location / "server.log").open("wb") as log:
        process = subprocess.Popen(
            [binary, "serve", "--location", str(location / "db"), "--bind",
             base[len("http://"):]], stdout=subprocess.DEVNULL, stderr=log)
        try:
            _wait_until_up(base + "/", process)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def server(oxigraph_server: str) -> str:
    """The server's base URL, its store emptied first."""
    httpx.delete(oxigraph_server + "/store", timeout=10.0).raise_for_status()
    return oxigraph_server


def _select(base: str, sparql: str, union: bool = True) -> list[dict[str, dict[str, str]]]:
    """SELECT through the server's SPARQL endpoint, by default with the default graph as the
    union of the named graphs (as kg query has it)."""
    form = {"query": sparql, **({"union-default-graph": ""} if union else {})}
    response = httpx.post(base + "/query", data=form,
                          headers={"Accept": "application/sparql-results+json"}, timeout=10.0)
    response.raise_for_status()
    return list(response.json()["results"]["bindings"])


def _count(base: str, pattern: str = "GRAPH ?g { ?s ?p ?o }", union: bool = True) -> int:
    rows = _select(base, f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}", union)
    return int(rows[0]["n"]["value"])


def _graph_triples(base: str, graph: str) -> set[ox.Triple]:
    response = httpx.get(base + "/store", params={"graph": graph},
                         headers={"Accept": "application/n-triples"}, timeout=10.0)
    response.raise_for_status()
    return {q.triple for q in ox.parse(response.content, format=ox.RdfFormat.N_TRIPLES)}


def _local_triples(build: Path, graph: str) -> set[ox.Triple]:
    """The triples of one graph of a build, as a store holds them (Oxigraph keeps numbers in
    canonical form: "0.70"^^xsd:decimal comes back as "0.7")."""
    quads = ox.parse(path=build / "graph.trig", format=ox.RdfFormat.TRIG)
    store = ox.Store()
    store.extend(q for q in quads if getattr(q.graph_name, "value", None) == graph)
    return {q.triple for q in store}


def _quad_count(build: Path) -> int:
    return sum(1 for _ in ox.parse(path=build / "graph.trig", format=ox.RdfFormat.TRIG))


# ------------------------------------------------------------ reading a build


def test_store_read_graphs_one_per_document(seeds_build: Path) -> None:
    graphs = read_graphs(seeds_build)
    assert [g.name for g in graphs] == sorted(DOC + p.stem for p in SEEDS.glob("*.txt"))
    assert sum(g.triples for g in graphs) == _quad_count(seeds_build)
    for graph in graphs:
        parsed = [q.triple for q in ox.parse(graph.body, format=ox.RdfFormat.N_TRIPLES)]
        assert len(parsed) == graph.triples
        quads = ox.parse(path=seeds_build / "graph.trig", format=ox.RdfFormat.TRIG)
        assert set(parsed) == {q.triple for q in quads if q.graph_name.value == graph.name}


def test_store_read_graphs_of_a_turtle_build_is_the_default_graph(tmp_path: Path) -> None:
    source = read_output(REPO / "tests" / "data" / "graphs" / "query_customs.trig")
    write_outputs(source, tmp_path, ["turtle"])
    (graph,) = read_graphs(tmp_path)
    triples = {(s, p, o) for s, p, o, _ in source.quads((None, None, None, None))}
    assert graph.name is None and graph.triples == len(triples)


@pytest.mark.parametrize("name", ["missing", "empty_dir", "graph.jsonld"])
def test_store_read_graphs_without_a_build_is_an_input_error(name: str, tmp_path: Path) -> None:
    path = {"missing": tmp_path / "none", "empty_dir": tmp_path,
            "graph.jsonld": tmp_path / "graph.jsonld"}[name]
    if name == "graph.jsonld":
        path.write_text("{}", encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_graphs(path)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("endpoint", ["localhost:7878/store", "ftp://host/store", "/store"])
def test_store_load_needs_an_http_endpoint(endpoint: str, seeds_build: Path) -> None:
    with pytest.raises(InputError, match="not an http"):
        load(seeds_build, endpoint)


def test_store_retry_waits_grow_and_are_bounded() -> None:
    policy = RetryPolicy(attempts=6, backoff=0.5, max_wait=3.0)
    assert [policy.wait(n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, 3.0]


# ------------------------------------------------------- a real Oxigraph server


@pytest.mark.server
def test_store_load_twice_leaves_the_same_store(server: str, seeds_build: Path) -> None:
    seen: list[GraphPayload] = []
    report = load(seeds_build, server + "/store", policy=FAST, on_loaded=seen.append)
    assert report.graphs == tuple(g.name for g in seen) == tuple(
        sorted(DOC + p.stem for p in SEEDS.glob("*.txt")))
    assert report.triples == _quad_count(seeds_build) == _count(server)
    distinct = _count(server, "SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }")
    load(seeds_build, server + "/store", policy=FAST)
    assert _count(server) == report.triples
    assert _count(server, "SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }") == distinct
    assert _count(server, "?s ?p ?o", union=False) == 0  # the store's default graph is empty


@pytest.mark.server
@pytest.mark.parametrize("path", QUERIES, ids=lambda p: p.stem)
def test_store_competency_queries_through_the_server_match_local(
        path: Path, server: str, seeds_build: Path) -> None:
    load(seeds_build, server + "/store", policy=FAST)
    text = path.read_text(encoding="utf-8")
    local = run_query(text, seeds_build)
    remote = [tuple(_term(row.get(name)) for name in local.variables)
              for row in _select(server, text)]
    assert local.rows
    assert sorted(remote, key=repr) == sorted(local.rows, key=repr)


def _term(binding: dict[str, str] | None) -> Term | None:
    """A SPARQL JSON binding as kg.query's Term."""
    if binding is None:
        return None
    datatype = binding.get("datatype")
    return Term(binding["type"], binding["value"], binding.get("xml:lang"),
                None if datatype in (None, _XSD_STRING, _LANG_STRING) else datatype)


@pytest.mark.server
def test_store_union_default_graph_answers_without_the_union_option(
        server: str, seeds_build: Path) -> None:
    report = load(seeds_build, server + "/store", policy=FAST, union_default=True)
    assert report.graphs[0] is None and len(report.graphs) == 6
    distinct = _count(server, "SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert _count(server, "?s ?p ?o", union=False) == distinct
    for path in QUERIES:
        text = path.read_text(encoding="utf-8")
        assert sorted(map(repr, _select(server, text, union=False))) == sorted(
            map(repr, _select(server, text))), path.name


@pytest.mark.server
def test_store_rebuilt_document_replaces_its_graph(server: str, tmp_path: Path) -> None:
    from kg.pipeline import build

    docs = tmp_path / "docs"
    shutil.copytree(SEEDS, docs)
    changed = docs / "004_4f17503fb99cd373.txt"
    build([docs], tmp_path / "a", html=False)
    load(tmp_path / "a", server + "/store", policy=FAST)
    text = changed.read_text(encoding="utf-8").replace("上海海关:", "上海海关：改写后的标题", 1)
    changed.write_text(text + "\n2016年，上海海关被评为全国文明单位。\n", encoding="utf-8")
    build([docs], tmp_path / "b", html=False)
    graph = DOC + changed.stem
    before, after = _local_triples(tmp_path / "a", graph), _local_triples(tmp_path / "b", graph)
    assert before - after and after - before  # the rebuild changed that graph both ways
    load(tmp_path / "b", server + "/store", policy=FAST)
    assert _graph_triples(server, graph) == after
    other = DOC + "000_2a6c9addae7b0bec"
    assert _graph_triples(server, other) == _local_triples(tmp_path / "b", other)
    assert _count(server) == _quad_count(tmp_path / "b")


@pytest.mark.server
def test_store_bulk_path_loads_the_same_and_replaces(server: str, seeds_build: Path) -> None:
    load(seeds_build, server + "/store", policy=FAST)
    expected = _count(server)
    report = load(seeds_build, server + "/store", policy=FAST, bulk=True)
    assert report.bulk and len(report.graphs) == 5
    assert _count(server) == expected == report.triples
    load(seeds_build, server + "/store", policy=FAST, bulk=True)
    assert _count(server) == expected


@pytest.mark.server
def test_store_wrong_path_is_a_clear_error_without_retries(server: str,
                                                           seeds_build: Path) -> None:
    slow = RetryPolicy(attempts=5, backoff=2.0, timeout=5.0)
    started = time.monotonic()
    with pytest.raises(StoreError) as info:
        load(seeds_build, server + "/nowhere", policy=slow)
    assert time.monotonic() - started < 2.0  # a 4xx is not retried
    message = str(info.value)
    assert "answered 404" in message and "attempts" not in message
    assert "0 of 5 graphs loaded" in message and "\n" not in message


def test_store_endpoint_down_fails_after_bounded_retries(seeds_build: Path) -> None:
    closed = f"http://127.0.0.1:{_free_port()}/store"
    started = time.monotonic()
    with pytest.raises(StoreError) as info:
        load(seeds_build, closed, policy=FAST)
    assert time.monotonic() - started < 5.0
    message = str(info.value)
    assert message.startswith(closed + ": PUT graph=" + DOC)
    assert "cannot connect" in message and "after 3 attempts" in message
    assert "0 of 5 graphs loaded before the failure" in message and "\n" not in message


# ------------------------------------------- a scripted store for 5xx answers


class _Scripted(http.server.BaseHTTPRequestHandler):
    """Answers each request with the next status of the server's script (then the last)."""

    def do_PUT(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        script: list[int] = self.server.script  # type: ignore[attr-defined]
        status = script.pop(0) if len(script) > 1 else script[0]
        self.server.seen.append((self.command, status))  # type: ignore[attr-defined]
        body = b"" if status < 300 else b"store is busy"
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def scripted() -> Iterator[http.server.ThreadingHTTPServer]:
    """A real HTTP server on 127.0.0.1 that answers with a status script."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Scripted)
    httpd.script, httpd.seen = [204], []  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def _url(httpd: http.server.ThreadingHTTPServer) -> str:
    return f"http://127.0.0.1:{httpd.server_address[1]}/store"


def test_store_retries_a_busy_store_then_succeeds(scripted: http.server.ThreadingHTTPServer,
                                                 seeds_build: Path) -> None:
    scripted.script[:] = [503, 503, 204]  # type: ignore[attr-defined]
    report = load(seeds_build, _url(scripted), policy=FAST)
    assert len(report.graphs) == 5
    assert [s for _, s in scripted.seen] == [503, 503] + [204] * 5  # type: ignore[attr-defined]


def test_store_failure_names_the_graphs_loaded_before(scripted: http.server.ThreadingHTTPServer,
                                                      seeds_build: Path) -> None:
    scripted.script[:] = [204, 204, 500]  # type: ignore[attr-defined]
    seen: list[GraphPayload] = []
    with pytest.raises(StoreError) as info:
        load(seeds_build, _url(scripted), policy=FAST, on_loaded=seen.append)
    names = [g.name for g in read_graphs(seeds_build)]
    assert [g.name for g in seen] == names[:2]
    message = str(info.value)
    assert f"PUT graph={names[2]} answered 500" in message and "after 3 attempts" in message
    assert f"2 of 5 graphs loaded before the failure (the last: {names[1]})" in message
    assert "run 'kg load' again" in message and "\n" not in message


# ------------------------------------------------------------------ the CLI


def _assert_one_error(output: str) -> str:
    errors = [line for line in output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "Traceback" not in output, output
    return errors[0]


@pytest.mark.server
def test_store_kg_load_command_prints_each_graph(server: str, seeds_build: Path) -> None:
    result = CliRunner().invoke(main, ["load", str(seeds_build), "--endpoint",
                                       server + "/store"], prog_name="kg")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert [line.split()[1] for line in lines[:-1]] == [g.name for g in read_graphs(seeds_build)]
    assert lines[-1].startswith(f"5 document graphs ({_quad_count(seeds_build)} triples) into ")


@pytest.mark.server
@pytest.mark.issue(13)
def test_store_kg_load_reports_the_union_apart_from_the_documents(server: str,
                                                                 seeds_build: Path) -> None:
    result = CliRunner().invoke(main, ["load", str(seeds_build), "--endpoint",
                                       server + "/store", "--union-default-graph"],
                                prog_name="kg")
    assert result.exit_code == 0, result.output
    last = result.output.splitlines()[-1]
    payloads = read_graphs(seeds_build, union_default=True)
    distinct = next(g.triples for g in payloads if g.name is None)
    assert last.startswith(f"5 document graphs ({_quad_count(seeds_build)} triples) and the "
                           f"union default graph ({distinct} distinct triples) into "), last
    assert distinct < _quad_count(seeds_build)


