"""Tests for kg.patterns: every packaged pattern runs its own examples, and malformed JSONL
rows (``tests/data/patterns/bad_*.jsonl``) raise PatternError at path:line."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import DATA, SEEDS, assert_bad_overlay

from kg.errors import PatternError
from kg.patterns import Pattern, load_patterns, load_resources
from kg.resources import data_dir

PATTERNS = load_patterns()
BAD = sorted((DATA / "patterns").glob("bad_*.jsonl"))


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
    target = tmp_path / "patterns" / "x.jsonl"
    assert_bad_overlay(path, target, lambda: load_patterns((tmp_path,)), PatternError, "//")


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


def _corpus_sentences() -> list[str]:
    from kg.ingest import find_documents, read_document
    from kg.segment import split_sentences

    texts = [read_document(p).text for d in (SEEDS, DATA / "unseen", DATA / "unseen2")
             for p in find_documents([d])]
    return [s.text for text in texts for s in split_sentences(text)] + texts


@pytest.mark.parametrize("pattern", [p for p in PATTERNS.values() if p.needs],
                         ids=[i for i, p in PATTERNS.items() if p.needs])
def test_patterns_needs_hold_for_every_match(pattern: Pattern) -> None:
    # 'needs' lets text without those words go unsearched: that is only right if every
    # match there is holds one of them (in the examples and in whole documents).
    texts = [e["text"] for e in pattern.examples] + _corpus_sentences()
    matched = 0
    for text in texts:
        for match in pattern.regex.finditer(text):
            matched += 1
            assert any(w in match.group() for w in pattern.needs), (pattern.id, match.group())
        assert [m.span() for m in pattern.finditer(text)] == \
            [m.span() for m in pattern.regex.finditer(text)]
    assert matched


def test_patterns_finditer_skips_text_without_needs() -> None:
    pattern = PATTERNS["person_before_comrade"]
    assert pattern.needs == ("同志",)
    assert [m.group("name") for m in pattern.finditer("王芳同志荣获")] == ["王芳"]
    assert list(pattern.finditer("王芳荣获")) == []
    res = load_resources()
    assert [m.group() for m in res.finditer("year", "2019年和2020年")] == ["2019年", "2020年"]
    with pytest.raises(PatternError, match="no pattern with id 'nope'"):
        res.finditer("nope", "")
    heading = PATTERNS["roll_heading"]
    assert heading.match("全国青年文明号名单").group("honour") == "全国青年文明号"  # type: ignore[union-attr]
    assert heading.match("全国青年文明号") is None


def test_patterns_word_tags_are_the_dictionary_files() -> None:
    from kg.patterns import _dictionary_tags

    res = load_resources()
    expected = _dictionary_tags(res.tokenizer)
    for place in res.lexicon.place_names:
        expected[place] = "ns"
    for line in res.lexicon.user_dictionary():
        word, _, tag = line.split(" ")
        expected[word] = tag
    tags = res.word_tags
    assert all(tags.get(word) == tag for word, tag in expected.items())
    assert tags.get("大连") == "ns"  # a bureau's city, though jieba's dictionary says d
    assert tags.get("海关") == "nt"  # the lexicon's tag wins over jieba's ns
    assert tags.get("满洲里海关") == "nt"
    assert tags.get("中华人民共") is None  # a prefix of a word is no word
    assert tags.get("") is None and tags.get("不存在的词语", "x") == "x"


def test_patterns_tag_codes_round_trip() -> None:
    from kg.patterns import _dictionary_tags, _tag_code, _tag_name

    for tag in set(_dictionary_tags(load_resources().tokenizer).values()):
        assert _tag_code(tag) > 0 and _tag_name(_tag_code(tag)) == tag
    assert _tag_code("NR") == 0 and _tag_code("abcde") == 0 and _tag_code("") == 0


def test_patterns_prebuilt_dictionaries_are_made_once_and_remade_when_damaged(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kg.patterns import Resources, load_lexicon

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))

    def fresh() -> Resources:
        return Resources(load_lexicon(), PATTERNS)

    first = fresh()
    assert first.word_tags.get("评为") == "v" and first.cut("海关总署") == ["海关总署"]
    made = sorted(p.name for p in (tmp_path / "kg").iterdir())
    assert len(made) == 2 and all(name.endswith(".dat") for name in made)  # no temp left
    stamps = {p: p.stat().st_mtime_ns for p in (tmp_path / "kg").iterdir()}
    assert fresh().word_tags.get("评为") == "v"  # loaded, not made again
    assert {p: p.stat().st_mtime_ns for p in stamps} == stamps
    for path in stamps:
        path.write_bytes(b"not a trie" * 10)
    again = fresh()
    assert again.word_tags.get("评为") == "v" and again.cut("海关总署") == ["海关总署"]
    assert all(p.stat().st_size > 1000 for p in stamps)


def test_patterns_word_tags_without_a_writable_cache_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kg.patterns import Resources, WordTags, load_lexicon

    nowhere = tmp_path / "missing" / "dir"  # every prebuilt file would go where none can
    monkeypatch.setattr("kg.patterns._cache_file", lambda name: nowhere / f"{name}.dat")
    res = Resources(load_lexicon(), PATTERNS)
    assert res.cut("满洲里海关驻车站办事处")[0] == "满洲里海关"
    tags = res.word_tags
    assert isinstance(tags, WordTags) and tags._trie is None  # read into a dict instead
    assert tags.get("评为") == "v" and tags.get("海关") == "nt"
    assert not (tmp_path / "missing").exists()
