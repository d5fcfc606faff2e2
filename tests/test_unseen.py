"""Accuracy targets: the held-out documents (written without reading the extractor) and the
seeds, scored exactly as the shared scorer scores them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import DATA, SHARED
from kg.evaluate import evaluate, merge_gold
from kg.pipeline import build

UNSEEN = DATA / "unseen"
GOLDS = sorted(UNSEEN.glob("*.gold.json"))
SETS = ["unseen", "unseen2", "unseen3", "unseen4", "unseen5"]
#: The relation-F1 each held-out set is held to: a floor below what the build reaches (see
#: the README's "Accuracy"), so that a regression fails.  unseen3 was first measured at
#: 0.865 / 0.620 (session 3), unseen4 at 0.881 / 0.682 and unseen5 at 0.804 / 0.572
#: (session 4).
RELATION_FLOOR = {"unseen": 0.84, "unseen2": 0.86, "unseen3": 0.80, "unseen4": 0.84,
                  "unseen5": 0.78}


@pytest.fixture(scope="module")
def unseen_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("unseen-out")
    report = build([UNSEEN], out, html=False)
    assert report.ok, [o for o in report.outcomes if o.status != "built"]
    return out


@pytest.mark.parametrize("name", SETS)
def test_unseen_every_document_has_a_gold_file(name: str) -> None:
    folder = DATA / name
    sources = sorted(p for p in folder.iterdir() if p.suffix in (".txt", ".html"))
    golds = sorted(folder.glob("*.gold.json"))
    assert len(sources) >= 10
    assert [p.stem for p in sources] == [g.name[: -len(".gold.json")] for g in golds]


@pytest.mark.parametrize("name", SETS)
def test_unseen_meets_the_hidden_set_targets(name: str, tmp_path: Path) -> None:
    folder = DATA / name
    report_ok = build([folder], tmp_path, html=False)
    assert report_ok.ok
    report = evaluate(tmp_path / "graph.ttl", sorted(folder.glob("*.gold.json")))
    assert report.entity_f1 >= 0.85, report.entity_f1
    assert report.relation_f1 >= RELATION_FLOOR[name], report.relation_f1


def test_unseen_scores_agree_with_the_shared_scorer(unseen_build: Path, tmp_path: Path) -> None:
    script = SHARED / "eval" / "score.py"
    if not script.is_file():
        pytest.skip(f"{script} not found (the shared scorer sits beside the repository)")
    merged = tmp_path / "unseen.gold.json"
    datas = [json.loads(g.read_text(encoding="utf-8")) for g in GOLDS]
    merged.write_text(json.dumps(merge_gold(datas), ensure_ascii=False), encoding="utf-8")
    line = subprocess.run(
        [sys.executable, str(script), str(unseen_build / "graph.ttl"), "--gold", str(merged)],
        capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
    ours = evaluate(unseen_build / "graph.ttl", merged)
    assert line == f"overall entity-F1 {ours.entity_f1:.3f} relation-F1 {ours.relation_f1:.3f}"


def test_seeds_meet_the_accuracy_targets(seeds_build: Path) -> None:
    gold = SHARED / "gold" / "seeds.gold.json"
    if not gold.is_file():
        pytest.skip(f"{gold} not found (the shared gold sits beside the repository)")
    report = evaluate(seeds_build / "graph.ttl", gold)
    assert report.entity_f1 >= 0.95, report.entity_f1
    assert report.relation_f1 >= 0.90, report.relation_f1


def test_merge_gold_joins_rows_of_the_same_entity() -> None:
    a = {"documents": ["a"], "entities": [{"type": "Bureau", "label": "青岛海关",
                                           "aliases": ["青关"], "docs": ["a"]}], "awards": []}
    b = {"documents": ["b"], "entities": [{"type": "Bureau", "label": "青岛海关",
                                           "aliases": ["青岛海关(机关)"], "docs": ["b"],
                                           "optional": True}],
         "awards": [{"recipient": "青岛海关", "honour": "全国文明单位", "year": 2020}]}
    merged = merge_gold([a, b])
    assert merged["documents"] == ["a", "b"]
    assert merged["entities"] == [{"type": "Bureau", "label": "青岛海关",
                                   "aliases": ["青关", "青岛海关(机关)"], "docs": ["a", "b"]}]
    assert len(merged["awards"]) == 1
