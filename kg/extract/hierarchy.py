"""Which organisation a unit belongs to, as the text says it (隶属, 所属, 下辖 …).

Pure; may import ``kg.doc``, ``kg.patterns`` and the sibling modules.  Parents written as
part of a name (满洲里海关驻车站办事处) are already on the mention; these rules add the
ones a marker word states, and 在海关总署领导下 for a bureau.
"""

from __future__ import annotations

from kg.doc import HierarchyFact, Mention, Sentence
from kg.extract.mentions import Context

__all__ = ["find_hierarchy"]

_PARENTS = ("Administration", "Bureau", "SubOffice")
_CHILDREN = ("SubOffice", "Department")
_JOINERS = frozenset(["、", "和", "及", "与", "以及"])


def _sentence_of(ctx: Context, pos: int) -> Sentence | None:
    return next((s for s in ctx.sentences if s.start <= pos < s.end), None)


def _subject_mention(ctx: Context, pos: int) -> Mention | None:
    if ctx.subject is None:
        return None
    entry = ctx.res.lexicon.orgs.get(ctx.subject)
    return Mention(pos, pos, "", entry.cls if entry else "Bureau", ctx.subject, "subject")


def _children_after(mentions: list[Mention], text: str, pos: int) -> list[Mention]:
    children: list[Mention] = []
    edge = pos
    for m in (m for m in mentions if m.start >= pos):
        gap = text[edge:m.start].strip()
        if gap not in ("", "的") and not (children and gap in _JOINERS):
            break
        if m.cls not in _CHILDREN:
            break
        children.append(m)
        edge = m.end
    return children


def _parent_before(ctx: Context, mentions: list[Mention], pos: int) -> Mention | None:
    sentence = _sentence_of(ctx, pos)
    floor = sentence.start if sentence else 0
    before = [m for m in mentions if floor <= m.start and m.end <= pos and m.cls in _PARENTS]
    if before and ctx.text[before[-1].end:pos].strip() in ("", "的"):
        return before[-1]
    bureaus = [m for m in before if m.cls in ("Bureau", "Administration")]
    return bureaus[-1] if bureaus else _subject_mention(ctx, pos)


def find_hierarchy(ctx: Context, mentions: list[Mention]) -> list[HierarchyFact]:
    """Parent links stated by marker words, for every sentence of the document."""
    facts: list[HierarchyFact] = []
    for m in ctx.res.lexicon.trigger_pattern("hierarchy").finditer(ctx.text):
        children = _children_after(mentions, ctx.text, m.end())
        if not children:
            continue
        parent = _parent_before(ctx, mentions, m.start())
        sentence = _sentence_of(ctx, m.start())
        if parent is None or sentence is None:
            continue
        for child in children:
            if child.name != parent.name:
                facts.append(HierarchyFact(sentence, child, parent, f"hierarchy.{m.group()}"))
    facts.extend(_under_administration(ctx, mentions))
    return facts


def _under_administration(ctx: Context, mentions: list[Mention]) -> list[HierarchyFact]:
    facts = []
    for m in ctx.res.finditer("bureau_under_administration", ctx.text):
        sentence = _sentence_of(ctx, m.start())
        if sentence is None:
            continue
        inside = [x for x in mentions if sentence.start <= x.start < sentence.end]
        bureaus = [x for x in inside if x.cls == "Bureau"]
        admin = next((x for x in mentions if x.cls == "Administration"
                      and m.start() <= x.start < m.end()), None)
        if not bureaus and _subject_mention(ctx, m.start()) is not None:
            bureaus = [_subject_mention(ctx, m.start())]  # 我们在海关总署党委…领导下
        if bureaus and admin is not None and bureaus[0].cls == "Bureau":
            facts.append(HierarchyFact(sentence, bureaus[0], admin, "hierarchy.leadership"))
    return facts
