"""SHACL validation of a built graph against ``ontology/shapes.ttl``.

May import ``kg.resources``, ``kg.errors`` and ``kg.vocab``.  :func:`validate` reads a graph
file (Turtle, N-Triples, TriG, N-Quads, JSON-LD; for the quad formats the union of all named
graphs) or takes an rdflib ``Graph`` / ``Dataset``, runs pyshacl without inference, and
returns a :class:`ValidationReport`.  pyshacl is imported on first use so that importing
this module (and ``kg --help``) stays fast.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Union

import pyoxigraph as ox
from rdflib import ConjunctiveGraph, Graph
from rdflib.namespace import RDF, SH, XSD
from rdflib.term import BNode, Literal, Node, URIRef

from kg._fs import reading_graph
from kg.errors import DataError, InputError
from kg.graphfiles import GRAPH_FILES
from kg.resources import ontology_path
from kg.vocab import rdflib_term

__all__ = ["FORMATS", "ValidationReport", "Violation", "load_graph", "validate"]

#: File suffix -> the format it is parsed as.  Quad formats are read as one union graph.
FORMATS: dict[str, ox.RdfFormat] = GRAPH_FILES
_XSD_STRING = str(XSD.string)

GraphSource = Union[str, "os.PathLike[str]", Graph]


@dataclass(frozen=True, slots=True)
class Violation:
    """One SHACL validation result.

    Attributes:
        focus_node: the node that breaks a shape (an IRI, or ``_:…`` / a literal in N3).
        path: the property path of the result (an IRI or its N3 form), or ``None``.
        message: what is wrong, as the shape words it.
        severity: ``Violation``, ``Warning`` or ``Info``.
        value: the offending value in N3 form, or ``None``.
        shape: the shape that produced the result: its IRI, or for a property shape written
            as a blank node, ``"<node shape IRI> <path IRI>"``.
        constraint: the SHACL constraint component, e.g. ``MinCountConstraintComponent``.
    """

    focus_node: str
    path: str | None
    message: str
    severity: str
    value: str | None = None
    shape: str | None = None
    constraint: str | None = None


@dataclass(frozen=True, slots=True)
class ValidationReport:
    """The outcome of :func:`validate`.

    Attributes:
        conforms: whether the graph satisfies every shape.
        violations: the results, sorted by focus node, path and message.
        text: pyshacl's own report text.
    """

    conforms: bool
    violations: tuple[Violation, ...]
    text: str


def validate(source: GraphSource, shapes: GraphSource | None = None) -> ValidationReport:
    """Check a graph against the contract's SHACL shapes.

    Args:
        source: a graph file (``.ttl``, ``.nt``, ``.trig``, ``.nq``, ``.jsonld``) or an rdflib
            ``Graph`` / ``Dataset``; the named graphs of a dataset are validated as one union.
        shapes: other shapes to use (a file or a graph); default ``ontology/shapes.ttl``.

    Returns:
        The report; ``report.conforms`` is ``False`` when any shape is broken.

    Raises:
        InputError: ``source`` or ``shapes`` cannot be read or parsed.
        DataError: the packaged shapes file is missing.
    """
    from pyshacl import validate as shacl_validate  # slow import, kept off the CLI's path

    data = load_graph(source)
    shapes_graph = load_graph(shapes if shapes is not None else _default_shapes())
    conforms, results, text = shacl_validate(
        data, shacl_graph=shapes_graph, inference="none", abort_on_first=False,
        allow_infos=False, allow_warnings=False,
    )
    if not isinstance(results, Graph):  # pragma: no cover - pyshacl returns a Graph
        raise DataError("pyshacl returned no results graph", path="kg.validate")
    return ValidationReport(bool(conforms), _violations(results, shapes_graph), str(text))


def _default_shapes() -> Path:
    path = ontology_path("shapes.ttl")
    if not path.is_file():
        raise DataError("SHACL shapes file not found", path=str(path),
                        hint="reinstall kg from a source checkout")
    return path


def load_graph(source: GraphSource) -> Graph:
    """Read a graph file, or flatten an rdflib graph, into one plain ``Graph``.

    Args:
        source: a path (format chosen by suffix, see :data:`FORMATS`) or an rdflib
            ``Graph`` / ``Dataset`` / ``ConjunctiveGraph``.

    Returns:
        A ``Graph`` holding every triple of the source (all named graphs merged).

    Raises:
        InputError: the file is missing, unreadable, of an unknown type or malformed.
    """
    if isinstance(source, Graph):
        return _flatten(source) if isinstance(source, ConjunctiveGraph) else source
    path = Path(os.fspath(source))
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(f"unknown graph file type {path.suffix or '(none)'!r}", path=str(path),
                         hint="use " + ", ".join(sorted(FORMATS)))
    if not path.exists():
        raise InputError("graph file not found", path=str(path), hint="run 'kg build' first")
    if not path.is_file():
        raise InputError("not a regular file", path=str(path), hint="give the graph file itself")
    return _parse(path, fmt)


def _parse(path: Path, fmt: ox.RdfFormat) -> Graph:
    """Parse a graph file with pyoxigraph (strict, line numbers) into an rdflib ``Graph``."""
    graph = Graph()
    with reading_graph(path, parsing=f"as {fmt.name}",
                       hint="is the file a complete, valid graph?"):
        for quad in ox.parse(path=path, format=fmt):
            graph.add((rdflib_term(quad.subject), rdflib_term(quad.predicate),
                       rdflib_term(quad.object)))
    return graph


def _flatten(dataset: ConjunctiveGraph) -> Graph:
    """The union of every graph in a dataset, as one plain ``Graph``."""
    flat = Graph()
    for prefix, namespace in dataset.namespaces():
        flat.bind(prefix, namespace, override=True)
    for s, p, o, _ in dataset.quads((None, None, None, None)):
        flat.add((s, p, o))
    return flat


def _violations(results: Graph, shapes: Graph) -> tuple[Violation, ...]:
    """The top-level results of a pyshacl report graph (not the nested ``sh:detail`` ones)."""
    found = [_violation(results, node, shapes)
             for report in results.subjects(RDF.type, SH.ValidationReport)
             for node in results.objects(report, SH.result)]
    return tuple(sorted(found, key=_sort_key))


def _violation(results: Graph, node: Node, shapes: Graph) -> Violation:
    def show(predicate: URIRef) -> str | None:
        term = results.value(node, predicate)
        return None if term is None else _show(term)

    messages = sorted(str(m) for m in results.objects(node, SH.resultMessage))
    severity = show(SH.resultSeverity)
    component = show(SH.sourceConstraintComponent)
    return Violation(
        focus_node=show(SH.focusNode) or "",
        path=show(SH.resultPath),
        message="; ".join(messages),
        severity=_local_name(severity) if severity else "Violation",
        value=show(SH.value),
        shape=_shape_name(results.value(node, SH.sourceShape), shapes),
        constraint=_local_name(component) if component else None,
    )


def _shape_name(shape: Node | None, shapes: Graph) -> str | None:
    """A stable name for a shape: its IRI, or ``"<node shape IRI> <path IRI>"`` for a blank
    property shape (blank node ids change from run to run)."""
    if shape is None or isinstance(shape, URIRef):
        return None if shape is None else str(shape)
    owner = shapes.value(predicate=SH.property, object=shape)
    path = shapes.value(shape, SH.path)
    if isinstance(owner, URIRef) and isinstance(path, URIRef):
        return f"{owner} {path}"
    return _show(shape)


def _sort_key(v: Violation) -> tuple[str, ...]:
    return (v.focus_node, v.path or "", v.message, v.constraint or "", v.value or "")


def _show(term: Node) -> str:
    """An IRI as its plain string; a blank node or literal in N3 form."""
    if isinstance(term, URIRef):
        return str(term)
    if isinstance(term, (BNode, Literal)):
        return term.n3()
    return str(term)


def _local_name(iri: str) -> str:
    return iri.rsplit("#", 1)[-1]
