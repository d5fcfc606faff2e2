"""Tests for kg.pipeline: per-document outcomes and isolation, deterministic bytes (rebuild,
input order and layout, workers, cache), argument errors, atomic writes under SIGKILL, and
the document cache (only new documents are processed; a changed data file rebuilds all)."""

from __future__ import annotations

import itertools
import json
import os
import pickle
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import DATA, ROOT, SEEDS
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import Graph

from kg import graph, pipeline, resolve
from kg.doc import BuildReport, Document, DocumentMeta, Outcome
from kg.errors import InputError
from kg.export import EXPORTERS, _to_ox_term, convert
from kg.patterns import Resources
from kg.pipeline import CACHE_DIR, STAGES, Pipeline, _Sorter, build, process_document
from kg.query import stats
from kg.vocab import IriMinter

GOOD = sorted(SEEDS.glob("*.txt"))
OUTPUTS = ("graph.ttl", "graph.trig", "graph.html", "build-report.json")
PNG = (DATA / "bad" / "tiny.png").read_bytes()

Mixed = tuple[Path, Path, tuple[BuildReport, list[Outcome]]]


def _bytes(out: Path, names: tuple[str, ...] = OUTPUTS) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in names}


def _mixed_corpus(root: Path) -> Path:
    corpus = root / "corpus"
    corpus.mkdir()
    shutil.copyfile(GOOD[0], corpus / "good_a.txt")
    shutil.copyfile(GOOD[2], corpus / "good_b.txt")
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "scan.txt").write_bytes(PNG)  # a picture saved with the wrong suffix
    (corpus / "logo.png").write_bytes(PNG)  # not a text suffix: never read, but listed
    (corpus / "latin1.txt").write_bytes("Café résumé, naïve crème brûlée.\n".encode("latin-1"))
    return corpus


@pytest.fixture(scope="module")
def mixed_build(tmp_path_factory: pytest.TempPathFactory) -> Mixed:
    root = tmp_path_factory.mktemp("mixed")
    corpus = _mixed_corpus(root)
    seen: list[Outcome] = []
    report = build([corpus], root / "out", on_outcome=seen.append)
    return corpus, root / "out", (report, seen)


def test_pipeline_isolates_bad_documents(mixed_build: Mixed) -> None:
    _, _, (report, seen) = mixed_build
    status = {Path(o.path).name: o.status for o in report.outcomes}
    assert status == {"good_a.txt": "built", "good_b.txt": "built", "empty.txt": "skipped",
                      "scan.txt": "skipped", "latin1.txt": "skipped", "logo.png": "ignored"}
    assert not report.ok
    assert sorted(seen) == list(report.outcomes)  # the callback saw every file once
    reasons = {Path(o.path).name: o.reason for o in report.outcomes}
    assert "empty" in reasons["empty.txt"]
    assert "PNG" in reasons["scan.txt"]
    assert "Chinese" in reasons["latin1.txt"]
    for o in report.outcomes:
        assert "\n" not in o.reason
        assert (o.reason == "") == (o.status == "built")
        assert (o.doc_id != "") == (o.status == "built")
    assert "images are not read" in reasons["logo.png"]


def test_pipeline_writes_the_report_and_outputs(mixed_build: Mixed) -> None:
    _, out, (report, _) = mixed_build
    for name in OUTPUTS:
        assert (out / name).is_file() and (out / name).stat().st_size > 0, name
    body = json.loads((out / "build-report.json").read_text(encoding="utf-8"))
    assert (body["built"], body["skipped"], body["failed"]) == (2, 3, 0)
    listed = {Path(d["path"]).name: (d["status"], d["reason"]) for d in body["documents"]}
    assert listed == {Path(o.path).name: (o.status, o.reason) for o in report.outcomes}
    assert set(body["files"]) >= {"graph.ttl", "graph.trig", "graph.html"}
    assert body["awards"] == report.awards and body["triples"] == report.triples
    graph = Graph().parse(data=(out / "graph.ttl").read_bytes(), format="turtle")
    assert len(graph) > 100
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]


def test_pipeline_rebuild_is_byte_identical(tmp_path: Path, mixed_build: Mixed) -> None:
    corpus, out, _ = mixed_build
    again = tmp_path / "again"
    build([corpus], again)
    assert _bytes(again) == _bytes(out)


def test_pipeline_order_and_layout_do_not_change_the_graph(tmp_path: Path) -> None:
    flat, nested = tmp_path / "flat", tmp_path / "nested"
    flat.mkdir()
    for path in GOOD[:3]:
        shutil.copyfile(path, flat / path.name)
    placed = []
    for number, path in enumerate(reversed(GOOD[:3])):
        target = nested / f"part{number}" / "deeper" / path.name
        target.parent.mkdir(parents=True)
        shutil.copyfile(path, target)
        placed.append(target)
    one = build([flat], tmp_path / "one")
    two = build(placed, tmp_path / "two")  # explicit files, reversed: ids are the stems
    assert sorted(o.doc_id for o in one.outcomes) == sorted(o.doc_id for o in two.outcomes)
    names = ("graph.ttl", "graph.trig", "graph.html")
    assert _bytes(tmp_path / "one", names) == _bytes(tmp_path / "two", names)


def test_pipeline_workers_give_identical_bytes(tmp_path: Path, seeds_build: Path) -> None:
    report = build([SEEDS], tmp_path / "parallel", workers=2)
    assert report.ok
    assert _bytes(tmp_path / "parallel") == _bytes(seeds_build)


@pytest.mark.parametrize("workers", [2, 3])
def test_pipeline_parallel_writing_gives_identical_bytes(
        tmp_path: Path, workers: int, monkeypatch: pytest.MonkeyPatch) -> None:
    # Large builds with workers write the graphs and the formats in worker processes;
    # lowering the threshold puts the seeds through that path, in every format.
    formats = tuple(EXPORTERS)
    files = tuple(f"graph{e.suffix}" for e in EXPORTERS.values()) + ("graph.html",)
    serial = tmp_path / "serial"
    one = build([SEEDS], serial, formats=formats, workers=1)
    monkeypatch.setattr(pipeline, "_PARALLEL_WRITE_MIN", 1)
    report = build([SEEDS], tmp_path / "parallel", formats=formats, workers=workers)
    assert report.ok and report.triples == one.triples
    assert _bytes(tmp_path / "parallel", files) == _bytes(serial, files)
    assert sorted(p.name for p in (tmp_path / "parallel").iterdir()) == \
        sorted(p.name for p in serial.iterdir())  # no scratch files left behind


def test_pipeline_report_counts_match_the_graph(seeds_build: Path) -> None:
    body = json.loads((seeds_build / "build-report.json").read_text(encoding="utf-8"))
    counts = stats(seeds_build)
    assert body["triples"] == counts.triples
    assert body["awards"] == counts.awards
    assert body["programmes"] == counts.programmes
    assert body["entities"] == dict(counts.entities)
    assert (body["built"], body["skipped"], body["failed"]) == (len(GOOD), 0, 0)


def test_pipeline_reads_a_file_named_twice_once(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copyfile(GOOD[0], corpus / "one.txt")
    report = build([corpus, corpus / "one.txt"], tmp_path / "out")
    assert [(o.status, o.doc_id) for o in report.outcomes] == [("built", "one")]


def test_pipeline_reads_a_file_spelt_two_ways_once(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copyfile(GOOD[0], corpus / "one.txt")
    report = build([corpus, corpus / ".." / "corpus" / "one.txt"], tmp_path / "out")
    assert [o.status for o in report.outcomes] == ["built"]
    assert report.ok


def test_pipeline_missing_path_raises_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        build([tmp_path / "nowhere"], tmp_path / "out")
    assert str(tmp_path / "nowhere") in str(caught.value)
    assert not (tmp_path / "out" / "graph.ttl").exists()


def test_pipeline_no_documents_raises_input_error(tmp_path: Path) -> None:
    (tmp_path / "empty-dir").mkdir()
    with pytest.raises(InputError, match="no documents found"):
        build([tmp_path / "empty-dir"], tmp_path / "out")


def test_pipeline_unwritable_out_dir_raises_input_error(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("running as a user who can write to a 0o500 directory (root)")
        with pytest.raises(InputError, match="not writable"):
            build([GOOD[0]], locked)
    finally:
        locked.chmod(0o700)


def test_pipeline_out_dir_that_is_a_file_raises_input_error(tmp_path: Path) -> None:
    blocker = tmp_path / "output"
    blocker.write_text("not a directory", encoding="utf-8")
    with pytest.raises(InputError, match="cannot create output directory"):
        build([GOOD[0]], blocker)
    with pytest.raises(InputError):
        build([GOOD[0]], blocker / "below")


def test_pipeline_checks_stage_order(resources: Resources) -> None:
    available = {"id", "path", "text", "meta"}
    for name, _, requires, assigns in STAGES:
        assert set(requires) <= available, name
        assert set(assigns) <= set(Document.__dataclass_fields__), name
        available |= set(assigns)
    assert [name for name, *_ in STAGES] == ["segment", "extract", "resolve"]
    text = "天津海关荣获全国文明单位。"
    doc = Pipeline(resources)(Document("x", "x.txt", text, DocumentMeta("天津海关")))
    assert doc.entities and doc.text == text


def test_pipeline_same_document_id_fails_one_file(tmp_path: Path) -> None:
    first, second = tmp_path / "x" / "doc.txt", tmp_path / "y" / "doc.txt"
    for target, source in ((first, GOOD[0]), (second, GOOD[2])):
        target.parent.mkdir()
        shutil.copyfile(source, target)
    report = build([second, first], tmp_path / "out")
    status = {o.path: (o.status, o.reason) for o in report.outcomes}
    assert status[str(first)] == ("built", "")
    assert status[str(second)][0] == "failed"
    assert "same document id" in status[str(second)][1]
    assert not report.ok


@pytest.mark.slow
def test_pipeline_killed_build_leaves_previous_output_intact(tmp_path: Path,
                                                             seeds_build: Path) -> None:
    out = tmp_path / "output"
    shutil.copytree(seeds_build, out)
    before = _bytes(out)
    corpus = tmp_path / "big"
    corpus.mkdir()
    for copy in range(200):
        for path in GOOD:
            shutil.copyfile(path, corpus / f"c{copy:03d}_{path.name}")
    process = subprocess.Popen(
        [sys.executable, "-m", "kg", "build", str(corpus), "-o", str(out)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1.0)
        assert process.poll() is None, "the build ended before it could be killed"
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL
    leftovers = {p.name for p in out.iterdir()} - set(before) - {"timeline.html", CACHE_DIR}
    assert all(name.startswith(".") and name.endswith(".tmp") for name in leftovers), leftovers
    for name, data in _bytes(out).items():
        assert data == before[name], name  # killed before writing: the old files, whole
    Graph().parse(data=(out / "graph.ttl").read_bytes(), format="turtle")


# ------------------------------------------------------------------ scale: cache, workers

ALL_FORMATS = ("turtle", "trig", "nt", "nquads")
ALL_FILES = ("graph.ttl", "graph.trig", "graph.nt", "graph.nq", "build-report.json")
ORG_ROW = "canonical\tclass\taliases\n蓝海港航联盟\tExternalOrganization\t蓝海联盟\n"
ORG_DOC = "青岛海关与蓝海港航联盟合作\n2020年，青岛海关与蓝海联盟签署合作备忘录，共同开展“智慧港口”建设。\n"


def _corpus(root: Path, sources: list[Path]) -> Path:
    corpus = root / "corpus"
    corpus.mkdir(parents=True)
    for source in sources:
        shutil.copyfile(source, corpus / source.name)
    return corpus


def _entries(out: Path) -> dict[str, tuple[int, int]]:
    """Cache entries by name, with what changes when one is written again."""
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in (out / CACHE_DIR).iterdir()}


def test_pipeline_cache_rebuild_processes_only_the_new_document(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path, GOOD[:3])
    out = tmp_path / "out"
    build([corpus], out, html=False)
    before = _entries(out)
    assert len(before) == 3
    shutil.copyfile(GOOD[3], corpus / GOOD[3].name)
    seen: list[Outcome] = []
    report = build([corpus], out, html=False, on_outcome=seen.append)
    after = _entries(out)
    assert report.ok and len(seen) == 4
    assert {k: v for k, v in after.items() if k in before} == before  # not written again
    assert len(set(after) - set(before)) == 1  # the new document's result
    fresh = tmp_path / "fresh"
    build([corpus], fresh, html=False, cache=False)
    assert _bytes(out, OUTPUTS[:2] + OUTPUTS[3:]) == _bytes(fresh, OUTPUTS[:2] + OUTPUTS[3:])
    assert not (fresh / CACHE_DIR).exists()


def test_pipeline_cached_and_uncached_outputs_are_identical(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path, GOOD)
    cached, uncached = tmp_path / "cached", tmp_path / "uncached"
    build([corpus], cached, formats=ALL_FORMATS)
    cold = _bytes(cached, ALL_FILES + ("graph.html",))
    build([corpus], cached, formats=ALL_FORMATS)  # every document from the cache
    build([corpus], uncached, formats=ALL_FORMATS, cache=False)
    assert _bytes(cached, ALL_FILES + ("graph.html",)) == cold
    assert _bytes(uncached, ALL_FILES + ("graph.html",)) == cold


def test_pipeline_cache_is_invalidated_by_a_changed_data_overlay(tmp_path: Path) -> None:
    corpus, data = tmp_path / "docs", tmp_path / "mydata" / "lexicon"
    corpus.mkdir()
    data.mkdir(parents=True)
    (corpus / "a.txt").write_text(ORG_DOC, encoding="utf-8")
    shutil.copyfile(GOOD[0], corpus / GOOD[0].name)
    (data / "organisations.tsv").write_text(ORG_ROW.split("\n")[0] + "\n", encoding="utf-8")
    out = tmp_path / "out"
    build([corpus], out, html=False, data_dirs=[data.parent])
    before = _entries(out)
    label = 'rdfs:label "蓝海港航联盟"@zh'
    assert label not in (out / "graph.ttl").read_text(encoding="utf-8")
    (data / "organisations.tsv").write_text(ORG_ROW, encoding="utf-8")  # same path, new row
    build([corpus], out, html=False, data_dirs=[data.parent])
    after = _entries(out)
    assert len(after) == len(before) == 2 and not set(after) & set(before)
    assert label in (out / "graph.ttl").read_text(encoding="utf-8")


def test_pipeline_a_torn_cache_entry_is_a_miss(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path, GOOD[:2])
    out = tmp_path / "out"
    build([corpus], out, html=False)
    before = _bytes(out, OUTPUTS[:2])
    entry = min((out / CACHE_DIR).iterdir())
    entry.write_bytes(entry.read_bytes()[:40])
    report = build([corpus], out, html=False)
    assert report.ok and _bytes(out, OUTPUTS[:2]) == before
    assert len(entry.read_bytes()) > 40  # processed again and stored whole


def test_pipeline_cache_keeps_only_this_builds_documents(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path, GOOD[:3])
    out = tmp_path / "out"
    build([corpus], out, html=False)
    (corpus / GOOD[0].name).unlink()
    build([corpus], out, html=False)
    assert len(_entries(out)) == 2


def test_pipeline_cache_holds_no_text(tmp_path: Path) -> None:
    """What crosses a process boundary or enters the cache is what the graph needs."""
    out = tmp_path / "out"
    build([GOOD[0]], out, html=False)
    (entry,) = (out / CACHE_DIR).iterdir()
    doc = pickle.loads(entry.read_bytes())
    assert isinstance(doc, Document) and doc.id == GOOD[0].stem
    assert doc.text == "" and not doc.sentences and not doc.mentions and not doc.awards
    assert doc.entities and doc.resolved_awards and doc.meta.title


def test_pipeline_workers_with_a_warm_cache_give_identical_bytes(tmp_path: Path,
                                                                 seeds_build: Path) -> None:
    corpus = _corpus(tmp_path, GOOD[:2])
    out = tmp_path / "out"
    build([corpus], out, workers=2)
    for path in GOOD[2:]:
        shutil.copyfile(path, corpus / path.name)
    report = build([corpus], out, workers=2)  # two cached, three in the workers
    assert report.ok
    assert _bytes(out, OUTPUTS[:3]) == _bytes(seeds_build, OUTPUTS[:3])


def test_pipeline_outputs_agree_with_kg_export(tmp_path: Path, seeds_build: Path) -> None:
    """The streamed writer and kg.export order and write the graph the same way."""
    out = tmp_path / "out"
    build([SEEDS], out, formats=ALL_FORMATS, html=False)
    again = tmp_path / "again"
    convert(seeds_build / "graph.trig", again, ALL_FORMATS)
    assert _bytes(again, ALL_FILES[:4]) == _bytes(out, ALL_FILES[:4])


def test_pipeline_unknown_format_raises_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unknown output format"):
        build([GOOD[0]], tmp_path / "out", formats=("turtle", "rdfxml"))
    assert not (tmp_path / "out" / "graph.ttl").exists()


@given(lines=st.lists(st.text(alphabet="ab\0<>\"@中", max_size=6), max_size=40),
       run_length=st.integers(min_value=1, max_value=8))
@settings(max_examples=60, deadline=None)
def test_pipeline_sorter_merges_runs_into_distinct_sorted_lines(lines: list[str],
                                                                 run_length: int) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        sorter = _Sorter(Path(scratch), run_length=run_length)
        for start in range(0, len(lines), 3):
            sorter.extend(lines[start:start + 3])
        assert list(sorter.merged()) == sorted(set(lines))


_UNION_LINE = st.tuples(st.sampled_from(["<a>", "<a/中>", "<b>", "_:b1", "_:b10"]),
                        st.sampled_from(["", "<p>", "<q>"]),
                        st.sampled_from(['"x"', '"x"@zh', "<o>", '"中"'])).map("\0".join)


@given(lines=st.lists(st.text(alphabet="ab\0<>\"中", max_size=6), max_size=30),
       key=st.text(alphabet="ab\0<>\"中", max_size=6))
@settings(max_examples=100, deadline=None)
def test_pipeline_line_search_finds_the_first_line_not_below_the_key(lines: list[str],
                                                                      key: str) -> None:
    ordered = sorted({line.encode("utf-8") for line in lines})
    with tempfile.TemporaryFile() as handle:
        handle.write(b"".join(line + b"\n" for line in ordered))
        offset = pipeline._line_at_or_after(handle, key.encode("utf-8"))
    below = [line for line in ordered if line < key.encode("utf-8")]
    assert offset == sum(len(line) + 1 for line in below)


@pytest.mark.parametrize("in_memory", [True, False])
@given(parts=st.lists(st.lists(_UNION_LINE, max_size=25), min_size=1, max_size=4))
@settings(max_examples=60, deadline=None)
def test_pipeline_union_ranges_join_into_the_whole_union(parts: list[list[str]],
                                                         in_memory: bool) -> None:
    # the parallel writers cut the union into ranges of subjects, each merged and written
    # by a worker (sorted in memory, or merged as streams when large): joined, they must
    # be the whole sorted distinct union, each subject's triples in one range (Turtle
    # groups a subject's triples)
    limit = pipeline._RANGE_IN_MEMORY
    pipeline._RANGE_IN_MEMORY = limit if in_memory else 0
    try:
        with tempfile.TemporaryDirectory() as scratch:
            tmp, unions, cuts = Path(scratch), [], []
            for number, lines in enumerate(parts):
                ordered = sorted(set(lines))
                unions.append(tmp / f"union{number}.txt")
                unions[-1].write_bytes("".join(f"{line}\n" for line in ordered).encode("utf-8"))
                cuts.append(tuple(ordered[len(ordered) * k // len(parts)].split("\0")[0]
                                  for k in range(1, len(parts)) if ordered))
            bounds = [None, *pipeline._split_keys(cuts, len(parts)), None]
            ranges = [pipeline._write_range(unions, low, high, tmp / f"range{i}", [], {})
                      for i, (low, high) in enumerate(itertools.pairwise(bounds))]
            subjects = [{line.split(b" ")[0] for line in r.union.read_bytes().splitlines()}
                        for r in ranges]
            joined = pipeline._join(tmp / "joined.nt", [r.union for r in ranges]).read_bytes()
    finally:
        pipeline._RANGE_IN_MEMORY = limit
    whole = sorted({line for lines in parts for line in lines})
    assert joined == pipeline._nt_block("".join(f"{line}\n" for line in whole).encode())
    assert sum(r.count for r in ranges) == len(whole)
    assert sum(map(len, subjects)) == len(set().union(*subjects))


def test_pipeline_joined_pieces_keep_one_prefix_header(tmp_path: Path) -> None:
    header = b"@prefix a: <http://a/> .\n@prefix b: <http://b/> .\n"
    pieces = []
    for number, body in enumerate([b"", b"a:x a:p a:y .\n", b"", b"b:x b:p b:y .\n"]):
        pieces.append(tmp_path / f"piece{number}")
        pieces[-1].write_bytes(header + body if body else b"")
    joined = pipeline._join(tmp_path / "joined.ttl", pieces).read_bytes()
    assert joined == header + b"a:x a:p a:y .\n" + b"b:x b:p b:y .\n"


def test_pipeline_graph_dataset_holds_the_written_quads(seeds_build: Path) -> None:
    """kg.graph.build_dataset (for callers that want rdflib) says what the build wrote."""
    docs = [doc for path in GOOD for _, doc in [process_document(str(path), None)]
            if doc is not None]
    dataset = graph.build_dataset(docs, resolve.merge_entities(docs), IriMinter())
    written = {(q.subject.value, q.predicate.value, str(q.object), q.graph_name.value)
               for q in ox.parse(path=seeds_build / "graph.trig", format=ox.RdfFormat.TRIG)}
    built = {(str(s), str(p), str(_to_ox_term(o)), str(g))
             for s, p, o, g in dataset.quads((None, None, None, None))}
    assert built == written and len(docs) == len(GOOD)


# ------------------------------------------------------- issue 13: trust on first contact


def _seeds_with(root: Path, extra: dict[str, bytes]) -> Path:
    corpus = root / "in"
    corpus.mkdir()
    for path in GOOD:
        shutil.copyfile(path, corpus / path.name)
    for name, data in extra.items():
        (corpus / name).write_bytes(data)
    return corpus


@pytest.mark.issue(13)
def test_pipeline_a_url_in_an_honour_sinks_no_document(tmp_path: Path) -> None:
    url = "2015年，天津海关被授予“http://x先进集体”称号。2016年，大连海关被评为“/a//b先进单位”。\n"
    corpus = _seeds_with(tmp_path, {"url.txt": url.encode()})
    report = build([corpus], tmp_path / "out", html=False)
    assert report.ok, report.outcomes
    assert {o.status for o in report.outcomes} == {"built"} and len(report.outcomes) == 6
    quads = list(ox.parse(path=tmp_path / "out" / "graph.trig"))
    assert len({q.graph_name for q in quads}) == 6


@pytest.mark.issue(13)
def test_pipeline_a_document_whose_graph_cannot_be_made_fails_alone(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch
                                                                    ) -> None:
    corpus = _seeds_with(tmp_path, {"odd.txt": "2015年，天津海关被评为全国文明单位。\n".encode()})
    real = graph.check_document

    def refuse(doc: Document, minter: IriMinter | None = None) -> None:
        if doc.id == "odd":
            raise graph.GraphError("cannot write this document's graph: test", path=doc.path)
        real(doc, minter)

    monkeypatch.setattr(graph, "check_document", refuse)
    report = build([corpus], tmp_path / "out", html=False, cache=False)
    failed = [o for o in report.outcomes if o.status == "failed"]
    assert [Path(o.path).name for o in failed] == ["odd.txt"]
    assert sum(o.status == "built" for o in report.outcomes) == 5


@pytest.mark.issue(13)
def test_pipeline_every_file_of_a_folder_is_accounted_for(tmp_path: Path) -> None:
    page = "<html><body><p>2015年，大连海关被评为全国文明单位。</p></body></html>"
    corpus = _seeds_with(tmp_path, {"report.pdf": b"%PDF-1.4\n", "note.docx": b"PK\x03\x04",
                                    "page.shtml": page.encode(), "gold.json": b"{}"})
    os.symlink(tmp_path / "gone.txt", corpus / "dangling.txt")
    report = build([corpus], tmp_path / "out", html=False)
    by_name = {Path(o.path).name: o for o in report.outcomes}
    assert by_name["page.shtml"].status == "built"
    assert by_name["report.pdf"].status == "ignored" and "pdftotext" in by_name["report.pdf"].reason
    assert by_name["note.docx"].status == "ignored" and "Word" in by_name["note.docx"].reason
    assert by_name["gold.json"].status == "ignored"
    assert by_name["dangling.txt"].status == "skipped"
    assert "dangling" in by_name["dangling.txt"].reason
    listed = {Path(d["path"]).name: d["status"] for d in
              json.loads((tmp_path / "out" / "build-report.json").read_text())["documents"]}
    assert listed == {name: o.status for name, o in by_name.items()}
    assert not report.ok  # the dangling link may hide a document


@pytest.mark.issue(13)
def test_pipeline_a_folder_of_only_other_files_says_what_it_found(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.pdf").write_bytes(b"%PDF-1.4")
    with pytest.raises(InputError, match=r"only 1 other path.*a\.pdf.*PDF"):
        build([tmp_path / "in"], tmp_path / "out", html=False)


@pytest.mark.issue(13)
def test_pipeline_output_inside_the_input_is_not_read_back(tmp_path: Path) -> None:
    corpus = _seeds_with(tmp_path, {})
    first = build([corpus], corpus / "output")
    again = build([corpus], corpus / "output")
    assert [o.path for o in again.outcomes] == [o.path for o in first.outcomes]
    assert len(again.outcomes) == 5


@pytest.mark.issue(13)
def test_pipeline_replaced_bytes_are_counted_in_the_report(tmp_path: Path) -> None:
    text = "2015年，天津海关被评为全国文明单位。".encode() + b"\xff\xfe" + "大连海关".encode()
    corpus = _seeds_with(tmp_path, {"bad.txt": text})
    for _ in range(2):  # processed, then from the cache: the note stays
        report = build([corpus], tmp_path / "out", html=False)
        (note,) = [o for o in report.outcomes if o.reason and o.status == "built"]
        assert Path(note.path).name == "bad.txt" and note.reason.startswith("2 byte(s)")


@pytest.mark.issue(13)
def test_pipeline_a_later_build_removes_what_an_earlier_one_wrote_and_it_does_not(
        tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(GOOD, out, formats=("turtle", "trig", "nquads"))
    assert (out / "graph.nq").is_file() and (out / "graph.html").is_file()
    build(GOOD[:2], out, html=False)
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [
        "build-report.json", "graph.trig", "graph.ttl"]


@pytest.mark.issue(13)
def test_pipeline_a_set_cut_short_is_completed_and_stale_scratch_removed(tmp_path: Path) -> None:
    from kg import _fs

    out = tmp_path / "out"
    build(GOOD[:2], out, html=False)
    old = _bytes(out, ("graph.ttl", "graph.trig", "build-report.json"))
    # a newer build, killed after its journal and its first move
    scratch = _fs.scratch_dir(out)
    build(GOOD, tmp_path / "new", html=False)
    names = ["graph.ttl", "graph.trig", "build-report.json"]
    for name in names:
        shutil.copyfile(tmp_path / "new" / name, scratch / name)
    _fs.atomic_write_text(out / _fs.JOURNAL, json.dumps(
        {"scratch": scratch.name, "files": names, "remove": []}))
    os.replace(scratch / "graph.ttl", out / "graph.ttl")
    stale = out / ".kg-build-999999999-abc.tmp"  # a build that no longer runs
    stale.mkdir()
    (stale / "quads.nq").write_text("x")
    _fs.recover(out)
    assert _bytes(out, tuple(names)) == _bytes(tmp_path / "new", tuple(names)) != old
    assert not (out / _fs.JOURNAL).exists() and not scratch.exists() and not stale.exists()


@pytest.mark.issue(13)
def test_pipeline_a_kill_while_writing_leaves_one_build_s_set(tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(GOOD[:2], out, html=True)
    before = _bytes(out)
    corpus = tmp_path / "big"
    corpus.mkdir()
    for i in range(60):
        shutil.copyfile(GOOD[i % len(GOOD)], corpus / f"d{i:03d}.txt")
    code = ("import sys, kg.pipeline as p; p.build([sys.argv[1]], sys.argv[2], cache=False)")
    for delay in (0.8, 1.6, 2.4):
        proc = subprocess.Popen([sys.executable, "-c", code, str(corpus), str(out)], cwd=ROOT)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        pipeline.recover(out)
        now = _bytes(out)
        report = json.loads(now["build-report.json"])
        # every file is the old build's or every file the new one's
        if now != before:
            assert report["built"] == 60, delay
            assert now["graph.ttl"] != before["graph.ttl"]
            assert now["graph.html"] != before["graph.html"]
        assert not [p for p in out.iterdir() if p.name.startswith(".kg-")]


@pytest.mark.issue(14)
def test_pipeline_traditional_script_labels_simplified_evidence_as_written(tmp_path: Path
                                                                          ) -> None:
    written = "2015年，天津海關駐機場辦事處榮獲「全國文明單位」稱號。\n"
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "t.txt").write_text(written, encoding="utf-8")
    build([tmp_path / "in"], tmp_path / "out", html=False)
    g = Graph().parse(tmp_path / "out" / "graph.ttl")
    labels = {str(o) for o in g.objects(None, graph.RDFS.label)}
    aliases = {str(o) for o in g.objects(None, graph.SKOS.altLabel)}
    evidence = {str(o) for o in g.objects(None, graph.CKG.evidence)}
    assert {"天津海关", "全国文明单位"} <= labels
    assert {"天津海關駐機場辦事處", "全國文明單位"} <= aliases
    assert evidence == {written.strip()}
