"""Resolve: one entity per real thing, within a document and across the corpus.

May import ``kg.doc``, ``kg.lexicon`` (through ``kg.patterns``) and ``kg.errors``.
:func:`resolve_document` turns mentions into :class:`~kg.doc.EntityKey` s: lexicon names and
aliases to their canonical form, anaphors (该关) to the subject, sub-offices and departments
under their parents (from the name, a marker word, or the document's bureau), programmes
keyed by their organisation.  :func:`merge_entities` joins the documents' entities by key
into an :class:`EntityIndex`, and maps a sub-office named without its bureau in one
document onto the same name under a bureau in another.
"""

from __future__ import annotations

import dataclasses
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from kg.doc import (
    Document,
    Entity,
    EntityIndex,
    EntityKey,
    HierarchyFact,
    Mention,
    ProgrammeFact,
    ResolvedAward,
    ResolvedProgramme,
    Sentence,
)
from kg.patterns import Resources

__all__ = ["ASSIGNS", "REQUIRES", "EntityIndex", "merge_entities", "resolve_document"]

REQUIRES: tuple[str, ...] = ("mentions", "awards", "programmes", "hierarchy", "subject")
ASSIGNS: tuple[str, ...] = ("entities", "resolved_awards", "resolved_programmes", "mentioned")

_NAME_NOISE = re.compile(r"[\s“”‘’\"'「」『』《》]")
_ORG_LIKE = ("Administration", "Bureau", "SubOffice", "Department", "ExternalOrganization")


def clean_name(text: str) -> str:
    """A name without white space and quote marks."""
    return _NAME_NOISE.sub("", text)


@dataclass
class _Builder:
    """Entities of one document while they are being resolved."""

    res: Resources
    subject: str | None
    labels: dict[EntityKey, str] = field(default_factory=dict)
    aliases: dict[EntityKey, set[str]] = field(default_factory=lambda: defaultdict(set))
    parents: dict[EntityKey, EntityKey] = field(default_factory=dict)
    office_parent: dict[str, str] = field(default_factory=dict)
    #: (cls, name, text, rule_id, parent) of a mention -> its key (see :func:`_org_key`)
    keys: dict[tuple[str, str, str, str, str | None], EntityKey] = field(default_factory=dict)

    def add(self, key: EntityKey, label: str, surface: str = "") -> EntityKey:
        self.labels.setdefault(key, label)
        surface = clean_name(surface).replace("(机关)", "").replace("（机关）", "")
        if surface and self.res.lexicon.any_word("anaphors", self.res.lexicon.anaphors).search(
                surface):
            surface = ""  # 该关团委 is not a name of 满洲里海关团委
        if surface and surface != self.labels[key]:
            self.aliases[key].add(clean_name(surface))
        return key

    def entities(self) -> tuple[Entity, ...]:
        return tuple(sorted(
            Entity(k, self.labels[k], tuple(sorted(self.aliases.get(k, ()))),
                   self.parents.get(k)) for k in self.labels))


def _class_of(res: Resources, name: str, default: str) -> str:
    entry = res.lexicon.orgs.get(name)
    return entry.cls if entry else default


def _offices_in(m: Mention) -> list[tuple[str, str | None]]:
    """(office, bureau or None) pairs a mention names: itself, or the office in a
    department's parent path (大连海关/大窑湾海关 for 大窑湾海关查验一科)."""
    if m.cls == "SubOffice":
        return [(m.name, m.parent)]
    if m.cls == "Department" and m.parent:
        parts = m.parent.split("/")
        if parts[-1].endswith(("海关", "办事处")) and not m.parent.startswith("@"):
            return [(parts[-1], parts[-2] if len(parts) > 1 else None)]
    return []


def _office_parents(b: _Builder, mentions: Iterable[Mention],
                    links: Iterable[HierarchyFact]) -> None:
    """Which bureau each sub-office name belongs to in this document."""
    named = [pair for m in mentions for pair in _offices_in(m)]
    for office, bureau in named:
        if bureau and _class_of(b.res, office, "SubOffice") == "SubOffice":
            b.office_parent.setdefault(office, bureau)
    for link in links:
        child = link.child
        if child.cls == "Department" and child.parent:
            target = child.parent.split("/")[-1]
        elif child.cls == "SubOffice":
            target = child.name
        else:
            continue
        if link.parent.cls in ("Bureau", "Administration"):
            b.office_parent.setdefault(target, link.parent.name)
    if _class_of(b.res, b.subject or "", "") == "Bureau":
        for office, _ in named:
            b.office_parent.setdefault(office, b.subject or "")


def _org_key(b: _Builder, m: Mention) -> EntityKey:
    """The entity key of an organisation or person mention (registering the entity).

    A name recurs many times in a document; its key (and all it registers) depends on the
    mention's words, not on where it stands, so it is worked out once."""
    words = (m.cls, m.name, m.text, m.rule_id, m.parent)
    key = b.keys.get(words)
    if key is None:
        key = b.keys[words] = _new_org_key(b, m)
    return key


def _new_org_key(b: _Builder, m: Mention) -> EntityKey:
    if m.cls == "SubOffice":
        bureau = b.office_parent.get(m.name)
        if bureau:
            parent = b.add(EntityKey("Bureau", bureau), bureau)
            local = _without_city(b.res, bureau, m.name)
            key = b.add(EntityKey("SubOffice", f"{bureau}/{local}"), m.name, m.text)
            if local != m.name:
                b.aliases[key].add(local)
            b.parents.setdefault(key, parent)
            return key
        return b.add(EntityKey("SubOffice", m.name), m.name, m.text)
    if m.cls == "Department":
        return _department_key(b, m)
    surface = "" if m.rule_id in ("lexicon.anaphors", "subject", "name_prefix", "pronoun") \
        else m.text
    return b.add(EntityKey(m.cls, m.name), m.name, surface)


def _without_city(res: Resources, bureau: str, name: str) -> str:
    """天津机场海关 under 天津海关 is keyed as 机场海关, so both spellings meet."""
    entry = res.lexicon.orgs.get(bureau)
    city = entry.city if entry else None
    if city and name.startswith(city) and len(name) - len(city) >= 4:
        return name[len(city):]
    return name


def _path_key(b: _Builder, path: str) -> EntityKey:
    """The key of a parent written as ``bureau``, ``office`` or ``bureau/office``."""
    last = path.split("/")[-1]
    cls = _class_of(b.res, last, "")
    if cls:
        return b.add(EntityKey(cls, last), last)
    if last.endswith(("海关", "办事处")):
        return _org_key(b, Mention(0, 0, "", "SubOffice", last, "parent"))
    parent_path = path.rsplit("/", 1)[0] if "/" in path else (b.subject or "")
    return _department_key(b, Mention(0, 0, "", "Department", last, "parent", parent_path))


def _department_key(b: _Builder, m: Mention) -> EntityKey:
    parent = _path_key(b, m.parent or b.subject or "") if (m.parent or b.subject) else None
    if parent is None:
        return b.add(EntityKey("Department", m.name), m.name, m.text)
    label = b.labels[parent] + m.name
    key = b.add(EntityKey("Department", f"{parent.canonical}/{m.name}"), label, m.text)
    if m.text and clean_name(m.text) != m.name:
        b.aliases[key].add(m.name)
    b.parents.setdefault(key, parent)
    return key


def _link_hierarchy(b: _Builder, links: Iterable[HierarchyFact]) -> None:
    for link in links:
        if link.child.cls == "Bureau" and link.parent.cls == "Administration":
            child = _org_key(b, link.child)
            b.parents.setdefault(child, _org_key(b, link.parent))


def _programme_groups(b: _Builder, facts: Iterable[ProgrammeFact]
                      ) -> list[tuple[ProgrammeFact, str, tuple[EntityKey, ...]]]:
    """Each programme occurrence with its cleaned name and organisation keys; an
    occurrence without organisation joins an occurrence of the same name that has one."""
    rows = []
    owners: dict[str, set[tuple[EntityKey, ...]]] = defaultdict(set)
    for fact in facts:
        name = clean_name(fact.programme.name)
        orgs = tuple(sorted({_org_key(b, o) for o in fact.orgs}))
        rows.append((fact, name, orgs))
        if orgs:
            owners[name].add(orgs)
    out = []
    for fact, name, orgs in rows:
        if not orgs and len(owners.get(name, ())) == 1:
            orgs = next(iter(owners[name]))
        out.append((fact, name, orgs))
    return out


def _longer_names(rows: list[tuple[ProgrammeFact, str, tuple[EntityKey, ...]]]
                  ) -> dict[tuple[str, tuple[EntityKey, ...]], str]:
    """“三线五讲” and “三线五讲”党建业务融合模式 by the same organisation are one programme:
    a quoted name and the same quote with a head word after it.  An unquoted phrase that
    merely starts with a quoted name (区域通关 / 区域通关一体化改革) stays apart."""
    names: dict[tuple[EntityKey, ...], set[str]] = defaultdict(set)
    for fact, name, orgs in rows:
        if fact.rule_id == "programme.quoted":
            names[orgs].add(name)
    merged = {}
    for orgs, of_orgs in names.items():
        # sorted, the names that start with a name come right after it: no name is
        # compared with all the others
        ordered = sorted(of_orgs)
        for at, name in enumerate(ordered):
            if len(name) < 3:
                continue
            shortest: str | None = None
            for later in range(at + 1, len(ordered)):
                other = ordered[later]
                if not other.startswith(name):
                    break
                if shortest is None or (len(other), other) < (len(shortest), shortest):
                    shortest = other
            if shortest is not None:
                merged[(name, orgs)] = shortest
    return merged


def _resolve_programmes(b: _Builder, facts: Iterable[ProgrammeFact], doc: Document
                        ) -> list[ResolvedProgramme]:
    rows = _programme_groups(b, facts)
    merged = _longer_names(rows)
    out = []
    for fact, name, orgs in rows:
        label = merged.get((name, orgs), name)
        for org in orgs or (None,):
            canonical = f"{org.canonical}/{label}" if org else label
            key = b.add(EntityKey("Programme", canonical), label, name)
            out.append(ResolvedProgramme(key, (org,) if org else (), fact.year,
                                         _evidence(doc, fact.sentence), fact.rule_id,
                                         fact.confidence))
    return out


def _fact_order(fact: ResolvedAward | ResolvedProgramme) -> tuple[str, ...]:
    """A total order for facts whose year may be None."""
    return tuple("" if v is None else repr(v)
                 for v in (getattr(fact, f.name) for f in dataclasses.fields(fact)))


def _evidence(doc: Document, sentence: Sentence) -> str:
    """A fact's evidence: its sentence as the document writes it (traditional script stays)."""
    if doc.source_text:
        return doc.source_text[sentence.start:sentence.end]
    return sentence.text


def _with_written_forms(entities: tuple[Entity, ...], doc: Document) -> tuple[Entity, ...]:
    """The entities with the traditional-script form of each of their names that the
    document writes, as one more alias (labels stay simplified)."""
    if not doc.source_text:
        return entities
    written: dict[str, set[str]] = defaultdict(set)
    for m in doc.mentions:
        original = clean_name(doc.source_text[m.start:m.end])
        if original != clean_name(m.text):
            written[clean_name(m.text)].add(original)
    out = []
    for e in entities:
        extra = set().union(*(written.get(n, set()) for n in (e.label, *e.aliases)))
        extra -= {e.label, *e.aliases}
        out.append(dataclasses.replace(e, aliases=tuple(sorted({*e.aliases, *extra})))
                   if extra else e)
    return tuple(out)


def _with_codes(entities: tuple[Entity, ...], res: Resources) -> tuple[Entity, ...]:
    """Sub-offices with the 关区代码 the gazetteer gives the name under its bureau."""
    codes = res.lexicon.office_codes
    out = []
    for e in entities:
        bureau, _, local = e.key.canonical.rpartition("/")
        code = codes.get((bureau, local), "") if e.key.cls == "SubOffice" and bureau else ""
        out.append(dataclasses.replace(e, code=code) if code else e)
    return tuple(out)


def resolve_document(doc: Document, res: Resources) -> Document:
    """Resolve a document's mentions and facts to entity keys.

    Args:
        doc: an extracted document.
        res: the process's resources.

    Returns:
        A copy with ``entities``, ``resolved_awards``, ``resolved_programmes`` and
        ``mentioned`` set.
    """
    b = _Builder(res, doc.subject)
    _office_parents(b, doc.mentions, doc.hierarchy)
    awards = []
    for fact in doc.awards:
        recipient = _org_key(b, fact.recipient)
        honour = b.add(EntityKey("Honour", fact.honour.name), fact.honour.name,
                       fact.honour.text)
        awarders = tuple(sorted({_org_key(b, a) for a in fact.awarders}))
        awards.append(ResolvedAward(recipient, honour, fact.year, awarders, fact.edition,
                                    _evidence(doc, fact.sentence), fact.rule_id,
                                    fact.confidence))
    for m in doc.mentions:
        if m.cls == "Honour":
            b.add(EntityKey("Honour", m.name), m.name, m.text)
        elif m.cls in (*_ORG_LIKE, "Person") and m.rule_id not in (
                "body.political", "lexicon.political"):
            _org_key(b, m)
    _link_hierarchy(b, doc.hierarchy)
    programmes = _resolve_programmes(b, doc.programmes, doc)
    entities = _with_codes(_with_written_forms(b.entities(), doc), res)
    return dataclasses.replace(
        doc, entities=entities, resolved_awards=tuple(sorted(set(awards), key=_fact_order)),
        resolved_programmes=tuple(sorted(set(programmes), key=_fact_order)),
        mentioned=tuple(sorted(e.key for e in entities)))


def _office_remap(keys: Iterable[EntityKey]) -> dict[EntityKey, EntityKey]:
    """Map a sub-office named without its bureau onto the one bureau that has an office of
    that name, and everything keyed under it (its departments, its programmes)."""
    by_name: dict[str, set[EntityKey]] = defaultdict(set)
    for key in keys:
        if key.cls == "SubOffice" and "/" in key.canonical:
            by_name[key.canonical.split("/")[-1]].add(key)
    offices = {}
    for key in keys:
        if key.cls == "SubOffice" and "/" not in key.canonical:
            homes = by_name.get(key.canonical, set())
            if len(homes) == 1:
                offices[key.canonical] = next(iter(homes)).canonical
    remap = {}
    for key in keys:
        head, _, rest = key.canonical.partition("/")
        if key.cls == "SubOffice" and key.canonical in offices:
            remap[key] = EntityKey(key.cls, offices[key.canonical])
        elif rest and head in offices and key.cls in ("Department", "Programme"):
            remap[key] = EntityKey(key.cls, f"{offices[head]}/{rest}")
    return remap


def merge_entities(docs: Iterable[Document]) -> EntityIndex:
    """Join the documents' entities by key (documents in id order, so the result does
    not depend on the order they were built in).

    Returns:
        The index: one entity per key with the union of aliases and the first parent.
    """
    ordered = sorted(docs, key=lambda d: d.id)
    all_keys = {e.key for d in ordered for e in d.entities}
    remap = _office_remap(all_keys)
    labels: dict[EntityKey, str] = {}
    aliases: dict[EntityKey, set[str]] = defaultdict(set)
    parents: dict[EntityKey, EntityKey] = {}
    codes: dict[EntityKey, str] = {}
    for doc in ordered:
        for entity in doc.entities:
            key = remap.get(entity.key, entity.key)
            labels.setdefault(key, entity.label)
            aliases[key].update(entity.aliases)
            if entity.parent is not None:
                parents.setdefault(key, remap.get(entity.parent, entity.parent))
            if entity.code:
                codes.setdefault(key, entity.code)
    entities = {
        k: Entity(k, labels[k], tuple(sorted(aliases[k] - {labels[k]})), parents.get(k),
                  codes.get(k, ""))
        for k in sorted(labels)
    }
    return EntityIndex(entities, remap)
