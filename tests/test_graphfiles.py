"""Tests for kg.graphfiles: the one table of graph files every reader uses."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.errors import InputError
from kg.export import EXPORTERS, READ_ORDER
from kg.graphfiles import GRAPH_FILES, find_graph_file, graph_format


def test_graphfiles_cover_every_rdf_format_kg_writes() -> None:
    written = {e.suffix: e.rdf_format for e in EXPORTERS.values() if e.is_rdf}
    assert written == GRAPH_FILES
    assert [EXPORTERS[name].suffix for name in READ_ORDER] == list(GRAPH_FILES)


def test_graphfiles_a_build_directory_gives_its_quad_file_first(tmp_path: Path) -> None:
    for suffix in (".ttl", ".jsonld", ".trig", ".nt"):
        (tmp_path / f"graph{suffix}").write_text("", encoding="utf-8")
    assert find_graph_file(tmp_path) == tmp_path / "graph.trig"
    assert find_graph_file(tmp_path, [".nt", ".ttl"]) == tmp_path / "graph.nt"
    assert find_graph_file(tmp_path / "graph.ttl") == tmp_path / "graph.ttl"
    with pytest.raises(InputError, match="no built graph in this directory"):
        find_graph_file(tmp_path, [".nq"])
    with pytest.raises(InputError, match="graph not found"):
        find_graph_file(tmp_path / "missing")


def test_graphfiles_format_by_suffix_in_any_case() -> None:
    assert graph_format(Path("x/GRAPH.TRIG")) is ox.RdfFormat.TRIG
    assert graph_format(Path("graph.nq")) is ox.RdfFormat.N_QUADS
    with pytest.raises(InputError, match=r"unknown graph file type '\.graphml'") as caught:
        graph_format(Path("graph.graphml"))
    assert ".trig" in str(caught.value)
