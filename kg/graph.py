"""Graph: resolved documents and the entity index -> the contract's quads, one named graph
per document.

May import ``kg.doc``, ``kg.vocab`` and ``kg.errors``.  Each document's named graph, named by
the document's IRI, holds the document node, every entity it mentions (with the corpus-wide
label, so the union has exactly one label per node), its awards and programmes with their
evidence.  See ``../shared/spec/graph-contract.md``.

The graph is made straight from the documents as N-Triples text (no rdflib graph in
between, which at a million triples costs minutes and gigabytes), in the canonical order of
:mod:`kg.export`: graph, subject, predicate (``rdf:type`` first), object, each compared as
its N-Triples text.  Building is in two steps so that a corpus never has to be held as
triples at once:

1. :func:`corpus_facts` reads every resolved document once for what one document's graph
   needs from the others (the best confidence of each award and programme, a programme's
   earliest year);
2. :func:`document_statements` then gives one document's named graph, sorted,
   independently of the others; :func:`graph_order` says in which order the documents'
   graphs come.

:func:`build_quads` chains both for a whole corpus (as pyoxigraph quads) and
:func:`build_dataset` loads the result into an rdflib ``Dataset`` for callers that want one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

import pyoxigraph as ox
from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import DCTERMS, ORG, PROV, RDF, RDFS, SKOS, XSD

from kg.doc import Document, EntityIndex, EntityKey, ResolvedAward, ResolvedProgramme
from kg.errors import GraphError
from kg.vocab import CKG, IriMinter, rdflib_term

__all__ = [
    "RDF_TYPE",
    "CorpusFacts",
    "Statements",
    "award_identity",
    "build_dataset",
    "build_quads",
    "check_document",
    "corpus_facts",
    "document_quads",
    "document_statements",
    "graph_order",
]

_ZH = "zh"


def _n(term: URIRef) -> str:
    """An IRI as N-Triples writes it (``<…>``), checked by pyoxigraph."""
    return str(ox.NamedNode(str(term)))


# The contract's terms, as N-Triples text.
_TYPE, _LABEL, _ALT = _n(RDF.type), _n(RDFS.label), _n(SKOS.altLabel)
_MENTIONS, _SUB_ORG = _n(CKG.mentions), _n(ORG.subOrganizationOf)
_AWARD, _RECIPIENT, _HONOUR = _n(CKG.HonourAward), _n(CKG.recipient), _n(CKG.honour)
_RECEIVED, _YEAR, _AWARDED_BY = _n(CKG.receivedHonour), _n(CKG.year), _n(CKG.awardedBy)
_EDITION, _EVIDENCE, _CONFIDENCE = _n(CKG.edition), _n(CKG.evidence), _n(CKG.confidence)
_DERIVED, _RUNS = _n(PROV.wasDerivedFrom), _n(CKG.runsProgramme)
_YEAR_CLASS, _YEAR_VALUE, _DOCUMENT = _n(CKG.Year), _n(CKG.yearValue), _n(CKG.Document)
_TITLE, _DATE, _PUBLISHER = _n(DCTERMS.title), _n(DCTERMS.date), _n(DCTERMS.publisher)
_CREATOR, _IDENTIFIER = _n(DCTERMS.creator), _n(DCTERMS.identifier)
_CODE = _n(CKG.customsCode)
_DATE_TYPES = {10: XSD.date, 7: XSD.gYearMonth, 4: XSD.gYear}

#: The N-Triples text of ``rdf:type``, which sorts before every other predicate.
RDF_TYPE = _TYPE


def _typed(value: object, datatype: URIRef) -> str:
    """A typed literal with the lexical form rdflib gives ``value`` (normalised the same
    way as when the graph was an rdflib Dataset), as N-Triples text."""
    return str(ox.Literal(str(Literal(value, datatype=datatype)),
                          datatype=ox.NamedNode(str(datatype))))


def _zh(text: str) -> str:
    return str(ox.Literal(text, language=_ZH))


@dataclass(frozen=True)
class CorpusFacts:
    """What one document's graph needs from the whole corpus.

    Attributes:
        index: the corpus's entities from :func:`kg.resolve.merge_entities`.
        confidence: an award's identity (:func:`award_identity`) or a programme's key ->
            its ``xsd:decimal`` confidence as N-Triples text, the best any rule in any
            document gave it.
        first_year: programme key -> the earliest year any occurrence states (a programme
            has one year in the union graph; later occurrences drop theirs).
        terms: the IRIs and literals made so far (a cache shared by the documents).
    """

    index: EntityIndex
    confidence: dict[object, str]
    first_year: dict[EntityKey, int]
    terms: _Terms


def corpus_facts(docs: Iterable[Document], index: EntityIndex, minter: IriMinter
                 ) -> CorpusFacts:
    """Read the resolved documents once for what :func:`document_quads` needs.

    Args:
        docs: the resolved documents, in any order.
        index: the corpus's entities.
        minter: mints every IRI.

    Returns:
        The facts.
    """
    # No IRI is made here: with several workers this part runs alone, the IRIs are made
    # by the workers as they write.
    terms = _Terms(minter, index)
    best: dict[object, float] = {}
    first: dict[EntityKey, int] = {}
    for doc in docs:
        for a in doc.resolved_awards:
            node = award_identity(a, index)
            best[node] = max(best.get(node, 0.0), a.confidence)
        for p in doc.resolved_programmes:
            key = index.key(p.programme)
            best[key] = max(best.get(key, 0.0), p.confidence)
            if p.year is not None and (key not in first or p.year < first[key]):
                first[key] = p.year
    decimals: dict[str, str] = {}
    confidence = {}
    for node, value in best.items():
        lexical = f"{min(max(value, 0.0), 1.0):.2f}"
        if lexical not in decimals:
            decimals[lexical] = _typed(Decimal(lexical), XSD.decimal)
        confidence[node] = decimals[lexical]
    return CorpusFacts(index, confidence, first, terms)


def award_identity(award: ResolvedAward, index: EntityIndex
                   ) -> tuple[EntityKey, EntityKey, int | None]:
    """What makes two award statements one award node: recipient, honour and year (keys
    mapped through the corpus index)."""
    return index.key(award.recipient), index.key(award.honour), award.year


@dataclass
class _Terms:
    """The N-Triples text of the IRIs and literals of one build, each made once."""

    minter: IriMinter
    index: EntityIndex
    entities: dict[EntityKey, tuple[str, str, str, str]] = field(default_factory=dict)
    awards: dict[tuple[EntityKey, EntityKey, int | None], str] = field(default_factory=dict)
    years: dict[int, tuple[str, str, str]] = field(default_factory=dict)

    def entity(self, key: EntityKey) -> tuple[str, str, str, str]:
        """A corpus key's node, class node, label literal and label (the key must already
        be mapped through the index)."""
        found = self.entities.get(key)
        if found is None:
            label = self.index.entities[key].label
            found = self.entities[key] = (_n(self.minter.entity(key.cls, key.canonical)),
                                          _n(CKG[key.cls]), _zh(label), label)
        return found

    def node(self, key: EntityKey) -> str:
        """The node of a document-level key (mapped through the index here)."""
        return self.entity(self.index.key(key))[0]

    def award(self, award: ResolvedAward) -> str:
        """The node of an award: who received which honour in which year."""
        identity = award_identity(award, self.index)
        found = self.awards.get(identity)
        if found is None:
            recipient, honour, year = identity
            found = self.awards[identity] = _n(self.minter.award(
                self.entity(recipient)[0][1:-1], self.entity(honour)[0][1:-1], year))
        return found

    def year(self, value: int) -> tuple[str, str, str]:
        """The year's node, its ``ckg:yearValue`` and its label."""
        found = self.years.get(value)
        if found is None:
            found = self.years[value] = (_n(self.minter.year(value)),
                                         _typed(f"{value:04d}", XSD.gYear),
                                         str(ox.Literal(str(value))))
        return found

    def document(self, doc_id: str) -> str:
        """The node of a document (its graph's name)."""
        return _n(self.minter.document(doc_id))


class _Writer:
    """The statements of one document's named graph, as N-Triples texts."""

    def __init__(self, doc: Document, facts: CorpusFacts) -> None:
        self.doc, self.facts, self.terms, self.index = doc, facts, facts.terms, facts.index
        self.graph = facts.terms.document(doc.id)
        self.lines: set[str] = set()
        self.written: set[EntityKey] = set()

    def add(self, s: str, p: str, o: str) -> None:
        self.lines.add(f"{s}\0{p}\0{o}")

    def entity(self, key: EntityKey, aliases: Iterable[str] = ()) -> str:
        key = self.index.key(key)
        node, cls, label_literal, label = self.terms.entity(key)
        if key not in self.written:
            self.written.add(key)
            self.add(node, "", cls)
            self.add(node, _LABEL, label_literal)
            self.add(self.graph, _MENTIONS, node)
        for alias in aliases:
            if alias != label:
                self.add(node, _ALT, _zh(alias))
        return node

    def document(self) -> None:
        node, meta = self.graph, self.doc.meta
        self.add(node, "", _DOCUMENT)
        self.add(node, _TITLE, _zh(meta.title or self.doc.id))
        if meta.date:
            self.add(node, _DATE, _typed(meta.date, _DATE_TYPES.get(len(meta.date),
                                                                     XSD.string)))
        if meta.publisher:
            self.add(node, _PUBLISHER, _zh(meta.publisher))
        if meta.creator:
            self.add(node, _CREATOR, _zh(meta.creator))
        self.add(node, _IDENTIFIER, str(ox.Literal(self.doc.id)))

    def year(self, value: int) -> str:
        node, year_value, label = self.terms.year(value)
        self.add(node, "", _YEAR_CLASS)
        self.add(node, _YEAR_VALUE, year_value)
        self.add(node, _LABEL, label)
        return node

    def award(self, award: ResolvedAward) -> None:
        recipient = self.terms.node(award.recipient)
        honour = self.terms.node(award.honour)
        node = self.terms.award(award)
        self.add(node, "", _AWARD)
        self.add(node, _RECIPIENT, recipient)
        self.add(node, _HONOUR, honour)
        self.add(recipient, _RECEIVED, honour)
        if award.year is not None:
            self.add(node, _YEAR, self.year(award.year))
        for awarder in award.awarders:
            self.add(node, _AWARDED_BY, self.entity(awarder))
        if award.edition:
            self.add(node, _EDITION, _zh(award.edition))
        self.add(node, _DERIVED, self.graph)
        self.add(node, _EVIDENCE, _zh(award.evidence))
        self.add(node, _CONFIDENCE, self.facts.confidence[award_identity(award, self.index)])

    def programme(self, occurrence: ResolvedProgramme) -> None:
        node = self.entity(occurrence.programme)
        key = self.index.key(occurrence.programme)
        self.add(node, _DERIVED, self.graph)
        self.add(node, _EVIDENCE, _zh(occurrence.evidence))
        self.add(node, _CONFIDENCE, self.facts.confidence[key])
        year = occurrence.year
        if year is not None and year == self.facts.first_year.get(key):
            self.add(node, _YEAR, self.year(year))
        for org in occurrence.orgs:
            self.add(self.entity(org), _RUNS, node)

    def write(self) -> Statements:
        self.document()
        local = {e.key: e for e in self.doc.entities}
        for key, entity in local.items():  # any order: the lines are a set
            node = self.entity(key, entity.aliases)
            merged = self.index.entities[self.index.key(key)]
            if merged.code:
                self.add(node, _CODE, _typed(merged.code, XSD.string))
            parent = merged.parent
            if parent is not None and entity.parent is not None:
                self.add(node, _SUB_ORG, self.entity(parent))
        for award in self.doc.resolved_awards:
            self.award(award)
        for occurrence in self.doc.resolved_programmes:
            self.programme(occurrence)
        return Statements(self.graph, sorted(self.lines))


@dataclass(frozen=True, slots=True)
class Statements:
    """One document's named graph as N-Triples texts, in canonical order.

    Attributes:
        graph: the graph name (the document's IRI), as ``<…>``.
        lines: the distinct statements, each its subject, predicate and object exactly as
            N-Triples writes them joined by NUL (which N-Triples text never holds), except
            that ``rdf:type`` is written ``""``: so that the lines' plain order is the
            canonical order (subject, then ``rdf:type`` before every other predicate, then
            object).  :meth:`triples` restores it.
    """

    graph: str
    lines: list[str]

    def triples(self) -> Iterator[tuple[str, str, str]]:
        """The statements as (subject, predicate, object) texts, ``rdf:type`` written out."""
        for line in self.lines:
            s, p, o = line.split("\0")
            yield s, p or _TYPE, o

    def nquads(self) -> str:
        """The statements as N-Quads lines."""
        if not self.lines:
            return ""
        # no line break inside N-Triples text, and two NULs in a row only around rdf:type
        text = "\n".join(self.lines) + "\n"
        return text.replace("\0\0", f" {_TYPE} ").replace("\0", " ") \
            .replace("\n", f" {self.graph} .\n")

    def quads(self) -> list[ox.Quad]:
        """The statements as pyoxigraph quads (parsed from their N-Quads text)."""
        return list(ox.parse(self.nquads(), format=ox.RdfFormat.N_QUADS))


def check_document(doc: Document, minter: IriMinter | None = None) -> None:
    """Raise :class:`~kg.errors.GraphError` naming the document if some term of its graph
    cannot be made (an IRI that cannot be minted, a label or evidence pyoxigraph refuses),
    so that a document that could not be written fails alone, before the corpus is.

    Args:
        doc: a resolved document.
        minter: the build's minter (the default base: whether a term can be made does not
            depend on the base, which is checked on its own).
    """
    minter = minter or IriMinter()
    texts = [doc.meta.title, doc.meta.publisher or "", doc.meta.creator or ""]
    try:
        for entity in doc.entities:  # their IRIs: the minter mints one for any key
            texts += (entity.label, *entity.aliases)
        texts += [f.evidence for f in (*doc.resolved_awards, *doc.resolved_programmes)]
        texts += [a.edition for a in doc.resolved_awards if a.edition]
        for year in {f.year for f in (*doc.resolved_awards, *doc.resolved_programmes)}:
            if year is not None:
                minter.year(year)
        minter.document(doc.id)
        bad = next((t for t in texts if _SURROGATE.search(t)), None)
        if bad is not None:  # the one thing a literal of ours cannot hold
            raise GraphError(f"text with a lone surrogate: {bad[:40]!r}", path=doc.path)
    except (ValueError, TypeError, UnicodeError, GraphError) as exc:
        raise GraphError(f"cannot write this document's graph: {exc}".splitlines()[0],
                         path=doc.path) from None


_SURROGATE = re.compile("[\ud800-\udfff]")


def graph_order(doc_ids: Iterable[str], minter: IriMinter) -> list[str]:
    """Document ids in the order their named graphs come in the canonical order (by the
    graph name's N-Triples text)."""
    return sorted(doc_ids, key=lambda i: _n(minter.document(i)))


def document_statements(doc: Document, facts: CorpusFacts) -> Statements:
    """One document's named graph: its distinct statements in canonical order.

    Args:
        doc: a resolved document.
        facts: the corpus facts from :func:`corpus_facts` (over all documents).

    Returns:
        The statements as N-Triples texts.
    """
    return _Writer(doc, facts).write()


def document_quads(doc: Document, facts: CorpusFacts) -> list[ox.Quad]:
    """One document's named graph as pyoxigraph quads, in canonical order.

    Args:
        doc: a resolved document.
        facts: the corpus facts from :func:`corpus_facts` (over all documents).

    Returns:
        The quads.
    """
    return document_statements(doc, facts).quads()


def build_quads(docs: Iterable[Document], index: EntityIndex, minter: IriMinter
                ) -> Iterator[ox.Quad]:
    """Every quad of a corpus in canonical order (named graph by named graph).

    Args:
        docs: resolved documents (any order).
        index: the corpus's entities from :func:`kg.resolve.merge_entities`.
        minter: mints every IRI (its base is the build's ``--base-iri``).

    Yields:
        The quads.
    """
    by_id = {d.id: d for d in docs}
    facts = corpus_facts(by_id.values(), index, minter)
    for doc_id in graph_order(by_id, minter):
        yield from document_quads(by_id[doc_id], facts)


def build_dataset(docs: Iterable[Document], index: EntityIndex, minter: IriMinter
                  ) -> Dataset:
    """The contract's graph for resolved documents, as an rdflib ``Dataset``.

    Args:
        docs: resolved documents (any order).
        index: the corpus's entities from :func:`kg.resolve.merge_entities`.
        minter: mints every IRI (its base is the build's ``--base-iri``).

    Returns:
        A Dataset with one named graph per document.
    """
    dataset = Dataset()
    graphs = {}
    quads = []
    for quad in build_quads(docs, index, minter):
        name = quad.graph_name.value  # type: ignore[union-attr]
        if name not in graphs:
            graphs[name] = dataset.graph(URIRef(name))
        quads.append((rdflib_term(quad.subject), rdflib_term(quad.predicate),
                      rdflib_term(quad.object),
                      graphs[name]))
    dataset.addN(quads)
    return dataset
