"""Tests for kg.validate and ontology/shapes.ttl.

The cases are the files ``tests/data/graphs/validate_{ok,bad}_*.*``: an ``ok`` graph must
conform; a ``bad`` graph breaks one rule and names, in ``# expect-focus:`` and
``# expect-constraint:`` comment lines, the focus node and SHACL constraint component the
report must contain (``_:`` stands for any blank node).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pyoxigraph
import pytest
from pyshacl import validate as shacl_validate
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS

from kg.errors import InputError
from kg.resources import ontology_path
from kg.validate import FORMATS, ValidationReport, Violation, load_graph, validate
from kg.vocab import CKG

GRAPHS = Path(__file__).parent / "data" / "graphs"
CASES = sorted(p for p in GRAPHS.glob("validate_*") if p.suffix in FORMATS)
OK_CASES = [p for p in CASES if p.stem.startswith("validate_ok_")]
BAD_CASES = [p for p in CASES if p.stem.startswith("validate_bad_")]
UNION = GRAPHS / "validate_ok_union.trig"


def _expected(path: Path, key: str) -> list[str]:
    prefix = f"# expect-{key}:"
    return [line[len(prefix):].strip()
            for line in path.read_text(encoding="utf-8").splitlines() if line.startswith(prefix)]


def _matches(violation: Violation, focus: str, constraint: str) -> bool:
    same_focus = violation.focus_node.startswith("_:") if focus == "_:" \
        else violation.focus_node == focus
    return same_focus and violation.constraint == constraint


def _dataset_from(path: Path) -> Dataset:
    """An rdflib Dataset with the file's named graphs (built without rdflib's TriG parser)."""
    dataset = Dataset()
    for quad in pyoxigraph.parse(path=str(path), format=pyoxigraph.RdfFormat.TRIG):
        graph = dataset.graph(URIRef(quad.graph_name.value))
        graph.add(tuple(_rdflib_term(t) for t in (quad.subject, quad.predicate, quad.object)))
    return dataset


def _rdflib_term(term: object) -> URIRef | Literal:
    if isinstance(term, pyoxigraph.Literal):
        return Literal(term.value, lang=term.language,
                       datatype=None if term.language else URIRef(term.datatype.value))
    assert isinstance(term, pyoxigraph.NamedNode)
    return URIRef(term.value)


def test_validate_has_cases() -> None:
    assert len(OK_CASES) >= 3 and len(BAD_CASES) >= 20
    assert {p.suffix for p in CASES} >= {".ttl", ".trig", ".nq"}


@pytest.mark.parametrize("path", OK_CASES, ids=lambda p: p.stem)
def test_validate_ok_graph_conforms(path: Path) -> None:
    report = validate(path)
    assert report.violations == ()
    assert report.conforms
    assert "Conforms: True" in report.text


@pytest.mark.parametrize("path", BAD_CASES, ids=lambda p: p.stem)
def test_validate_bad_graph_names_focus_node(path: Path) -> None:
    focus, constraint = _expected(path, "focus"), _expected(path, "constraint")
    assert len(focus) == 1 and len(constraint) == 1, "the case must say what to expect"
    report = validate(path)
    assert not report.conforms
    assert "Conforms: False" in report.text
    assert any(_matches(v, focus[0], constraint[0]) for v in report.violations), report.violations
    assert all(v.severity == "Violation" and v.message for v in report.violations)


def test_validate_report_is_deterministic_and_sorted() -> None:
    path = GRAPHS / "validate_bad_award_two_years.ttl"
    first, second = validate(path), validate(path)
    assert first.violations == second.violations
    keys = [(v.focus_node, v.path or "", v.message) for v in first.violations]
    assert keys == sorted(keys)
    assert all(v.shape and not v.shape.startswith("_:") for v in first.violations)


def test_validate_report_records_are_frozen() -> None:
    report = validate(GRAPHS / "validate_bad_two_labels.ttl")
    assert isinstance(report, ValidationReport)
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.conforms = True  # type: ignore[misc]
    violation = report.violations[0]
    assert violation.path == str(RDFS.label)
    assert violation.constraint == "MaxCountConstraintComponent"


def test_validate_accepts_rdflib_graph() -> None:
    graph = Graph().parse(GRAPHS / "validate_ok_minimal.ttl", format="turtle")
    assert validate(graph).conforms
    graph.add((URIRef("https://w3id.org/customs-kg/id/bureau/x"), RDF.type, CKG.Bureau))
    report = validate(graph)
    assert not report.conforms
    assert [v.focus_node for v in report.violations] == ["https://w3id.org/customs-kg/id/bureau/x"]


def test_validate_union_of_named_graphs() -> None:
    dataset = _dataset_from(UNION)
    assert len(list(dataset.graphs())) >= 2
    assert validate(UNION).conforms
    assert validate(dataset).conforms
    one = Graph()
    for triple in dataset.graph(URIRef("https://w3id.org/customs-kg/id/doc/a")):
        one.add(triple)
    assert not validate(one).conforms, "the case must need the union to conform"


def test_validate_custom_shapes(tmp_path: Path) -> None:
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "@prefix ckg: <https://w3id.org/customs-kg/ontology#> .\n"
        "[] a sh:NodeShape ; sh:targetClass ckg:Bureau ;\n"
        "   sh:property [ sh:path ckg:runsProgramme ; sh:minCount 2 ] .\n",
        encoding="utf-8",
    )
    report = validate(GRAPHS / "validate_ok_minimal.ttl", shapes=shapes)
    assert not report.conforms
    assert report.violations[0].focus_node.endswith("/bureau/天津海关")


def test_validate_shapes_are_valid_shacl() -> None:
    shapes = Graph().parse(ontology_path("shapes.ttl"), format="turtle")
    data = Graph().parse(GRAPHS / "validate_ok_minimal.ttl", format="turtle")
    conforms, _, text = shacl_validate(data, shacl_graph=shapes, meta_shacl=True,
                                       inference="none")
    assert conforms, text


@pytest.mark.parametrize(("name", "content", "problem"), [
    ("missing.ttl", None, "not found"),
    ("graph.txt", "", "unknown graph file type"),
    ("broken.ttl", "<http://a> <http://b> .\n", "cannot parse as Turtle"),
    ("broken.nq", "<http://a> <http://b> <http://c> <http://d> <http://e> .\n", "cannot parse"),
    ("latin1.nt", b"<http://a> <http://b> \"\xe9\" .\n", "cannot parse"),
    ("dir.ttl", "DIR", "not a regular file"),
], ids=["missing", "suffix", "turtle", "nquads", "encoding", "directory"])
def test_validate_unreadable_input_is_one_line_input_error(
    tmp_path: Path, name: str, content: str | bytes | None, problem: str
) -> None:
    path = tmp_path / name
    if content == "DIR":
        path.mkdir()
    elif isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as info:
        validate(path)
    message = str(info.value)
    assert problem in message and str(path) in message
    assert "\n" not in message


def test_validate_bad_shapes_file_is_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        validate(GRAPHS / "validate_ok_minimal.ttl", shapes=tmp_path / "none.ttl")


def test_validate_load_graph_keeps_literal_forms() -> None:
    graph = load_graph(GRAPHS / "validate_ok_minimal.ttl")
    titles = list(graph.objects(predicate=URIRef("http://purl.org/dc/terms/publisher")))
    assert titles == [Literal("天津海关")]
    labels = set(graph.objects(predicate=RDFS.label))
    assert Literal("天津海关", lang="zh") in labels and Literal("2015") in labels
