"""Tests for kg.patterns: every packaged pattern runs its own examples, and malformed JSONL
rows (``tests/data/patterns/bad_*.jsonl``) raise PatternError at path:line."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import DATA

from kg.errors import PatternError
from kg.patterns import Pattern, load_patterns, load_resources
from kg.resources import data_dir

PATTERNS = load_patterns()
BAD = sorted((DATA / "patterns").glob("bad_*.jsonl"))


def _directives(path: Path) -> dict[str, str]:
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"//\s*(expect-line|expect):\s*(.*)", line)
        if match:
            found[match.group(1)] = match.group(2).strip()
    return found


def test_patterns_load_from_the_package_data() -> None:
    files = sorted((data_dir() / "patterns").glob("*.jsonl"))
    assert files
    ids = [json.loads(line)["id"] for f in files
           for line in f.read_text(encoding="utf-8").splitlines()
           if line.strip() and not line.lstrip().startswith("//")]
    assert sorted(ids) == sorted(PATTERNS)
    assert len(ids) == len(set(ids))
    for pattern in PATTERNS.values():
        assert Path(pattern.path).parent == data_dir() / "patterns"
        assert pattern.line >= 1
        assert pattern.examples


@pytest.mark.parametrize("pattern", PATTERNS.values(), ids=list(PATTERNS))
def test_patterns_run_their_own_examples(pattern: Pattern) -> None:
    for example in pattern.examples:
        match = pattern.regex.search(example["text"])
        assert match is not None, f"{pattern.id}: no match in {example['text']!r}"
        expect: dict[str, Any] = example.get("expect", {})
        for group, value in expect.items():
            assert group in pattern.regex.groupindex, f"{pattern.id}: no group {group!r}"
            assert match.group(group) == value, (pattern.id, example["text"], group)


def test_patterns_placeholders_are_filled() -> None:
    for pattern in PATTERNS.values():
        assert not re.search(r"\{[A-Z_]+\}", pattern.regex.pattern), pattern.id


def test_patterns_person_placeholder_uses_the_surname_table() -> None:
    regex = PATTERNS["person_after_title"].regex
    assert regex.search("关长高融昆").group("name") == "高融昆"  # type: ignore[union-attr]
    assert regex.search("关长的讲话") is None


def test_patterns_resources_look_up_by_id() -> None:
    res = load_resources()
    assert res.pattern("year") is PATTERNS["year"].regex
    with pytest.raises(PatternError, match="no pattern with id 'nope'"):
        res.pattern("nope")


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_patterns_overlay_bad_row_names_path_and_line(path: Path, tmp_path: Path) -> None:
    expect = _directives(path)
    target = tmp_path / "patterns" / "x.jsonl"
    target.parent.mkdir()
    shutil.copyfile(path, target)
    with pytest.raises(PatternError) as caught:
        load_patterns((tmp_path,))
    message = str(caught.value)
    assert message.startswith(f"{target}:{expect['expect-line']}: "), message
    assert expect["expect"] in message
    assert "\n" not in message
    assert caught.value.line == int(expect["expect-line"])


def test_patterns_overlay_adds_a_pattern(tmp_path: Path) -> None:
    target = tmp_path / "patterns" / "mine.jsonl"
    target.parent.mkdir()
    row = {"id": "test.region_customs", "pattern": "(?P<region>{REGION})海关",
           "examples": [{"text": "山东海关", "expect": {"region": "山东"}}]}
    target.write_text("// a user's pattern\n" + json.dumps(row, ensure_ascii=False) + "\n",
                      encoding="utf-8")
    table = load_patterns((tmp_path,))
    assert set(table) == set(PATTERNS) | {"test.region_customs"}
    added = table["test.region_customs"]
    assert (added.path, added.line) == (str(target), 2)
    assert added.regex.search("山东海关").group("region") == "山东"  # type: ignore[union-attr]
