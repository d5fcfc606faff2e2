"""The pipeline: documents in, graph files out.  The only module that imports every stage.

``build(paths, out_dir, ...)`` reads each document (ingest), runs the per-document stages
(segment -> extract -> resolve) in this process or in ``workers`` processes, merges the
entities of the corpus, builds the graph and writes the outputs atomically, with
``build-report.json`` saying what became of every input.  One bad document is skipped
or failed with a one-line reason; the others are still built.

Scale:

* **Workers.**  The resources (lexicon, patterns, tokenizer) are loaded once, before the
  worker processes are forked, and the workers take the documents in chunks; each sends
  back only what the corpus stages need of a resolved document (entities, resolved awards
  and programmes, metadata): the text, sentences and mentions stay behind.  Writing is
  parallel too (:func:`_write_in_parallel`).  Output does not depend on the number of
  workers.
* **Cache.**  ``<out_dir>/.cache/<key>.pickle`` holds each document's result, keyed by the
  sha256 of the file's bytes, its path and the build's fingerprint (kg's version, the
  source of ingest and the per-document stages, the data files and ``--data`` overlays, the
  tokenizer's and Python's versions), so a rebuild processes only new or changed documents and a
  changed lexicon rebuilds all.
  Entries no document of the build used are removed.  Outputs are the same bytes with
  or without the cache.  The files are pickles: a cache is as trusted as the output
  directory that holds it.
* **Memory.**  The graph is written document by document: each document's named graph is
  made, sorted and appended to a temporary N-Quads file, and its triples go to a sorter that
  spills sorted runs to disk, from which the union formats (Turtle, N-Triples) are read in
  order; pyoxigraph renders each format from those files straight into a file.  No format
  holds the corpus as rdflib objects or as one text; only the HTML picture, which draws
  everything, loads the graph into memory.  With workers, the writing is shared out by
  documents and then by ranges of subjects (:func:`_write_in_parallel`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import hashlib
import heapq
import importlib.metadata
import itertools
import json
import multiprocessing
import os
import pickle
import shutil
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TypeVar, cast

import pyoxigraph as ox
from rdflib import Graph

import kg
from kg import doc as records
from kg import (
    errors,
    export,
    extract,
    graph,
    ingest,
    lexicon,
    patterns,
    resolve,
    resources,
    segment,
    viz,
)
from kg._fs import atomic_write_text, ensure_dir, publish_set, recover, scratch_dir
from kg.doc import BuildReport, Document, EntityIndex, Outcome
from kg.errors import DocumentError, InputError, KgError
from kg.ingest import find_documents
from kg.lexicon import load_lexicon
from kg.patterns import Resources, load_patterns, load_resources
from kg.vocab import DEFAULT_BASE_IRI, IriMinter

__all__ = [
    "CACHE_DIR",
    "DEFAULT_BASE_IRI",
    "STAGES",
    "Pipeline",
    "build",
    "find_documents",
    "process_document",
]

Stage = Callable[[Document, Resources], Document]

#: The per-document stages in order, with what each reads and writes.
STAGES: tuple[tuple[str, Stage, tuple[str, ...], tuple[str, ...]], ...] = (
    ("segment", segment.segment, segment.REQUIRES, segment.ASSIGNS),
    ("extract", extract.extract, extract.REQUIRES, extract.ASSIGNS),
    ("resolve", resolve.resolve_document, resolve.REQUIRES, resolve.ASSIGNS),
)

#: The cache directory's name inside the output directory.
CACHE_DIR = ".cache"

#: The fields of a resolved document that the corpus stages read; the rest is dropped
#: before a document leaves its worker or enters the cache.
_KEPT = frozenset({"id", "path", "meta", "entities", "resolved_awards",
                   "resolved_programmes", "mentioned"})
#: Union triples held in memory before a sorted run is written to disk.
_RUN_LENGTH = 200_000


@dataclass(frozen=True)
class Pipeline:
    """Resources plus the stages, checked once: every field a stage requires is set by
    ingest or by an earlier stage."""

    resources: Resources

    def __post_init__(self) -> None:
        available = {"id", "path", "text", "meta", "source_text"}
        for name, _, requires, assigns in STAGES:
            missing = set(requires) - available
            if missing:
                raise KgError(f"stage {name} needs {sorted(missing)} before it runs")
            available |= set(assigns)

    def __call__(self, doc: Document) -> Document:
        """Run every stage on ``doc``."""
        for name, stage, _, _ in STAGES:
            doc = stage(doc, self.resources)
            if not isinstance(doc, Document):
                raise KgError(f"stage {name} returned {type(doc).__name__}, not a Document")
        return doc


def process_document(path: str, root: str | None, overlays: tuple[str, ...] = ()
                     ) -> tuple[Outcome, Document | None]:
    """Read and process one file; never raises for a problem of that file.

    Returns:
        The outcome and, when built, the resolved document.
    """
    try:
        doc = ingest.read_document(Path(path), root=Path(root) if root else None)
    except DocumentError as exc:
        return Outcome(path, "skipped", str(exc)), None
    try:
        pipeline = Pipeline(load_resources(tuple(Path(o) for o in overlays)))
        doc = pipeline(doc)
        graph.check_document(doc)
    except KgError as exc:
        return Outcome(path, "failed", str(exc), doc.id), None
    except Exception as exc:  # noqa: BLE001 - one bad document must not sink the build
        reason = f"{path}: internal error {type(exc).__name__}: {exc}".splitlines()[0]
        return Outcome(path, "failed", reason, doc.id), None
    return built(path, doc), doc


def built(path: str, doc: Document) -> Outcome:
    """The outcome of a built document, with a note where its text is not quite its file's."""
    note = ""
    if doc.meta.replaced:
        note = (f"{doc.meta.replaced} byte(s) no codec reads were replaced by U+FFFD "
                f"(read as {doc.meta.encoding})")
    return Outcome(path, "built", note, doc.id)


def _slim(doc: Document) -> Document:
    """The document with only what the corpus stages read (see :data:`_KEPT`)."""
    empty = {f.name: f.default for f in dataclasses.fields(Document)
             if f.name not in _KEPT and f.default is not dataclasses.MISSING}
    return dataclasses.replace(doc, text="", **empty)


# ---------------------------------------------------------------------------- the cache


def _fingerprint(overlays: tuple[str, ...]) -> str:
    """What a cached result depends on besides its file: kg's version, the source of the
    per-document stages, the data files and overlays, the jieba and Python versions."""
    digest = hashlib.sha256()
    versions = (kg.__version__, importlib.metadata.version("jieba-fast-dat"),
                f"{sys.version_info[0]}.{sys.version_info[1]}")
    digest.update(repr(versions).encode())
    package = Path(kg.__file__ or "").parent
    sources = [(0, path, path.relative_to(package)) for path in _stage_sources()]
    trees = [resources.data_dir(), *(Path(o) for o in overlays)]
    for number, top in enumerate(trees, start=1):
        files = sorted(top.rglob("*")) if top.is_dir() else []
        sources += [(number, path, path.relative_to(top)) for path in files
                    if path.is_file() and path.relative_to(top).parts[0] != "viz"]
    for number, path, name in sources:
        digest.update(f"\0{number}\0{name.as_posix()}\0".encode("utf-8", "surrogateescape"))
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _stage_sources() -> list[Path]:
    """The source files whose code decides a document's cached result: ingest, the stages,
    what they read through (patterns, lexicon, resources), the records, and this module.
    (Graph, export, query and picture code can change without invalidating the cache.)"""
    files: set[Path] = set()
    for module in (ingest, segment, extract, resolve, patterns, lexicon, resources, records,
                   errors, sys.modules[__name__]):
        path = Path(module.__file__ or "")
        files |= set(path.parent.rglob("*.py")) if path.name == "__init__.py" else {path}
    return sorted(files)


#: overlays -> the fingerprint of the data this process last loaded for them.
_LOADED: dict[tuple[str, ...], str] = {}


def _fresh_resources(overlays: tuple[str, ...], fingerprint: str) -> Resources:
    """The resources for ``overlays`` as their files are now: when a data file changed
    since this process loaded them (a new fingerprint), they are loaded afresh rather than
    taken from the loaders' caches, so that neither the graph nor the cache is stale.

    Raises:
        DataError: a lexicon or pattern file is malformed.
    """
    if _LOADED.get(overlays, fingerprint) != fingerprint:
        for loader in (load_resources, load_patterns, load_lexicon):
            loader.cache_clear()
    resources_ = load_resources(tuple(Path(o) for o in overlays))
    _LOADED[overlays] = fingerprint
    return resources_


@dataclass(frozen=True)
class _Cache:
    """Resolved documents by content key, one pickle per document, under ``directory``."""

    directory: Path
    fingerprint: str

    def key(self, path: Path, root: Path | None) -> str | None:
        """The key of a file as found under ``root``; None when it cannot be read (ingest
        then reports why)."""
        try:
            data = path.read_bytes()
        except OSError:
            return None
        digest = hashlib.sha256(f"{self.fingerprint}\0{path}\0{root}\0".encode(
            "utf-8", "surrogateescape"))
        digest.update(data)
        return digest.hexdigest()

    def has(self, key: str) -> bool:
        """Whether an entry for ``key`` exists (it may still turn out unreadable)."""
        return (self.directory / f"{key}.pickle").is_file()

    def load(self, key: str) -> Document | None:
        """The cached document, or None (absent, unreadable, or not a document)."""
        try:
            found = pickle.loads((self.directory / f"{key}.pickle").read_bytes())
        except FileNotFoundError:
            return None
        except Exception:  # noqa: BLE001 - a torn or foreign file is a miss, never an error
            return None
        return found if isinstance(found, Document) else None

    def store(self, key: str, doc: Document) -> None:
        """Save ``doc`` under ``key`` (see :meth:`write`)."""
        self.write(key, pickle.dumps(doc, protocol=pickle.HIGHEST_PROTOCOL))

    def write(self, key: str, data: bytes) -> None:
        """Save a pickled document under ``key`` (temporary file, then rename; no fsync: a
        torn entry is a miss).  A cache that cannot be written is skipped silently.
        Thread-safe: it only makes files."""
        try:
            if not self.directory.is_dir():
                self.directory.mkdir(parents=True, exist_ok=True)
            # a name of this process's and thread's own (mkstemp's random names cost more
            # than the pickling); a file left by a killed process is overwritten or pruned
            tmp = self.directory / f".{key}.{os.getpid()}.{threading.get_ident()}.tmp"
            with open(tmp, "wb") as handle:
                handle.write(data)
            os.replace(tmp, self.directory / f"{key}.pickle")
        except OSError:
            pass

    def prune(self, keep: set[str]) -> None:
        """Remove the entries whose key is not in ``keep``, and temporary files left by a
        build that was killed."""
        try:
            entries = list(self.directory.iterdir())
        except OSError:
            return
        for entry in entries:
            if entry.suffix != ".pickle" or entry.stem not in keep:
                try:
                    entry.unlink()
                except OSError:
                    pass


# --------------------------------------------------------------------- per-document stages

_Job = tuple[str, "str | None", tuple[str, ...], "str | None", "str | None"]


def _warm(overlays: tuple[str, ...]) -> None:
    """Load a worker's resources once, before its first document."""
    res = load_resources(tuple(Path(o) for o in overlays))
    res.tokenizer  # noqa: B018 - the jieba dictionary, loaded once per process
    res.word_tags  # noqa: B018


def _job(path: str, root: str | None, overlays: tuple[str, ...], cache_dir: str | None,
         key: str | None) -> tuple[Outcome, Document | None]:
    """Process one file in a worker and return (and cache) only what the corpus needs."""
    outcome, doc = process_document(path, root, overlays)
    if doc is None:
        return outcome, None
    doc = _slim(doc)
    if cache_dir is not None and key is not None:
        _Cache(Path(cache_dir), "").store(key, doc)
    return outcome, doc


def _roots(paths: Sequence[str | Path], exclude: Sequence[Path] = ()
           ) -> tuple[dict[Path, Path | None], list[Outcome]]:
    """Each document once (however many arguments name it), with the directory it was
    found under, which its id is taken relative to; and an outcome for every other path
    met on the way (ignored, or skipped where it may hide a document)."""
    roots: dict[Path, Path | None] = {}
    ignored: dict[str, Outcome] = {}
    seen: set[Path] = set()
    for given in paths:
        given = Path(given)
        is_dir = given.is_dir()
        found = ingest.survey([given], exclude=exclude)
        for path in found.documents:
            real = path.resolve()
            if real not in seen:
                seen.add(real)
                roots[path] = given if is_dir else None
        for path, reason, blocking in found.ignored:
            ignored.setdefault(str(path), Outcome(str(path), "skipped" if blocking
                                                  else "ignored", reason))
    # a file named on its own is read, though a folder given beside it would pass it over
    return roots, sorted(o for o in ignored.values() if Path(o.path).resolve() not in seen)


def _run(files: dict[Path, Path | None], workers: int, overlays: tuple[str, ...],
         cache: _Cache | None, used: set[str]) -> Iterator[tuple[Outcome, Document | None]]:
    """Outcomes and slim documents of every file, in no particular order.

    The workers start on the documents the cache lacks before the cached ones are read,
    so that reading the cache overlaps with their work (and forked workers do not inherit
    the cached documents).  A cache entry that turns out unreadable is processed here.
    """
    jobs: list[_Job] = []
    hits: list[tuple[Path, str]] = []
    directory = str(cache.directory) if cache is not None else None
    for path, root in sorted(files.items()):
        key = cache.key(path, root) if cache is not None else None
        if key is not None:
            used.add(key)
            if cache is not None and cache.has(key):
                hits.append((path, key))
                continue
        jobs.append((str(path), str(root) if root else None, overlays, directory, key))
    late: list[_Job] = []
    if workers <= 1 or len(jobs) <= 1:
        yield from _cached(hits, cache, files, overlays, late)
        late += jobs
    else:
        chunk = max(1, min(32, len(jobs) // (workers * 8)))
        if multiprocessing.get_start_method() == "fork":
            _warm(overlays)  # loaded once here, the forked workers share it
        with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), initializer=_warm,
                                 initargs=(overlays,)) as pool:
            results = pool.map(_job, *zip(*jobs), chunksize=chunk)
            yield from _cached(hits, cache, files, overlays, late)
            yield from results
    # Here, in this process, the cache files are made by a thread: making a file is a
    # system call that leaves the interpreter free to go on with the next document.
    with ThreadPoolExecutor(max_workers=1) as writer:
        for path, root, job_overlays, cache_dir, key in late:
            outcome, doc = _job(path, root, job_overlays, None, None)
            if doc is not None and cache_dir is not None and key is not None:
                data = pickle.dumps(doc, protocol=pickle.HIGHEST_PROTOCOL)
                writer.submit(_Cache(Path(cache_dir), "").write, key, data)
            yield outcome, doc


def _cached(hits: list[tuple[Path, str]], cache: _Cache | None,
            files: dict[Path, Path | None], overlays: tuple[str, ...], late: list[_Job]
            ) -> Iterator[tuple[Outcome, Document | None]]:
    """The cached documents; an entry that cannot be read is added to ``late``."""
    for path, key in hits:
        found = cache.load(key) if cache is not None else None
        if found is None:
            root = files[path]
            late.append((str(path), str(root) if root else None, overlays,
                         str(cache.directory) if cache is not None else None, key))
            continue
        yield built(str(path), found), found


def _unique_ids(docs: list[Document], outcomes: list[Outcome]) -> list[Document]:
    seen: dict[str, str] = {}
    kept = []
    for doc in sorted(docs, key=lambda d: Path(d.path)):  # the order files were found in
        if doc.id in seen:
            outcomes[:] = [o if o.path != doc.path else
                           Outcome(o.path, "failed", f"{doc.path}: same document id as "
                                   f"{seen[doc.id]}; rename one of them", doc.id)
                           for o in outcomes]
            continue
        seen[doc.id] = doc.path
        kept.append(doc)
    return kept


# ------------------------------------------------------------------------------- writing


class _Sorter:
    """Sorts and de-duplicates more lines than should be held in memory: sorted runs of at
    most ``run_length`` lines are written under ``directory`` and merged at the end.
    ``runs`` are sorted distinct run files made elsewhere, merged with the sorter's own."""

    def __init__(self, directory: Path, run_length: int = _RUN_LENGTH,
                 runs: Iterable[Path] = ()) -> None:
        self.directory, self.run_length = directory, run_length
        self.buffer: list[str] = []
        self.runs: list[Path] = list(runs)
        self.count = 0  #: distinct lines :meth:`merged` has given so far

    def extend(self, lines: Iterable[str]) -> None:
        self.buffer.extend(lines)
        if len(self.buffer) >= self.run_length:
            self._spill()

    def _spill(self) -> None:
        path = self.directory / f"run{len(self.runs):05d}.txt"
        with open(path, "w", encoding="utf-8", newline="\n") as handle:
            handle.writelines(f"{line}\n" for line in sorted(set(self.buffer)))
        self.runs.append(path)
        self.buffer = []

    def merged(self) -> Iterator[str]:
        """Every distinct line, in order."""
        if not self.runs:  # it all fitted in memory
            lines = sorted(set(self.buffer))
            self.count += len(lines)
            yield from lines
            return
        with contextlib.ExitStack() as stack:
            files = [stack.enter_context(open(p, encoding="utf-8", newline="\n"))
                     for p in self.runs]
            streams = [(line[:-1] for line in f) for f in files]
            for line in _distinct(heapq.merge(*streams, sorted(set(self.buffer)))):
                self.count += 1
                yield line


def _write_graphs(doc_ids: Iterable[str], by_id: dict[str, Document], facts: graph.CorpusFacts,
                  quads: Path, sorter: _Sorter) -> None:
    """The named graphs of ``doc_ids`` into the N-Quads file ``quads``, in that order, and
    their statements into ``sorter`` as union lines."""
    with open(quads, "w", encoding="utf-8", newline="\n") as handle:
        for doc_id in doc_ids:
            statements = graph.document_statements(by_id[doc_id], facts)
            handle.write(statements.nquads())
            sorter.extend(statements.lines)


def _nt_block(block: bytes) -> bytes:
    """Union lines (see :func:`_stream_graph`), UTF-8, each ended by a line break, as
    N-Triples."""
    # N-Triples text holds no NUL and no line break, and only an empty predicate (rdf:type)
    # gives two NULs in a row: a whole block converts in three passes in C
    return block.replace(b"\0\0", _RDF_TYPE_BETWEEN).replace(b"\0", b" ") \
        .replace(b"\n", b" .\n")


_RDF_TYPE_BETWEEN = f" {graph.RDF_TYPE} ".encode()


def _stream_graph(docs: list[Document], index: EntityIndex, minter: IriMinter,
                  tmp: Path) -> tuple[Path, Path, int]:
    """Write the canonical quads (N-Quads) and the sorted distinct union (N-Triples) into
    ``tmp``, one document at a time; returns both paths and the number of triples.

    A union triple is sorted as one line, its statement row joined by NUL (which N-Triples
    text never holds), so that the lines' order is the rows' order, the canonical one.
    """
    facts = graph.corpus_facts(docs, index, minter)
    by_id = {d.id: d for d in docs}
    sorter = _Sorter(tmp)
    quads_path = tmp / "quads.nq"
    _write_graphs(graph.graph_order(by_id, minter), by_id, facts, quads_path, sorter)
    triples_path, count = _write_union(sorter, tmp / "triples.nt")
    return quads_path, triples_path, count


def _write_union(sorter: _Sorter, target: Path) -> tuple[Path, int]:
    """The sorter's distinct lines, in order, as the N-Triples file ``target``; returns it
    and the number of triples."""
    with open(target, "wb") as handle:
        lines = sorter.merged()
        while batch := list(itertools.islice(lines, _BATCH)):
            handle.write(_nt_block("".join(f"{line}\n" for line in batch).encode("utf-8")))
    return target, sorter.count


def _render(exporter: export.Exporter, source: Path, prefixes: dict[str, str],
            target: Path) -> Path:
    """One format into the file ``target``, from the canonical quads, or from the sorted
    union for a union format: read as a stream and, by pyoxigraph's writers, written as
    one, so that a large graph is never held as terms or as text."""
    # lenient: these are our own files, every term already checked as it was made (the
    # minter checks IRIs, pyoxigraph's writers escape literals); a strict parse of them
    # would check it all again at twice the time
    # (quads in the default graph, from N-Triples, pyoxigraph's triple writers take as
    # they are)
    parsed = ox.parse(path=source, lenient=True, format=ox.RdfFormat.N_TRIPLES
                      if exporter.union else ox.RdfFormat.N_QUADS)
    if exporter.writer is not None:  # our own writers take a list
        items = [q.triple for q in parsed] if exporter.union else list(parsed)
        target.write_bytes(exporter.writer(items, prefixes))
    elif exporter.rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG):
        raw = target.with_name(target.name + ".raw")
        prefixes = export.turtle_prefixes(prefixes)
        ox.serialize(parsed, output=raw, format=exporter.rdf_format, prefixes=prefixes)
        with open(raw, "rb") as source, open(target, "wb") as handle:
            export.tidy_file(source, handle, prefixes)
        raw.unlink()
    else:
        ox.serialize(parsed, output=target, format=exporter.rdf_format)
    return target


def _exporter(name: str) -> export.Exporter:
    if name not in export.EXPORTERS:
        raise InputError(f"unknown output format {name!r}", path="--format",
                         hint="use one of " + ", ".join(export.EXPORTERS))
    return export.EXPORTERS[name]


def _write_outputs(docs: list[Document], index: EntityIndex, minter: IriMinter, final: Path,
                   formats: Sequence[str], html: bool, workers: int = 1
                   ) -> tuple[list[str], int]:
    """Write every requested format (and the picture) into the scratch directory ``final``;
    returns the names of the files made there and the number of distinct triples.  With
    several workers (and ``fork``) the named graphs and the formats are written by worker
    processes (:func:`_write_in_parallel`); the bytes are the same."""
    exporters = [_exporter(name) for name in dict.fromkeys(formats)]
    prefixes = export.prefixes_for(Graph(), minter.base)
    tmp = final / "work"
    tmp.mkdir()
    if workers > 1 and len(docs) >= _PARALLEL_WRITE_MIN and \
            "fork" in multiprocessing.get_all_start_methods():
        files, triples, count = _write_in_parallel(docs, index, minter, tmp, exporters,
                                                   prefixes, workers)
    else:
        quads, triples, count = _stream_graph(docs, index, minter, tmp)
        files = {e.name: _render(e, triples if e.union else quads, prefixes,
                                 tmp / f"graph{e.suffix}") for e in exporters}
    written = []
    for exporter in exporters:
        name = f"graph{exporter.suffix}"
        os.replace(files[exporter.name], final / name)
        written.append(name)
    if html:
        written += [p.name for p in viz.write_html(export.read_output(triples),
                                                    final / "graph.html")]
    return written, count  # final/work goes with the scratch directory once published


#: The files a build may write into its output directory: those of an earlier build that
#: this one does not write are removed, so that every file there is from one build.
_OUTPUT_NAMES = ("build-report.json", "graph.html", "timeline.html",
                 *(f"graph{e.suffix}" for e in export.EXPORTERS.values()))


#: Fewer documents than this are written in this process: forking would cost more.
_PARALLEL_WRITE_MIN = 200

#: The corpus a writing worker reads, handed over by fork (see :func:`_write_in_parallel`).
_CORPUS: dict[str, object] = {}


def _receive_corpus(by_id: dict[str, Document], facts: graph.CorpusFacts) -> None:
    _CORPUS.update(by_id=by_id, facts=facts)


def _write_in_parallel(docs: list[Document], index: EntityIndex, minter: IriMinter, tmp: Path,
                       exporters: list[export.Exporter], prefixes: dict[str, str],
                       workers: int) -> tuple[dict[str, Path], Path, int]:
    """The graph written by ``workers`` forked processes, in two rounds.

    First each worker writes the named graphs of a run of documents (in graph order), the
    sorted union lines of their triples and its piece of each per-graph format (TriG,
    N-Quads).  Then each worker merges one range of subjects out of every run's union lines
    and writes its piece of each union format (Turtle, N-Triples).  A piece of a format
    written by pyoxigraph is the same bytes as that stretch of the whole file (its writers
    carry nothing from one graph, or one subject, to the next) but for the prefixes at its
    head, so this process only concatenates the pieces.  Formats of our own writers
    (JSON-LD, GraphML) are rendered whole, from the joined files, by a worker.

    Returns:
        The rendered file of each format (under ``tmp``), the union N-Triples file and the
        number of distinct triples.
    """
    facts = graph.corpus_facts(docs, index, minter)
    by_id = {d.id: d for d in docs}
    order = graph.graph_order(by_id, minter)
    size = -(-len(order) // workers)
    runs = [order[i:i + size] for i in range(0, len(order), size)]
    pieced = [e.name for e in exporters if e.writer is not None or e.rdf_format is None]
    by_graph = [e.name for e in exporters if not e.union and e.name not in pieced]
    by_subject = [e.name for e in exporters if e.union and e.name not in pieced]
    # fork hands the corpus to the workers as memory they share, without pickling it
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=len(runs), mp_context=context,
                             initializer=_receive_corpus, initargs=(by_id, facts)) as pool:
        parts = list(pool.map(_write_part, runs,
                              [tmp / f"part{i:03d}" for i in range(len(runs))],
                              [by_graph] * len(runs), [prefixes] * len(runs),
                              [len(runs)] * len(runs)))
        unions = [part.union for part in parts]
        bounds = [None, *_split_keys([part.splits for part in parts], len(runs)), None]
        ranges = list(pool.map(_write_range, [unions] * len(runs), bounds[:-1], bounds[1:],
                               [tmp / f"range{i:03d}" for i in range(len(runs))],
                               [by_subject] * len(runs), [prefixes] * len(runs)))
        files = {name: _join(tmp / f"graph{export.EXPORTERS[name].suffix}",
                             [part.pieces[name] for part in parts])
                 for name in by_graph}
        files.update({name: _join(tmp / f"graph{export.EXPORTERS[name].suffix}",
                                  [r.pieces[name] for r in ranges])
                      for name in by_subject})
        triples = _join(tmp / "triples.nt", [r.union for r in ranges])
        count = sum(r.count for r in ranges)
        if pieced:
            quads = _join(tmp / "quads.nq", [part.quads for part in parts])
            pending = {name: pool.submit(_render_file, name,
                                         triples if export.EXPORTERS[name].union else quads,
                                         prefixes, tmp)
                       for name in pieced}
            files.update({name: future.result() for name, future in pending.items()})
    return files, triples, count


@dataclass(frozen=True)
class _Part:
    """What a writing worker made of a run of documents (see :func:`_write_part`)."""

    quads: Path  #: their named graphs, N-Quads
    union: Path  #: the sorted distinct union lines of their statements
    splits: tuple[str, ...]  #: subjects that cut those lines into equal runs
    pieces: dict[str, Path]  #: each per-graph format of their graphs


@dataclass(frozen=True)
class _Range:
    """What a writing worker made of a range of subjects (see :func:`_write_range`)."""

    union: Path  #: the range's distinct union triples, N-Triples
    count: int  #: how many
    pieces: dict[str, Path]  #: each union format of them


def _write_part(doc_ids: list[str], stem: Path, formats: list[str], prefixes: dict[str, str],
                ranges: int) -> _Part:
    """In a worker: the named graphs of ``doc_ids`` as N-Quads, the sorted distinct union
    lines of their statements (see :func:`_stream_graph`), the subjects that cut those
    lines into ``ranges`` equal runs, and each of ``formats`` rendered from the graphs."""
    by_id = cast("dict[str, Document]", _CORPUS["by_id"])
    facts = cast("graph.CorpusFacts", _CORPUS["facts"])
    stem.mkdir()
    sorter = _Sorter(stem)
    quads, union = stem / "quads.nq", stem / "union.txt"
    _write_graphs(doc_ids, by_id, facts, quads, sorter)
    samples: list[str] = []  # the subject of every thousandth line
    with open(union, "wb") as handle:
        lines = sorter.merged()
        while batch := list(itertools.islice(lines, _BATCH)):
            samples += (line.split("\0", 1)[0] for line in batch[::1000])
            handle.write("".join(f"{line}\n" for line in batch).encode("utf-8"))
    splits = tuple(samples[len(samples) * k // ranges] for k in range(1, ranges) if samples)
    pieces = {name: _render_file(name, quads, prefixes, stem) for name in formats}
    return _Part(quads, union, splits, pieces)


def _split_keys(splits: list[tuple[str, ...]], ranges: int) -> list[str]:
    """``ranges - 1`` ascending subjects that cut the union of every part into ranges of
    about equal size, from each part's own cuts."""
    candidates = sorted(key for keys in splits for key in keys)
    if not candidates:
        return [""] * (ranges - 1)  # nothing to cut: every range but the last is empty
    return [candidates[len(candidates) * k // ranges] for k in range(1, ranges)]


def _write_range(unions: list[Path], low: str | None, high: str | None, stem: Path,
                 formats: list[str], prefixes: dict[str, str]) -> _Range:
    """In a worker: the distinct union lines of the subjects from ``low`` (included) to
    ``high`` (excluded; ``None`` is open) out of the sorted ``unions``, as N-Triples and
    rendered in each of ``formats``."""
    stem.mkdir()
    spans = []
    for path in unions:
        with open(path, "rb") as handle:
            start = 0 if low is None else _line_at_or_after(handle, low.encode("utf-8"))
            end = handle.seek(0, os.SEEK_END) if high is None else \
                _line_at_or_after(handle, high.encode("utf-8"))
        spans.append((path, start, end))
    target = stem / "triples.nt"
    # bytes throughout: UTF-8 sorts as the text does, in a fourth of the text's memory
    with open(target, "wb") as handle, contextlib.ExitStack() as stack:
        merged: Iterable[bytes]
        if sum(end - start for _, start, end in spans) <= _RANGE_IN_MEMORY:
            lines: list[bytes] = []
            for path, start, end in spans:
                source = stack.enter_context(open(path, "rb"))
                source.seek(start)
                lines += source.read(end - start).splitlines()
            # sorting sorted runs end to end is a merge (timsort finds the runs), in C
            merged = dict.fromkeys(sorted(lines))
        else:  # too much to hold: merged as streams
            merged = _distinct(heapq.merge(*(
                _lines_between(stack.enter_context(open(path, "rb")), start, end)
                for path, start, end in spans)))
        count = _write_nt(handle, merged)
    pieces = {name: _render_file(name, target, prefixes, stem) for name in formats}
    return _Range(target, count, pieces)


#: Bytes of union lines a writing worker sorts in memory; a larger range is merged as
#: streams from its sorted runs.
_RANGE_IN_MEMORY = 48 << 20
#: Lines converted and written at a time.
_BATCH = 10_000


def _lines_between(handle: BinaryIO, start: int, end: int) -> Iterator[bytes]:
    """The lines (without their line breaks) from offset ``start`` to ``end``."""
    handle.seek(start)
    for line in handle:
        if start >= end:
            return
        start += len(line)
        yield line[:-1]


def _write_nt(handle: BinaryIO, lines: Iterable[bytes]) -> int:
    """Union lines (UTF-8, without line breaks) as N-Triples into ``handle``, a batch at a
    time; returns how many."""
    count = 0
    lines = iter(lines)
    while batch := list(itertools.islice(lines, _BATCH)):
        count += len(batch)
        handle.write(_nt_block(b"".join(line + b"\n" for line in batch)))
    return count


_Line = TypeVar("_Line", str, bytes)


def _distinct(lines: Iterable[_Line]) -> Iterator[_Line]:
    """Sorted ``lines`` without repeats."""
    last = None
    for line in lines:
        if line != last:
            yield line
            last = line


def _line_at_or_after(handle: BinaryIO, key: bytes) -> int:
    """The offset of the first line of the sorted file ``handle`` that is not less than
    ``key`` (the file's size if there is none), found by bisection."""
    handle.seek(0, os.SEEK_END)
    low, high = 0, handle.tell()

    def line_start(offset: int) -> int:  # the first line starting at or after offset
        if offset == 0:
            return 0
        handle.seek(offset - 1)
        handle.readline()
        return handle.tell()

    # the smallest offset whose next line is not less than key (or is the end)
    while low < high:
        middle = (low + high) // 2
        handle.seek(line_start(middle))
        line = handle.readline()
        if not line or line.rstrip(b"\n") >= key:
            high = middle
        else:
            low = middle + 1
    return line_start(low)


def _join(target: Path, pieces: list[Path]) -> Path:
    """The ``pieces`` of one file concatenated into ``target``; a piece written with the
    prefixes at its head (Turtle, TriG) loses them when an earlier piece had them."""
    with open(target, "wb") as handle:
        headed = False
        for piece in pieces:
            with open(piece, "rb") as source:
                first = source.readline()
                if headed:
                    while first.startswith(b"@prefix "):
                        first = source.readline()
                handle.write(first)
                headed = headed or bool(first)
                shutil.copyfileobj(source, handle)
    return target


def _render_file(name: str, source: Path, prefixes: dict[str, str], tmp: Path) -> Path:
    """In a worker: one format rendered into a file under ``tmp``."""
    exporter = export.EXPORTERS[name]
    return _render(exporter, source, prefixes, tmp / f"graph{exporter.suffix}")


# --------------------------------------------------------------------------------- build


def build(paths: Sequence[str | Path], out_dir: str | Path, *,
          base_iri: str = DEFAULT_BASE_IRI, formats: Sequence[str] = ("turtle", "trig"),
          workers: int = 1, html: bool = True, data_dirs: Sequence[str | Path] = (),
          cache: bool = True, on_outcome: Callable[[Outcome], None] | None = None
          ) -> BuildReport:
    """Build the knowledge graph of the documents under ``paths`` into ``out_dir``.

    Args:
        paths: files and directories (searched recursively for .txt/.html).
        out_dir: where graph.ttl, graph.trig, graph.html and build-report.json go.
        base_iri: the base of every resource IRI.
        formats: output formats, names of ``kg.export.EXPORTERS``.
        workers: processes for the per-document stages (output is identical for any N).
        html: also write the interactive picture.
        data_dirs: user data directories whose lexicon/pattern files add rows.
        cache: reuse the results of unchanged documents from ``out_dir/.cache`` (and keep
            it up to date); False processes every document and leaves the cache alone.
        on_outcome: called once per input file as it is done (for a progress bar).

    Returns:
        The report; ``report.ok`` is False when some input was skipped or failed.

    Raises:
        InputError: a path does not exist, no document was found, out_dir is unusable, or
            a format is unknown.
    """
    started = time.perf_counter()
    minter = IriMinter(base_iri)
    out = ensure_dir(Path(out_dir))
    recover(out)  # a set cut short by a kill is completed, stale scratch removed
    overlays = tuple(str(Path(d)) for d in data_dirs)
    fingerprint = _fingerprint(overlays)
    _fresh_resources(overlays, fingerprint)  # bad data files fail before any work
    for name in formats:
        _exporter(name)
    files, ignored = _roots(paths, exclude=(out,))
    if not files:
        raise InputError(_nothing_found(ignored), path=", ".join(map(str, paths)),
                         hint="kg reads " + ", ".join(sorted(ingest.TEXT_SUFFIXES)))
    store = _Cache(out / CACHE_DIR, fingerprint) if cache else None
    outcomes, docs, used = list(ignored), [], set[str]()
    for outcome in ignored:
        if on_outcome is not None:
            on_outcome(outcome)
    for outcome, doc in _run(files, workers, overlays, store, used):
        outcomes.append(outcome)
        if doc is not None:
            docs.append(doc)
        if on_outcome is not None:
            on_outcome(outcome)
    if store is not None:
        store.prune(used)
    docs = _unique_ids(docs, outcomes)
    scratch = scratch_dir(out)
    try:
        # The documents live until the end: the collector need not walk them again and
        # again while the corpus stages allocate (nor touch, in the forked writers, their
        # pages).
        gc.freeze()
        try:
            index = resolve.merge_entities(docs)
            written, triples = _write_outputs(docs, index, minter, scratch, formats, html,
                                              workers)
        finally:
            gc.unfreeze()
        written.append("build-report.json")
        report = _report(outcomes, index, docs, triples, [out / n for n in written],
                         started)
        atomic_write_text(scratch / "build-report.json", _report_json(report))
        publish_set(scratch, out, written,
                    [n for n in _OUTPUT_NAMES if n not in written and (out / n).exists()])
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return report


def _nothing_found(ignored: list[Outcome]) -> str:
    """The message of a build that found no document, naming what it found instead."""
    if not ignored:
        return "no documents found"
    shown = "; ".join(f"{o.path} ({o.reason})" for o in ignored[:3])
    more = f"; and {len(ignored) - 3} more" if len(ignored) > 3 else ""
    return f"no documents found, only {len(ignored)} other path(s): {shown}{more}"


def _report(outcomes: list[Outcome], index: EntityIndex, docs: list[Document], triples: int,
            written: list[Path], started: float) -> BuildReport:
    counts = Counter(key.cls for key in index.entities)
    programmes = len({index.key(p.programme) for d in docs for p in d.resolved_programmes})
    awards = len({(index.key(a.recipient), index.key(a.honour), a.year)
                  for d in docs for a in d.resolved_awards})
    return BuildReport(
        outcomes=tuple(sorted(outcomes)), entity_counts=dict(sorted(counts.items())),
        awards=awards, programmes=programmes, triples=triples,
        files=tuple(str(p) for p in written), seconds=time.perf_counter() - started)


def _report_json(report: BuildReport) -> str:
    """The report without timings, so that a rebuild writes the same bytes."""
    body = {
        "documents": [{"path": o.path, "status": o.status, "reason": o.reason, "id": o.doc_id}
                      for o in report.outcomes],
        "built": sum(o.status == "built" for o in report.outcomes),
        "skipped": sum(o.status == "skipped" for o in report.outcomes),
        "failed": sum(o.status == "failed" for o in report.outcomes),
        "entities": report.entity_counts,
        "awards": report.awards,
        "programmes": report.programmes,
        "triples": report.triples,
        "files": [Path(f).name for f in report.files],
    }
    return json.dumps(body, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
