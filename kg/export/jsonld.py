"""Compacted JSON-LD with the published context ``ontology/context.jsonld`` embedded.

May import ``kg.resources`` and ``kg.errors``.  pyoxigraph writes JSON-LD in expanded
form only (full IRIs as keys); :func:`render_jsonld` writes the same quads compacted
against our own context instead, so that a node reads ``"label": "满洲里海关"`` and
``"subOrganizationOf": "id:bureau/…"``.  The compaction is the JSON-LD 1.1 one
restricted to what the contract produces, and it never guesses: a value is written under
a term only if it matches the term's coercion exactly (``@type: @id``, a datatype, or
``@language: zh``); any other value goes under the compact IRI of its property
(``rdfs:label``) as an explicit value object.  The output is deterministic: nodes, keys
and values come in the canonical quad order, and the JSON is indented with sorted keys
after ``@context``, ``@id`` and ``@type``.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from kg.errors import DataError
from kg.resources import ontology_path, read_data_text

__all__ = ["CONTEXT_FILE", "Term", "context_for", "published_context", "render_jsonld"]

#: The file name of the published context, beside ``customs.ttl``.
CONTEXT_FILE = "context.jsonld"

_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_Node = ox.NamedNode | ox.BlankNode


@dataclass(frozen=True, slots=True)
class Term:
    """A term of the context that names a property.

    Attributes:
        name: the short key (``label``).
        iri: the property IRI it stands for.
        coercion: ``@id``, a datatype IRI, ``@zh``-style language (``@`` + tag), or ``""``
            for plain strings.
    """

    name: str
    iri: str
    coercion: str


@functools.cache
def published_context() -> Mapping[str, Any]:
    """The ``@context`` object of ``ontology/context.jsonld``, read once.

    Raises:
        DataError: the file is missing or is not a JSON object with an ``@context`` object.
    """
    path = ontology_path(CONTEXT_FILE)
    try:
        context = json.loads(read_data_text(path))["@context"]
    except (ValueError, KeyError, TypeError) as exc:
        raise DataError(f"not a JSON-LD context file ({exc})", path=str(path)) from None
    if not isinstance(context, dict):
        raise DataError("@context is not an object", path=str(path))
    return context


def context_for(prefixes: Mapping[str, str]) -> dict[str, Any]:
    """The published context, with the build's ``id:`` base IRI (and any extra prefix).

    Args:
        prefixes: prefix name -> namespace IRI of the build (``id`` is its base IRI).

    Returns:
        A new context object; the published one when the build uses the default base.
    """
    context = dict(published_context())
    for name, namespace in sorted(prefixes.items()):
        if name == "id" or name not in context:
            context[name] = namespace
    return context


def _expand(value: str, context: Mapping[str, Any]) -> str:
    """A compact IRI or term of the context as a full IRI (one level, as ours are)."""
    prefix, sep, suffix = value.partition(":")
    if sep and isinstance(context.get(prefix), str):
        return str(context[prefix]) + suffix
    found = context.get(value)
    return _expand(found, context) if isinstance(found, str) and found != value else value


def _terms(context: Mapping[str, Any]) -> tuple[dict[str, Term], dict[str, str]]:
    """Property IRI -> term, and class IRI -> term, from the context's definitions."""
    properties: dict[str, Term] = {}
    classes: dict[str, str] = {}
    for name, definition in context.items():
        if isinstance(definition, dict):
            iri = _expand(str(definition["@id"]), context)
            if "@language" in definition:
                coercion = "@" + str(definition["@language"])
            elif "@type" in definition:
                kind = str(definition["@type"])
                coercion = kind if kind == "@id" else _expand(kind, context)
            else:
                coercion = ""
            properties.setdefault(iri, Term(name, iri, coercion))
        elif isinstance(definition, str) and not definition.endswith(("/", "#")):
            classes.setdefault(_expand(definition, context), name)
    return properties, classes


class _Compactor:
    """Writes terms of one context compactly."""

    def __init__(self, context: Mapping[str, Any]) -> None:
        self.properties, self.classes = _terms(context)
        self.namespaces = sorted(((ns, name) for name, ns in context.items()
                                  if isinstance(ns, str) and ns.endswith(("/", "#"))),
                                 key=lambda pair: (-len(pair[0]), pair[1]))

    def iri(self, iri: str) -> str:
        """The compact IRI (``prefix:suffix``) of ``iri``, or the IRI itself."""
        for namespace, name in self.namespaces:
            suffix = iri[len(namespace):]
            if iri.startswith(namespace) and suffix and not suffix.startswith("//"):
                return f"{name}:{suffix}"
        return iri

    def node(self, node: _Node) -> str:
        return "_:" + node.value if isinstance(node, ox.BlankNode) else self.iri(node.value)

    def type_name(self, node: _Node) -> str:
        if isinstance(node, ox.NamedNode) and node.value in self.classes:
            return self.classes[node.value]
        return self.node(node)

    def entry(self, predicate: str, value: ox.NamedNode | ox.BlankNode | ox.Literal
              ) -> tuple[str, Any]:
        """The key and JSON value of one property value."""
        term = self.properties.get(predicate)
        coercion = _coercion(value)
        if term is not None and term.coercion == coercion:
            if isinstance(value, ox.Literal):
                return term.name, value.value
            return term.name, self.node(value)
        key = self.iri(predicate)
        if isinstance(value, (ox.NamedNode, ox.BlankNode)):
            return key, {"@id": self.node(value)}
        if value.language:
            return key, {"@value": value.value, "@language": value.language}
        if value.datatype.value == _XSD_STRING:
            return key, value.value
        return key, {"@value": value.value, "@type": self.iri(value.datatype.value)}


def _coercion(value: ox.NamedNode | ox.BlankNode | ox.Literal) -> str:
    """The coercion a term must have to hold ``value`` as a bare string."""
    if isinstance(value, (ox.NamedNode, ox.BlankNode)):
        return "@id"
    if value.language:
        return "@" + value.language
    datatype = value.datatype.value
    return "" if datatype in (_XSD_STRING, _LANG_STRING) else datatype


def _node_objects(quads: Sequence[ox.Quad], compactor: _Compactor) -> list[dict[str, Any]]:
    """One node object per subject of ``quads`` (all of one graph), in quad order."""
    nodes: dict[str, dict[str, Any]] = {}
    for quad in quads:
        subject = compactor.node(quad.subject)  # type: ignore[arg-type]
        node = nodes.setdefault(subject, {"@id": subject})
        if quad.predicate.value == _RDF_TYPE and not isinstance(quad.object, ox.Literal):
            key, value = "@type", compactor.type_name(quad.object)  # type: ignore[arg-type]
        else:
            key, value = compactor.entry(quad.predicate.value,
                                         quad.object)  # type: ignore[arg-type]
        if key in node:
            existing = node[key]
            node[key] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            node[key] = value
    return [_ordered(node) for node in nodes.values()]


def _ordered(node: dict[str, Any]) -> dict[str, Any]:
    """``@id`` and ``@type`` first, then the other keys sorted."""
    head: dict[str, Any] = {key: node[key] for key in ("@id", "@type") if key in node}
    return {**head, **{key: node[key] for key in sorted(node) if key not in head}}


def render_jsonld(quads: Sequence[ox.Quad], prefixes: Mapping[str, str]) -> bytes:
    """Compacted JSON-LD of ``quads``: one ``@graph`` object per named graph.

    Args:
        quads: the quads in canonical order (grouped by graph, then subject).
        prefixes: the build's prefixes; ``id`` overrides the context's base IRI.

    Returns:
        The document, UTF-8, ending with a newline.
    """
    context = context_for(prefixes)
    compactor = _Compactor(context)
    graphs: dict[str, list[ox.Quad]] = {}
    for quad in quads:
        graph = quad.graph_name
        name = "" if isinstance(graph, ox.DefaultGraph) else compactor.node(graph)
        graphs.setdefault(name, []).append(quad)
    top = {node["@id"]: node for node in _node_objects(graphs.pop("", []), compactor)}
    for name, members in graphs.items():
        top.setdefault(name, {"@id": name})["@graph"] = _node_objects(members, compactor)
    document = {"@context": context, "@graph": [top[key] for key in sorted(top)]}
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
