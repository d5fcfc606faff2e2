"""Graph: resolved documents and the entity index -> an rdflib Dataset per the contract.

May import ``kg.doc``, ``kg.vocab`` and ``kg.errors``.  One named graph per document, named
by the document's IRI, holding the document node, every entity it mentions (with the
corpus-wide label, so the union has exactly one label per node), its awards and
programmes with their evidence.  See ``../shared/spec/graph-contract.md``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from decimal import Decimal

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, ORG, PROV, RDF, RDFS, SKOS, XSD

from kg.doc import Document, EntityIndex, EntityKey, ResolvedAward
from kg.vocab import CKG, IriMinter

__all__ = ["build_dataset"]

_ZH = "zh"


def _year(g: Graph, minter: IriMinter, value: int) -> URIRef:
    node = minter.year(value)
    g.add((node, RDF.type, CKG.Year))
    g.add((node, CKG.yearValue, Literal(f"{value:04d}", datatype=XSD.gYear)))
    g.add((node, RDFS.label, Literal(str(value))))
    return node


def _date_literal(value: str) -> Literal:
    kinds = {10: XSD.date, 7: XSD.gYearMonth, 4: XSD.gYear}
    return Literal(value, datatype=kinds.get(len(value), XSD.string))


def _document(g: Graph, node: URIRef, doc: Document) -> None:
    g.add((node, RDF.type, CKG.Document))
    g.add((node, DCTERMS.title, Literal(doc.meta.title or doc.id, lang=_ZH)))
    if doc.meta.date:
        g.add((node, DCTERMS.date, _date_literal(doc.meta.date)))
    if doc.meta.publisher:
        g.add((node, DCTERMS.publisher, Literal(doc.meta.publisher, lang=_ZH)))
    if doc.meta.creator:
        g.add((node, DCTERMS.creator, Literal(doc.meta.creator, lang=_ZH)))
    g.add((node, DCTERMS.identifier, Literal(doc.id)))


class _Writer:
    """Adds one document's triples to its named graph."""

    def __init__(self, g: Graph, doc: Document, index: EntityIndex, minter: IriMinter,
                 confidence: dict[URIRef, Decimal]) -> None:
        self.g, self.doc, self.index, self.minter = g, doc, index, minter
        self.confidence = confidence
        self.node = minter.document(doc.id)
        self.written: set[EntityKey] = set()

    def iri(self, key: EntityKey) -> URIRef:
        key = self.index.key(key)
        return self.minter.entity(key.cls, key.canonical)

    def entity(self, key: EntityKey, aliases: Iterable[str] = ()) -> URIRef:
        key = self.index.key(key)
        node = self.minter.entity(key.cls, key.canonical)
        entity = self.index.entities[key]
        if key not in self.written:
            self.written.add(key)
            self.g.add((node, RDF.type, CKG[key.cls]))
            self.g.add((node, RDFS.label, Literal(entity.label, lang=_ZH)))
            self.g.add((self.node, CKG.mentions, node))
        for alias in aliases:
            if alias != entity.label:
                self.g.add((node, SKOS.altLabel, Literal(alias, lang=_ZH)))
        return node

    def award(self, award: ResolvedAward) -> None:
        recipient, honour = self.iri(award.recipient), self.iri(award.honour)
        node = self.minter.award(str(recipient), str(honour), award.year)
        g = self.g
        g.add((node, RDF.type, CKG.HonourAward))
        g.add((node, CKG.recipient, recipient))
        g.add((node, CKG.honour, honour))
        g.add((recipient, CKG.receivedHonour, honour))
        if award.year is not None:
            g.add((node, CKG.year, _year(g, self.minter, award.year)))
        for awarder in award.awarders:
            g.add((node, CKG.awardedBy, self.entity(awarder)))
        if award.edition:
            g.add((node, CKG.edition, Literal(award.edition, lang=_ZH)))
        g.add((node, PROV.wasDerivedFrom, self.node))
        g.add((node, CKG.evidence, Literal(award.evidence, lang=_ZH)))
        g.add((node, CKG.confidence, Literal(self.confidence[node], datatype=XSD.decimal)))

    def write(self) -> None:
        _document(self.g, self.node, self.doc)
        local = {e.key: e for e in self.doc.entities}
        for key, entity in sorted(local.items()):
            node = self.entity(key, entity.aliases)
            parent = self.index.entities[self.index.key(key)].parent
            if parent is not None and entity.parent is not None:
                self.g.add((node, ORG.subOrganizationOf, self.entity(parent)))
        for award in self.doc.resolved_awards:
            self.award(award)
        self.programmes()

    def programmes(self) -> None:
        g = self.g
        for occurrence in self.doc.resolved_programmes:
            node = self.entity(occurrence.programme)
            g.add((node, PROV.wasDerivedFrom, self.node))
            g.add((node, CKG.evidence, Literal(occurrence.evidence, lang=_ZH)))
            g.add((node, CKG.confidence, Literal(self.confidence[node],
                                                 datatype=XSD.decimal)))
            if occurrence.year is not None:
                g.add((node, CKG.year, _year(g, self.minter, occurrence.year)))
            for org in occurrence.orgs:
                g.add((self.entity(org), CKG.runsProgramme, node))


def _confidences(docs: list[Document], index: EntityIndex, minter: IriMinter
                 ) -> dict[URIRef, Decimal]:
    """One confidence per award and programme node: the best rule that found it."""
    best: dict[URIRef, float] = defaultdict(float)

    def iri(key: EntityKey) -> URIRef:
        key = index.key(key)
        return minter.entity(key.cls, key.canonical)

    for doc in docs:
        for a in doc.resolved_awards:
            node = minter.award(str(iri(a.recipient)), str(iri(a.honour)), a.year)
            best[node] = max(best[node], a.confidence)
        for p in doc.resolved_programmes:
            best[iri(p.programme)] = max(best[iri(p.programme)], p.confidence)
    return {k: Decimal(f"{min(max(v, 0.0), 1.0):.2f}") for k, v in best.items()}


def _earliest_years(docs: list[Document], index: EntityIndex) -> list[Document]:
    """A programme keeps the earliest year any occurrence states; later ones drop theirs,
    so a programme has one year in the union graph."""
    first: dict[EntityKey, int] = {}
    for doc in docs:
        for p in doc.resolved_programmes:
            key = index.key(p.programme)
            if p.year is not None and (key not in first or p.year < first[key]):
                first[key] = p.year
    return [
        replace(doc, resolved_programmes=tuple(
            p if p.year is None or p.year == first.get(index.key(p.programme))
            else replace(p, year=None) for p in doc.resolved_programmes))
        for doc in docs
    ]


def build_dataset(docs: Iterable[Document], index: EntityIndex, minter: IriMinter
                  ) -> Dataset:
    """The contract's graph for resolved documents.

    Args:
        docs: resolved documents (any order; they are sorted by id).
        index: the corpus's entities from :func:`kg.resolve.merge_entities`.
        minter: mints every IRI (its base is the build's ``--base-iri``).

    Returns:
        A Dataset with one named graph per document.
    """
    ordered = _earliest_years(sorted(docs, key=lambda d: d.id), index)
    confidence = _confidences(ordered, index, minter)
    dataset = Dataset()
    for doc in ordered:
        g = dataset.graph(minter.document(doc.id))
        _Writer(g, doc, index, minter, confidence).write()
    return dataset
