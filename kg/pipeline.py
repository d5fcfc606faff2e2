"""The pipeline: documents in, graph files out.  The only module that imports every stage.

``build(paths, out_dir, ...)`` reads each document (ingest), runs the per-document stages
(segment -> extract -> resolve) in this process or in ``workers`` processes, merges the
entities of the corpus, builds the Dataset and writes the outputs atomically, with
``build-report.json`` saying what became of every input.  One bad document is skipped
or failed with a one-line reason; the others are still built.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from kg import export, extract, graph, ingest, resolve, segment, viz
from kg._fs import atomic_write_text, ensure_dir
from kg.doc import BuildReport, Document, EntityIndex, Outcome
from kg.errors import DocumentError, InputError, KgError
from kg.ingest import find_documents
from kg.patterns import Resources, load_resources
from kg.vocab import DEFAULT_BASE_IRI, IriMinter

__all__ = [
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


@dataclass(frozen=True)
class Pipeline:
    """Resources plus the stages, checked once: every field a stage requires is set by
    ingest or by an earlier stage."""

    resources: Resources

    def __post_init__(self) -> None:
        available = {"id", "path", "text", "meta"}
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
    except KgError as exc:
        return Outcome(path, "failed", str(exc), doc.id), None
    except Exception as exc:  # one bad document must not sink the build
        reason = f"{path}: internal error {type(exc).__name__}: {exc}".splitlines()[0]
        return Outcome(path, "failed", reason, doc.id), None
    return Outcome(path, "built", "", doc.id), doc


def _roots(paths: Sequence[str | Path]) -> dict[Path, Path | None]:
    """Each document once (however many arguments name it), with the directory it was
    found under, which its id is taken relative to."""
    roots: dict[Path, Path | None] = {}
    seen: set[Path] = set()
    for given in paths:
        given = Path(given)
        for found in ingest.find_documents([given]):
            if found.resolve() not in seen:
                seen.add(found.resolve())
                roots[found] = given if given.is_dir() else None
    return roots


def _run(files: dict[Path, Path | None], workers: int, overlays: tuple[str, ...]
         ) -> Iterator[tuple[Outcome, Document | None]]:
    jobs = [(str(p), str(r) if r else None, overlays) for p, r in sorted(files.items())]
    if workers <= 1 or len(jobs) <= 1:
        for job in jobs:
            yield process_document(*job)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        yield from pool.map(process_document, *zip(*jobs), chunksize=4)


def _unique_ids(docs: list[Document], outcomes: list[Outcome]) -> list[Document]:
    seen: dict[str, str] = {}
    kept = []
    for doc in docs:
        if doc.id in seen:
            outcomes[:] = [o if o.path != doc.path else
                           Outcome(o.path, "failed", f"{doc.path}: same document id as "
                                   f"{seen[doc.id]}; rename one of them", doc.id)
                           for o in outcomes]
            continue
        seen[doc.id] = doc.path
        kept.append(doc)
    return kept


def build(paths: Sequence[str | Path], out_dir: str | Path, *,
          base_iri: str = DEFAULT_BASE_IRI, formats: Sequence[str] = ("turtle", "trig"),
          workers: int = 1, html: bool = True, data_dirs: Sequence[str | Path] = (),
          on_outcome: Callable[[Outcome], None] | None = None) -> BuildReport:
    """Build the knowledge graph of the documents under ``paths`` into ``out_dir``.

    Args:
        paths: files and directories (searched recursively for .txt/.html).
        out_dir: where graph.ttl, graph.trig, graph.html and build-report.json go.
        base_iri: the base of every resource IRI.
        formats: output formats, names of ``kg.export.EXPORTERS``.
        workers: processes for the per-document stages (output is identical for any N).
        html: also write the interactive picture.
        data_dirs: user data directories whose lexicon/pattern files add rows.
        on_outcome: called once per input file as it is done (for a progress bar).

    Returns:
        The report; ``report.ok`` is False when some input was skipped or failed.

    Raises:
        InputError: a path does not exist, no document was found, or out_dir is unusable.
    """
    started = time.perf_counter()
    minter = IriMinter(base_iri)
    out = ensure_dir(Path(out_dir))
    overlays = tuple(str(Path(d)) for d in data_dirs)
    load_resources(tuple(Path(o) for o in overlays))  # bad data files fail before any work
    files = _roots(paths)
    if not files:
        raise InputError("no .txt or .html documents found", path=", ".join(map(str, paths)))
    outcomes, docs = [], []
    for outcome, doc in _run(files, workers, overlays):
        outcomes.append(outcome)
        if doc is not None:
            docs.append(doc)
        if on_outcome is not None:
            on_outcome(outcome)
    docs = _unique_ids(docs, outcomes)
    index = resolve.merge_entities(docs)
    dataset = graph.build_dataset(docs, index, minter)
    written = export.write_outputs(dataset, out, formats, base_iri=base_iri)
    if html:
        written += viz.write_html(dataset, out / "graph.html")
    report = _report(outcomes, index, docs, dataset, written, started)
    atomic_write_text(out / "build-report.json", _report_json(report))
    return report


def _report(outcomes: list[Outcome], index: EntityIndex, docs: list[Document],
            dataset: object, written: list[Path], started: float) -> BuildReport:
    counts = Counter(key.cls for key in index.entities)
    programmes = len({index.key(p.programme) for d in docs for p in d.resolved_programmes})
    awards = len({(index.key(a.recipient), index.key(a.honour), a.year)
                  for d in docs for a in d.resolved_awards})
    return BuildReport(
        outcomes=tuple(sorted(outcomes)), entity_counts=dict(sorted(counts.items())),
        awards=awards, programmes=programmes, triples=len(dataset),  # type: ignore[arg-type]
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
