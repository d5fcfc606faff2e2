"""Tests for kg.evaluate: the same numbers and lines as the shared scorer, on gold fixtures
built to hit its corners (optional rows, year lists, null years, duplicate labels)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kg.errors import InputError
from kg.evaluate import ENTITY_TYPES, RELATIONS, evaluate, format_report, normalise

HERE = Path(__file__).parent
GRAPHS = HERE / "data" / "graphs"
GOLD = HERE / "data" / "gold"
REPO = HERE.parent


def _scorer() -> Path | None:
    for candidate in (Path("/work/shared/eval/score.py"),
                      REPO.parent / "shared" / "eval" / "score.py"):
        if candidate.is_file():
            return candidate
    return None


def _graphs_of(gold: Path) -> list[Path]:
    """The graph files of a gold fixture: ``graphs/<stem>.*`` and ``graphs/<stem>_*.*``."""
    found = sorted(GRAPHS.glob(f"{gold.stem}.*")) + sorted(GRAPHS.glob(f"{gold.stem}_*.*"))
    assert found, f"no graph for {gold.name}"
    return found


CASES = [(gold, _graphs_of(gold)) for gold in sorted(GOLD.glob("eval_*.json"))]
SEEDS_GOLD = Path("/work/shared/gold/seeds.gold.json")
if not SEEDS_GOLD.is_file():
    SEEDS_GOLD = REPO.parent / "shared" / "gold" / "seeds.gold.json"
if SEEDS_GOLD.is_file():
    CASES.append((SEEDS_GOLD, [GRAPHS / "query_customs.trig"]))


def _run_scorer(graphs: list[Path], gold: Path) -> str:
    scorer = _scorer()
    if scorer is None:
        pytest.skip("the shared scorer ../shared/eval/score.py is not here")
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    done = subprocess.run([sys.executable, str(scorer), *map(str, graphs), "--gold", str(gold),
                           "--details"], capture_output=True, text=True, env=env, check=True)
    return done.stdout


def _split(text: str) -> tuple[list[str], list[str]]:
    """Score lines (in order) and detail lines (as a sorted multiset)."""
    lines = text.splitlines()
    details = sorted(line for line in lines if line.startswith("  "))
    return [line for line in lines if not line.startswith("  ")], details


@pytest.mark.parametrize(("gold", "graphs"), CASES, ids=[g.stem for g, _ in CASES])
def test_evaluate_matches_the_shared_scorer(gold: Path, graphs: list[Path]) -> None:
    theirs = _run_scorer(graphs, gold)
    mine = format_report(evaluate(graphs, gold), details=True)
    assert _split(mine) == _split(theirs)
    assert mine.splitlines()[-1] == theirs.splitlines()[-1]


def test_evaluate_tricky_case_numbers() -> None:
    report = evaluate([GRAPHS / "eval_tricky.ttl"], GOLD / "eval_tricky.json")
    scores = {s.name: (s.tp, s.fp, s.fn) for s in report.scores}
    assert [s.name for s in report.scores] == list(ENTITY_TYPES) + list(RELATIONS)
    assert scores["Bureau"] == (4, 1, 0)  # 满关, 海口 海关 match; the unlabelled one is extra
    assert scores["ExternalOrganization"] == (1, 1, 0)  # 南开大学 is optional: no hit, no extra
    assert scores["Honour"] == (2, 0, 1)           # “全国文明单位” and 《海关好人》 normalised
    assert scores["award"] == (4, 1, 1)            # the duplicate gold award counts once
    assert scores["programme"] == (5, 1, 0)        # 廉政合作备忘录 twice, by 北京 and 海口
    assert scores["award+year"] == (3, 3, 2)
    assert round(report.relation_f1, 3) == 0.730 and round(report.entity_f1, 3) == 0.889


def test_evaluate_details_list_extras_and_misses() -> None:
    report = evaluate(GRAPHS / "eval_tricky.ttl", GOLD / "eval_tricky.json")
    award = report.details["award"]
    assert award.extras == (("田顺利", "全国文明单位"),)
    assert award.misses == ((frozenset({"田顺利"}), frozenset({"全国海关优秀共产党员"})),)
    assert report.details["entity ExternalOrganization"].extras == (("某某协会",),)
    text = format_report(report, details=True)
    assert "  missing entity Programme       阳光海关" in text
    assert "  extra" not in format_report(report)


def test_evaluate_reads_a_build_directory(tmp_path: Path) -> None:
    (tmp_path / "graph.ttl").write_bytes((GRAPHS / "eval_tricky.ttl").read_bytes())
    by_dir = evaluate([tmp_path], GOLD / "eval_tricky.json")
    by_file = evaluate([GRAPHS / "eval_tricky.ttl"], GOLD / "eval_tricky.json")
    assert by_dir == by_file


@pytest.mark.parametrize(("text", "expected"), [
    ("“全国文明单位”", "全国文明单位"),
    ("天津海关（机关）", "天津海关(机关)"),
    ("海关 好人\u3000", "海关好人"),
    ("《廉政锦言集》「A」『B』'c'\"d\"", "廉政锦言集ABcd"),
    ("１２３６０", "12360"),
])
def test_evaluate_normalise(text: str, expected: str) -> None:
    assert normalise(text) == expected


def test_evaluate_empty_graph_and_gold_score_one(tmp_path: Path) -> None:
    (tmp_path / "empty.nt").write_text("", encoding="utf-8")
    (tmp_path / "gold.json").write_text('{"entities": []}', encoding="utf-8")
    report = evaluate([tmp_path / "empty.nt"], tmp_path / "gold.json")
    assert report.entity_f1 == 1.0 and report.relation_f1 == 1.0
    assert all((s.precision, s.recall, s.f1) == (1.0, 1.0, 1.0) for s in report.scores)


@pytest.mark.parametrize(("name", "content", "message"), [
    ("gold.json", "{not json", "gold file is not JSON"),
    ("gold.json", '{"awards": []}', "no 'entities' list"),
    ("missing.json", None, "cannot read gold file"),
])
def test_evaluate_bad_gold_is_an_input_error(name: str, content: str | None, message: str,
                                             tmp_path: Path) -> None:
    if content is not None:
        (tmp_path / name).write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message) as info:
        evaluate([GRAPHS / "eval_tricky.ttl"], tmp_path / name)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(("name", "content", "message"), [
    ("graph.csv", "a,b", "cannot tell the RDF format"),
    ("graph.ttl", "<a> <b> .", "cannot parse graph"),
    ("absent.ttl", None, "graph not found"),
])
def test_evaluate_bad_graph_is_an_input_error(name: str, content: str | None, message: str,
                                              tmp_path: Path) -> None:
    if content is not None:
        (tmp_path / name).write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        evaluate([tmp_path / name], GOLD / "eval_tricky.json")


@pytest.mark.parametrize("entities", [["not an object"], [{"type": "Bureau"}]],
                         ids=["string-row", "no-label"])
def test_evaluate_malformed_gold_rows_are_input_errors(tmp_path: Path, entities: list) -> None:
    from kg.errors import InputError
    from kg.evaluate import evaluate

    gold = tmp_path / "gold.json"
    gold.write_text(json.dumps({"documents": [], "entities": entities}), encoding="utf-8")
    graph = tmp_path / "g.ttl"
    graph.write_text("", encoding="utf-8")
    with pytest.raises(InputError, match="gold.json: entity 1 needs"):
        evaluate(graph, gold)
