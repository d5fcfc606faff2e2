"""End to end: the seeds built once (``seeds_build``), asked through SPARQL with
:func:`kg.query.run_query`, scored by the shared scorer and by :func:`kg.evaluate.evaluate`,
and rebuilt under another base IRI."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, SEEDS
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.term import Node

from kg.evaluate import evaluate
from kg.pipeline import build
from kg.query import run_query
from kg.vocab import DEFAULT_BASE_IRI

QUERIES = sorted((ROOT / "queries").glob("*.rq"))
SHARED = Path(__file__).resolve().parents[2] / "shared"
SCORER = SHARED / "eval" / "score.py"
GOLD = SHARED / "gold" / "seeds.gold.json"
OTHER_BASE = "https://example.org/kg/"

needs_shared = pytest.mark.skipif(
    not (SCORER.is_file() and GOLD.is_file()),
    reason=f"the shared scorer and gold ({SHARED}) are not checked out next to the repository")


def _values(sparql: str, out: Path) -> list[tuple[str | None, ...]]:
    result = run_query(sparql, out)
    assert result.kind == "select"
    return [tuple(t.value if t is not None else None for t in row) for row in result.rows]


def _ask(sparql: str, out: Path) -> bool:
    result = run_query(sparql, out)
    assert result.kind == "ask" and result.boolean is not None
    return result.boolean


def test_end_to_end_airport_office_is_under_tianjin(seeds_build: Path) -> None:
    assert _ask("""
        ASK { ?office a ckg:SubOffice ; rdfs:label "机场海关"@zh ; org:subOrganizationOf ?bureau .
              ?bureau a ckg:Bureau ; rdfs:label "天津海关"@zh . }""", seeds_build)
    parents = _values("""
        SELECT DISTINCT ?parent WHERE { ?office rdfs:label "机场海关"@zh ;
            org:subOrganizationOf/rdfs:label ?parent }""", seeds_build)
    assert parents == [("天津海关",)]


def test_end_to_end_tianjin_honours_of_2015(seeds_build: Path) -> None:
    rows = _values("""
        SELECT DISTINCT ?recipient WHERE {
          ?award a ckg:HonourAward ; ckg:recipient/rdfs:label ?recipient ;
                 ckg:honour/rdfs:label "全国文明单位"@zh ;
                 ckg:year/ckg:yearValue "2015"^^xsd:gYear .
        }""", seeds_build)
    assert {"天津海关", "机场海关"} <= {r[0] for r in rows}


def test_end_to_end_manzhouli_honours_have_years(seeds_build: Path) -> None:
    rows = _values("""
        SELECT DISTINCT ?honour ?year WHERE {
          ?award a ckg:HonourAward ; ckg:recipient ?bureau ; ckg:honour/rdfs:label ?honour .
          ?bureau a ckg:Bureau ; rdfs:label "满洲里海关"@zh .
          OPTIONAL { ?award ckg:year/ckg:yearValue ?year }
        }""", seeds_build)
    years = {year for _, year in rows if year is not None}
    assert {"2005", "2012", "2013"} <= years
    assert ("内蒙古自治区文明单位", "2005") in rows


def test_end_to_end_short_form_finds_the_bureau(seeds_build: Path) -> None:
    rows = _values("""
        SELECT DISTINCT ?label WHERE { ?b a ckg:Bureau ; skos:altLabel "满关"@zh ;
                                          rdfs:label ?label }""", seeds_build)
    assert rows == [("满洲里海关",)]


def test_end_to_end_every_award_has_document_and_evidence(seeds_build: Path) -> None:
    assert _ask("ASK { ?award a ckg:HonourAward }", seeds_build)
    assert not _ask("""
        ASK { ?award a ckg:HonourAward .
              FILTER NOT EXISTS { ?award prov:wasDerivedFrom ?doc ; ckg:evidence ?sentence .
                                  ?doc a ckg:Document . } }""", seeds_build)


@pytest.mark.parametrize("path", QUERIES, ids=[p.stem for p in QUERIES])
def test_end_to_end_contract_queries_answer(path: Path, seeds_build: Path) -> None:
    result = run_query(path.read_text(encoding="utf-8"), seeds_build)
    assert result.kind == "select"
    assert len(result.rows) >= 1, path.name


def test_end_to_end_has_the_six_contract_queries() -> None:
    assert len(QUERIES) == 6


def _headline(stdout: str) -> tuple[float, float]:
    match = re.search(r"overall entity-F1 ([0-9.]+) relation-F1 ([0-9.]+)", stdout)
    assert match, stdout[-500:]
    return float(match.group(1)), float(match.group(2))


@needs_shared
def test_end_to_end_shared_scorer_thresholds(seeds_build: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(SCORER), str(seeds_build / "graph.ttl"), "--gold", str(GOLD),
         "--min-entity-f1", "0.90", "--min-relation-f1", "0.90"],
        capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout[-1500:] + done.stderr[-1500:]
    entity, relation = _headline(done.stdout)
    assert entity >= 0.90 and relation >= 0.90


@needs_shared
def test_end_to_end_evaluate_matches_the_shared_scorer(seeds_build: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(SCORER), str(seeds_build / "graph.ttl"), "--gold", str(GOLD)],
        capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-1500:]
    report = evaluate(seeds_build / "graph.ttl", GOLD)
    assert (round(report.entity_f1, 3), round(report.relation_f1, 3)) == _headline(done.stdout)


@pytest.fixture(scope="module")
def other_base_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("other-base")
    assert build([SEEDS], out, base_iri=OTHER_BASE).ok
    return out


def _turtle(path: Path) -> Graph:
    return Graph().parse(data=path.read_bytes(), format="turtle")


def _rebase(graph: Graph, old: str, new: str) -> Graph:
    """The graph with ``old`` base IRIs rewritten to ``new``, and award nodes (whose local
    name is a hash of the full recipient and honour IRIs) turned into blank nodes."""
    awards: dict[URIRef, BNode] = {}

    def swap(term: Node) -> Node:
        if isinstance(term, URIRef) and str(term).startswith(old + "award/"):
            return awards.setdefault(term, BNode())
        if isinstance(term, URIRef) and str(term).startswith(old):
            return URIRef(new + str(term)[len(old):])
        return term

    rebased = Graph()
    for s, p, o in graph:
        rebased.add((swap(s), swap(p), swap(o)))
    return rebased


def test_end_to_end_base_iri_changes_iris_not_labels(seeds_build: Path,
                                                     other_base_build: Path) -> None:
    default, other = _turtle(seeds_build / "graph.ttl"), _turtle(other_base_build / "graph.ttl")
    iris = {t for triple in other for t in triple if isinstance(t, URIRef)}
    assert any(str(i).startswith(OTHER_BASE) for i in iris)
    assert not any(str(i).startswith(DEFAULT_BASE_IRI) for i in iris)
    literals = {o for _, _, o in default if isinstance(o, Literal)}
    assert literals == {o for _, _, o in other if isinstance(o, Literal)}
    assert len(other) == len(default)
    assert isomorphic(_rebase(other, OTHER_BASE, DEFAULT_BASE_IRI),
                      _rebase(default, DEFAULT_BASE_IRI, DEFAULT_BASE_IRI))
    rows = _values('SELECT ?s WHERE { ?s rdfs:label "机场海关"@zh }', other_base_build)
    assert rows and all(r[0].startswith(OTHER_BASE) for r in rows)  # type: ignore[union-attr]
