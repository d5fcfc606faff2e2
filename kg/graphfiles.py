"""The graph files a build writes and the commands read: their suffixes, their formats, and
which one of a build directory to read.

May import ``kg.errors`` only.  One table for every reader (query, store, validate,
evaluate, export), so they accept the same files and prefer the same one.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

from kg.errors import InputError

__all__ = ["BASE_NAME", "GRAPH_FILES", "find_graph_file", "graph_format"]

#: The stem of every graph file of a build (``graph.ttl``, ``graph.trig`` …).
BASE_NAME = "graph"

#: Graph file suffix -> its format, in the order a build directory is searched: quad
#: formats first, so that each document keeps its named graph.
GRAPH_FILES: dict[str, ox.RdfFormat] = {
    ".trig": ox.RdfFormat.TRIG,
    ".nq": ox.RdfFormat.N_QUADS,
    ".ttl": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".jsonld": ox.RdfFormat.JSON_LD,
}


def graph_format(path: Path, formats: dict[str, ox.RdfFormat] = GRAPH_FILES) -> ox.RdfFormat:
    """The format of a graph file, from its suffix (any case).

    Args:
        path: the file.
        formats: the suffixes the caller reads.

    Raises:
        InputError: a suffix not among ``formats``.
    """
    fmt = formats.get(Path(path).suffix.lower())
    if fmt is None:
        raise InputError(f"unknown graph file type {Path(path).suffix or '(none)'!r}",
                         path=str(path), hint="use " + ", ".join(formats))
    return fmt


def find_graph_file(source: Path, suffixes: Iterable[str] = GRAPH_FILES) -> Path:
    """The graph file to read for ``source``: the file itself, or the first
    ``graph<suffix>`` of a build directory, in the order of ``suffixes``.

    Raises:
        InputError: nothing there, or a directory without a built graph.
    """
    source = Path(source)
    if source.is_file():
        return source
    if source.is_dir():
        for suffix in suffixes:
            candidate = source / f"{BASE_NAME}{suffix}"
            if candidate.is_file():
                return candidate
        raise InputError("no built graph in this directory", path=str(source),
                         hint="run 'kg build -o DIR' first, or give a graph file")
    raise InputError("graph not found", path=str(source), hint="run 'kg build' first")
