"""GraphML through networkx, for Gephi and Cytoscape users.

May import ``kg.resources`` and ``kg.errors``.  Nodes are the graph's resources (IRIs, or
``_:`` blank node labels), each with a ``label`` (its ``rdfs:label``, preferring Chinese;
a document's title; for an award, ``recipient · honour year``; else the IRI's last
segment), a ``class`` (compact class IRIs such as
``ckg:Bureau``) and a ``class_label`` (the class's Chinese label from
``ontology/customs.ttl``).  Edges are the object properties between them (``rdf:type`` is
the ``class`` attribute instead), each with the predicate's Chinese ``label`` and its
compact IRI as ``predicate``; a pair linked by two predicates gets two edges, keyed by
predicate.  Triples come in canonical order and nodes are added sorted, so the file is
byte-identical from run to run.  networkx is imported on first use, keeping ``kg --help``
fast.
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import pyoxigraph as ox

from kg.errors import DataError
from kg.resources import ontology_path, read_data_text

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["build_network", "ontology_labels", "render_graphml"]

_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
_TITLE = "http://purl.org/dc/terms/title"
_CKG = "https://w3id.org/customs-kg/ontology#"
#: The links whose ends name an unlabelled node (an award): recipient · honour year.
_NAMING_LINKS = (_CKG + "recipient", _CKG + "honour", _CKG + "year")
_Node = ox.NamedNode | ox.BlankNode


@functools.cache
def ontology_labels() -> Mapping[str, str]:
    """IRI -> Chinese ``rdfs:label`` of every term ``ontology/customs.ttl`` labels.

    Raises:
        DataError: the ontology is missing or does not parse.
    """
    path = ontology_path("customs.ttl")
    try:
        triples = ox.parse(read_data_text(path), format=ox.RdfFormat.TURTLE)
        labels = {(str(t.subject.value), t.object.value) for t in triples
                  if t.predicate.value == _RDFS_LABEL and isinstance(t.object, ox.Literal)
                  and t.object.language == "zh"}
    except (SyntaxError, ValueError) as exc:
        raise DataError(f"cannot parse the ontology ({exc})", path=str(path)) from None
    found: dict[str, str] = {}
    for iri, label in sorted(labels):
        found.setdefault(iri, label)
    return found


def _compact(iri: str, prefixes: Mapping[str, str]) -> str:
    best = max((name for name, ns in prefixes.items() if iri.startswith(ns) and iri != ns),
               key=lambda name: (len(prefixes[name]), name), default=None)
    return iri if best is None else f"{best}:{iri[len(prefixes[best]):]}"


def _node_id(node: _Node) -> str:
    return "_:" + node.value if isinstance(node, ox.BlankNode) else node.value


def _local_name(iri: str) -> str:
    return re.split(r"[#/]", iri.rstrip("/#"))[-1] or iri


def _label(texts: dict[str, dict[str, str]], node: str) -> str:
    """The Chinese label, else any label, else the title, else the local name."""
    found = texts.get(node, {})
    return found.get("zh") or found.get("label") or found.get("title") or _local_name(node)


def _award_labels(texts: dict[str, dict[str, str]], edges: list[tuple[str, str, str]]
                  ) -> dict[str, str]:
    """``recipient · honour year`` for each node without a label that links to those."""
    parts: dict[str, dict[str, str]] = {}
    for subject, predicate, obj in edges:
        if predicate in _NAMING_LINKS and subject not in texts:
            parts.setdefault(subject, {}).setdefault(predicate, _label(texts, obj))
    names = {}
    for node, found in parts.items():
        recipient, honour, year = (found.get(link, "") for link in _NAMING_LINKS)
        names[node] = " ".join(filter(None, [" · ".join(filter(None, [recipient, honour])),
                                             year]))
    return names


def _collect(triples: Sequence[ox.Triple]) -> tuple[
        dict[str, list[str]], dict[str, dict[str, str]], list[tuple[str, str, str]]]:
    """Classes and label texts (``zh``, ``label``, ``title``) per node, and the edges."""
    classes: dict[str, list[str]] = {}
    texts: dict[str, dict[str, str]] = {}
    edges: list[tuple[str, str, str]] = []
    for triple in triples:
        subject = _node_id(triple.subject)  # type: ignore[arg-type]
        predicate, obj = triple.predicate.value, triple.object
        classes.setdefault(subject, [])
        if predicate == _RDF_TYPE and isinstance(obj, ox.NamedNode):
            classes[subject].append(obj.value)
        elif isinstance(obj, (ox.NamedNode, ox.BlankNode)):
            classes.setdefault(_node_id(obj), [])
            edges.append((subject, predicate, _node_id(obj)))
        elif isinstance(obj, ox.Literal) and predicate in (_RDFS_LABEL, _TITLE):
            kind = "title" if predicate == _TITLE else "zh" if obj.language == "zh" else "label"
            texts.setdefault(subject, {}).setdefault(kind, obj.value)
    return classes, texts, edges


def build_network(triples: Sequence[ox.Triple], prefixes: Mapping[str, str]
                  ) -> nx.MultiDiGraph:
    """The networkx multigraph of ``triples`` (see the module docstring for its attributes).

    Args:
        triples: the triples in canonical order.
        prefixes: prefix name -> namespace, for the ``class`` and ``predicate`` attributes.

    Returns:
        The graph, nodes added in sorted order.
    """
    import networkx as nx

    labels = ontology_labels()
    classes, texts, edges = _collect(triples)
    awards = _award_labels(texts, edges)
    network = nx.MultiDiGraph()
    for node in sorted(classes):
        kinds = sorted(classes[node])
        network.add_node(node, label=awards.get(node) or _label(texts, node),
                         **{"class": " ".join(_compact(c, prefixes) for c in kinds)},
                         class_label=" ".join(labels.get(c, _local_name(c)) for c in kinds))
    for subject, predicate, obj in sorted(edges):
        name = _compact(predicate, prefixes)
        network.add_edge(subject, obj, key=name,
                         label=labels.get(predicate, _local_name(predicate)), predicate=name)
    return network


def render_graphml(triples: Sequence[ox.Triple], prefixes: Mapping[str, str]) -> bytes:
    """GraphML of ``triples`` (their union over the named graphs), UTF-8.

    Args:
        triples: the distinct triples in canonical order.
        prefixes: prefix name -> namespace IRI.

    Returns:
        The GraphML document.
    """
    import networkx as nx

    buffer = io.BytesIO()
    nx.write_graphml_xml(build_network(triples, prefixes), buffer, encoding="utf-8",
                         prettyprint=True)
    return buffer.getvalue()
