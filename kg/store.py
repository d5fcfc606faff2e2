"""Loading a build into a triple store over the SPARQL 1.1 Graph Store HTTP Protocol.

May import ``kg.errors`` only (and pyoxigraph to read the build).  :func:`load` reads a
build (``graph.trig`` preferred, so that every document keeps its named graph) and PUTs each named graph to
``ENDPOINT?graph=<document IRI>`` as N-Triples.  PUT replaces a graph, so loading twice
leaves the same store and a rebuilt document replaces its old triples.  A refused
connection, a timeout, and answers 408, 429 and 5xx are retried a bounded number of
times with exponential back-off (:class:`RetryPolicy`); any other 4xx fails at once,
since sending the same request again cannot help.  Every failure is a
:class:`~kg.errors.StoreError` whose one-line message names how many graphs were loaded
before it; ``on_loaded`` hears of each graph only once the store has accepted it.

``union_default=True`` also PUTs the union of the graphs, each triple once, as the store's
default graph (replacing it), so that SPARQL over the default graph needs no union option;
Oxigraph's ``union-default-graph`` repeats a triple for every graph that states it, which
multiplies joins on a corpus where documents restate the same entities.

``bulk=True`` takes Oxigraph's bulk path instead: the graphs are DELETEd, then the whole
build is POSTed as N-Quads with ``?no_transaction``, which Oxigraph loads with its bulk
loader (fast, not transactional).  httpx is imported on first use so that ``kg --help``
stays fast.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pyoxigraph as ox

from kg._fs import reading_graph
from kg.errors import InputError, StoreError
from kg.graphfiles import GRAPH_FILES, find_graph_file

if TYPE_CHECKING:
    import httpx

__all__ = ["GraphPayload", "LoadReport", "RetryPolicy", "load", "read_graphs"]

#: The graph files loaded, in order of preference (quad formats first; JSON-LD is left to
#: the stores' own loaders).
_SUFFIXES = {suffix: fmt for suffix, fmt in GRAPH_FILES.items() if suffix != ".jsonld"}
_RETRY_STATUS = frozenset({408, 429, 500, 502, 503, 504})
_N_TRIPLES = "application/n-triples"
_N_QUADS = "application/n-quads"
_MAX_BODY_IN_MESSAGE = 160


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How hard to try a request before giving up.

    Attributes:
        attempts: tries per request, the first included (at least 1).
        backoff: seconds to wait after the first failed try; doubled after each further one.
        max_wait: the longest wait between two tries, in seconds.
        timeout: seconds to wait for the store to connect, read or write.
    """

    attempts: int = 4
    backoff: float = 0.5
    max_wait: float = 8.0
    timeout: float = 60.0

    def wait(self, failed: int) -> float:
        """Seconds to wait after the ``failed``-th failed try (1-based)."""
        return float(min(self.max_wait, self.backoff * 2 ** (failed - 1)))


@dataclass(frozen=True, slots=True)
class GraphPayload:
    """One graph of a build, ready to send.

    Attributes:
        name: the graph IRI, or ``None`` for the default graph.
        triples: how many triples it holds.
        body: the triples as N-Triples, UTF-8.
    """

    name: str | None
    triples: int
    body: bytes


@dataclass(frozen=True, slots=True)
class LoadReport:
    """What :func:`load` did.

    Attributes:
        endpoint: the Graph Store endpoint.
        graphs: the graphs loaded, in order (``None`` for the default graph).
        triples: the triples sent, over all graphs (the union default graph included).
        bulk: whether Oxigraph's bulk path was used.
        seconds: wall-clock time.
    """

    endpoint: str
    graphs: tuple[str | None, ...]
    triples: int
    bulk: bool
    seconds: float
    #: triples of the union default graph (0 when it was not written)
    union_triples: int = 0

    @property
    def document_graphs(self) -> int:
        """How many documents' named graphs were loaded."""
        return sum(name is not None for name in self.graphs)

    @property
    def document_triples(self) -> int:
        """The triples of the documents' named graphs (a triple two documents state counts
        twice, as the store holds it twice)."""
        return self.triples - self.union_triples


# ------------------------------------------------------------------- reading


def _source_file(source: Path) -> Path:
    if source.is_file() and source.suffix.lower() not in _SUFFIXES:
        raise InputError(f"cannot load a {source.suffix or 'suffix-less'} file",
                         path=str(source), hint="give graph.trig, .nq, .ttl or .nt")
    return find_graph_file(source, _SUFFIXES)


def read_graphs(source: Path, *, union_default: bool = False) -> list[GraphPayload]:
    """The graphs of a build, the default graph first, then named graphs by IRI.

    Args:
        source: a build directory or a ``.trig`` / ``.nq`` / ``.ttl`` / ``.nt`` file.
        union_default: make the default graph the union of all graphs, each triple once.

    Returns:
        One payload per graph; a Turtle or N-Triples build is one default graph.

    Raises:
        InputError: nothing to read, or a file that does not parse.
    """
    path = _source_file(Path(source))
    groups: dict[str | None, list[ox.Triple]] = {}
    with reading_graph(path):
        for quad in ox.parse(path=path, format=_SUFFIXES[path.suffix.lower()]):
            graph = quad.graph_name
            name = None if isinstance(graph, ox.DefaultGraph) else str(graph.value)
            groups.setdefault(name, []).append(quad.triple)
    if union_default:
        union = {t: None for triples in groups.values() for t in triples}
        groups[None] = sorted(union, key=str)
    order = sorted(groups, key=lambda name: (name is not None, name or ""))
    return [GraphPayload(name, len(groups[name]),
                         ox.serialize(groups[name], format=ox.RdfFormat.N_TRIPLES) or b"")
            for name in order]


# ------------------------------------------------------------------- sending


def _check_endpoint(endpoint: str) -> str:
    parts = urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InputError("not an http(s) URL", path=endpoint,
                         hint="give the Graph Store endpoint, e.g. http://localhost:7878/store")
    return endpoint


def _transport_problem(exc: Exception) -> str:
    """A few words for a failed connection: the OS reason if there is one."""
    import httpx

    kind = {httpx.ConnectError: "cannot connect", httpx.TimeoutException: "timed out"}
    words = next((text for cls, text in kind.items() if isinstance(exc, cls)), "request failed")
    reason = " ".join(str(exc).split()) or type(exc).__name__
    return f"{words} ({reason})"


def _status_problem(response: httpx.Response) -> str:
    body = " ".join(response.text.split())
    if len(body) > _MAX_BODY_IN_MESSAGE:
        body = body[: _MAX_BODY_IN_MESSAGE - 1] + "…"
    return f"answered {response.status_code} {response.reason_phrase}" + (
        f" ({body})" if body else "")


@dataclass(frozen=True, slots=True)
class _Request:
    method: str
    params: dict[str, str]
    body: bytes = b""
    content_type: str | None = None

    def describe(self) -> str:
        target = next(iter(self.params.items()), None)
        return self.method + (f" {target[0]}={target[1]}" if target else "")


_HINTS = {
    "transport": "is the store running at this address?",
    "client": "is this the store's Graph Store endpoint (Oxigraph /store, Fuseki /ds/data)?",
    "server": "see the store's log",
}


class _Failed(Exception):
    """A request that failed for good: why, how often it was tried, and what to check."""

    def __init__(self, problem: str, attempts: int, kind: str) -> None:
        super().__init__(problem)
        self.problem = problem
        self.attempts = attempts
        self.hint = _HINTS[kind]


def _send(client: httpx.Client, endpoint: str, request: _Request, policy: RetryPolicy,
          ok: Iterable[int] = ()) -> None:
    """Send one request, retrying what may pass on a later try; raise :class:`_Failed`."""
    import httpx

    headers = {"Content-Type": request.content_type} if request.content_type else {}
    for attempt in range(1, max(1, policy.attempts) + 1):
        try:
            response = client.request(request.method, endpoint, params=request.params,
                                      content=request.body or None, headers=headers)
        except httpx.TransportError as exc:
            problem, kind = _transport_problem(exc), "transport"
        else:
            if response.is_success or response.status_code in ok:
                return
            problem, kind = _status_problem(response), "server"
            if response.status_code not in _RETRY_STATUS:
                raise _Failed(problem, attempt, "client")
        if attempt < policy.attempts:
            time.sleep(policy.wait(attempt))
    raise _Failed(problem, max(1, policy.attempts), kind)


def _graph_params(name: str | None, graph_param: str) -> dict[str, str]:
    return {"default": ""} if name is None else {graph_param: name}


def load(
    source: Path,
    endpoint: str,
    *,
    policy: RetryPolicy = RetryPolicy(),
    bulk: bool = False,
    union_default: bool = False,
    graph_param: str = "graph",
    on_loaded: Callable[[GraphPayload], None] | None = None,
) -> LoadReport:
    """Load a build into a triple store, one named graph per document.

    Args:
        source: a build directory (``graph.trig`` preferred) or a graph file.
        endpoint: the Graph Store Protocol endpoint, e.g. ``http://localhost:7878/store``
            (Oxigraph), ``http://localhost:3030/ds/data`` (Fuseki).
        policy: retries, back-off and timeout.
        bulk: use Oxigraph's bulk loader (``?no_transaction``) for the whole build.
        union_default: also replace the store's default graph with the union of the
            graphs, each triple once (for a store that holds this build only).
        graph_param: the query parameter naming the graph (``graph-uri`` for Virtuoso).
        on_loaded: called with each graph once the store has accepted it.

    Returns:
        What was loaded.

    Raises:
        InputError: the build cannot be read or the endpoint is not an http(s) URL.
        StoreError: the store could not be reached or refused a graph, after the retries;
            the message says how many graphs were loaded before.
    """
    import httpx

    started = time.perf_counter()
    endpoint = _check_endpoint(endpoint)
    graphs = read_graphs(Path(source), union_default=union_default)
    with httpx.Client(timeout=policy.timeout) as client:
        if bulk:
            _load_bulk(client, endpoint, graphs, policy, graph_param)
            loaded = list(graphs)
            for graph in loaded:
                if on_loaded is not None:
                    on_loaded(graph)
        else:
            loaded = _load_each(client, endpoint, graphs, policy, graph_param, on_loaded)
    return LoadReport(endpoint, tuple(g.name for g in loaded), sum(g.triples for g in loaded),
                      bulk, time.perf_counter() - started,
                      sum(g.triples for g in loaded if g.name is None))


def _load_each(client: httpx.Client, endpoint: str, graphs: Sequence[GraphPayload],
               policy: RetryPolicy, graph_param: str,
               on_loaded: Callable[[GraphPayload], None] | None) -> list[GraphPayload]:
    """PUT every graph in turn; stop at the first that fails for good."""
    loaded: list[GraphPayload] = []
    for graph in graphs:
        request = _Request("PUT", _graph_params(graph.name, graph_param), graph.body,
                           _N_TRIPLES)
        try:
            _send(client, endpoint, request, policy)
        except _Failed as failed:
            raise _store_error(endpoint, request, failed, loaded, len(graphs)) from None
        loaded.append(graph)
        if on_loaded is not None:
            on_loaded(graph)
    return loaded


def _load_bulk(client: httpx.Client, endpoint: str, graphs: Sequence[GraphPayload],
               policy: RetryPolicy, graph_param: str) -> None:
    """Empty each graph (a missing one is fine), then POST all of them as N-Quads."""
    request = _Request("DELETE", {})
    try:
        for graph in graphs:
            request = _Request("DELETE", _graph_params(graph.name, graph_param))
            _send(client, endpoint, request, policy, ok=(404,))
        request = _Request("POST", {"no_transaction": ""}, _quads(graphs), _N_QUADS)
        _send(client, endpoint, request, policy)
    except _Failed as failed:
        error = _store_error(endpoint, request, failed, [], len(graphs))
        raise StoreError(error.problem, path=endpoint,
                         hint="the store may hold part of these graphs; run 'kg load' again"
                         ) from None


def _quads(graphs: Sequence[GraphPayload]) -> bytes:
    """The graphs as one N-Quads document (each N-Triples line gets its graph)."""
    lines = []
    for graph in graphs:
        suffix = b" ." if graph.name is None else b" <" + graph.name.encode("utf-8") + b"> ."
        lines += [line[:-2] + suffix for line in graph.body.splitlines() if line.endswith(b" .")]
    return b"\n".join(lines) + b"\n"


def _store_error(endpoint: str, request: _Request, failed: _Failed,
                 loaded: Sequence[GraphPayload], total: int) -> StoreError:
    tries = f" after {failed.attempts} attempts" if failed.attempts > 1 else ""
    done = f"{len(loaded)} of {total} graphs loaded before the failure"
    hint = failed.hint
    if loaded:
        done += f" (the last: {loaded[-1].name or 'the default graph'})"
        hint += " then run 'kg load' again: it replaces those graphs, nothing is doubled"
    return StoreError(f"{request.describe()} {failed.problem}{tries}; {done}", path=endpoint,
                      hint=hint)
