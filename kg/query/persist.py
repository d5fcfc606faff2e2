"""The store a build directory keeps for queries, and finding a build's graph file.

Part of :mod:`kg.query`; may import ``kg.errors``.  :func:`ensure_store` bulk-loads the
graph file of a build into ``<build>/store/`` (a pyoxigraph RocksDB store): the named
graphs as they are, plus their union, each triple once, as the default graph.  It builds
in a temporary directory beside the target and swaps it in, records the size and change
time of the file it was made from, and is remade when that file changes (a rebuild).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyoxigraph as ox

from kg.errors import InputError
from kg.graphfiles import find_graph_file, graph_format

__all__ = [
    "PERSIST_MIN_BYTES",
    "STORE_DIR",
    "ensure_store",
    "short_message",
    "store_identity",
    "union_quads",
]

_MAX_MESSAGE = 300

#: The directory of a build that holds its persisted store.
STORE_DIR = "store"
#: From this size of graph file on, a build directory gets a persisted store.
PERSIST_MIN_BYTES = 1 << 20
#: The file inside the store that names the graph file it was made from.
_STAMP = "kg-source.json"


def union_quads(quads: Iterable[ox.Quad]) -> Iterator[ox.Quad]:
    """The quads moved to the default graph (the store keeps each triple once there)."""
    return (ox.Quad(q.subject, q.predicate, q.object) for q in quads)


def _stamp(path: Path) -> dict[str, object]:
    """What identifies the content of a graph file: its name, size and change time."""
    info = path.stat()
    return {"file": path.name, "size": info.st_size, "mtime_ns": info.st_mtime_ns,
            "layout": "named graphs + their union as the default graph"}


def _recorded_stamp(store_dir: Path) -> object:
    try:
        return json.loads((store_dir / _STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def store_identity(store_dir: Path) -> tuple[int, int]:
    """What tells one made store from the next: its stamp file is written anew (a new file
    and time) each time the store is made.

    Raises:
        OSError: no store there.
    """
    info = (store_dir / _STAMP).stat()
    return info.st_ino, info.st_mtime_ns


def ensure_store(build: Path) -> Path:
    """Make ``<build>/store/`` from the build's graph file unless it is up to date.

    The store is bulk-loaded into a temporary directory beside it and then swapped in,
    so a reader never sees half a store; it records the size and change time of the file
    it was made from and is remade when that file changes (a rebuild).

    Args:
        build: a build directory (``graph.trig`` preferred, as for :func:`run_query`).

    Returns:
        The store directory.

    Raises:
        InputError: no graph file, a file that does not parse, or a directory where the
            store cannot be written.
    """
    build = Path(build)
    source = find_graph_file(build)
    target = build / STORE_DIR
    stamp = _stamp(source)
    if _recorded_stamp(target) == stamp:
        return target
    fresh: Path | None = None
    try:
        fresh = Path(tempfile.mkdtemp(prefix=f".{STORE_DIR}-", dir=build))
        _bulk_load(fresh, source, stamp)
        _swap(fresh, target)
    except OSError as exc:
        raise InputError(f"cannot write the query store ({exc.strerror or exc})",
                         path=str(target), hint="make the build directory writable") from None
    finally:
        if fresh is not None:
            shutil.rmtree(fresh, ignore_errors=True)
    return target


def _bulk_load(directory: Path, source: Path, stamp: dict[str, object]) -> None:
    """Bulk-load ``source`` into a new store in ``directory`` and record its stamp."""
    try:
        store = ox.Store(str(directory))
        store.bulk_load(path=source, format=graph_format(source))
        store.bulk_extend(union_quads(ox.parse(path=source, format=graph_format(source))))
        store.flush()
        # Compacted once here, every later query reads fewer files (a quarter faster on
        # 10,000 documents, for a few seconds now).
        store.optimize()
    except (SyntaxError, ValueError) as exc:
        raise InputError(f"cannot parse graph file ({short_message(exc)})", path=str(source),
                         hint="rebuild it with 'kg build'") from None
    del store  # closes the database before it is moved
    (directory / _STAMP).write_text(json.dumps(stamp, sort_keys=True), encoding="utf-8")


def _swap(fresh: Path, target: Path) -> None:
    """Put ``fresh`` in place of ``target``; if another process won the race, keep theirs."""
    old = None
    if target.exists():
        old = target.with_name(f"{fresh.name}-old")
        os.replace(target, old)
    try:
        os.replace(fresh, target)
    except OSError:
        if not target.exists():
            raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def short_message(exc: BaseException) -> str:
    """The exception's text on one line, cut to a readable length."""
    text = " ".join(str(exc).split())
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 1] + "…"
