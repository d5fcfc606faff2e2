"""Tests for kg.query: the competency questions of queries/ on a contract-shaped graph (and,
on the seeds, the same rows as rdflib's SPARQL), the store persisted in a build directory,
result kinds, UPDATE refusal, malformed queries, and the table / CSV / JSON forms."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import unicodedata
import warnings
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset

from kg.errors import InputError, QueryError
from kg.export import read_output, write_outputs
from kg.query import (
    FORMATTERS,
    PERSIST_MIN_BYTES,
    STORE_DIR,
    WRITERS,
    QueryResult,
    Term,
    ensure_store,
    format_csv,
    format_json,
    format_jsonl,
    format_table,
    format_tsv,
    run_query,
    stats,
)

HERE = Path(__file__).parent
GRAPH = HERE / "data" / "graphs" / "query_customs.trig"
QUERIES = sorted((HERE.parent / "queries").glob("*.rq"))

#: Query file stem -> rows it must return on query_customs.trig (labels only).
EXPECTED: dict[str, set[tuple[str, ...]]] = {
    "01_suboffices_of_bureau": {("额尔古纳海关",), ("驻车站办事处",), ("驻通辽办事处",)},
    "02_honours_of_org_and_suboffices": {
        ("驻车站办事处通关科", "全国海关先进工作集体", "2007", "", ""),
        ("驻通辽办事处", "全国文明单位", "2009", "", ""),
        ("满洲里海关", "内蒙古自治区扫黄打非先进集体", "2012", "", ""),
        ("满洲里海关图书馆", "职工书屋", "2012", "中华全国总工会", ""),
    },
    "03_recipients_of_honour": {
        ("驻通辽办事处", "https://w3id.org/customs-kg/ontology#SubOffice", "2009"),
        ("天津海关", "https://w3id.org/customs-kg/ontology#Bureau", "2015"),
        ("机场海关", "https://w3id.org/customs-kg/ontology#SubOffice", "2015"),
    },
    "04_what_happened_in_year": {
        ("honour", "满洲里海关", "内蒙古自治区扫黄打非先进集体"),
        ("honour", "满洲里海关图书馆", "职工书屋"),
        ("programme", "天津海关", "学雷锋志愿服务队"),
        ("programme", "天津海关", "道德讲堂"),
    },
    "05_programmes_of_org": {("学雷锋志愿服务队", "2012"), ("道德讲堂", "2012")},
}


def _values(result: QueryResult, skip: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    keep = [i for i, name in enumerate(result.variables) if name not in skip]
    return {tuple(row[i].value if row[i] else "" for i in keep) for row in result.rows}


def test_query_every_competency_question_has_a_file() -> None:
    assert [p.stem[:2] for p in QUERIES] == ["01", "02", "03", "04", "05", "06"]
    for path in QUERIES:
        head = path.read_text(encoding="utf-8").splitlines()[:2]
        assert head[0].startswith("# 问题") and head[1].startswith("# Question"), path.name


@pytest.mark.parametrize("path", QUERIES, ids=lambda p: p.stem)
def test_query_rq_files_return_rows(path: Path) -> None:
    result = run_query(path.read_text(encoding="utf-8"), GRAPH)
    assert result.kind == "select" and result.rows
    if path.stem in EXPECTED:
        skip = ("subOffice",) if path.stem.startswith("01") else ()
        assert _values(result, skip) == EXPECTED[path.stem]


@pytest.mark.parametrize("recipient", ["满洲里海关图书馆", "满关图书馆"])
def test_query_provenance_gives_the_sentence_of_a_given_award(recipient: str) -> None:
    text = (HERE.parent / "queries" / "06_provenance_of_award.rq").read_text(encoding="utf-8")
    asked = text.replace('("天津海关"@zh "全国文明单位"@zh)', f'("{recipient}"@zh "职工书屋"@zh)')
    assert asked != text
    result = run_query(asked, GRAPH)
    (row,) = result.rows
    column = dict(zip(result.variables, row, strict=True))
    sentence = "2012年，满关图书馆被中华全国总工会授予职工书屋称号。"
    assert column["evidence"] == Term("literal", sentence, lang="zh")
    assert column["recipientLabel"] == Term("literal", "满洲里海关图书馆", lang="zh")
    assert column["year"] is not None and column["year"].value == "2012"
    assert column["document"] is not None and column["document"].type == "uri"


def test_query_awards_without_year_or_awarder_keep_their_rows(seeds_build: Path) -> None:
    # The one-pattern OPTIONAL chains (COALESCE to ckg:none) must neither drop an award
    # that lacks a year or an awarding body nor repeat it once for every year or body.
    text = (HERE.parent / "queries" / "02_honours_of_org_and_suboffices.rq").read_text(
        encoding="utf-8")
    result = run_query(text, seeds_build)
    column = {name: i for i, name in enumerate(result.variables)}
    yearless = sorted((r[0].value, r[1].value) for r in result.rows  # type: ignore[union-attr]
                      if r[column["year"]] is None)
    assert yearless == [("满洲里海关", "内蒙古自治区文明单位标兵"), ("额尔古纳海关阅览室", "草原书屋"),
                        ("驻十八里办事处阅览室", "草原书屋")]
    unawarded = [r for r in result.rows if r[column["awardedByLabel"]] is None]
    assert len(unawarded) == 9 and len(result.rows) == 16


@pytest.mark.parametrize("alias", ["满洲里海关", "满关"])
def test_query_matches_any_alias(alias: str) -> None:
    text = (HERE.parent / "queries" / "01_suboffices_of_bureau.rq").read_text(encoding="utf-8")
    result = run_query(text.replace('"满洲里海关"@zh', f'"{alias}"@zh'), GRAPH)
    assert len(result.rows) == 3


def test_query_rq_files_run_on_a_turtle_build(tmp_path: Path) -> None:
    write_outputs(read_output(GRAPH), tmp_path, ["turtle"])
    for path in QUERIES:
        assert run_query(path.read_text(encoding="utf-8"), tmp_path).rows, path.name


def test_query_predeclares_contract_prefixes_and_id() -> None:
    result = run_query("SELECT ?label WHERE { ?b a ckg:Bureau ; rdfs:label ?label }", GRAPH)
    assert _values(result) == {("天津海关",), ("满洲里海关",)}
    result = run_query(r"ASK { id:bureau\/天津海关 a ckg:Bureau }", GRAPH)
    assert result.kind == "ask" and result.boolean is True


def test_query_own_prefix_declaration_wins() -> None:
    result = run_query("PREFIX ckg: <http://example.org/other#> ASK { ?b a ckg:Bureau }", GRAPH)
    assert result.boolean is False


def test_query_default_graph_is_the_union() -> None:
    result = run_query("SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d a ckg:Document }", GRAPH)
    assert result.rows[0][0] == Term("literal", "2", datatype="http://www.w3.org/2001/XMLSchema#integer")


@pytest.mark.parametrize("persist", [False, True], ids=["memory", "persisted"])
def test_query_union_holds_each_triple_once(persist: bool, tmp_path: Path) -> None:
    """Ten documents restating the same facts: pyoxigraph's computed union would repeat each
    triple ten times and question 2 would not finish; the stored union answers at once."""
    quads = list(ox.parse(path=GRAPH, format=ox.RdfFormat.TRIG))
    copies = [ox.Quad(q.subject, q.predicate, q.object, ox.NamedNode(f"{q.graph_name.value}-{n}"))
              for q in quads for n in range(10)]
    ox.serialize(copies, str(tmp_path / "graph.nq"), format=ox.RdfFormat.N_QUADS)
    if persist:
        ensure_store(tmp_path)
    text = (HERE.parent / "queries" / "02_honours_of_org_and_suboffices.rq").read_text(
        encoding="utf-8")
    assert _values(run_query(text, tmp_path)) == EXPECTED["02_honours_of_org_and_suboffices"]
    rows = run_query("SELECT ?l WHERE { ?b a ckg:Bureau ; rdfs:label ?l }", tmp_path).rows
    assert len(rows) == 2
    counts = stats(tmp_path)
    assert (counts.triples, counts.quads) == (138, 1450)


def test_query_construct_returns_triples() -> None:
    result = run_query("CONSTRUCT { ?b rdfs:label ?l } WHERE { ?b a ckg:Bureau ; rdfs:label ?l }",
                       GRAPH)
    assert result.kind == "construct"
    assert result.variables == ("subject", "predicate", "object")
    assert len(result.rows) == 2


@pytest.mark.parametrize("update", [
    "INSERT DATA { <http://a> <http://b> <http://c> }",
    "  # a comment with INSERT\n  prefix ex: <http://example.org/#x>\n  delete where { ?s ?p ?o }",
    "BASE <http://example.org/> PREFIX : <#> CLEAR ALL",
    "WITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "drop all",
], ids=["insert", "comment_prefix_lowercase", "base_prefix_clear", "with", "drop"])
def test_query_update_is_refused(update: str) -> None:
    with pytest.raises(QueryError, match=r"UPDATE refused.*--allow-update"):
        run_query(update, GRAPH)


def test_query_update_allowed_changes_only_the_copy() -> None:
    before = GRAPH.read_bytes()
    result = run_query("DELETE WHERE { ?s a ckg:Person }", GRAPH, allow_update=True)
    assert result.kind == "update" and "1 after" not in result.message
    assert "quads before" in result.message
    assert GRAPH.read_bytes() == before
    assert run_query("ASK { ?s a ckg:Person }", GRAPH).boolean is True


@pytest.mark.parametrize("text", [
    "SELECT ?x WHERE {",
    "SELEC ?x WHERE { ?x ?p ?o }",
    "SELECT ?x WHERE { ?x undeclared:p ?o }",
], ids=["unclosed", "typo", "unknown_prefix"])
def test_query_malformed_is_one_error_line_and_a_caret(text: str) -> None:
    # One line says what is wrong (not pyoxigraph's dump of the grammar); the two after
    # it show the query line and a caret under the place (tests/test_query_safety.py).
    with pytest.raises(QueryError, match="malformed SPARQL") as info:
        run_query(text, GRAPH)
    display = str(info.value).splitlines()[1:]
    assert "expected one of" not in str(info.value) and "\\u{" not in str(info.value)
    assert len(display) == 2 and display[0] == f"  1 | {text}"
    assert display[1].startswith("    | ") and display[1].endswith("^")


def test_query_missing_build_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="kg build"):
        run_query("ASK {}", tmp_path)
    with pytest.raises(InputError, match="graph not found"):
        run_query("ASK {}", tmp_path / "nothing")


def test_query_unparsable_build_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "graph.trig").write_text("<a> {", encoding="utf-8")
    with pytest.raises(InputError, match="cannot parse graph file"):
        run_query("ASK {}", tmp_path)


# ------------------------------------------------------------------ formats


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def test_query_table_aligns_chinese_columns() -> None:
    result = run_query("SELECT ?label ?b WHERE { ?b a ?c ; rdfs:label ?label } ORDER BY ?label",
                       GRAPH)
    lines = format_table(result).splitlines()
    iris = [r[1].value for r in result.rows]  # type: ignore[union-attr]
    starts = set()
    for line, iri in zip(lines[2:-1], iris, strict=True):
        short = "id:" + iri.removeprefix("https://w3id.org/customs-kg/id/")
        assert line.endswith(short)
        starts.add(_display_width(line[: -len(short)]))
    assert len(starts) == 1
    assert _display_width(lines[0].split("  b")[0]) + 2 in starts
    assert lines[-1] == f"({len(result.rows)} rows)"


def test_query_table_clips_long_cells_and_shows_booleans() -> None:
    long = Term("literal", "很" * 100)
    table = format_table(QueryResult("select", ("x",), ((long,), (None,))), max_width=21)
    body = table.splitlines()[2]
    assert body.endswith("…") and _display_width(body) <= 21
    assert format_table(QueryResult("ask", boolean=False)) == "false\n"


def test_query_json_is_sparql_results_json() -> None:
    text = ("SELECT ?b ?label ?none ?n WHERE { ?b a ckg:Bureau ; rdfs:label ?label . "
            "OPTIONAL { ?b ckg:nothing ?none } BIND (1 AS ?n) }")
    result = run_query(text, GRAPH)
    data = json.loads(format_json(result))
    assert data["head"] == {"vars": ["b", "label", "none", "n"]}
    binding = data["results"]["bindings"][0]
    assert binding["b"]["type"] == "uri"
    assert binding["label"] == {"type": "literal", "value": binding["label"]["value"],
                                "xml:lang": "zh"}
    assert "none" not in binding
    assert binding["n"]["datatype"] == "http://www.w3.org/2001/XMLSchema#integer"
    parsed = ox.parse_query_results(format_json(result), format=ox.QueryResultsFormat.JSON)
    assert len(list(parsed)) == len(result.rows)  # type: ignore[arg-type]


def test_query_json_and_csv_agree_with_pyoxigraph() -> None:
    text = "SELECT ?b ?label WHERE { ?b rdfs:label ?label } ORDER BY ?b ?label"
    result = run_query(text, GRAPH)
    store = ox.Store()  # the named graphs' union as the default graph, each triple once
    store.extend(ox.Quad(q.subject, q.predicate, q.object)
                 for q in ox.parse(path=GRAPH, format=ox.RdfFormat.TRIG))
    theirs = store.query(text, prefixes={"rdfs": "http://www.w3.org/2000/01/rdf-schema#"})
    expected = json.loads(theirs.serialize(format=ox.QueryResultsFormat.JSON))  # type: ignore[union-attr]
    assert json.loads(format_json(result)) == expected
    theirs = store.query(text, prefixes={"rdfs": "http://www.w3.org/2000/01/rdf-schema#"})
    csv_theirs = theirs.serialize(format=ox.QueryResultsFormat.CSV).decode()  # type: ignore[union-attr]
    assert list(csv.reader(io.StringIO(format_csv(result)))) == list(
        csv.reader(io.StringIO(csv_theirs)))
    assert format_csv(result).endswith("\r\n")


def test_query_ask_json_shape() -> None:
    result = run_query("ASK { ?s a ckg:HonourAward }", GRAPH)
    assert json.loads(format_json(result)) == {"head": {}, "boolean": True}
    assert format_csv(result) == "true\r\n"


def test_query_formatters_table_is_complete() -> None:
    assert {"table": format_table, "csv": format_csv, "tsv": format_tsv, "json": format_json,
            "jsonl": format_jsonl} == FORMATTERS
    assert list(WRITERS) == list(FORMATTERS)  # the streamed forms of the same formats


def test_query_stats_counts_the_build() -> None:
    counts = stats(GRAPH)
    assert counts.documents == 2
    assert counts.entities["Bureau"] == 2 and counts.entities["SubOffice"] == 4
    assert counts.entities["Person"] == 1 and counts.entities["Administration"] == 1
    assert (counts.awards, counts.programmes, counts.years) == (6, 2, 4)
    assert counts.triples == 138 and counts.quads == 145


# ------------------------------------------------------- the persisted store


def _build_dir(tmp_path: Path) -> Path:
    build = tmp_path / "build"
    build.mkdir()
    shutil.copy(GRAPH, build / "graph.trig")
    return build


def _labels(source: Path) -> set[tuple[str, ...]]:
    return _values(run_query("SELECT ?l WHERE { ?b a ckg:Bureau ; rdfs:label ?l }", source))


def _large_build(tmp_path: Path) -> Path:
    """A build whose graph.nq is over PERSIST_MIN_BYTES: query_customs.trig plus a graph of
    filler comments that no competency question touches."""
    build = tmp_path / "large"
    build.mkdir()
    quads = list(ox.parse(path=GRAPH, format=ox.RdfFormat.TRIG))
    filler = ox.NamedNode("https://example.org/filler")
    comment = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment")
    text = ox.Literal("x" * 200)
    quads += [ox.Quad(ox.NamedNode(f"https://example.org/n{n}"), comment, text, filler)
              for n in range(PERSIST_MIN_BYTES // 200)]
    ox.serialize(quads, str(build / "graph.nq"), format=ox.RdfFormat.N_QUADS)
    assert (build / "graph.nq").stat().st_size >= PERSIST_MIN_BYTES
    return build


def test_query_small_build_dir_is_read_into_memory(tmp_path: Path) -> None:
    build = _build_dir(tmp_path)
    assert _labels(build) == {("天津海关",), ("满洲里海关",)}
    assert sorted(p.name for p in build.iterdir()) == ["graph.trig"]


def test_query_large_build_dir_answers_from_a_persisted_store(tmp_path: Path) -> None:
    build = _large_build(tmp_path)
    assert not (build / STORE_DIR).exists()
    for path in QUERIES:
        text = path.read_text(encoding="utf-8")
        assert _values(run_query(text, build)) == _values(run_query(text, GRAPH)), path.name
    store = build / STORE_DIR
    quads = sum(1 for _ in ox.parse(path=build / "graph.nq", format=ox.RdfFormat.N_QUADS))
    assert store.is_dir() and stats(build).quads == quads
    assert sorted(p.name for p in build.iterdir()) == ["graph.nq", STORE_DIR]


def test_query_small_build_uses_a_store_made_by_ensure_store(tmp_path: Path) -> None:
    build = _build_dir(tmp_path)
    for path in QUERIES:
        text = path.read_text(encoding="utf-8")
        assert run_query(text, build) == run_query(text, GRAPH), path.name
    assert not (build / STORE_DIR).exists()
    ensure_store(build)
    for path in QUERIES:
        text = path.read_text(encoding="utf-8")
        assert run_query(text, build) == run_query(text, GRAPH), path.name


def test_query_persisted_store_is_reused_until_the_graph_changes(tmp_path: Path) -> None:
    build = _build_dir(tmp_path)
    store = ensure_store(build)  # a store there is used whatever the size of the build
    made = (store / "kg-source.json").stat().st_mtime_ns
    assert _labels(build) == {("天津海关",), ("满洲里海关",)}
    assert ensure_store(build) == store
    assert (store / "kg-source.json").stat().st_mtime_ns == made  # reused, not remade
    text = GRAPH.read_text(encoding="utf-8").replace('"满洲里海关"@zh', '"满洲里关"@zh')
    (build / "graph.trig").write_text(text, encoding="utf-8")  # a rebuild
    assert _labels(build) == {("天津海关",), ("满洲里关",)}
    assert (store / "kg-source.json").stat().st_mtime_ns != made
    assert not [p for p in build.iterdir() if p.name.startswith(".")]  # no leftovers


def test_query_persisted_store_replaces_a_broken_one(tmp_path: Path) -> None:
    build = _build_dir(tmp_path)
    (build / STORE_DIR).mkdir()
    (build / STORE_DIR / "junk").write_text("not a store", encoding="utf-8")
    assert _labels(build) == {("天津海关",), ("满洲里海关",)}
    assert not (build / STORE_DIR / "junk").exists()


def test_query_update_never_touches_the_persisted_store(tmp_path: Path) -> None:
    build = _build_dir(tmp_path)
    ensure_store(build)
    result = run_query("DELETE WHERE { ?s a ckg:Bureau }", build, allow_update=True)
    assert result.kind == "update"
    assert _labels(build) == {("天津海关",), ("满洲里海关",)}


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write to a read-only directory")
def test_query_read_only_build_answers_from_memory(tmp_path: Path) -> None:
    build = _build_dir(tmp_path)
    build.chmod(0o500)
    try:
        assert _labels(build) == {("天津海关",), ("满洲里海关",)}
        assert not (build / STORE_DIR).exists()
    finally:
        build.chmod(0o700)


def test_query_persisted_stats_match_the_file(tmp_path: Path) -> None:
    assert stats(_build_dir(tmp_path)) == stats(GRAPH)


def _rdflib_rows(dataset: Dataset, text: str) -> set[tuple[str, ...]]:
    return {tuple("" if value is None else str(value) for value in row)
            for row in dataset.query(text)}  # type: ignore[union-attr]


@pytest.mark.parametrize("path", QUERIES, ids=lambda p: p.stem)
def test_query_rq_files_agree_with_rdflib(path: Path, seeds_build: Path) -> None:
    dataset = Dataset(default_union=True)
    with warnings.catch_warnings():  # rdflib 7.6 warns about its own Dataset internals
        warnings.simplefilter("ignore", DeprecationWarning)
        dataset.parse(seeds_build / "graph.trig", format="trig")
        text = path.read_text(encoding="utf-8")
        expected = _rdflib_rows(dataset, text)
    assert expected and _values(run_query(text, seeds_build)) == expected
