"""Tests for kg.export: every format round-trips through rdflib and pyoxigraph, files are
byte-identical whatever the insertion order or hash seed, and builds are read back."""

from __future__ import annotations

import random
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from rdflib import BNode, Dataset, Graph, URIRef

from kg.errors import InputError
from kg.export import (
    EXPORTERS,
    canonical_quads,
    convert,
    find_output,
    read_output,
    write_outputs,
)

GRAPHS = Path(__file__).parent / "data" / "graphs"
REPO = Path(__file__).resolve().parents[1]
CASES = sorted(GRAPHS.glob("export_*.trig")) + sorted(GRAPHS.glob("query_*.trig"))
RDFLIB_FORMATS = {"turtle": "turtle", "trig": "trig", "nt": "nt", "nquads": "nquads",
                  "jsonld": "json-ld"}


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
@pytest.mark.parametrize("name", list(EXPORTERS))
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


@pytest.mark.parametrize("name", list(EXPORTERS))
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
    assert "@prefix id: <https://w3id.org/customs-kg/id/> ." in text
    assert "rdfs:label \"满洲里海关\"@zh" in text
    (path,) = write_outputs(source, tmp_path, ["turtle"], base_iri="https://example.org/kg/")
    assert "@prefix id: <https://example.org/kg/> ." in path.read_text(encoding="utf-8")


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
