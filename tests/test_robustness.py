"""Robustness on bad input ("nothing lost, nothing broken"): every file of tests/data/bad
through ``kg build``, hostile text as valid RDF and safe HTML (Hypothesis), byte-identical
output whatever the order, hash seed and workers, builds interrupted by SIGINT, SIGTERM and
SIGKILL, and pathological documents that must neither crash nor hang the build."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import shutil
import signal
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner, Result
from conftest import DATA, ROOT, SEEDS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import Dataset, Graph, Literal
from rdflib.namespace import DCTERMS, RDFS

from kg import pipeline
from kg._fs import atomic_write_bytes, atomic_write_text
from kg.cli import main
from kg.errors import InputError
from kg.patterns import load_resources
from kg.pipeline import build
from kg.validate import validate
from kg.viz import embed_json

BAD = DATA / "bad"
GRAPH = DATA / "graphs" / "query_customs.trig"
OUTCOMES: dict[str, str] = json.loads((BAD / "outcomes.json").read_text(encoding="utf-8"))
OUTPUTS = ("graph.ttl", "graph.trig", "graph.html", "timeline.html", "build-report.json")
NAMED_ONLY = ("tiny.png", "random_bytes.bin")  # not found by the walk: named on the command line
NOT_UTF8_NAME = os.fsdecode(b"\xff\xfe\xc4\xe3\xba\xc3.txt")  # 你好 in GBK: not UTF-8
#: Titles of tests/data/bad/hostile_names.txt and html_entities.html: verbatim in the graph.
HOSTILE_TITLES = ('<img src=x onerror=alert(1)>天津海关"简报"\\第1期',
                  '<img src=x onerror=alert(1)>天津海关"通讯"')
_MARKUP = re.compile(r'[<>&"\\]')
GOOD_TEXT = "2015年，天津海关荣获全国文明单位称号。"


# ------------------------------------------------------------------------------ helpers


def _assert_outputs_valid(out: Path) -> None:
    """The Turtle and TriG files parse in rdflib and pyoxigraph, and both conform."""
    ttl, trig = (out / "graph.ttl").read_bytes(), (out / "graph.trig").read_bytes()
    Graph().parse(data=ttl, format="turtle")
    with warnings.catch_warnings():  # rdflib 7.6 warns about its own Dataset internals
        warnings.simplefilter("ignore", DeprecationWarning)
        assert len(Dataset().parse(data=trig, format="trig")) >= 0
    list(ox.parse(ttl, format=ox.RdfFormat.TURTLE))
    list(ox.parse(trig, format=ox.RdfFormat.TRIG))
    for name in ("graph.ttl", "graph.trig"):
        report = validate(out / name)
        assert report.conforms, (name, report.violations[:3])


class _Tags(HTMLParser):
    """The tags of a page outside raw-text elements, and the text of its data element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.data: list[str] = []
        self._in_data = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_data = tag == "script" and dict(attrs).get("id") == "kg-data"

    def handle_endtag(self, tag: str) -> None:
        self._in_data = False

    def handle_data(self, data: str) -> None:
        if self._in_data:
            self.data.append(data)


def _assert_page_safe(page: str) -> object:
    """No document string became markup: no ``<img``, no event handler, no extra script;
    the data element is JSON without a raw ``<``.  Returns the parsed data."""
    assert "<img" not in page.lower()
    parser = _Tags()
    parser.feed(page)
    assert not [t for t, _ in parser.tags if t in ("img", "iframe", "object", "embed", "b", "i")]
    assert not [(t, a) for t, attrs in parser.tags for a in attrs if a.lower().startswith("on")]
    scripts = [attrs for tag, attrs in parser.tags if tag == "script"]
    assert [a.get("id") for a in scripts].count("kg-data") == 1
    assert not [a for a in scripts if a.get("src")]
    data = "".join(parser.data)
    assert "<" not in data
    return json.loads(data)


def _strings(value: object) -> Iterator[str]:
    """Every string inside a JSON value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def _outputs(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in OUTPUTS}


# ------------------------------------------------------ the whole bad directory, end to end


@pytest.fixture(scope="module")
def bad_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Result, Path, dict[str, str]]:
    """``kg build`` over tests/data/bad, the files the walk skips, a 5 MB single line and a
    file whose name is not UTF-8; returns the result, the output and path -> outcome."""
    root = tmp_path_factory.mktemp("bad")
    extra = root / "extra"
    extra.mkdir()
    prose = "今年以来，各项工作稳步推进，取得了良好成效。"
    line = GOOD_TEXT + prose * (5 * 2**20 // len(prose.encode()) + 1)
    (extra / "five_mb_line.txt").write_text(line, encoding="utf-8")
    assert (extra / "five_mb_line.txt").stat().st_size > 5 * 2**20 and "\n" not in line
    (extra / NOT_UTF8_NAME).write_text(GOOD_TEXT, encoding="utf-8")
    (extra / "deep.html").write_text("<html><body>" + "<div>" * 3000 + GOOD_TEXT
                                     + "</div>" * 3000 + "</body></html>", encoding="utf-8")
    expected = {str(BAD / name): outcome for name, outcome in OUTCOMES.items()}
    expected |= {str(extra / name): "built"
                 for name in ("five_mb_line.txt", NOT_UTF8_NAME, "deep.html")}
    out = root / "out"
    args = ["build", str(BAD), *(str(BAD / n) for n in NAMED_ONLY), str(extra), "-o", str(out)]
    result = CliRunner().invoke(main, args, prog_name="kg")
    return result, out, expected


def test_robustness_bad_directory_outcomes(bad_build: tuple[Result, Path, dict[str, str]]
                                           ) -> None:
    result, out, expected = bad_build
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and "Error" not in result.output
    body = json.loads((out / "build-report.json").read_text(encoding="utf-8"))
    found = {d["path"]: d for d in body["documents"]}
    assert set(found) == set(expected)
    for path, want in expected.items():
        got = found[path]
        assert "\n" not in got["reason"], path
        if want == "built":
            assert (got["status"], got["reason"]) == ("built", ""), (path, got)
        else:
            status, reason = want.split(": ", 1)
            assert got["status"] == status and reason in got["reason"], (path, got)
    assert body["failed"] == 0
    assert body["skipped"] == sum(v.startswith("skipped") for v in expected.values())


def test_robustness_bad_directory_summary_names_each_skipped_file(
        bad_build: tuple[Result, Path, dict[str, str]]) -> None:
    result, _, expected = bad_build
    lines = result.output.splitlines()
    kinds = [v.split(":")[0] for v in expected.values()]
    assert lines[0] == (f"documents: {kinds.count('built')} built, {kinds.count('skipped')} "
                        f"skipped, 0 failed; {kinds.count('ignored')} other file(s) ignored")
    for kind, head in (("skipped", "skipped"), ("ignored", "ignored"), ("built", "note")):
        listed = [line for line in lines if line.startswith(f"  {head}: ")]
        wanted = {p: v for p, v in expected.items() if v.startswith(f"{kind}:")}
        assert len(listed) == len(wanted), kind
        for path, want in wanted.items():
            (line,) = [line for line in listed if line.startswith(f"  {head}: {path}: ")]
            assert want.split(": ", 1)[1] in line


def test_robustness_bad_directory_outputs_parse_and_conform(
        bad_build: tuple[Result, Path, dict[str, str]]) -> None:
    _, out, _ = bad_build
    _assert_outputs_valid(out)
    visible = {p.name for p in out.iterdir() if not p.name.startswith(".")}
    assert visible == set(OUTPUTS)
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]


def test_robustness_hostile_names_verbatim_in_rdf_escaped_in_html(
        bad_build: tuple[Result, Path, dict[str, str]]) -> None:
    _, out, _ = bad_build
    graph = Graph().parse(out / "graph.ttl", format="turtle")
    names = {str(o) for p in (RDFS.label, DCTERMS.title) for o in graph.objects(None, p)
             if isinstance(o, Literal)}
    hostile = {n for n in names if _MARKUP.search(n)}
    assert set(HOSTILE_TITLES) <= hostile
    assert any("</script>" in n for n in hostile) and any("&amp;" in n for n in hostile)
    for page_name in ("graph.html", "timeline.html"):
        _assert_page_safe((out / page_name).read_text(encoding="utf-8"))
    page = (out / "graph.html").read_text(encoding="utf-8")
    shown = set(_strings(_assert_page_safe(page)))
    for name in hostile:
        assert embed_json(name)[1:-1] in page, name
        assert any(name in s for s in shown), name  # the page shows it as text, unchanged


_NOTICE = "海关总署今天发布公告，天津海关荣获全国文明单位称号。"


@pytest.mark.parametrize(("doc_id", "title"), [
    *((name, _NOTICE) for name in ("gbk", "utf8_bom", "utf16le_bom", "utf16be_bom",
                                   "utf16le_no_bom", "utf32_bom", "truncated_utf8")),
    ("big5", "海關總署今天發布公告，天津海關榮獲全國文明單位稱號。"),
    ("gb18030_four_byte", f"𠀀𪚥{_NOTICE[:-1]}€。"),
])
def test_robustness_encodings_reach_the_graph_intact(
        bad_build: tuple[Result, Path, dict[str, str]], doc_id: str, title: str) -> None:
    _, out, _ = bad_build
    graph = Graph().parse(out / "graph.ttl", format="turtle")
    titles = {str(o) for s, o in graph.subject_objects(DCTERMS.title)
              if str(s).endswith(f"/doc/{doc_id}")}
    assert titles == {title}


def test_robustness_report_keeps_a_file_name_that_is_not_utf8(
        bad_build: tuple[Result, Path, dict[str, str]]) -> None:
    _, out, _ = bad_build
    raw = (out / "build-report.json").read_bytes()
    raw.decode("utf-8")  # strict: the report is valid UTF-8
    paths = {d["path"] for d in json.loads(raw)["documents"]}
    (named,) = [p for p in paths if p.endswith(NOT_UTF8_NAME)]
    assert Path(named).read_text(encoding="utf-8") == GOOD_TEXT  # the path opens the file


# ------------------------------------------------------------------ property: hostile text

_LEXICON = load_resources().lexicon
_VOCAB = sorted({*list(_LEXICON.orgs)[:40], *_LEXICON.honour_cores,
                 *(w for words in _LEXICON.triggers.values() for w in words[:3]),
                 *list(_LEXICON.programme_heads)[:10], *list(_LEXICON.department_words)[:10],
                 "海关", "被评为", "荣获", "称号", "“", "”", "《", "》", "、", "；", "。", "，",
                 "第四届", "驻", "办事处", "同志", "\n", " "})
_HOSTILE = ['"', "\\", "'", "<", ">", "&", "<img src=x onerror=alert(1)>", "</script>",
            "<!--", "{{DATA}}", "\\u0022", "\\n", "%s", "\u202e", "\u2028", "\ufeff", "\ufffd",
            "\U0001f600", "e\u0301"]
_PIECE = st.one_of(
    st.sampled_from(_VOCAB),
    st.sampled_from(_HOSTILE),
    st.integers(1949, 2030).map(lambda y: f"{y}年"),
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
    st.integers(0, 0x1F).map(chr),  # C0 controls, NUL included
    st.integers(0x7F, 0x9F).map(chr),  # DEL and C1 controls
    st.integers(0xD800, 0xDFFF).map(chr),  # lone surrogates, written with surrogatepass
    st.characters(),
)
_TEXT = st.lists(_PIECE, min_size=1, max_size=50).map("".join)
_ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "gb18030", "big5")


def _encode(text: str, encoding: str) -> bytes:
    if encoding.startswith("utf"):
        return text.encode(encoding, "surrogatepass")
    return re.sub("[\ud800-\udfff]", "", text).encode(encoding, "replace")


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(docs=st.lists(st.tuples(st.booleans(), _TEXT, st.sampled_from(_ENCODINGS)),
                     min_size=1, max_size=3))
def test_robustness_hostile_text_never_breaks_the_build(
        tmp_path_factory: pytest.TempPathFactory, docs: list[tuple[bool, str, str]]) -> None:
    root = tmp_path_factory.mktemp("hostile")
    corpus = root / "corpus"
    corpus.mkdir()
    for number, (seeded, text, encoding) in enumerate(docs):
        text = f"{GOOD_TEXT}{text}{GOOD_TEXT}" if seeded else text
        (corpus / f"d{number}.txt").write_bytes(_encode(text, encoding))
    report = build([corpus], root / "out", cache=False)
    for outcome in report.outcomes:
        assert outcome.status in ("built", "skipped"), outcome
        assert "\n" not in outcome.reason and outcome.reason.isprintable(), outcome
    _assert_outputs_valid(root / "out")
    for name in ("graph.html", "timeline.html"):
        _assert_page_safe((root / "out" / name).read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------- determinism

_MIXED = [*sorted(SEEDS.glob("*.txt"))[:3],
          *(BAD / n for n in ("hostile_names.txt", "gbk.txt", "big5.txt", "utf16le_bom.txt",
                              "html_entities.html", "empty.txt", "png_named_txt.txt"))]


def _lay_out(corpus: Path, files: list[Path]) -> None:
    """(Re)create ``corpus`` holding ``files``, created in the order given, one a few
    milliseconds after the other (so creation order and times differ between layouts)."""
    shutil.rmtree(corpus, ignore_errors=True)
    corpus.mkdir()
    for path in files:
        target = corpus / ("sub" if path.suffix == ".html" else ".") / path.name
        target.parent.mkdir(exist_ok=True)
        shutil.copyfile(path, target)
        time.sleep(0.002)


def _kg_build(corpus: Path, out: Path, seed: str, *extra: str) -> None:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    done = subprocess.run([sys.executable, "-m", "kg", "build", str(corpus), "-o", str(out),
                           "--format", "turtle", "--format", "trig", "--format", "nt",
                           "--format", "nquads", "--format", "jsonld", *extra],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
                          check=False)
    assert done.returncode == 1, done.stderr  # two files are skipped
    assert "Traceback" not in done.stderr


def test_robustness_order_hash_seed_and_workers_give_identical_bytes(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    _lay_out(corpus, _MIXED)
    _kg_build(corpus, tmp_path / "one", "1", "--workers", "1")
    _lay_out(corpus, _MIXED[::-1])
    _kg_build(corpus, tmp_path / "two", "2", "--workers", "3")
    names = sorted(p.name for p in (tmp_path / "one").iterdir() if not p.name.startswith("."))
    assert names == sorted(p.name for p in (tmp_path / "two").iterdir()
                           if not p.name.startswith("."))
    assert {"graph.nt", "graph.nq", "graph.jsonld", *OUTPUTS} <= set(names)
    for name in names:
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes(), \
            name


# --------------------------------------------------------------------------- interruption

_SIGNALS = {"SIGINT": signal.SIGINT, "SIGTERM": signal.SIGTERM, "SIGKILL": signal.SIGKILL}


#: ``kg`` as its console script runs it, except that SIGINT is reset first: a shell's
#: background job (a CI runner's, say) starts with SIGINT ignored, and so would the child.
_KG = [sys.executable, "-c", ("import signal, sys; "
                              "signal.signal(signal.SIGINT, signal.default_int_handler); "
                              "from kg.cli import main; main(sys.argv[1:], prog_name='kg')")]


class _Build:
    """``kg build`` in a child process with stderr on a terminal (so it draws progress),
    drained by a thread so the child never blocks on a full terminal buffer."""

    def __init__(self, corpus: Path, out: Path, workers: int) -> None:
        parent, child = pty.openpty()
        self.process = subprocess.Popen(
            [*_KG, "build", str(corpus), "-o", str(out), "--workers", str(workers)],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=child)
        os.close(child)
        self.err = bytearray()
        self.reader = threading.Thread(target=self._drain, args=(parent,), daemon=True)
        self.reader.start()

    def _drain(self, fd: int) -> None:
        try:
            while select.select([fd], [], [], 60)[0]:
                chunk = os.read(fd, 4096)
                if not chunk:
                    break
                self.err += chunk
        except OSError:  # the terminal closes with the child
            pass
        finally:
            os.close(fd)

    def wait_for(self, ready: Callable[[], bool], what: str, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while not ready():
            assert self.process.poll() is None, f"the build ended before {what}"
            assert time.monotonic() < deadline, f"no {what} within {timeout} s"
            time.sleep(0.002)

    def stop(self, signum: int) -> tuple[int, str]:
        self.process.send_signal(signum)
        self.process.communicate(timeout=60)
        self.reader.join(timeout=10)
        return self.process.returncode, self.err.decode("utf-8", "replace")


def _own_processes(marker: str) -> list[int]:
    """Processes whose command line names ``marker`` (the test's own corpus path)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and marker in (entry / "cmdline").read_text("utf-8",
                                                                                 "replace"):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


@pytest.mark.slow
@pytest.mark.parametrize(("name", "phase", "workers"), [
    ("SIGINT", "reading", 1), ("SIGTERM", "reading", 2), ("SIGKILL", "reading", 1),
    ("SIGINT", "writing", 1), ("SIGTERM", "writing", 1), ("SIGKILL", "writing", 1),
    ("SIGTERM", "writing", 2), ("SIGKILL", "writing", 2),
], ids=lambda v: str(v))
def test_robustness_interrupted_build_leaves_whole_files(
        tmp_path: Path, seeds_build: Path, name: str, phase: str, workers: int) -> None:
    signum = _SIGNALS[name]
    out = tmp_path / "output"
    shutil.copytree(seeds_build, out)
    before = _outputs(out)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    # with workers, 205 documents: at 200 and more the workers write the graph too
    copies = 41 if workers > 1 else 24
    assert workers == 1 or copies * 5 >= pipeline._PARALLEL_WRITE_MIN
    for copy in range(copies):
        for path in sorted(SEEDS.glob("*.txt")):
            shutil.copyfile(path, corpus / f"c{copy:03d}_{path.name}")
    run = _Build(corpus, out, workers)
    if phase == "reading":  # a document is done: the stages run, nothing is written yet
        run.wait_for(lambda: b"c0" in run.err, "progress")
    else:  # the graph files are made in the build's scratch folder: the picture is next
        run.wait_for(lambda: any(out.glob(".kg-build-*/graph.trig")), "graph.trig")
    code, err = run.stop(signum)

    assert "Traceback" not in err
    if signum == signal.SIGKILL:
        assert code == -signal.SIGKILL
    else:
        assert code == 128 + signum, err
        assert err.count(f"Error: interrupted by {name}") == 1, err
    time.sleep(0.2)
    assert not _own_processes(str(corpus))  # no worker left behind
    leftovers = [p for p in out.rglob("*") if p.name.endswith(".tmp")]
    if signum == signal.SIGKILL:  # nothing can clean up after SIGKILL: hidden, at least
        assert all(p.relative_to(out).parts[0].startswith(".") for p in leftovers), leftovers
    else:
        assert not leftovers
    assert {p.name for p in out.iterdir() if not p.name.startswith(".")} == set(before)
    assert _outputs(out) == before  # the set is the previous build's, whole
    _assert_outputs_valid(out)
    pipeline.recover(out)  # what the next build does first: a killed build's scratch goes
    assert not list(out.glob(".kg-build-*"))


def test_robustness_atomic_write_cleans_up_when_interrupted(tmp_path: Path) -> None:
    """SIGINT while a large file is being written: the temporary file goes, the old stays."""
    target = tmp_path / "graph.ttl"
    target.write_bytes(b"old")
    script = ("import signal, sys; from pathlib import Path; from kg._fs import "
              "atomic_write_bytes\nsignal.signal(signal.SIGINT, signal.default_int_handler)\n"
              "atomic_write_bytes(Path(sys.argv[1]), bytes(int(sys.argv[2])))\n")
    process = subprocess.Popen([sys.executable, "-c", script, str(target), str(200 * 2**20)],
                               cwd=ROOT, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(".graph.ttl.*.tmp")) and process.poll() is None:
        assert time.monotonic() < deadline, "no temporary file within 60 s"
        time.sleep(0.0005)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    if process.returncode == 0:
        pytest.skip("the write finished before the signal arrived")
    assert b"KeyboardInterrupt" in err, err.decode("utf-8", "replace")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.ttl"]
    assert target.read_bytes() == b"old"


def test_robustness_atomic_write_errors_are_input_errors(tmp_path: Path) -> None:
    (tmp_path / "graph.ttl").mkdir()  # a directory where the file should go
    with pytest.raises(InputError, match="cannot write file") as caught:
        atomic_write_bytes(tmp_path / "graph.ttl", b"data")
    assert "\n" not in str(caught.value)
    assert [p.name for p in tmp_path.iterdir()] == ["graph.ttl"]  # no temporary file left


def test_robustness_atomic_write_text_keeps_surrogates_as_json_escapes(tmp_path: Path) -> None:
    body = {"path": NOT_UTF8_NAME}
    atomic_write_text(tmp_path / "r.json", json.dumps(body, ensure_ascii=False))
    raw = (tmp_path / "r.json").read_bytes()
    assert json.loads(raw.decode("utf-8")) == body


def test_robustness_cli_unwritable_output_file_is_one_error_line(tmp_path: Path) -> None:
    blocker = tmp_path / "out" / "graph.ttl"
    blocker.mkdir(parents=True)  # a directory where the graph should go: exit 2
    result = CliRunner().invoke(main, ["build", str(SEEDS / "000_2a6c9addae7b0bec.txt"), "-o",
                                       str(tmp_path / "out"), "--no-html"], prog_name="kg")
    assert result.exit_code == 2, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "cannot write file" in errors[0], result.output
    assert "Traceback" not in result.output


def test_robustness_cli_unexpected_exception_is_one_error_line(tmp_path: Path) -> None:
    """A gold file whose entries are not objects: whatever the library raises, the user
    sees one ``Error:`` line and no traceback; ``--debug`` shows the exception."""
    gold = tmp_path / "gold.json"
    gold.write_text('{"entities": [5, "x"], "relations": [7]}', encoding="utf-8")
    args = ["evaluate", "--gold", str(gold), "--graph", str(GRAPH)]
    result = CliRunner().invoke(main, args, prog_name="kg")
    assert result.exit_code in (1, 2), result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "Traceback" not in result.output, result.output
    debug = CliRunner().invoke(main, ["--debug", *args], prog_name="kg")
    assert debug.exception is not None and not isinstance(debug.exception, SystemExit)


@pytest.mark.parametrize("update", [
    "insert data { <urn:a> <urn:b> <urn:c> }",
    "# a comment\nDELETE WHERE { ?s ?p ?o }",
    "PREFIX x: <http://x/#SELECT> BASE <http://b/> DELETE DATA { x:a x:b x:c }",
    "WITH <urn:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "LOAD <file:///etc/passwd>", "CLEAR ALL", "DROP ALL", "CREATE GRAPH <urn:g>",
    "ADD DEFAULT TO <urn:g>", "MOVE DEFAULT TO <urn:g>", "COPY DEFAULT TO <urn:g>",
    "INSERT{?s ?p ?o}WHERE{?s ?p ?o}",
], ids=lambda u: re.sub(r"\W+", "_", u)[:24])
def test_robustness_query_refuses_every_update_form(tmp_path: Path, update: str) -> None:
    graph = tmp_path / "graph.trig"
    shutil.copyfile(GRAPH, graph)
    result = CliRunner().invoke(main, ["query", update, "--graph", str(graph)], prog_name="kg")
    assert result.exit_code == 2, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "--allow-update" in errors[0], result.output
    assert graph.read_bytes() == GRAPH.read_bytes()


def test_robustness_query_file_with_byte_order_mark(tmp_path: Path) -> None:
    query = tmp_path / "q.rq"
    query.write_bytes(b"\xef\xbb\xbf" + b"SELECT ?l WHERE { ?b a ckg:Bureau ; rdfs:label ?l }")
    result = CliRunner().invoke(main, ["query", "-f", str(query), "--graph", str(GRAPH)],
                                prog_name="kg")
    assert result.exit_code == 0, result.output
    assert "(2 rows)" in result.output


# ----------------------------------------------------------------- pathological documents


@pytest.mark.parametrize("text", [
    pytest.param("天津海关" + "科" * 2000 + "被评为全国文明单位。", id="nested_unit_words"),
    # Their speed (linear, not quadratic) is measured by benchmarks/bench_pathological.py.
    pytest.param("天津海关、" * 2000 + "被评为全国文明单位。", id="long_list"),
    pytest.param("上海海关，天津海关。" * 6000, id="many_offices"),
])
def test_robustness_pathological_document_is_built(tmp_path: Path, text: str) -> None:
    (tmp_path / "doc.txt").write_text(text, encoding="utf-8")
    report = build([tmp_path / "doc.txt"], tmp_path / "out", html=False, cache=False)
    assert [o.status for o in report.outcomes] == ["built"], report.outcomes


