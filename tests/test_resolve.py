"""Tests for kg.resolve on small documents written for the tests (not the seeds).

Per-document cases: ``tests/data/resolve/<case>.txt`` + ``<case>.expected.json``, run
through segment -> extract -> resolve.  Corpus cases: ``tests/data/resolve/merge/<case>/``
holding ``*.txt`` (document ids are the stems) and ``expected.json``, checked after
:func:`kg.resolve.merge_entities`.  Keys are written ``"Class:canonical"``.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
from conftest import DATA, assert_spans_slice_text

from kg.doc import Document, Entity, EntityIndex, EntityKey
from kg.patterns import Resources
from kg.pipeline import Pipeline
from kg.resolve import merge_entities, resolve_document

CASES = sorted((DATA / "resolve").glob("*.txt"))
MERGES = sorted(p for p in (DATA / "resolve" / "merge").iterdir() if p.is_dir())

MakeDoc = Callable[..., Document]


def _key(text: str) -> EntityKey:
    cls, _, canonical = text.partition(":")
    return EntityKey(cls, canonical)


def _show(key: EntityKey | None) -> str | None:
    return None if key is None else f"{key.cls}:{key.canonical}"


def _resolved(path: Path, run_stages: Pipeline, make_doc: MakeDoc) -> Document:
    doc = run_stages(make_doc(path.read_text(encoding="utf-8"), doc_id=path.stem))
    assert_spans_slice_text(doc)
    return doc


def _check_entities(entities: dict[EntityKey, Entity], expected: dict[str, Any]) -> None:
    """The checks shared by document and corpus cases."""
    for want in expected.get("entities", []):
        key = _key(want["key"])
        assert key in entities, (want["key"], sorted(f"{k.cls}:{k.canonical}" for k in entities))
        got = entities[key]
        assert got.label == want["label"]
        if "aliases" in want:
            assert sorted(got.aliases) == sorted(want["aliases"]), want["key"]
        for alias in want.get("aliases_include", []):
            assert alias in got.aliases, (want["key"], got.aliases)
        if "parent" in want:
            assert _show(got.parent) == want["parent"], want["key"]
    for absent in expected.get("absent", []):
        assert _key(absent) not in entities, absent
    counts = Counter(k.cls for k in entities)
    for cls, number in expected.get("count", {}).items():
        assert counts[cls] == number, (cls, sorted(f"{k.cls}:{k.canonical}" for k in entities))


def _no_anaphor_names(entities: Iterable[Entity], anaphors: Iterable[str]) -> None:
    """该关 is never a name, nor part of one (该关团委 is not a name of 厦门海关团委)."""
    words = tuple(anaphors)
    for entity in entities:
        for name in (entity.label, *entity.aliases):
            assert not any(word in name for word in words), (entity.key, name)


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_resolve_case(
        path: Path, run_stages: Pipeline, make_doc: MakeDoc, resources: Resources,
) -> None:
    expected = json.loads(path.with_suffix(".expected.json").read_text(encoding="utf-8"))
    doc = _resolved(path, run_stages, make_doc)
    if "subject" in expected:
        assert doc.subject == expected["subject"]
    entities = {e.key: e for e in doc.entities}
    assert len(entities) == len(doc.entities)
    _check_entities(entities, expected)
    _no_anaphor_names(doc.entities, resources.lexicon.anaphors)
    for parent in (e.parent for e in doc.entities if e.parent is not None):
        assert parent in entities  # every parent is itself an entity of the document
    assert set(doc.mentioned) == set(entities)
    awards = {(_show(a.recipient), _show(a.honour), a.year) for a in doc.resolved_awards}
    for recipient, honour, year in expected.get("awards", []):
        assert (recipient, honour, year) in awards, sorted(awards, key=str)
    programmes = {(_show(p.programme), tuple(map(_show, p.orgs)), p.year)
                  for p in doc.resolved_programmes}
    for programme, orgs, year in expected.get("programmes", []):
        assert (programme, tuple(orgs), year) in programmes, sorted(programmes, key=str)
    evidence = [a.evidence for a in doc.resolved_awards]
    evidence += [p.evidence for p in doc.resolved_programmes]
    assert all(sentence in doc.text for sentence in evidence)


def test_resolve_labels_are_full_names_not_short_forms(
        run_stages: Pipeline, make_doc: MakeDoc,
) -> None:
    doc = run_stages(make_doc("满关喜获殊荣\n2013年，满关被评为“全国文明单位”。沪关同年获此殊荣。"))
    labels = {e.key: e.label for e in doc.entities}
    assert labels[EntityKey("Bureau", "满洲里海关")] == "满洲里海关"
    assert labels[EntityKey("Bureau", "上海海关")] == "上海海关"
    assert not {"满关", "沪关"} & set(labels.values())


def test_resolve_drops_the_jiguan_marker_from_aliases(
        run_stages: Pipeline, make_doc: MakeDoc,
) -> None:
    doc = run_stages(make_doc("青岛海关荣获全国文明单位\n2020年，青岛海关（机关）获评第六届“全国文明单位”。"
                              "青岛海关(机关)干部职工深受鼓舞。"))
    bureau = next(e for e in doc.entities if e.key == EntityKey("Bureau", "青岛海关"))
    assert not [a for a in bureau.aliases if "机关" in a], bureau.aliases


def test_resolve_document_is_deterministic_and_keeps_earlier_fields(
        run_stages: Pipeline, make_doc: MakeDoc, resources: Resources) -> None:
    doc = run_stages(make_doc((DATA / "resolve" / "ningbo_office_departments.txt")
                              .read_text(encoding="utf-8")))
    again = resolve_document(doc, resources)
    assert again == doc
    for name in ("id", "path", "text", "meta", "sentences", "mentions", "awards", "subject"):
        assert getattr(again, name) == getattr(doc, name)


# ------------------------------------------------------------------ corpus merge


def _merge_docs(case: Path, run_stages: Pipeline, make_doc: MakeDoc
                ) -> list[Document]:
    return [run_stages(make_doc(p.read_text(encoding="utf-8"), doc_id=p.stem))
            for p in sorted(case.glob("*.txt"))]


def _same_index(a: EntityIndex, b: EntityIndex) -> None:
    assert list(a.entities.items()) == list(b.entities.items())
    assert a.remap == b.remap


@pytest.mark.parametrize("case", MERGES, ids=[p.name for p in MERGES])
def test_resolve_merge_case(case: Path, run_stages: Pipeline, make_doc: MakeDoc) -> None:
    expected = json.loads((case / "expected.json").read_text(encoding="utf-8"))
    docs = _merge_docs(case, run_stages, make_doc)
    index = merge_entities(docs)
    for order in itertools.permutations(docs):
        _same_index(merge_entities(order), index)
    remap = {_show(k): _show(v) for k, v in index.remap.items()}
    assert remap == expected["remap"]
    for source, target in index.remap.items():
        assert index.key(source) == target and target in index.entities
        assert source not in index.entities
    _check_entities(index.entities, expected)
    for entity in index.entities.values():
        assert entity.label not in entity.aliases
        if entity.parent is not None:
            assert entity.parent in index.entities, entity  # parents remapped too
    for doc in docs:  # every document-level key has a corpus entity
        for key in doc.mentioned:
            assert index.key(key) in index.entities


def test_resolve_merge_unqualified_office_keeps_its_facts(
        run_stages: Pipeline, make_doc: MakeDoc,
) -> None:
    docs = _merge_docs(DATA / "resolve" / "merge" / "huangdao_unqualified", run_stages, make_doc)
    index = merge_entities(docs)
    recipients = {index.key(a.recipient) for d in docs for a in d.resolved_awards
                  if a.honour == EntityKey("Honour", "全国海关先进集体")}
    assert recipients == {EntityKey("SubOffice", "青岛海关/前湾海关")}


def test_resolve_merge_unions_aliases_and_keeps_first_label() -> None:
    """The label of the first document by id wins, whatever the input order."""
    key = EntityKey("Bureau", "天津海关")
    late = Document("b", "b.txt", "津关", None,  # type: ignore[arg-type]
                    entities=(Entity(key, "天津海关（机关）", ("津关", "天津海关")),))
    early = Document("a", "a.txt", "天津海关", None,  # type: ignore[arg-type]
                     entities=(Entity(key, "天津海关", ("天津关区",)),))
    for docs in ([late, early], [early, late]):
        index = merge_entities(docs)
        assert index.entities[key] == Entity(key, "天津海关", ("天津关区", "津关"))
    assert merge_entities([]) == EntityIndex({}, {})


def test_resolve_bureau_office_department_path(run_stages: Pipeline, make_doc: MakeDoc) -> None:
    """青岛海关黄岛海关查验一科: three entities, each under the one before."""
    doc = run_stages(make_doc("青岛海关青年工作\n2019年，青岛海关黄岛海关查验一科被共青团中央、海关总署"
                              "命名为“全国青年文明号”。"))
    entities = {e.key: e for e in doc.entities}
    office = EntityKey("SubOffice", "青岛海关/黄岛海关")
    department = EntityKey("Department", "青岛海关/黄岛海关/查验一科")
    assert office in entities and department in entities, sorted(map(str, entities))
    assert entities[department].parent == office
    assert entities[department].label == "黄岛海关查验一科"


def test_resolve_entity_records_are_frozen() -> None:
    entity = Entity(EntityKey("Bureau", "天津海关"), "天津海关")
    with pytest.raises(dataclasses.FrozenInstanceError):
        entity.label = "津关"  # type: ignore[misc]


# ------------------------------------------------------------------ regressions


def test_resolve_merge_remaps_departments_of_unqualified_office(
        run_stages: Pipeline, make_doc: MakeDoc,
) -> None:
    """Found by these tests: the sub-office was remapped but its department stayed apart."""
    docs = _merge_docs(DATA / "resolve" / "merge" / "huangdao_unqualified", run_stages, make_doc)
    index = merge_entities(docs)
    labelled = [k for k, e in index.entities.items() if e.label == "前湾海关查验二科"]
    assert labelled == [EntityKey("Department", "青岛海关/前湾海关/查验二科")]


def test_resolve_no_alias_contains_an_anaphor(
        run_stages: Pipeline, make_doc: MakeDoc, resources: Resources,
) -> None:
    """Found by these tests: 该关团委 was kept as an alias of 厦门海关团委."""
    doc = _resolved(DATA / "resolve" / "xiamen_volunteer_team.txt", run_stages, make_doc)
    words = tuple(resources.lexicon.anaphors)
    bad = [(e.label, a) for e in doc.entities for a in e.aliases if a.startswith(words)]
    assert bad == []


def test_resolve_verb_after_an_office_is_not_a_department(
        run_stages: Pipeline, make_doc: MakeDoc,
) -> None:
    """Found by these tests: the verb 地处 was read as a department ending in 处."""
    doc = run_stages(make_doc("满洲里海关文明创建纪实\n满洲里海关地处祖国北疆，黄岛海关地处前湾港区。"))
    departments = sorted(e.label for e in doc.entities if e.key.cls == "Department")
    assert departments == []
