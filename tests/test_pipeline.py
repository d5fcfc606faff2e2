"""Tests for kg.pipeline: per-document outcomes and isolation, deterministic bytes (rebuild,
input order and layout, workers), argument errors, and atomic writes under SIGKILL."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import DATA, ROOT, SEEDS
from rdflib import Graph

from kg.doc import BuildReport, Document, DocumentMeta, Outcome
from kg.errors import InputError
from kg.patterns import Resources
from kg.pipeline import STAGES, Pipeline, build
from kg.query import stats

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
    (corpus / "logo.png").write_bytes(PNG)  # not a text suffix: never read
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
                      "scan.txt": "skipped", "latin1.txt": "skipped"}
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
    with pytest.raises(InputError, match="no .txt or .html documents"):
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
    leftovers = {p.name for p in out.iterdir()} - set(before) - {"timeline.html"}
    assert all(name.startswith(".") and name.endswith(".tmp") for name in leftovers), leftovers
    for name, data in _bytes(out).items():
        assert data == before[name], name  # killed before writing: the old files, whole
    Graph().parse(data=(out / "graph.ttl").read_bytes(), format="turtle")
