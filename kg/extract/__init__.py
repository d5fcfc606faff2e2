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

from kg.doc import Document, Mention
from kg.extract import awards, hierarchy, programmes, units
from kg.extract.mentions import (
    Context,
    anaphors,
    choose_focus,
    choose_hero,
    choose_subject,
    covered,
    dedupe_overlaps,
    lexicon_orgs,
    persons,
    recent_offices,
    references,
    repeated,
    short_names,
)
from kg.extract.text import years_in
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
    found = dedupe_overlaps(base + [m for m in others if not covered(base, m.start, m.end)])
    ctx = dataclasses.replace(ctx, focus=choose_focus(found, ctx.text),
                              hero=choose_hero(found, ctx.text))
    found = dedupe_overlaps(found + repeated(ctx, found))
    return dedupe_overlaps(found + references(ctx, found)), ctx


def extract(doc: Document, res: Resources) -> Document:
    """Find mentions and facts in a segmented document.

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
        found_awards.extend(facts)
        honour_mentions.extend(honours)
        progs, named_honours = programmes.find_programmes(ctx, sentence, inside,
                                                          sentence_years)
        found_programmes.extend(progs)
        honour_mentions.extend(named_honours)
        programme_mentions.extend(p.programme for p in progs)
    roll, roll_mentions = awards.roll_awards(ctx, mentions, years)
    found_awards.extend(roll)
    honour_mentions.extend(roll_mentions)
    links = hierarchy.find_hierarchy(ctx, mentions)
    extra_persons = [a.recipient for a in found_awards if a.recipient.rule_id == "honour_person"]
    all_mentions = tuple(sorted({*mentions, *honour_mentions, *programme_mentions,
                                 *extra_persons}, key=_FIELDS))
    return dataclasses.replace(
        doc, mentions=all_mentions, awards=tuple(found_awards),
        programmes=tuple(found_programmes), hierarchy=tuple(links), subject=subject)
