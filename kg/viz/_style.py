"""What ``kg/data/viz/styles.json`` and the ontology's Chinese labels say about drawing.

Part of :mod:`kg.viz`; imports ``kg.resources``, ``kg.vocab`` and ``kg.errors`` only.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

from rdflib import Graph, Literal

from kg import resources
from kg.errors import DataError
from kg.vocab import PREFIXES, RDFS

__all__ = ["ClassStyle", "Style", "load_style", "local_name", "ontology_labels"]


@dataclass(frozen=True, slots=True)
class ClassStyle:
    """How one class of the contract is drawn."""

    cls: str
    label: str
    color: str
    shape: str
    size: float


@dataclass(frozen=True, slots=True)
class Style:
    """The contents of ``kg/data/viz/styles.json``, with CURIEs expanded to IRIs."""

    classes: tuple[ClassStyle, ...]
    hidden_edges: frozenset[str]
    shortcuts: Mapping[str, tuple[str, str]]
    inverse_labels: Mapping[str, str]
    field_order: tuple[str, ...]
    skip_fields: frozenset[str]
    precompute_above: int
    seed: int
    iterations: int
    physics_iterations: int
    label_max_chars: int


def _expand(curie: str, where: str) -> str:
    """``ckg:mentions`` -> its full IRI, using the prefix table of :mod:`kg.vocab`."""
    prefix, _, local = curie.partition(":")
    if prefix not in PREFIXES or not local:
        raise DataError(f"unknown prefix in {curie!r}", path=where,
                        hint="use one of " + ", ".join(sorted(PREFIXES)))
    return PREFIXES[prefix] + local


@functools.cache
def load_style() -> Style:
    """Read and check ``kg/data/viz/styles.json`` (once per process).

    Raises:
        DataError: the file is missing, not JSON, or lacks a key.
    """
    path = resources.data_path("viz", "styles.json")
    try:
        raw = json.loads(resources.read_data_text(path))
        classes = tuple(ClassStyle(c["class"], c["label"], c["color"], c["shape"], float(c["size"]))
                        for c in raw["classes"])
        lay = raw["layout"]
        return Style(
            classes=classes,
            hidden_edges=frozenset(_expand(c, str(path)) for c in raw["hidden_edges"]),
            shortcuts={_expand(k, str(path)): (_expand(v[0], str(path)), _expand(v[1], str(path)))
                       for k, v in raw["shortcuts"].items()},
            inverse_labels={_expand(k, str(path)): str(v) for k, v in raw["inverse_labels"].items()},
            field_order=tuple(_expand(c, str(path)) for c in raw["field_order"]),
            skip_fields=frozenset(_expand(c, str(path)) for c in raw["skip_fields"]),
            precompute_above=int(lay["precompute_above"]), seed=int(lay["seed"]),
            iterations=int(lay["iterations"]), physics_iterations=int(lay["physics_iterations"]),
            label_max_chars=int(raw["label_max_chars"]),
        )
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        raise DataError(f"malformed viz style ({type(exc).__name__}: {exc})", path=str(path),
                        hint="compare with the keys described in its 'about' entry") from None


@functools.cache
def ontology_labels() -> Mapping[str, str]:
    """IRI -> ``rdfs:label @zh`` of every term ``ontology/customs.ttl`` labels.

    Returns an empty mapping when the ontology is missing or unreadable, so that the picture
    falls back to local names rather than failing.
    """
    try:
        graph = Graph().parse(resources.ontology_path("customs.ttl"), format="turtle")
    except (DataError, OSError, SyntaxError, ValueError):
        return {}
    labels: dict[str, str] = {}
    for subject, label in sorted(graph.subject_objects(RDFS.label)):
        if isinstance(label, Literal) and label.language == "zh":
            labels.setdefault(str(subject), str(label))
    return labels




def local_name(iri: str) -> str:
    """The part of an IRI after its last ``#`` or ``/``."""
    return re.split(r"[#/]", iri.rstrip("/#"))[-1] or iri
