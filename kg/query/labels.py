"""The names in a build: every entity's label, class, other names and how many documents
name it (``kg names``), so that a user can find the name to give ``--focus`` or a query.

Part of :mod:`kg.query`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import pyoxigraph as ox

from kg.errors import InputError
from kg.vocab import CKG, SLUGS

__all__ = ["EntityName", "entity_names"]

_NAMES = """
PREFIX ckg: <https://w3id.org/customs-kg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?entity ?class ?label (COUNT(DISTINCT ?doc) AS ?documents) WHERE {
  ?entity a ?class ; rdfs:label ?label .
  VALUES ?class { %s }
  OPTIONAL { ?doc ckg:mentions ?entity }
} GROUP BY ?entity ?class ?label
"""
_ALIASES = """
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?entity ?alias WHERE { ?entity skos:altLabel ?alias . VALUES ?entity { %s } }
"""
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True, order=True)
class EntityName:
    """One entity of a build as ``kg names`` lists it.

    Attributes:
        cls: its class (``Bureau``, ``Honour`` …).
        label: its canonical name.
        documents: how many documents name it.
        aliases: the other names the documents use, sorted.
        iri: its IRI.
    """

    cls: str
    label: str
    documents: int
    aliases: tuple[str, ...]
    iri: str


def entity_names(store: ox.Store, *, cls: str | None = None, pattern: str | None = None
                 ) -> list[EntityName]:
    """The entities of a store (a build opened by :func:`kg.query.open_store`), by class
    and label.

    Args:
        store: the build's store; its default graph is the union of the documents' graphs.
        cls: only this class (any case: ``bureau``, ``SubOffice``).
        pattern: only entities whose label or an alias contains this text (white space
            and case ignored, NFKC-normalised).

    Returns:
        The entities, sorted by class, then label.

    Raises:
        InputError: ``cls`` is not a class of the contract.
    """
    classes = list(SLUGS)
    if cls is not None:
        wanted = {name.lower(): name for name in SLUGS}.get(cls.lower())
        if wanted is None:
            raise InputError(f"unknown class {cls!r}", path="--type",
                             hint="use one of " + ", ".join(SLUGS))
        classes = [wanted]
    values = " ".join(f"<{CKG[name]}>" for name in classes)
    rows = []
    for solution in store.query(_NAMES % values):
        rows.append((str(solution["entity"].value), solution["class"].value.rsplit("#", 1)[-1],
                     solution["label"].value, int(solution["documents"].value)))
    aliases: dict[str, list[str]] = {}
    for start in range(0, len(rows), 500):  # VALUES in batches: a store parses each query
        chunk = " ".join(f"<{iri}>" for iri, *_ in rows[start:start + 500])
        for solution in store.query(_ALIASES % chunk):
            aliases.setdefault(solution["entity"].value, []).append(solution["alias"].value)
    names = [EntityName(c, label, n, tuple(sorted(set(aliases.get(iri, ())))), iri)
             for iri, c, label, n in rows]
    if pattern is not None:
        needle = _folded(pattern)
        names = [n for n in names if any(needle in _folded(t) for t in (n.label, *n.aliases))]
    return sorted(names)


def _folded(text: str) -> str:
    return _SPACE.sub("", unicodedata.normalize("NFKC", text)).casefold()
