"""Writing a built graph to files, byte-identical on every run, and reading a build back.

May import ``kg.vocab``, ``kg.resources``, ``kg._fs`` and ``kg.errors``.

:data:`EXPORTERS` is the table of output formats (``turtle``, ``trig``, ``nt``, ``nquads``,
``jsonld``, ``graphml``); the CLI's ``--format`` choices and the round-trip tests iterate
it, so a new format is one entry.  Every exporter goes through one canonical form: the
rdflib dataset is converted to pyoxigraph quads, blank nodes (if any) are relabelled with
RDFC-1.0, and the quads are sorted by graph, subject, predicate (``rdf:type`` first) and
object.  pyoxigraph then writes that sorted stream, which makes the files independent of
rdflib's hash-seeded set order (rdflib issue #3545) and about seven times faster than
rdflib's Turtle writer.  Turtle, N-Triples and GraphML hold the union of the named graphs
(each triple once); TriG, N-Quads and JSON-LD keep one named graph per document.  JSON-LD
is compacted against the published context ``ontology/context.jsonld``
(:mod:`kg.export.jsonld`); GraphML, which is not RDF, is drawn through networkx for Gephi
and Cytoscape (:mod:`kg.export.graphml`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import pyoxigraph as ox
from rdflib import ConjunctiveGraph, Dataset, Graph
from rdflib.term import BNode, Literal, Node, URIRef

from kg._fs import atomic_write_bytes, ensure_dir, reading_graph, recover
from kg.errors import InputError
from kg.export.graphml import render_graphml
from kg.export.jsonld import render_jsonld
from kg.graphfiles import BASE_NAME, GRAPH_FILES, find_graph_file, graph_format
from kg.vocab import (
    DEFAULT_BASE_IRI,
    PREFIXES,
    RDF,
    RESOURCE_PREFIXES,
    rdflib_term,
    resource_base,
)

__all__ = [
    "DEFAULT_BASE_IRI",
    "EXPORTERS",
    "READ_ORDER",
    "Exporter",
    "convert",
    "find_output",
    "prefixes_for",
    "read_output",
    "tidy_file",
    "tidy_names",
    "turtle_prefixes",
    "write_outputs",
]

_RdflibQuad = tuple[Node, Node, Node, Graph]
_OxTerm = ox.NamedNode | ox.BlankNode | ox.Literal
_RDF_TYPE = str(RDF.type)
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_BASE_NAME = BASE_NAME
Writer = Callable[[Sequence[Any], Mapping[str, str]], bytes]


@dataclass(frozen=True, slots=True)
class Exporter:
    """One output format.

    Attributes:
        name: the format's name on the command line (``--format turtle``).
        suffix: the file suffix, with its dot (``.ttl``); files are named ``graph<suffix>``.
        media_type: the IANA media type of the format.
        rdf_format: the pyoxigraph format that reads it (and writes it, without a
            ``writer``); ``None`` for a format that is not RDF (GraphML).
        union: whether the format holds triples only (the union of the named graphs).
        writer: our own writer, given the quads (or, for a union format, the triples) in
            canonical order and the prefixes; ``None`` to let pyoxigraph write.
    """

    name: str
    suffix: str
    media_type: str
    rdf_format: ox.RdfFormat | None
    union: bool
    writer: Writer | None = None

    @property
    def is_rdf(self) -> bool:
        """Whether the format is an RDF syntax that RDF tools read back."""
        return self.rdf_format is not None

    def serialize(self, dataset: Graph) -> bytes:
        """The dataset in this format, byte-identical for equal datasets.

        Args:
            dataset: an rdflib ``Dataset`` (or a plain ``Graph``, read as the default graph).

        Returns:
            The serialisation, UTF-8.
        """
        return self.render(canonical_quads(dataset), prefixes_for(dataset))

    def render(self, quads: Sequence[ox.Quad], prefixes: dict[str, str]) -> bytes:
        """Write quads already in canonical order (see :func:`canonical_quads`).

        Args:
            quads: the sorted quads.
            prefixes: prefix name -> namespace IRI, used by Turtle and TriG.

        Returns:
            The serialisation, UTF-8.
        """
        items: Sequence[ox.Quad] | list[ox.Triple] = _union(quads) if self.union else quads
        if self.writer is not None:
            return self.writer(items, prefixes)
        if self.rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG):
            prefixes = turtle_prefixes(prefixes)
            text = ox.serialize(items, format=self.rdf_format, prefixes=prefixes) or b""
            return b"".join(tidy_names(text.splitlines(keepends=True), prefixes))
        return ox.serialize(items, format=self.rdf_format) or b""


#: Output format name -> exporter.  The CLI's ``--format`` choices come from this table.
EXPORTERS: dict[str, Exporter] = {
    e.name: e
    for e in (
        Exporter("turtle", ".ttl", "text/turtle", ox.RdfFormat.TURTLE, union=True),
        Exporter("trig", ".trig", "application/trig", ox.RdfFormat.TRIG, union=False),
        Exporter("nt", ".nt", "application/n-triples", ox.RdfFormat.N_TRIPLES, union=True),
        Exporter("nquads", ".nq", "application/n-quads", ox.RdfFormat.N_QUADS, union=False),
        Exporter("jsonld", ".jsonld", "application/ld+json", ox.RdfFormat.JSON_LD, union=False,
                 writer=render_jsonld),
        Exporter("graphml", ".graphml", "application/graphml+xml", None, union=True,
                 writer=render_graphml),
    )
}

#: Which built file a reader prefers when given an output directory (quads first).
READ_ORDER: tuple[str, ...] = tuple(
    name for suffix in GRAPH_FILES for name, e in EXPORTERS.items() if e.suffix == suffix)


def prefixes_for(dataset: Graph, base_iri: str | None = None) -> dict[str, str]:
    """The prefixes written into Turtle and TriG: the contract's, plus ``id:`` for resources.

    Args:
        dataset: the graph; an ``id`` prefix bound in it gives the resource base IRI.
        base_iri: the base IRI to use instead; default the bound one, else the default base.

    Returns:
        Prefix name -> namespace IRI.
    """
    if base_iri is None:
        bound = {prefix: str(ns) for prefix, ns in dataset.namespaces()}
        base_iri = resource_base(bound) or DEFAULT_BASE_IRI
    return {**PREFIXES, "id": base_iri}


def turtle_prefixes(prefixes: dict[str, str]) -> dict[str, str]:
    """What Turtle and TriG are written with: the contract's prefixes and a prefix for each
    kind of resource under the build's base (:data:`~kg.vocab.RESOURCE_PREFIXES`), but no
    ``id:``, under which a sub-office's IRI could only be written with escaped slashes."""
    base = prefixes.get("id", DEFAULT_BASE_IRI)
    return {**{k: v for k, v in prefixes.items() if k != "id"},
            **{name: f"{base}{slug}/" for name, slug in RESOURCE_PREFIXES.items()}}


# A string literal (kept as it is), or a prefixed name that pyoxigraph wrote with
# backslash escapes (``id:suboffice\/天津海关\/机场海关``, ``honour:A\%28B\%29``): legal
# Turtle, but hard to read.
_ESCAPED_NAME = re.compile(
    rb'"(?:[^"\\\n]|\\.)*"|(?<![^\s])([A-Za-z][A-Za-z0-9_-]*)?:([^\s\\]*\\\S(?:[^\s\\]|\\\S)*)')
_UNESCAPE = re.compile(rb"\\(.)")
# A local name that needs no escape: no '/', '~' or other reserved mark, no '.' or '-' in
# front, no '.' at the end, '%' only as %XX (the minter encodes every other character).
_PLAIN_LOCAL = re.compile(
    rb"(?![.-])(?:[^\s/~!$&'()*+,;=?#@%\\]|%[0-9A-Fa-f]{2})+(?<!\.)")


def tidy_names(lines: Iterable[bytes], prefixes: dict[str, str]) -> Iterator[bytes]:
    """Turtle or TriG lines from pyoxigraph with every escaped prefixed name written
    without escapes: as the same prefixed name where its unescaped local part is a plain
    name (``honour:A%28B%29``), else as the full IRI
    (``<https://w3id.org/customs-kg/id/suboffice/天津海关/机场海关>``).  The same terms;
    string literals are left as they are.

    Args:
        lines: the file's lines, each with its line break.
        prefixes: the prefixes the file was written with.

    Returns:
        The lines, tidied.
    """
    spaces = {name.encode(): ns.encode("utf-8") for name, ns in prefixes.items()}

    def tidy(match: re.Match[bytes]) -> bytes:
        local = match.group(2)
        if local is None:  # a literal
            return match.group(0)
        prefix = match.group(1) or b""
        namespace = spaces.get(prefix)
        if namespace is None:
            return match.group(0)
        plain = _UNESCAPE.sub(rb"\1", local)
        if _PLAIN_LOCAL.fullmatch(plain):
            return prefix + b":" + plain
        return b"<" + namespace + plain + b">"

    for line in lines:
        yield _ESCAPED_NAME.sub(tidy, line) if b"\\" in line else line


#: A prefixed name with a backslash in it, perhaps inside a literal: a block without one
#: needs no look at its lines.
_MAYBE_ESCAPED = re.compile(rb"(?:^|[ \t])[A-Za-z][A-Za-z0-9_-]*:[^\s\\\"<>]*\\", re.M)
_BLOCK = 1 << 20


def tidy_file(source: BinaryIO, target: BinaryIO, prefixes: dict[str, str]) -> None:
    """:func:`tidy_names` from one open file into another, a megabyte of whole lines at a
    time; a block with no escaped name anywhere is copied as it is."""
    while lines := source.readlines(_BLOCK):
        block = b"".join(lines)
        if _MAYBE_ESCAPED.search(block) is None:
            target.write(block)
        else:
            target.writelines(tidy_names(lines, prefixes))


def canonical_quads(dataset: Graph) -> list[ox.Quad]:
    """Every quad of ``dataset`` as pyoxigraph terms, in a canonical order.

    Blank nodes, which the contract does not use, get RDFC-1.0 canonical labels so that
    their names do not depend on the run.

    Args:
        dataset: an rdflib ``Dataset`` / ``ConjunctiveGraph``, or a plain ``Graph``.

    Returns:
        The quads sorted by graph, subject, predicate (``rdf:type`` first) and object.
    """
    quads = list(_to_oxigraph(dataset))
    if any(isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode)
           or isinstance(q.graph_name, ox.BlankNode) for q in quads):
        canonical = ox.Dataset(quads)
        canonical.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
        quads = list(canonical)
    return sorted(quads, key=_quad_key)


def _to_oxigraph(dataset: Graph) -> Iterator[ox.Quad]:
    """The quads of an rdflib graph or dataset as pyoxigraph quads (IRIs converted once)."""
    cache: dict[Node, _OxTerm] = {}

    def term(node: Node) -> _OxTerm:
        found = cache.get(node)
        if found is None:
            found = _to_ox_term(node)
            if not isinstance(node, Literal):
                cache[node] = found
        return found

    default = _default_graph_id(dataset)
    quads: Iterable[tuple[Node, Node, Node, object]] = (
        dataset.quads((None, None, None, None)) if isinstance(dataset, ConjunctiveGraph)
        else ((s, p, o, None) for s, p, o in dataset.triples((None, None, None))))
    for s, p, o, g in quads:
        name = g.identifier if isinstance(g, Graph) else g
        graph = ox.DefaultGraph() if not isinstance(name, Node) or name == default else term(name)
        yield ox.Quad(term(s), term(p), term(o), graph)  # type: ignore[arg-type]


def _default_graph_id(dataset: Graph) -> Node | None:
    default = getattr(dataset, "default_graph", None)  # Dataset; ConjunctiveGraph differs
    if isinstance(default, Graph):
        return default.identifier
    return None


def _to_ox_term(node: Node) -> _OxTerm:
    """The pyoxigraph term for an rdflib term."""
    if isinstance(node, URIRef):
        return ox.NamedNode(str(node))
    if isinstance(node, BNode):
        return ox.BlankNode(str(node))
    if isinstance(node, Literal):
        if node.language:
            return ox.Literal(str(node), language=node.language)
        if node.datatype is not None:
            return ox.Literal(str(node), datatype=ox.NamedNode(str(node.datatype)))
        return ox.Literal(str(node))
    raise ValueError(f"unsupported RDF term {node!r}")


def _quad_key(quad: ox.Quad) -> tuple[str, str, str, str]:
    predicate = quad.predicate.value
    return (str(quad.graph_name), str(quad.subject),
            "" if predicate == _RDF_TYPE else str(quad.predicate), str(quad.object))


def _union(quads: Sequence[ox.Quad]) -> list[ox.Triple]:
    """The distinct triples of ``quads``, sorted like the quads without their graph."""
    keyed = {_quad_key(q)[1:]: q.triple for q in quads}
    return [keyed[key] for key in sorted(keyed)]


def write_outputs(
    dataset: Graph,
    out_dir: Path,
    formats: Iterable[str] = ("turtle", "trig"),
    *,
    base_iri: str | None = None,
) -> list[Path]:
    """Write ``graph.<suffix>`` in ``out_dir`` for each format, atomically.

    Args:
        dataset: the built dataset, one named graph per document.
        out_dir: the output directory; created if needed.
        formats: names from :data:`EXPORTERS`; duplicates are written once.
        base_iri: the resource base IRI for the ``id:`` prefix (default: see
            :func:`prefixes_for`).

    Returns:
        The paths written, in the order of ``formats``.

    Raises:
        InputError: an unknown format, or the directory cannot be written.
    """
    exporters = [_exporter(name) for name in dict.fromkeys(formats)]
    ensure_dir(Path(out_dir))
    quads = canonical_quads(dataset)
    prefixes = prefixes_for(dataset, base_iri)
    written = []
    for exporter in exporters:
        path = Path(out_dir) / f"{_BASE_NAME}{exporter.suffix}"
        atomic_write_bytes(path, exporter.render(quads, prefixes))
        written.append(path)
    return written


def _exporter(name: str) -> Exporter:
    try:
        return EXPORTERS[name]
    except KeyError:
        raise InputError(f"unknown output format {name!r}", path="--format",
                         hint="use one of " + ", ".join(EXPORTERS)) from None


def find_output(path: Path) -> Path:
    """The graph file to read for ``path``: the file itself, or the preferred file of a build.

    Args:
        path: a graph file, or an output directory of ``kg build``.

    Returns:
        The file (for a directory, the first of ``graph.trig``, ``.nq``, ``.ttl``, ``.nt``,
        ``.jsonld`` that exists).

    Raises:
        InputError: nothing there, or a directory without a built graph.
    """
    if Path(path).is_dir():
        recover(Path(path))  # a set of files a kill cut short is completed first
    return find_graph_file(path)


def read_output(path: Path) -> Dataset:
    """Read a built graph file, or a build directory, into an rdflib ``Dataset``.

    Triples of Turtle / N-Triples files land in the default graph; named graphs stay named.
    The file's ``id:`` prefix (the resource base IRI) and the contract's prefixes are bound.

    Args:
        path: a graph file or an output directory (see :func:`find_output`).

    Returns:
        The dataset.

    Raises:
        InputError: nothing to read, or the file cannot be parsed.
    """
    source = find_output(Path(path))
    dataset = Dataset()
    with reading_graph(source):
        parser = ox.parse(path=source, format=graph_format(source))
        dataset.addN(_rdflib_quads(dataset, parser))
    for prefix, namespace in {**PREFIXES, **parser.prefixes}.items():
        dataset.bind(prefix, namespace, override=True, replace=True)
    return dataset


def _rdflib_quads(dataset: Dataset, quads: Iterable[ox.Quad]) -> Iterator[_RdflibQuad]:
    """The quads as rdflib terms, each with its graph in ``dataset``."""
    graphs: dict[str, Graph] = {}
    for quad in quads:
        name = quad.graph_name
        if isinstance(name, ox.DefaultGraph):
            graph = dataset.default_graph
        else:
            if name.value not in graphs:
                graphs[name.value] = dataset.graph(rdflib_term(name))  # type: ignore[arg-type]
            graph = graphs[name.value]
        yield (rdflib_term(quad.subject), rdflib_term(quad.predicate),
               rdflib_term(quad.object), graph)


def convert(source: Path, out_dir: Path, formats: Iterable[str]) -> list[Path]:
    """Re-export an existing build in other formats (``kg export``).

    Args:
        source: a graph file or a build directory.
        out_dir: where to write ``graph.<suffix>`` files.
        formats: names from :data:`EXPORTERS`.

    Returns:
        The paths written.

    Raises:
        InputError: nothing to read, an unknown format, or an unwritable directory.
    """
    formats = list(formats)
    for name in formats:
        _exporter(name)
    return write_outputs(read_output(source), out_dir, formats)
