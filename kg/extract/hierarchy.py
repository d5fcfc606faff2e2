"""Which organisation a unit belongs to, as the text says it (隶属, 所属, 下辖 …).

Pure; may import ``kg.doc``, ``kg.patterns`` and the sibling modules.  Parents written as
part of a name (满洲里海关驻车站办事处) are already on the mention; these rules add the
ones a marker word states, and 在海关总署领导下 for a bureau.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator

from kg.doc import HierarchyFact, Mention, Sentence
from kg.extract.mentions import Context

__all__ = ["find_hierarchy"]

_PARENTS = ("Administration", "Bureau", "SubOffice")
_BUREAUS = ("Bureau", "Administration")
_CHILDREN = ("SubOffice", "Department")
_JOINERS = frozenset(["、", "和", "及", "与", "以及"])


def _sentence_of(ctx: Context, pos: int) -> Sentence | None:
    """The sentence holding ``pos`` (the sentences are in text order and do not overlap:
    the last that starts at or before it, if it reaches past it)."""
    starts = ctx.once("sentence_starts", lambda: [s.start for s in ctx.sentences])
    at = bisect_right(starts, pos) - 1
    return ctx.sentences[at] if at >= 0 and pos < ctx.sentences[at].end else None


class _Mentions:
    """A document's mentions in text order, with their starts, and for a set of classes
    the index of the last (or next) mention of one of them at (or after) each index, so
    that "the last X before here" and "the first X in here" read no mention they skip
    (but those that overlap ``pos``)."""

    def __init__(self, mentions: list[Mention]) -> None:
        self.mentions = mentions
        self.starts = [m.start for m in mentions]
        self._last: dict[tuple[str, ...], list[int]] = {}
        self._next: dict[str, list[int]] = {}

    def after(self, pos: int) -> Iterator[Mention]:
        """The mentions with ``start >= pos``, in order, read lazily."""
        mentions = self.mentions
        return (mentions[i] for i in range(bisect_left(self.starts, pos), len(mentions)))

    def last_of(self, classes: tuple[str, ...], floor: int, pos: int) -> Mention | None:
        """The last mention of one of ``classes`` with ``floor <= start`` and
        ``end <= pos``."""
        last = self._last.get(classes)
        if last is None:
            last, seen = [], -1
            for i, m in enumerate(self.mentions):
                seen = i if m.cls in classes else seen
                last.append(seen)
            self._last[classes] = last
        i = bisect_right(self.starts, pos) - 1
        while i >= 0 and (i := last[i]) >= 0:
            m = self.mentions[i]
            if m.start < floor:
                return None
            if m.end <= pos:
                return m
            i -= 1
        return None

    def first_of(self, cls: str, lo: int, hi: int) -> Mention | None:
        """The first mention of class ``cls`` with ``lo <= start < hi``."""
        following = self._next.get(cls)
        if following is None:
            following, seen = [0] * len(self.mentions), len(self.mentions)
            for i in range(len(self.mentions) - 1, -1, -1):
                seen = i if self.mentions[i].cls == cls else seen
                following[i] = seen
            self._next[cls] = following
        at = bisect_left(self.starts, lo)
        if at == len(self.mentions) or following[at] >= bisect_left(self.starts, hi):
            return None
        return self.mentions[following[at]]


def _subject_mention(ctx: Context, pos: int) -> Mention | None:
    if ctx.subject is None:
        return None
    entry = ctx.res.lexicon.orgs.get(ctx.subject)
    return Mention(pos, pos, "", entry.cls if entry else "Bureau", ctx.subject, "subject")


def _children_after(mentions: _Mentions, text: str, pos: int) -> list[Mention]:
    children: list[Mention] = []
    edge = pos
    for m in mentions.after(pos):
        gap = text[edge:m.start].strip()
        if gap not in ("", "的") and not (children and gap in _JOINERS):
            break
        if m.cls not in _CHILDREN:
            break
        children.append(m)
        edge = m.end
    return children


def _parent_before(ctx: Context, mentions: _Mentions, pos: int) -> Mention | None:
    sentence = _sentence_of(ctx, pos)
    floor = sentence.start if sentence else 0
    last = mentions.last_of(_PARENTS, floor, pos)
    if last is not None and ctx.text[last.end:pos].strip() in ("", "的"):
        return last
    bureau = mentions.last_of(_BUREAUS, floor, pos)
    return bureau if bureau is not None else _subject_mention(ctx, pos)


def find_hierarchy(ctx: Context, mentions: list[Mention]) -> list[HierarchyFact]:
    """Parent links stated by marker words, for every sentence of the document."""
    facts: list[HierarchyFact] = []
    indexed = _Mentions(mentions)
    for m in ctx.res.lexicon.trigger_pattern("hierarchy").finditer(ctx.text):
        children = _children_after(indexed, ctx.text, m.end())
        if not children:
            continue
        parent = _parent_before(ctx, indexed, m.start())
        sentence = _sentence_of(ctx, m.start())
        if parent is None or sentence is None:
            continue
        for child in children:
            if child.name != parent.name:
                facts.append(HierarchyFact(sentence, child, parent, f"hierarchy.{m.group()}"))
    facts.extend(_under_administration(ctx, indexed))
    return facts


def _under_administration(ctx: Context, mentions: _Mentions) -> list[HierarchyFact]:
    facts = []
    for m in ctx.res.finditer("bureau_under_administration", ctx.text):
        sentence = _sentence_of(ctx, m.start())
        if sentence is None:
            continue
        bureau = mentions.first_of("Bureau", sentence.start, sentence.end)
        admin = mentions.first_of("Administration", m.start(), m.end())
        if bureau is None:
            bureau = _subject_mention(ctx, m.start())  # 我们在海关总署党委…领导下
        if bureau is not None and admin is not None and bureau.cls == "Bureau":
            facts.append(HierarchyFact(sentence, bureau, admin, "hierarchy.leadership"))
    return facts
