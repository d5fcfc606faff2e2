"""Tests for kg.cli: every command through CliRunner, exit codes 0/1/2, one ``Error:`` line
and no traceback on errors, and a fast ``kg --help`` that does not import jieba."""

from __future__ import annotations

import json
import os
import pty
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from kg.cli import main
from kg.errors import KgError
from kg.evaluate import evaluate, format_report
from kg.export import EXPORTERS

HERE = Path(__file__).parent
REPO = HERE.parent
GRAPH = HERE / "data" / "graphs" / "query_customs.trig"
SEEDS = REPO / "seeds"
QUERIES = REPO / "queries"


def _run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), prog_name="kg")


def _assert_error(result: Result, code: int, *needles: str) -> None:
    assert result.exit_code == code, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.output
    assert "Traceback" not in result.output
    for needle in needles:
        assert needle in errors[0]


COMMANDS = sorted(main.commands)


def test_cli_has_every_command() -> None:
    assert COMMANDS == ["build", "evaluate", "export", "load", "names", "query", "stats",
                        "validate", "viz"]


@pytest.mark.parametrize("command", [[], *([c] for c in COMMANDS)],
                         ids=["kg", *COMMANDS])
def test_cli_help(command: list[str]) -> None:
    result = _run(*command, "--help")
    assert result.exit_code == 0 and "Usage: kg" in result.output


def test_cli_version() -> None:
    result = _run("--version")
    assert result.exit_code == 0 and result.output.startswith("kg ")


def test_cli_format_choices_come_from_exporters() -> None:
    for name in ("build", "export"):
        option = next(p for p in main.commands[name].params if p.name == "formats")
        assert isinstance(option.type, click.Choice)
        assert list(option.type.choices) == list(EXPORTERS)


def test_cli_help_does_not_import_jieba_or_pipeline() -> None:
    code = ("import sys; from kg.cli import main\n"
            "try:\n    main(['--help'], prog_name='kg')\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('jieba', 'jieba_fast_dat', 'kg.pipeline', 'pyshacl') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=REPO, check=True)
    assert done.stdout.strip().endswith("[]")


def test_cli_python_dash_m() -> None:
    done = subprocess.run([sys.executable, "-m", "kg", "--help"], capture_output=True,
                          text=True, cwd=REPO, check=False)
    assert done.returncode == 0 and "Usage: kg" in done.stdout


# -------------------------------------------------------------------- query


def test_cli_query_table() -> None:
    result = _run("query", "SELECT ?l WHERE { ?b a ckg:Bureau ; rdfs:label ?l } ORDER BY ?l",
                  "--graph", str(GRAPH))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[2:] == ["天津海关", "满洲里海关", "(2 rows)"]


@pytest.mark.parametrize("path", sorted(QUERIES.glob("*.rq")), ids=lambda p: p.stem)
def test_cli_query_file(path: Path) -> None:
    result = _run("query", "-f", str(path), "--graph", str(GRAPH))
    assert result.exit_code == 0, result.output
    assert "(0 rows)" not in result.output


def test_cli_query_json_and_csv() -> None:
    text = "SELECT ?l WHERE { ?b a ckg:Bureau ; rdfs:label ?l } ORDER BY ?l"
    result = _run("query", text, "--graph", str(GRAPH), "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.output)["head"] == {"vars": ["l"]}
    result = _run("query", text, "--graph", str(GRAPH), "--format", "csv")
    assert result.output.splitlines() == ["l", "天津海关", "满洲里海关"]


def test_cli_query_malformed_exits_2() -> None:
    _assert_error(_run("query", "SELECT ?x WHERE {", "--graph", str(GRAPH)), 2,
                  "malformed SPARQL")


def test_cli_query_update_refused_then_allowed() -> None:
    update = "DELETE WHERE { ?s a ckg:Person }"
    _assert_error(_run("query", update, "--graph", str(GRAPH)), 2, "--allow-update")
    result = _run("query", update, "--graph", str(GRAPH), "--allow-update")
    assert result.exit_code == 0 and "update applied" in result.output


@pytest.mark.parametrize("args", [
    [], ["ASK {}", "-f", str(QUERIES / "01_suboffices_of_bureau.rq")],
],
                         ids=["neither", "both"])
def test_cli_query_needs_exactly_one_query(args: list[str]) -> None:
    _assert_error(_run("query", *args, "--graph", str(GRAPH)), 2, "QUERY or -f")


def test_cli_query_missing_graph_exits_2(tmp_path: Path) -> None:
    _assert_error(_run("query", "ASK {}", "--graph", str(tmp_path / "none")), 2, "kg build")


def test_cli_debug_reraises(tmp_path: Path) -> None:
    result = _run("--debug", "query", "ASK {}", "--graph", str(tmp_path / "none"))
    assert isinstance(result.exception, KgError)


# ------------------------------------------------------- stats, validate, ...


def test_cli_stats() -> None:
    result = _run("stats", "--graph", str(GRAPH))
    assert result.exit_code == 0, result.output
    lines = dict(line.rsplit(None, 1) for line in result.output.splitlines())
    assert lines["documents"] == "2" and lines["awards"] == "6" and lines["triples"] == "138"
    assert lines["  Bureau"] == "2"


def test_cli_validate_conforming() -> None:
    result = _run("validate", "--graph", str(GRAPH))
    assert result.exit_code == 0 and result.output.strip() == "conforms"


def test_cli_validate_violations_exit_1(tmp_path: Path) -> None:
    broken = tmp_path / "graph.trig"
    text = GRAPH.read_text(encoding="utf-8")
    broken.write_text(text.replace('rdfs:label "满洲里海关"@zh ;', ""), encoding="utf-8")
    result = _run("validate", "--graph", str(tmp_path))
    _assert_error(result, 1, "violation")
    assert "满洲里海关" in result.output


def test_cli_evaluate_prints_the_scorer_lines() -> None:
    gold = HERE / "data" / "gold" / "eval_tricky.json"
    graph = HERE / "data" / "graphs" / "eval_tricky.ttl"
    result = _run("evaluate", "--gold", str(gold), "--graph", str(graph))
    assert result.exit_code == 0, result.output
    assert result.output == format_report(evaluate([graph], gold))
    detailed = _run("evaluate", "--gold", str(gold), "--graph", str(graph), "--details")
    assert detailed.output == format_report(evaluate([graph], gold), details=True)


def test_cli_evaluate_missing_gold_exits_2(tmp_path: Path) -> None:
    result = _run("evaluate", "--gold", str(tmp_path / "none.json"), "--graph", str(GRAPH))
    _assert_error(result, 2)


def test_cli_export_converts_a_build(tmp_path: Path) -> None:
    result = _run("export", "--graph", str(GRAPH), "-o", str(tmp_path), "--format", "nt",
                  "--format", "jsonld")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.jsonld", "graph.nt"]


def test_cli_export_unknown_format_exits_2(tmp_path: Path) -> None:
    _assert_error(_run("export", "--graph", str(GRAPH), "-o", str(tmp_path), "--format", "xml"),
                  2)


def test_cli_export_unwritable_output_exits_2(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x", encoding="utf-8")
    result = _run("export", "--graph", str(GRAPH), "-o", str(tmp_path / "file" / "out"),
                  "--format", "nt")
    _assert_error(result, 2, "cannot create output directory")


def test_cli_export_graphml(tmp_path: Path) -> None:
    result = _run("export", "--graph", str(GRAPH), "-o", str(tmp_path), "--format", "graphml")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "graph.graphml").read_bytes().startswith(b"<?xml")


# --------------------------------------------------------------------- load


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_cli_load_store_down_exits_1_after_retries(tmp_path: Path) -> None:
    shutil.copy(GRAPH, tmp_path / "graph.trig")
    endpoint = f"http://127.0.0.1:{_closed_port()}/store"
    result = _run("load", str(tmp_path), "--endpoint", endpoint, "--retries", "2",
                  "--backoff", "0")
    _assert_error(result, 1, endpoint, "cannot connect", "after 3 attempts", "0 of 2 graphs")
    assert not [line for line in result.output.splitlines() if line.startswith("loaded")]


@pytest.mark.parametrize("args, needle", [
    (["--endpoint", "localhost:7878/store"], "not an http"),
    (["--endpoint", "http://127.0.0.1:9/store", "--retries", "-1"], "--retries"),
    ([], "--endpoint"),
], ids=["not_http", "negative_retries", "no_endpoint"])
def test_cli_load_unusable_arguments_exit_2(args: list[str], needle: str,
                                            tmp_path: Path) -> None:
    shutil.copy(GRAPH, tmp_path / "graph.trig")
    _assert_error(_run("load", str(tmp_path), *args), 2, needle)


def test_cli_load_without_a_build_exits_2(tmp_path: Path) -> None:
    _assert_error(_run("load", str(tmp_path), "--endpoint", "http://127.0.0.1:9/store"), 2,
                  "kg build")


def test_cli_viz_writes_html(tmp_path: Path) -> None:
    pytest.importorskip("kg.viz")
    shutil.copy(GRAPH, tmp_path / "graph.trig")
    result = _run("viz", "--graph", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "graph.html").is_file()


def test_cli_viz_unknown_focus_exits_2(tmp_path: Path) -> None:
    pytest.importorskip("kg.viz")
    result = _run("viz", "--graph", str(GRAPH), "-o", str(tmp_path / "g.html"),
                  "--focus", "不存在的海关")
    _assert_error(result, 2)


# -------------------------------------------------------------------- build


def test_cli_build_seeds(tmp_path: Path) -> None:
    pytest.importorskip("kg.pipeline")
    result = _run("build", str(SEEDS), "-o", str(tmp_path / "out"), "--no-html")
    assert result.exit_code == 0, result.output
    assert "documents: 5 built, 0 skipped, 0 failed" in result.output
    assert (tmp_path / "out" / "graph.ttl").is_file()
    assert (tmp_path / "out" / "graph.trig").is_file()


def test_cli_build_names_skipped_files_and_exits_1(tmp_path: Path) -> None:
    pytest.importorskip("kg.pipeline")
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(next(SEEDS.glob("*.txt")), docs)
    (docs / "empty.txt").write_bytes(b"")
    result = _run("build", str(docs), "-o", str(tmp_path / "out"), "--no-html")
    assert result.exit_code == 1, result.output
    assert "1 built, 1 skipped" in result.output
    skipped = [line for line in result.output.splitlines() if "skipped:" in line]
    assert len(skipped) == 1 and skipped[0].count("empty.txt") == 1


def test_cli_build_draws_progress_only_on_a_terminal(tmp_path: Path) -> None:
    pytest.importorskip("kg.pipeline")
    parent, child = pty.openpty()
    try:
        done = subprocess.run([sys.executable, "-m", "kg", "build", str(SEEDS), "-o",
                               str(tmp_path / "out"), "--no-html"], stderr=child,
                              stdout=subprocess.PIPE, cwd=REPO, timeout=300, check=False)
    finally:
        os.close(child)
    drawn = _read_all(parent).decode("utf-8", "replace")
    assert done.returncode == 0
    assert all(seed.name in drawn for seed in SEEDS.glob("*.txt"))
    assert b"000_" not in done.stdout.split(b"documents:")[0]
    quiet = _run("build", str(SEEDS), "-o", str(tmp_path / "quiet"), "--no-html")
    assert "000_" not in quiet.output


def _read_all(fd: int) -> bytes:
    data = b""
    try:
        while chunk := os.read(fd, 4096):
            data += chunk
    except OSError:  # the terminal closes with the child
        pass
    finally:
        os.close(fd)
    return data


def test_cli_build_missing_path_exits_2(tmp_path: Path) -> None:
    _assert_error(_run("build", str(tmp_path / "nothing"), "-o", str(tmp_path / "out")), 2,
                  "does not exist")


def test_cli_build_unwritable_output_exits_2(tmp_path: Path) -> None:
    pytest.importorskip("kg.pipeline")
    (tmp_path / "file").write_text("x", encoding="utf-8")
    result = _run("build", str(SEEDS), "-o", str(tmp_path / "file" / "out"), "--no-html")
    _assert_error(result, 2)


def test_cli_build_no_cache_leaves_no_cache_and_same_output(tmp_path: Path) -> None:
    doc = next(SEEDS.glob("*.txt"))
    cached = _run("build", str(doc), "-o", str(tmp_path / "a"), "--no-html")
    plain = _run("build", str(doc), "-o", str(tmp_path / "b"), "--no-html", "--no-cache")
    assert cached.exit_code == 0 and plain.exit_code == 0, plain.output
    assert (tmp_path / "a" / ".cache").is_dir()
    assert not (tmp_path / "b" / ".cache").exists()
    assert (tmp_path / "a" / "graph.trig").read_bytes() == (tmp_path / "b" / "graph.trig").read_bytes()


# ------------------------------------------------------- issue 13: trust on first contact


@pytest.mark.issue(13)
def test_cli_summary_escapes_control_characters_and_lists_ignored(tmp_path: Path) -> None:
    corpus = tmp_path / "in"
    corpus.mkdir()
    shutil.copyfile(next(SEEDS.glob("*.txt")), corpus / "a.txt")
    (corpus / "bad\nname.txt").write_bytes(b"\x00\x01\x02 binary")
    (corpus / "r.pdf").write_bytes(b"%PDF")
    result = _run("build", str(corpus), "-o", str(tmp_path / "out"), "--no-html")
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert lines[0] == "documents: 1 built, 1 skipped, 0 failed; 1 other file(s) ignored"
    (skipped,) = [line for line in lines if line.startswith("  skipped:")]
    assert "bad\\nname.txt" in skipped
    (ignored,) = [line for line in lines if line.startswith("  ignored:")]
    assert "r.pdf" in ignored and "pdftotext" in ignored
    wrote = next(line for line in lines if line.startswith("wrote:"))
    assert wrote.endswith("build-report.json")
    assert re.fullmatch(r"time: \d+\.\d s \(start-up included; the build itself \d+\.\d s\)",
                        lines[-1])


@pytest.mark.issue(13)
def test_cli_viz_focus_writes_its_own_file(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert _run("build", str(SEEDS), "-o", str(out)).exit_code == 0
    before = {n: (out / n).read_bytes() for n in ("graph.html", "timeline.html")}
    result = _run("viz", "--graph", str(out), "--focus", "满关", "--depth", "1")
    assert result.exit_code == 0, result.output
    assert {n: (out / n).read_bytes() for n in before} == before
    assert (out / "graph-满关-1.html").is_file() and (out / "graph-满关-1-timeline.html").is_file()
    missing = _run("viz", "--graph", str(out), "--focus", "不存在海关")
    _assert_error(missing, 2, "no node named", "kg names")


@pytest.mark.issue(13)
def test_cli_names_lists_labels_classes_and_counts(seeds_build: Path) -> None:
    result = _run("names", "满洲里", "--graph", str(seeds_build))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert any(line.split()[0] == "Bureau" and "满洲里海关" in line and "(also 满关)" in line
               for line in lines)
    assert lines[-1].startswith("7 names: Bureau 1,")
    only = _run("names", "--type", "suboffice", "--graph", str(seeds_build))
    assert only.exit_code == 0 and only.output.splitlines()[-1] == "9 names: SubOffice 9"
    _assert_error(_run("names", "--type", "Ship", "--graph", str(seeds_build)), 2, "Ship")


@pytest.mark.issue(13)
def test_cli_says_when_it_makes_the_dictionary_cache(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    args = [sys.executable, "-m", "kg", "build", str(SEEDS), "-o", str(tmp_path / "out"),
            "--no-html"]
    first = subprocess.run(args, capture_output=True, text=True, env=env, timeout=300,
                           check=False)
    assert first.returncode == 0, first.stderr
    notices = [line for line in first.stderr.splitlines() if line.startswith("kg: making")]
    assert len(notices) == 1 and str(tmp_path / "cache") in notices[0]
    second = subprocess.run(args, capture_output=True, text=True, env=env, timeout=300,
                            check=False)
    assert second.returncode == 0 and "kg: making" not in second.stderr
