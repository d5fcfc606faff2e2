"""Extract: mentions of organisations, persons and honours, and the facts between them.

A stage ``extract(doc, res) -> Document`` that reads ``text``, ``meta`` and ``sentences`` and
assigns ``mentions``, ``awards``, ``programmes``, ``hierarchy`` and ``subject``.  Pure; may
import ``kg.doc``, ``kg.patterns``, ``kg.lexicon`` and ``kg.errors``.  The rules live in
the modules of this package (one job each) and read their words from ``kg/data``.
"""

from __future__ import annotations

import dataclasses
import operator
from bisect import bisect_left
from typing import TypeVar

from kg.doc import AwardFact, Document, Mention, ProgrammeFact, Sentence
from kg.extract import awards, hierarchy, programmes, units
from kg.extract.mentions import (
    Context,
    Cover,
    anaphors,
    choose_focus,
    choose_hero,
    choose_subject,
    dedupe_overlaps,
    lexicon_orgs,
    persons,
    recent_offices,
    references,
    repeated,
    short_names,
)
from kg.extract.text import EVIDENCE_LIMIT, excerpt, years_in
from kg.patterns import Resources

__all__ = ["ASSIGNS", "REQUIRES", "extract", "find_mentions"]

REQUIRES: tuple[str, ...] = ("text", "meta", "sentences")
ASSIGNS: tuple[str, ...] = ("mentions", "awards", "programmes", "hierarchy", "subject")


#: A mention's fields in order: a sort key that orders as Mention's own comparison does,
#: computed once per mention rather than once per comparison.
_FIELDS = operator.attrgetter(*(f.name for f in dataclasses.fields(Mention)))


def find_mentions(ctx: Context, creator: str | None = None) -> tuple[list[Mention], Context]:
    """Every organisation, person and anaphor mention in the document, non-overlapping,
    and the context with the document's focus unit set.

    Finders run in order of trust: the lexicon, then unit shapes that build on it
    (办事处 and X海关 names, departments after an organisation), then other bodies and
    persons where nothing else claimed the text, then anaphors of units (该科, 该馆), pronouns and
    later bare mentions of what was introduced in full.
    """
    base = dedupe_overlaps(lexicon_orgs(ctx) + anaphors(ctx))
    offices = units.liaison_offices(ctx, base) + units.coordinated_offices(ctx, base)
    base = dedupe_overlaps(offices + base)
    base = recent_offices(ctx, dedupe_overlaps(base + units.named_offices(ctx, base)))
    base = short_names(ctx, base)
    base = dedupe_overlaps(units.departments(ctx, base) + base)
    others = units.external_orgs(ctx, base) + persons(ctx, creator)
    taken = Cover(base)
    found = dedupe_overlaps(base + [m for m in others if not taken.covered(m.start, m.end)])
    ctx = dataclasses.replace(ctx, focus=choose_focus(found, ctx.text),
                              hero=choose_hero(found, ctx.text))
    found = dedupe_overlaps(found + repeated(ctx, found))
    return dedupe_overlaps(found + references(ctx, found)), ctx


_Fact = TypeVar("_Fact", AwardFact, ProgrammeFact)


def _cited(text: str, facts: list[_Fact]) -> list[_Fact]:
    """The facts, each citing the part of its sentence that states it when the sentence
    is longer than :data:`~kg.extract.text.EVIDENCE_LIMIT` (the evidence of every fact of
    a 70,000-character table sentence would otherwise be all of it)."""
    out = []
    for fact in facts:
        sentence = fact.sentence
        if len(sentence.text) <= EVIDENCE_LIMIT:
            out.append(fact)
            continue
        start, end = excerpt(text, sentence.start, sentence.end, _anchors(fact))
        out.append(dataclasses.replace(fact, sentence=Sentence(start, end, text[start:end])))
    return out


def _anchors(fact: AwardFact | ProgrammeFact) -> list[tuple[int, int]]:
    """The spans a fact's evidence must show, the first foremost: the honour and its
    recipient, or the programme and its organisations."""
    if isinstance(fact, AwardFact):
        return [(fact.honour.start, fact.honour.end), (fact.recipient.start, fact.recipient.end)]
    return [(fact.programme.start, fact.programme.end), *((o.start, o.end) for o in fact.orgs)]


def extract(doc: Document, res: Resources) -> Document:
    """Find mentions and facts in a segmented document.

    Each fact's ``sentence`` is the sentence it was read from, or, in a sentence longer
    than :data:`~kg.extract.text.EVIDENCE_LIMIT` characters, the clauses of it that state
    the fact (:func:`~kg.extract.text.excerpt`): the fact's evidence.

    Args:
        doc: a document with ``sentences``.
        res: the process's resources.

    Returns:
        A copy of ``doc`` with mentions, awards, programmes, hierarchy and subject set.
    """
    title = doc.meta.title or (doc.sentences[0].text if doc.sentences else "")
    subject = choose_subject(doc.text, title, res)
    ctx = Context(doc.text, res, doc.sentences, subject, title)
    mentions, ctx = find_mentions(ctx, doc.meta.creator)
    starts = [m.start for m in mentions]
    years = years_in(doc.text, res)
    year_starts = [y.start for y in years]
    found_awards, found_programmes, honour_mentions, programme_mentions = [], [], [], []
    for sentence in doc.sentences:
        lo, hi = bisect_left(starts, sentence.start), bisect_left(starts, sentence.end)
        inside = [m for m in mentions[lo:hi] if m.end <= sentence.end]
        ylo, yhi = bisect_left(year_starts, sentence.start), bisect_left(year_starts,
                                                                          sentence.end)
        sentence_years = years[ylo:yhi]
        facts, honours = awards.find_awards(ctx, sentence, inside, sentence_years)
        found_awards.extend(_cited(doc.text, facts))
        honour_mentions.extend(honours)
        progs, named_honours = programmes.find_programmes(ctx, sentence, inside,
                                                          sentence_years)
        found_programmes.extend(_cited(doc.text, progs))
        honour_mentions.extend(named_honours)
        programme_mentions.extend(p.programme for p in progs)
    roll, roll_mentions = awards.roll_awards(ctx, mentions, years)
    found_awards.extend(_cited(doc.text, roll))
    honour_mentions.extend(roll_mentions)
    links = hierarchy.find_hierarchy(ctx, mentions)
    extra_persons = [a.recipient for a in found_awards if a.recipient.rule_id == "honour_person"]
    all_mentions = tuple(sorted({*mentions, *honour_mentions, *programme_mentions,
                                 *extra_persons}, key=_FIELDS))
    return dataclasses.replace(
        doc, mentions=all_mentions, awards=tuple(found_awards),
        programmes=tuple(found_programmes), hierarchy=tuple(links), subject=subject)
