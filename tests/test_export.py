"""Tests for kg.export: every RDF format round-trips through rdflib, pyoxigraph and rapper and
conforms to the shapes, JSON-LD is compacted with the published context, GraphML reads back
in networkx, files are byte-identical whatever the insertion order or hash seed, and builds
are read back."""

from __future__ import annotations

import io
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import warnings
from pathlib import Path
from typing import Any

import networkx as nx
import pyoxigraph as ox
import pytest
from lxml import etree
from rdflib import BNode, Dataset, Graph, URIRef

from kg.errors import InputError
from kg.export import (
    EXPORTERS,
    canonical_quads,
    convert,
    find_output,
    prefixes_for,
    read_output,
    write_outputs,
)
from kg.export.graphml import ontology_labels
from kg.export.jsonld import published_context
from kg.validate import validate
from kg.vocab import PREFIXES

GRAPHS = Path(__file__).parent / "data" / "graphs"
REPO = Path(__file__).resolve().parents[1]
CASES = sorted(GRAPHS.glob("export_*.trig")) + sorted(GRAPHS.glob("query_*.trig"))
RDFLIB_FORMATS = {"turtle": "turtle", "trig": "trig", "nt": "nt", "nquads": "nquads",
                  "jsonld": "json-ld"}
RDF_FORMATS = [name for name, exporter in EXPORTERS.items() if exporter.is_rdf]
#: Our format name -> rapper's parser name; raptor2 has no JSON-LD parser.
RAPPER_FORMATS = {"turtle": "turtle", "trig": "trig", "nt": "ntriples", "nquads": "nquads"}
CKG = "https://w3id.org/customs-kg/ontology#"


def _rdflib_parse(path: Path, name: str) -> Dataset:
    """Parse with rdflib; rdflib 7.6 warns about its own deprecated internals when parsing
    into a Dataset, which says nothing about our file, so those warnings are silenced."""
    dataset = Dataset()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        dataset.parse(data=path.read_bytes(), format=RDFLIB_FORMATS[name])
    return dataset


def _triples(dataset: Dataset) -> set[tuple[object, object, object]]:
    return {(s, p, o) for s, p, o, _ in dataset.quads((None, None, None, None))}


def _shuffled_copy(dataset: Dataset, seed: int) -> tuple[Dataset, list[object]]:
    """A copy built by adding the quads in a shuffled order, and that order."""
    quads = sorted(dataset.quads((None, None, None, None)))
    random.Random(seed).shuffle(quads)
    copy = Dataset()
    for s, p, o, g in quads:
        copy.graph(g).add((s, p, o))
    return copy, quads


def _renamed_blank_nodes(dataset: Dataset) -> Dataset:
    """A copy in which every blank node has a new random label."""
    fresh: dict[object, BNode] = {}

    def rename(term: Any) -> Any:
        return fresh.setdefault(term, BNode()) if isinstance(term, BNode) else term

    copy = Dataset()
    for s, p, o, g in dataset.quads((None, None, None, None)):
        copy.graph(g).add((rename(s), p, rename(o)))
    return copy


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
@pytest.mark.parametrize("name", RDF_FORMATS)
def test_export_round_trip_rdflib_and_pyoxigraph(case: Path, name: str, tmp_path: Path) -> None:
    source = read_output(case)
    exporter = EXPORTERS[name]
    (path,) = write_outputs(source, tmp_path, [name])
    assert path.name == "graph" + exporter.suffix

    by_rdflib = _rdflib_parse(path, name)
    by_oxigraph = list(ox.parse(path=path, format=exporter.rdf_format))
    expected_triples = {(s, p, o) for s, p, o, _ in source.quads((None, None, None, None))}
    assert len(_triples(by_rdflib)) == len(expected_triples)
    if exporter.union:
        assert len(by_oxigraph) == len(expected_triples)
    else:
        assert len(by_oxigraph) == len(list(source.quads((None, None, None, None))))
        assert len(by_oxigraph) == len(list(by_rdflib.quads((None, None, None, None))))


@pytest.mark.parametrize("name", RDF_FORMATS)
def test_export_round_trip_keeps_terms(name: str, tmp_path: Path) -> None:
    source = read_output(GRAPHS / "export_literals.trig")
    (path,) = write_outputs(source, tmp_path, [name])
    assert _triples(read_output(path)) == _triples(source)


def test_export_quad_formats_keep_named_graphs(tmp_path: Path) -> None:
    source = read_output(GRAPHS / "query_customs.trig")
    for name in ("trig", "nquads", "jsonld"):
        back = read_output(write_outputs(source, tmp_path / name, [name])[0])
        assert set(back.quads((None, None, None, None))) == set(
            source.quads((None, None, None, None)))


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_export_byte_identical_whatever_the_insertion_order(case: Path) -> None:
    source = read_output(case)
    (one, order_one), (two, order_two) = _shuffled_copy(source, 1), _shuffled_copy(source, 2)
    assert order_one != order_two
    for exporter in EXPORTERS.values():
        assert exporter.serialize(one) == exporter.serialize(two), exporter.name


def test_export_rewrite_and_reexport_are_byte_identical(tmp_path: Path) -> None:
    source = read_output(GRAPHS / "query_customs.trig")
    first = write_outputs(source, tmp_path / "a", list(EXPORTERS))
    second = write_outputs(source, tmp_path / "b", list(EXPORTERS))
    third = convert(tmp_path / "a", tmp_path / "c", list(EXPORTERS))
    for a, b, c in zip(first, second, third, strict=True):
        assert a.read_bytes() == b.read_bytes() == c.read_bytes(), a.name


def test_export_byte_identical_in_fresh_processes(tmp_path: Path) -> None:
    script = textwrap.dedent("""
        import random, sys
        from pathlib import Path
        from rdflib import Dataset
        from kg.export import EXPORTERS, read_output, write_outputs
        source = read_output(Path(sys.argv[1]))
        quads = list(source.quads((None, None, None, None)))
        random.Random(int(sys.argv[3])).shuffle(quads)
        copy = Dataset()
        for s, p, o, g in quads:
            copy.graph(g).add((s, p, o))
        write_outputs(copy, Path(sys.argv[2]), list(EXPORTERS))
    """)
    case = GRAPHS / "query_customs.trig"
    for seed in ("1", "2"):
        env = {"PYTHONHASHSEED": seed, "PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}
        subprocess.run([sys.executable, "-c", script, str(case), str(tmp_path / seed), seed],
                       check=True, env=env, cwd=REPO)
    mine = write_outputs(read_output(case), tmp_path / "here", list(EXPORTERS))
    for path in mine:
        assert path.read_bytes() == (tmp_path / "1" / path.name).read_bytes(), path.name
        assert path.read_bytes() == (tmp_path / "2" / path.name).read_bytes(), path.name


def test_export_blank_nodes_get_canonical_labels(tmp_path: Path) -> None:
    source = read_output(GRAPHS / "export_blank_nodes.trig")
    again = _renamed_blank_nodes(source)
    assert _triples(source) != _triples(again)
    for exporter in EXPORTERS.values():
        assert exporter.serialize(source) == exporter.serialize(again), exporter.name
    assert b"_:c14n0" in EXPORTERS["trig"].serialize(source)


def test_export_union_formats_write_each_triple_once() -> None:
    source = read_output(GRAPHS / "export_literals.trig")
    assert len(list(source.quads((None, None, None, None)))) > len(_triples(source))
    lines = EXPORTERS["nt"].serialize(source).decode("utf-8").splitlines()
    assert len(lines) == len(set(lines)) == len(_triples(source))
    turtle = EXPORTERS["turtle"].serialize(source).decode("utf-8")
    assert turtle.count('rdfs:label "全国文明单位"@zh') == 1


def test_export_nquads_lines_are_sorted_by_graph() -> None:
    text = EXPORTERS["nquads"].serialize(read_output(GRAPHS / "query_customs.trig")).decode()
    graphs = [line.rsplit(" ", 2)[-2] for line in text.splitlines()]
    assert graphs == sorted(graphs)


def test_export_binds_contract_prefixes_and_base(tmp_path: Path) -> None:
    source = read_output(GRAPHS / "query_customs.trig")
    text = EXPORTERS["turtle"].serialize(source).decode("utf-8")
    assert "@prefix ckg: <https://w3id.org/customs-kg/ontology#> ." in text
    # the base shows through the resource prefixes (no id:, under which a sub-office's IRI
    # would need escaped slashes)
    assert "@prefix bureau: <https://w3id.org/customs-kg/id/bureau/> ." in text
    assert "@prefix id:" not in text
    assert "rdfs:label \"满洲里海关\"@zh" in text
    (path,) = write_outputs(source, tmp_path, ["turtle"], base_iri="https://example.org/kg/")
    written = path.read_text(encoding="utf-8")
    assert "@prefix bureau: <https://example.org/kg/bureau/> ." in written
    again = read_output(path)  # and is read back from them
    assert prefixes_for(again)["id"] == "https://example.org/kg/"


def test_export_rdf_type_comes_first() -> None:
    text = EXPORTERS["turtle"].serialize(read_output(GRAPHS / "query_customs.trig")).decode()
    subject_lines = [line for line in text.splitlines() if line and not line[0].isspace()
                     and not line.startswith("@prefix")]
    assert subject_lines and all(" a ckg:" in line for line in subject_lines)


def test_export_plain_graph_is_the_default_graph() -> None:
    graph = Graph()
    graph.add((URIRef("https://w3id.org/customs-kg/id/bureau/天津海关"),
               URIRef("http://www.w3.org/2000/01/rdf-schema#label"),
               URIRef("https://w3id.org/customs-kg/id/x")))
    quads = canonical_quads(graph)
    assert len(quads) == 1 and isinstance(quads[0].graph_name, ox.DefaultGraph)


def test_export_unknown_format_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unknown output format 'rdfxml'"):
        write_outputs(read_output(GRAPHS / "query_customs.trig"), tmp_path, ["rdfxml"])
    assert list(tmp_path.iterdir()) == []


def test_export_unwritable_directory_is_an_input_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory", encoding="utf-8")
    with pytest.raises(InputError, match="cannot create output directory"):
        write_outputs(read_output(GRAPHS / "query_customs.trig"), blocker / "out", ["nt"])


def test_export_read_output_prefers_trig(tmp_path: Path) -> None:
    source = read_output(GRAPHS / "query_customs.trig")
    write_outputs(source, tmp_path, ["nt", "trig", "turtle"])
    assert find_output(tmp_path) == tmp_path / "graph.trig"
    names = {str(g) for _, _, _, g in read_output(tmp_path).quads((None, None, None, None))}
    assert "https://w3id.org/customs-kg/id/doc/002_6f3282650a6999bc" in names
    (tmp_path / "graph.trig").unlink()
    assert find_output(tmp_path) == tmp_path / "graph.ttl"


@pytest.mark.parametrize("where", ["missing", "empty_dir"])
def test_export_read_output_without_build_hints_kg_build(where: str, tmp_path: Path) -> None:
    path = tmp_path / "missing" if where == "missing" else tmp_path
    with pytest.raises(InputError, match="kg build") as info:
        read_output(path)
    assert "\n" not in str(info.value)


def test_export_read_output_malformed_file(tmp_path: Path) -> None:
    bad = tmp_path / "graph.ttl"
    bad.write_text("<a> <b> .\n", encoding="utf-8")
    with pytest.raises(InputError, match="cannot parse graph file") as info:
        read_output(bad)
    assert "\n" not in str(info.value)


def test_export_read_output_unknown_suffix(tmp_path: Path) -> None:
    odd = tmp_path / "graph.csv"
    odd.write_text("a,b\n", encoding="utf-8")
    with pytest.raises(InputError, match="unknown graph file type"):
        read_output(odd)


# ------------------------------------------- the seeds build, read back by other tools


@pytest.fixture(scope="module")
def seeds_formats(seeds_build: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeds build converted to every format once."""
    out = tmp_path_factory.mktemp("seeds-all-formats")
    convert(seeds_build, out, list(EXPORTERS))
    return out


def _quads_of(dataset: Dataset) -> set[tuple[object, ...]]:
    return set(dataset.quads((None, None, None, None)))


@pytest.mark.parametrize("name", RDF_FORMATS)
def test_export_seeds_read_back_by_rdflib_and_pyoxigraph(name: str, seeds_formats: Path,
                                                         seeds_build: Path) -> None:
    exporter = EXPORTERS[name]
    path = seeds_formats / f"graph{exporter.suffix}"
    source = read_output(seeds_build / "graph.trig")
    expected = _quads_of(source) if not exporter.union else None
    by_rdflib = _rdflib_parse(path, name)
    assert _triples(by_rdflib) == _triples(source)
    by_oxigraph = set(ox.parse(path=path, format=exporter.rdf_format))
    assert len(by_oxigraph) == (len(_triples(source)) if exporter.union
                                else len(list(source.quads((None, None, None, None)))))
    if expected is not None:
        assert _quads_of(read_output(path)) == expected


@pytest.mark.skipif(shutil.which("rapper") is None,
                    reason="rapper not installed (apt-get install raptor2-utils)")
@pytest.mark.parametrize("name", sorted(RAPPER_FORMATS))
def test_export_seeds_read_back_by_rapper(name: str, seeds_formats: Path,
                                          seeds_build: Path) -> None:
    exporter = EXPORTERS[name]
    path = seeds_formats / f"graph{exporter.suffix}"
    done = subprocess.run(["rapper", "-i", RAPPER_FORMATS[name], "-c", str(path)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    problems = [line for line in done.stderr.splitlines()
                if "error" in line.lower() or "warning" in line.lower()]
    assert problems == []
    source = read_output(seeds_build / "graph.trig")
    expected = (len(_triples(source)) if exporter.union
                else len(list(source.quads((None, None, None, None)))))
    assert f"returned {expected} triples" in done.stderr


@pytest.mark.parametrize("name", RDF_FORMATS)
def test_export_seeds_every_rdf_format_conforms_to_the_shapes(name: str,
                                                              seeds_formats: Path) -> None:
    report = validate(seeds_formats / f"graph{EXPORTERS[name].suffix}")
    assert report.conforms, report.violations[:3]


# ------------------------------------------------------------------------- JSON-LD


def _jsonld(source: Dataset, base_iri: str | None = None, tmp: Path | None = None) -> Any:
    if tmp is None:
        return json.loads(EXPORTERS["jsonld"].serialize(source))
    (path,) = write_outputs(source, tmp, ["jsonld"], base_iri=base_iri)
    return json.loads(path.read_text(encoding="utf-8"))


def _read_bytes(data: bytes, suffix: str) -> Dataset:
    """Parse bytes of one of our formats (through read_output) into an rdflib Dataset."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"graph{suffix}"
        path.write_bytes(data)
        return read_output(path)


def _nodes(document: Any) -> list[dict[str, Any]]:
    return [node for graph in document["@graph"] for node in graph.get("@graph", [])]


def test_export_jsonld_embeds_the_published_context() -> None:
    published = json.loads((REPO / "ontology" / "context.jsonld").read_text(encoding="utf-8"))
    document = _jsonld(read_output(GRAPHS / "query_customs.trig"))
    assert document["@context"] == published["@context"] == dict(published_context())


def test_export_jsonld_uses_short_keys(seeds_build: Path) -> None:
    document = _jsonld(read_output(seeds_build))
    nodes = _nodes(document)
    keys = {key for node in nodes for key in node}
    assert not [key for key in keys if key.startswith("http")]
    assert {"label", "altLabel", "subOrganizationOf", "recipient", "honour", "evidence",
            "wasDerivedFrom"} <= keys
    bureau = next(node for node in nodes if node["@id"] == "id:bureau/满洲里海关")
    assert bureau["@type"] == "Bureau" and bureau["label"] == "满洲里海关"
    award = next(node for node in nodes if node["@type"] == "HonourAward")
    assert award["recipient"].startswith("id:") and award["wasDerivedFrom"].startswith("id:doc/")
    assert all(graph["@id"].startswith("id:doc/") for graph in document["@graph"])


def test_export_jsonld_values_outside_the_terms_keep_their_meaning() -> None:
    source = read_output(GRAPHS / "export_literals.trig")
    text = EXPORTERS["jsonld"].serialize(source)
    assert _triples(_read_bytes(text, ".jsonld")) == _triples(source)
    year = next(node for node in _nodes(_jsonld(read_output(GRAPHS / "query_customs.trig")))
                if node.get("@type") == "Year")
    assert year["rdfs:label"] == year["yearValue"]  # a plain string, not @zh


def test_export_jsonld_base_iri_overrides_the_id_prefix(tmp_path: Path) -> None:
    source = read_output(GRAPHS / "query_customs.trig")
    document = _jsonld(source, "https://example.org/kg/", tmp_path)
    assert document["@context"]["id"] == "https://example.org/kg/"
    assert document["@context"]["ckg"] == PREFIXES["ckg"]


def test_export_jsonld_context_covers_the_ontology() -> None:
    context = published_context()
    ontology = Graph().parse(REPO / "ontology" / "customs.ttl", format="turtle")
    owl = "http://www.w3.org/2002/07/owl#"
    rdfs_range = URIRef("http://www.w3.org/2000/01/rdf-schema#range")
    rdf_type = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    for prefix, namespace in PREFIXES.items():
        assert context[prefix] == namespace
    terms = {str(d["@id"]).replace("ckg:", CKG): d for d in context.values() if isinstance(d, dict)}
    for prop in ontology.subjects(rdf_type, URIRef(owl + "ObjectProperty")):
        assert terms[str(prop)]["@type"] == "@id", prop
    for prop in ontology.subjects(rdf_type, URIRef(owl + "DatatypeProperty")):
        kind = str(ontology.value(prop, rdfs_range)).rsplit("#", 1)[-1]
        term = terms[str(prop)]
        assert (term.get("@language") == "zh" if kind == "langString"
                else term["@type"] == f"xsd:{kind}"), prop
    for cls in ontology.subjects(rdf_type, URIRef(owl + "Class")):
        if str(cls).startswith(CKG):
            assert context[str(cls)[len(CKG):]] == "ckg:" + str(cls)[len(CKG):]


# ------------------------------------------------------------------------- GraphML


def test_export_graphml_reads_back_in_networkx(seeds_formats: Path, seeds_build: Path) -> None:
    path = seeds_formats / "graph.graphml"
    etree.parse(str(path))  # well-formed XML
    network = nx.read_graphml(path, force_multigraph=True)
    triples = _triples(read_output(seeds_build))
    rdf_type = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    links = {(str(s), str(p), str(o)) for s, p, o in triples
             if p != rdf_type and isinstance(o, URIRef)}
    assert network.number_of_edges() == len(links)
    assert set(network.nodes) == {str(s) for s, _, _ in triples} | {o for _, _, o in links}
    bureau = network.nodes["https://w3id.org/customs-kg/id/bureau/满洲里海关"]
    assert bureau == {"label": "满洲里海关", "class": "ckg:Bureau", "class_label": "直属海关"}
    labels = ontology_labels()
    for s, o, data in network.edges(data=True):
        predicate = data["predicate"].replace("ckg:", CKG).replace(
            "org:", PREFIXES["org"]).replace("prov:", PREFIXES["prov"])
        assert (s, predicate, o) in links
        assert data["label"] == labels[predicate]


def test_export_graphml_labels_awards_by_recipient_and_honour() -> None:
    network = nx.read_graphml(io.BytesIO(EXPORTERS["graphml"].serialize(
        read_output(GRAPHS / "query_customs.trig"))), force_multigraph=True)
    awards = [d["label"] for _, d in network.nodes(data=True) if d["class"] == "ckg:HonourAward"]
    assert "满洲里海关图书馆 · 职工书屋 2012" in awards
    document = next(d for _, d in network.nodes(data=True) if d["class"] == "ckg:Document")
    assert document["label"] and not document["label"].startswith("0")


def test_export_graphml_is_not_read_as_rdf(tmp_path: Path) -> None:
    (path,) = write_outputs(read_output(GRAPHS / "query_customs.trig"), tmp_path, ["graphml"])
    with pytest.raises(InputError, match="unknown graph file type '.graphml'"):
        read_output(path)
    with pytest.raises(InputError, match="no built graph"):
        find_output(tmp_path)


# --------------------------------------------------- issue 13: Turtle that reads by eye


@pytest.mark.issue(13)
@pytest.mark.parametrize("name", ["turtle", "trig"])
def test_export_turtle_names_carry_no_escapes(name: str, seeds_build: Path) -> None:
    text = (seeds_build / f"graph{EXPORTERS[name].suffix}").read_text(encoding="utf-8")
    outside_literals = re.sub(r'"(?:[^"\\\n]|\\.)*"', '""', text)
    assert "\\" not in outside_literals
    assert "bureau:天津海关 " in text and "honour:全国文明单位" in text
    assert "<https://w3id.org/customs-kg/id/suboffice/天津海关/机场海关>" in text
    assert "%28试行%29" in text  # an encoded bracket stays a plain prefixed name or IRI


@pytest.mark.issue(13)
def test_export_tidy_names_keeps_every_term_and_every_literal() -> None:
    base = "https://w3id.org/customs-kg/id/"
    quads = [ox.Quad(ox.NamedNode(base + "suboffice/天津海关/机场海关"), ox.NamedNode(base + "p"),
                     ox.Literal('id:suboffice\\/x "q" \\ honour:a\\%28'), ox.DefaultGraph()),
             ox.Quad(ox.NamedNode(base + "honour/A%28B%29"), ox.NamedNode(base + "p"),
                     ox.NamedNode(base + "programme/海关总署/a.b~c"), ox.DefaultGraph()),
             ox.Quad(ox.NamedNode(base + "honour/-x."), ox.NamedNode(base + "p"),
                     ox.NamedNode(base + "year/2015"), ox.DefaultGraph())]
    for name in ("turtle", "trig"):
        data = EXPORTERS[name].render(quads, prefixes_for(Graph()))
        parsed = ox.parse(data, format=EXPORTERS[name].rdf_format)
        assert {(q.subject, q.predicate, q.object) for q in parsed} == \
            {(q.subject, q.predicate, q.object) for q in quads}
        assert b"honour:A%28B%29" in data and b"year:2015" in data
