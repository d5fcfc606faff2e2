"""Tests for kg.graph through the seeds build: the graph contract (labels, awards and their
provenance, years, named graphs, stable IRIs, SHACL) on ``graph.trig``, read with rdflib and
with pyoxigraph."""

from __future__ import annotations

import re
import warnings
from collections import defaultdict
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import SEEDS
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, XSD

from kg.validate import validate
from kg.vocab import CKG

ENTITY_CLASSES = ("Administration", "Bureau", "SubOffice", "Department",
                  "ExternalOrganization", "Honour", "Programme", "Person")
_SPACE = re.compile(r"\s+")
Triples = set[tuple[object, object, object]]


def _squash(text: str) -> str:
    return _SPACE.sub("", text)


def _parse(path: Path, fmt: str) -> Dataset:
    """rdflib 7.6 warns about its own deprecated internals when parsing into a Dataset;
    that says nothing about our file, so only those warnings are silenced here."""
    ds = Dataset()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        ds.parse(data=path.read_bytes(), format=fmt)
    return ds


@pytest.fixture(scope="module")
def dataset(seeds_build: Path) -> Dataset:
    return _parse(seeds_build / "graph.trig", "trig")


@pytest.fixture(scope="module")
def union(dataset: Dataset) -> Triples:
    return {(s, p, o) for s, p, o, g in dataset.quads((None, None, None, None))
            if g is not None and g != dataset.default_graph.identifier}


@pytest.fixture(scope="module")
def seed_text() -> dict[str, str]:
    """Document id -> the seed file's text without white space."""
    return {p.stem: _squash(p.read_text(encoding="utf-8")) for p in SEEDS.glob("*.txt")}


def _objects(union: Triples, s: object, p: object) -> list[object]:
    return [o for (s2, p2, o) in union if s2 == s and p2 == p]


def _instances(union: Triples, cls: URIRef) -> set[object]:
    return {s for (s, p, o) in union if p == RDF.type and o == cls}


def test_graph_has_one_named_graph_per_seed(dataset: Dataset, seed_text: dict[str, str]) -> None:
    default = dataset.default_graph.identifier
    names = {g.identifier for g in dataset.graphs() if g.identifier != default}
    assert len(names) == len(seed_text) == 5
    assert len(dataset.default_graph) == 0


def test_graph_named_graphs_are_named_by_their_document(dataset: Dataset,
                                                         seed_text: dict[str, str]) -> None:
    for g in dataset.graphs():
        if g.identifier == dataset.default_graph.identifier:
            continue
        node = g.identifier
        assert isinstance(node, URIRef)
        assert (node, RDF.type, CKG.Document) in g
        identifier = g.value(node, DCTERMS.identifier)
        assert str(identifier) in seed_text
        assert str(node).endswith(str(identifier))
        assert list(g.objects(node, DCTERMS.title)), node
        assert set(g.subjects(RDF.type, CKG.Document)) == {node}  # no other document inside


def test_graph_every_entity_has_exactly_one_zh_label(union: Triples) -> None:
    checked = 0
    for cls in ENTITY_CLASSES:
        for node in _instances(union, CKG[cls]):
            labels = _objects(union, node, RDFS.label)
            assert len(labels) == 1, (node, labels)
            label = labels[0]
            assert isinstance(label, Literal) and label.language == "zh", (node, label)
            assert str(label).strip() == str(label) and str(label)
            checked += 1
    assert checked > 50


def test_graph_entities_have_one_class(union: Triples) -> None:
    classes = defaultdict(set)
    for s, p, o in union:
        if p == RDF.type and o in {CKG[c] for c in ENTITY_CLASSES}:
            classes[s].add(o)
    assert classes
    assert {s: c for s, c in classes.items() if len(c) > 1} == {}


def test_graph_awards_carry_recipient_honour_and_provenance(
        union: Triples, seed_text: dict[str, str]) -> None:
    awards = _instances(union, CKG.HonourAward)
    assert len(awards) >= 20
    documents = _instances(union, CKG.Document)
    for award in awards:
        assert isinstance(award, URIRef) and not isinstance(award, BNode)
        recipients = _objects(union, award, CKG.recipient)
        honours = _objects(union, award, CKG.honour)
        assert len(recipients) == 1 and len(honours) == 1, award
        assert (honours[0], RDF.type, CKG.Honour) in union
        assert (recipients[0], CKG.receivedHonour, honours[0]) in union
        sources = _objects(union, award, PROV.wasDerivedFrom)
        assert sources and set(sources) <= documents, award
        evidence = _objects(union, award, CKG.evidence)
        assert evidence, award
        texts = [seed_text[str(_objects(union, s, DCTERMS.identifier)[0])] for s in sources]
        for sentence in evidence:
            assert isinstance(sentence, Literal) and sentence.language == "zh"
            assert any(_squash(str(sentence)) in text for text in texts), (award, sentence)


def test_graph_programmes_carry_provenance(union: Triples,
                                          seed_text: dict[str, str]) -> None:
    programmes = _instances(union, CKG.Programme)
    assert programmes
    every_text = "".join(seed_text.values())
    for programme in programmes:
        assert _objects(union, programme, PROV.wasDerivedFrom), programme
        for sentence in _objects(union, programme, CKG.evidence):
            assert _squash(str(sentence)) in every_text


def test_graph_year_nodes_have_a_gyear_value(union: Triples) -> None:
    years = _instances(union, CKG.Year)
    assert len(years) >= 5
    for node in years:
        values = _objects(union, node, CKG.yearValue)
        assert len(values) == 1, node
        value = values[0]
        assert isinstance(value, Literal) and value.datatype == XSD.gYear
        assert re.fullmatch(r"[0-9]{4}", str(value))
        assert [str(x) for x in _objects(union, node, RDFS.label)] == [str(value)]
        assert str(node).endswith(str(value))
    linked = {o for (s, p, o) in union if p == CKG.year}
    assert linked <= years


def test_graph_awards_and_programmes_have_at_most_one_year(union: Triples) -> None:
    for cls in (CKG.HonourAward, CKG.Programme):
        for node in _instances(union, cls):
            assert len(_objects(union, node, CKG.year)) <= 1, node


def test_graph_documents_carry_their_stated_date(union: Triples) -> None:
    dated = {str(_objects(union, d, DCTERMS.identifier)[0]): _objects(union, d, DCTERMS.date)
             for d in _instances(union, CKG.Document)}
    assert dated["003_a9a3f8c461db3fd2"] == [Literal("2012-04-14", datatype=XSD.date)]


def test_graph_has_no_blank_nodes(union: Triples) -> None:
    blank = [t for t in union if isinstance(t[0], BNode) or isinstance(t[2], BNode)]
    assert blank == []


def test_graph_turtle_is_the_union_of_the_named_graphs(
        seeds_build: Path, union: Triples) -> None:
    turtle = Graph().parse(data=(seeds_build / "graph.ttl").read_bytes(), format="turtle")
    triples = set(turtle)
    assert triples == union


def test_graph_pyoxigraph_reads_the_same_quads(seeds_build: Path, dataset: Dataset) -> None:
    store = ox.Store()
    store.load(path=str(seeds_build / "graph.trig"), format=ox.RdfFormat.TRIG)
    rdflib_quads = sum(1 for q in dataset.quads((None, None, None, None)) if q[3] is not None)
    assert len(store) == rdflib_quads
    named = {g.value for g in store.named_graphs()}
    documents = store.query(
        "SELECT ?g WHERE { GRAPH ?g { ?g a <https://w3id.org/customs-kg/ontology#Document> } }")
    assert isinstance(documents, ox.QuerySolutions)
    assert {s["g"].value for s in documents} == named
    labelled_twice = store.query(
        "SELECT ?s WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?a, ?b "
        "FILTER (?a != ?b) }", use_default_graph_as_union=True)
    assert isinstance(labelled_twice, ox.QuerySolutions)
    assert list(labelled_twice) == []


def test_graph_conforms_to_the_shapes(seeds_build: Path) -> None:
    report = validate(seeds_build / "graph.trig")
    assert report.conforms, report.violations[:5]
    assert report.violations == ()
