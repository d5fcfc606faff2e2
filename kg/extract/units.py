"""Finders for names not in the lexicon: sub-offices, departments, other bodies.

Pure; may import ``kg.doc``, ``kg.patterns`` and the sibling ``text`` / ``mentions``
modules.  Each finder reads the shape of a name (a head word such as 海关, 办事处, 科,
大学, 党委) and finds where it starts by reading tokens leftwards.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable

from kg.doc import Mention
from kg.extract.mentions import (
    STOP_TOKENS,
    Context,
    choose_focus,
    extend_party,
    left_name,
    squash_name,
)
from kg.extract.text import inside_marks, is_cjk

__all__ = [
    "coordinated_offices",
    "departments",
    "external_orgs",
    "liaison_offices",
    "named_offices",
]

_ORG_CLASSES = ("Administration", "Bureau", "SubOffice")
_GENERIC_ENDINGS = ("的", "型", "化", "个", "级", "性")
#: Units nest three deep at most (缉私局 / 侦查二处 / 一组); deeper chains are noise.
_MAX_NESTING = 3
_UNIT_ENDS = ("科", "处", "室", "队")
_FOUNDING = ("成立", "组建", "设立", "建立")
_FOUNDED_UNITS = ("领导小组", "工作小组", "指挥部", "专班")


class _Spans:
    """The characters a list of mentions covers, for overlap and "ends here" look-ups in
    time independent of how many mentions there are (a long document has thousands)."""

    def __init__(self, mentions: list[Mention]) -> None:
        # each table is made on first use: most finders look at none of them in most
        # documents (their pattern never matches)
        self.mentions = mentions

    @functools.cached_property
    def used(self) -> bytearray:
        used = bytearray(max((m.end for m in self.mentions), default=0) + 1)
        for m in self.mentions:
            used[m.start:m.end] = b"\x01" * (m.end - m.start)
        return used

    @functools.cached_property
    def ending(self) -> dict[int, list[Mention]]:
        ending: dict[int, list[Mention]] = {}
        for m in self.mentions:
            ending.setdefault(m.end, []).append(m)
        return ending

    @functools.cached_property
    def ends(self) -> list[int]:
        return sorted({m.end for m in self.mentions})

    def covered(self, start: int, end: int) -> bool:
        """True when a mention overlaps ``[start, end)``."""
        return self.used.find(1, start, min(end, len(self.used))) >= 0

    def floor(self, pos: int) -> int:
        """The end of the last mention that ends at or before ``pos``."""
        i = bisect_right(self.ends, pos)
        return self.ends[i - 1] if i else 0


    def org_ending_at(self, pos: int) -> Mention | None:
        """An organisation or unit mention that ends exactly at ``pos``."""
        for m in self.ending.get(pos, ()):
            if m.cls in (*_ORG_CLASSES, "Department"):
                return m
        return None


def _parent_name(m: Mention) -> str:
    """The parent path a unit under ``m`` records (sub-offices carry their bureau)."""
    if m.cls == "SubOffice" and m.parent:
        return f"{m.parent}/{m.name}"
    if m.cls == "Department" and m.parent:
        return f"{m.parent}/{m.name}"
    return m.name


def liaison_offices(ctx: Context, base: list[Mention]) -> list[Mention]:
    """驻X办事处, merged with a bureau named right before it (满洲里海关驻车站办事处)."""
    out = []
    spans = _Spans(base)
    for m in ctx.res.finditer("liaison_office", ctx.text):
        name = squash_name(m.group())
        prefix = spans.org_ending_at(m.start())
        start = prefix.start if prefix else m.start()
        parent = prefix.name if prefix and prefix.cls in ("Bureau", "Administration") else None
        out.append(Mention(start, m.end(), ctx.text[start:m.end()], "SubOffice", name,
                           "liaison_office", parent))
    return out


def _office_class(ctx: Context, item: str) -> tuple[str, str, str | None]:
    """Class, name and parent for ``item`` + 海关 (福州 -> Bureau 福州海关)."""
    name = f"{item}海关"
    entry = ctx.res.lexicon.orgs.get(name)
    if entry is not None:
        return entry.cls, entry.canonical, None
    bureau = ctx.res.lexicon.sub_offices.get(name)
    if bureau and _names(ctx, bureau):  # a bureau the text never names is no entity of it
        return "SubOffice", name, bureau
    for size in range(min(len(item) - 2, 5), 1, -1):
        bureau = ctx.res.lexicon.bureau_of_city(item[:size])
        if bureau is not None:
            return "SubOffice", name, bureau.canonical
    return "SubOffice", name, None


def _names(ctx: Context, word: str) -> bool:
    """Whether the text holds ``word`` (worked out once per word and document)."""
    return ctx.once(("names", word), lambda: word in ctx.text)


def _item_start(ctx: Context, start: int, end: int, *, first: bool) -> int:
    """Where a listed place starts: a known bureau's city at the item's end wins (分赴福州
    -> 福州); otherwise only the first item can carry words before it."""
    for at in range(start, end - 1):
        if f"{ctx.text[at:end]}海关" in ctx.res.lexicon.orgs:
            return at
    if not first:
        return start
    return left_name(ctx.text, end, ctx.res, max_tokens=3, max_chars=8, floor=start)


def coordinated_offices(ctx: Context, base: list[Mention]) -> list[Mention]:
    """呼和浩特、福州、厦门等海关 / 分赴福州、深圳8个海关: one office per listed place."""
    out: list[Mention] = []
    spans = _Spans(base)
    for pid in ("coordinated_offices", "counted_offices"):
        for offset, m in ctx.sentence_matches(pid):
            pos = offset + m.start("items")
            for index, item in enumerate(m.group("items").split("、")):
                start, end = pos, pos + len(item)
                pos = end + 1
                start = _item_start(ctx, start, end, first=index == 0)
                place = ctx.text[start:end]
                known = f"{place}海关" in ctx.res.lexicon.orgs
                if len(place) < 2 or spans.covered(start, end) or (
                        not known and _generic(ctx, place)):
                    continue
                cls, name, parent = _office_class(ctx, place)
                out.append(Mention(start, end, place, cls, name, pid, parent))
    return out


def _generic(ctx: Context, prefix: str) -> bool:
    lexicon = ctx.res.lexicon
    words = lexicon.generic_org_words
    ends, starts = lexicon.memo("generic_affixes", lambda: (
        (*_GENERIC_ENDINGS, *words), tuple(w for w in words if len(w) >= 2)))
    return (prefix in words or prefix.endswith(ends) or prefix.startswith(starts)
            or prefix in lexicon.region_by_name)


#: jieba frequency above which a noun is a common word rather than a place name.
_COMMON_WORD = 1000
_PLACE_ENDINGS = tuple("港场站区岛口湾关桥园岗山江河湖州城县镇乡村门道路街洲峡滩坝")


def _place_like(ctx: Context, prefix: str) -> bool:
    """Sub-office names are places (黄岛, 机场, 横琴): the last word is a place name, an
    unknown or rare word, or ends like a place (港, 场, 站, 区 …).  Common words (发展,
    部分, 全体) are not."""
    last = ctx.res.cut(prefix)[-1]
    tag = ctx.res.word_tags.get(last)
    freq = ctx.res.freq(last)
    if len(last) == 1:  # 讲海关, 旧海关: a lone verb or adjective is no place name
        return tag is None or not tag.startswith(("v", "a", "d", "p", "c", "u", "r", "m"))
    return (tag is None or tag.startswith(("ns", "nt", "nz", "j", "nr"))
            or last.endswith(_PLACE_ENDINGS)
            or (tag.startswith("n") and freq < _COMMON_WORD))


#: What may stand right before a place name that opens an office's name.
_NAME_OPENERS = frozenset("、，,。；;：:和及与（(“\"\n \u3000\t")


#: Tags of words that open no name (verbs, prepositions, adverbs, conjunctions, particles,
#: pronouns, numerals, measure words; jieba's).
_NOT_NAME_TAGS = ("v", "p", "d", "c", "u", "r", "m", "q", "k", "y", "e", "o")


def _name_start(ctx: Context, start: int, end: int, known: int | None) -> int | None:
    """Where an office's name really starts within ``text[start:end]`` (the part before
    海关): the words that open no name (the lexicon's ``name_breakers``: 据, 记, 原 …, and
    verbs, prepositions, numerals … by their tag) are dropped from its front, so that what
    run-on or injected text put before it (据绥芬河, 记镇江) is no part of it; a known office
    that ends the name (starting at ``known``) is kept whole.  None when nothing is left
    (探访海关, 全流程海关: no office)."""
    breakers = ctx.res.lexicon.name_breakers
    pos = start
    for token in ctx.res.cut(ctx.text[start:end]) if start < end else ():
        if known is not None and pos >= known:
            return known
        tag = ctx.res.word_tags.get(token) or ""
        if token not in breakers and not (tag.startswith(_NOT_NAME_TAGS)
                                          and not tag.startswith(("vn", "nr", "ns"))):
            return pos
        pos += len(token)
    return known


def _standalone_place(ctx: Context, end: int, floor: int) -> int:
    """Where a place name starts that jieba tags as no noun (茂名 an adjective, 遵义 a
    verb): one rare word of two or more characters that opens a clause or follows a list
    mark (徐闻海关、茂名海关).  ``end`` when there is none."""
    lo = max(floor, end - 8)
    tokens = ctx.res.cut(ctx.text[lo:end]) if end > lo else []
    if not tokens:
        return end
    last = tokens[-1]
    start = end - len(last)
    opener = ctx.text[start - 1] if start > 0 else "\n"
    if opener == "日" and ctx.text[start - 2:start - 1].isdigit():
        opener = "\n"  # 12月9日大同海关: a chronicle's entry opens after its date
    if len(last) < 2 or not all(is_cjk(c) for c in last) or opener not in _NAME_OPENERS or \
            ctx.res.freq(last) >= _COMMON_WORD or _generic(ctx, last) or start < floor:
        return end
    return start


def _known_office_start(ctx: Context, end: int, floor: int) -> int | None:
    """Where the longest known sub-office name (the lexicon's) that ends at ``end``
    starts, or None."""
    known = ctx.res.lexicon.sub_offices
    for size in _sizes(ctx, "sub_office_sizes", known):
        start = end - size
        if start >= floor and ctx.text[start:end] in known:
            return start
    return None


def _sizes(ctx: Context, name: str, words: Iterable[str]) -> tuple[int, ...]:
    """The lengths of ``words``, longest first (computed once under ``name``)."""
    return ctx.res.lexicon.memo(name, lambda: tuple(sorted({len(w) for w in words},
                                                           reverse=True)))


def _foreign_start(ctx: Context, start: int, floor: int) -> int:
    """Where a customs name starts when a foreign country's name comes right before the
    place read so far (俄罗斯 + 波格拉尼奇内海关, a place jieba cuts into several words)."""
    places = ctx.res.lexicon.memo("foreign_place_set",
                                  lambda: frozenset(ctx.res.lexicon.foreign_places))
    for size in _sizes(ctx, "foreign_place_sizes", places):
        if start - size >= floor and ctx.text[start - size:start] in places:
            return start - size
    return start


def named_offices(ctx: Context, base: list[Mention]) -> list[Mention]:
    """Other X海关 names: sub-offices (机场海关, 皇岗海关) and generic phrases (全国海关)."""
    out: list[Mention] = []
    spans = _Spans(base)
    for m in re.finditer("海关", ctx.text):
        if spans.covered(m.start(), m.end()) or ctx.text.startswith("海关总署", m.start()):
            continue
        if inside_marks(ctx.text, m.start(), "《", "》", 40):
            continue
        start = left_name(ctx.text, m.start(), ctx.res, max_tokens=5, max_chars=8,
                          floor=spans.floor(m.start()))
        known = _known_office_start(ctx, m.end(), spans.floor(m.start()))
        if known is not None and known < start:
            start = known  # 甘其毛都海关: a known office however jieba cuts its name
        placed = _name_start(ctx, start, m.start(), known)
        start = start if placed is None else placed
        standalone = start == m.start()
        if standalone:
            start = _standalone_place(ctx, m.start(), spans.floor(m.start()))
        start = _foreign_start(ctx, start, spans.floor(m.start()))
        prev = spans.org_ending_at(start)
        prefix = ctx.text[start:m.start()]
        if prefix.startswith(ctx.res.lexicon.foreign_places):
            # 越南老街省海关局: another country's customs may be a 局
            end = m.end() + 1 if ctx.text.startswith("局", m.end()) else m.end()
            out.append(Mention(start, end, ctx.text[start:end], "ExternalOrganization",
                               ctx.text[start:end], "foreign_customs"))
            continue
        if not prefix and ctx.text.startswith("系统", m.end()):
            out.append(Mention(m.start(), m.end() + 2, "海关系统", "Generic", "海关系统",
                               "generic_office"))
            continue
        if not prefix:
            continue
        if prefix.endswith("等"):  # 江门等海关: a list's tail, no office of its own
            out.append(Mention(start, m.end(), ctx.text[start:m.end()], "Generic",
                               prefix + "海关", "generic_office"))
            continue
        listed = bool(out) and out[-1].cls == "SubOffice" and \
            ctx.text[out[-1].end:start] in ("、", "和", "及", "与")
        if ctx.text[start:m.end()] not in ctx.res.lexicon.sub_offices and (
                _generic(ctx, prefix) or len(prefix) < 2 or not (
                    listed or standalone or _place_like(ctx, prefix))
                or (placed is None and not standalone and not listed)):
            out.append(Mention(start, m.end(), ctx.text[start:m.end()], "Generic",
                               prefix + "海关", "generic_office"))
            continue
        cls, name, parent = _office_class(ctx, prefix)
        end = extend_party(ctx.text, m.end())  # 大同海关党委 is 大同海关
        if prev is not None and prev.cls in ("Bureau", "Administration"):
            out.append(Mention(prev.start, end, ctx.text[prev.start:end], cls, name,
                               "office_under_bureau", prev.name))
            continue
        out.append(Mention(start, end, ctx.text[start:end], cls, name, "named_office", parent))
    return out


def _dept_end(ctx: Context, start: int) -> int:
    """Where a department name starting at ``start`` ends (its head word), or -1."""
    lexicon = ctx.res.lexicon
    words = lexicon.department_words
    unit_words = lexicon.memo("department_or_unit_words",
                              lambda: lexicon.words_pattern((*words, *_UNIT_ENDS)))
    if unit_words.search(
            ctx.text, start, start + 16) is None:
        return -1  # no unit word within reach: no need to cut the window into tokens
    pos = start
    for token in ctx.res.cut(ctx.text[start:start + 16]):
        if not token or not all(is_cjk(c) for c in token) or token in STOP_TOKENS:
            return -1
        if token.endswith(("海关", "办事处")) or any(
                token in ctx.res.lexicon.trigger_words(k)
                for k in ("award_passive", "award_active", "programme", "hierarchy")):
            return -1  # a department name never holds another office or a verb
        if token[0] in _UNIT_ENDS and token[1:] in ctx.res.lexicon.person_titles and \
                pos - start >= 2:
            return pos + 1  # 综合业务科科长: jieba joins the unit's 科 to the title 科长
        pos += len(token)
        numbered = len(token) in (2, 3) and token.endswith(_UNIT_ENDS) and \
            all(c in "一二三四五六七八九十" for c in token[:-1])
        # 人事处, 法规处, 财务科: jieba's words for a unit, not yet in the lexicon; 审单科,
        # which jieba cuts 审/单科
        office = token.endswith(("处", "科")) and (len(token) >= 3 or (
            pos - start >= 3 and token[0] not in "该本此各每全其"))
        if (token in words or numbered or office) and (
                len(token) > 1 or pos - start >= 3):
            return pos
        if pos - start > 12:
            return -1
    return -1


def departments(ctx: Context, base: list[Mention]) -> list[Mention]:
    """Units inside an organisation: 天津海关政务公开办公室, 该关工会, 缉私局, …领导小组."""
    out = _nested_units(ctx, [m for m in base if m.cls in (*_ORG_CLASSES, "Department")])
    out.extend(_shared_heads(ctx, base, out))
    bare = _bare_departments(ctx, base + out) + _units_of_titled_office(ctx, base + out)
    out.extend(bare)
    out.extend(_nested_units(ctx, bare))  # 由办公室政务公开科承担
    out.extend(_bracketed_units(ctx, base + out))
    out.extend(_listed_units(ctx, base + out))
    out.extend(_founded_units(ctx, base + out))
    return out


def _nested_units(ctx: Context, owners: list[Mention]) -> list[Mention]:
    """Units named right after their owners, and units after those (黄埔海关缉私局侦查二处)."""
    out: list[Mention] = []
    for _ in range(_MAX_NESTING):
        found = []
        for org in owners:
            after = _after_note(ctx.text, org.end)  # 十八里海关（原…，以下简称…）查验科
            end = _dept_end(ctx, after)
            if end > after:
                local = ctx.text[after:end]
                span_end = _party_cell(ctx.text, end, local)
                found.append(Mention(org.start, span_end, ctx.text[org.start:span_end],
                                     "Department", local, "department_after_org",
                                     _parent_name(org)))
        out.extend(found)
        owners = found
        if not owners:
            break
    return out


def _after_note(text: str, end: int) -> int:
    """Where a name goes on after a bracketed note that follows it (its former or short
    name), else ``end``."""
    if text[end:end + 1] not in ("（", "("):
        return end
    close = text.find("）" if text[end] == "（" else ")", end, end + _NOTE_REACH)
    return close + 1 if close > 0 and "\n" not in text[end:close] else end


_NOTE_REACH = 40


def _party_cell(text: str, end: int, local: str) -> int:
    """新港海关查验一科党支部 is the 科 itself (its party branch names it), as 党委 after a
    bureau is the bureau."""
    for cell in ("党支部", "党总支", "党委"):
        if text.startswith(cell, end) and not local.endswith(cell):
            return end + len(cell)
    return end


def _shared_heads(ctx: Context, base: list[Mention], depts: list[Mention]
                  ) -> list[Mention]:
    """额尔古纳海关、驻十八里办事处阅览室: the unit word is shared by both offices."""
    out = []
    starting: dict[int, list[Mention]] | None = None  # base by start, made on first use
    ending: dict[int, list[Mention]] = {}
    for dept in depts:
        if ctx.text[dept.start - 1:dept.start] != "、":
            continue
        if starting is None:
            starting = {}
            for m in base:
                starting.setdefault(m.start, []).append(m)
                ending.setdefault(m.end, []).append(m)
        owner = next((m for m in starting.get(dept.start, ()) if m.cls == "SubOffice"), None)
        before = next((m for m in ending.get(dept.start - 1, ()) if m.cls in _ORG_CLASSES
                       and m.cls != "Administration"), None)
        if owner is None:
            continue  # 沙田海关、黄埔海关缉私局: the bureau's unit is not shared
        if before is not None:
            out.append(Mention(before.start, before.end, before.text, "Department", dept.name,
                               "shared_head", _parent_name(before)))
    return out


def _bare_departments(ctx: Context, taken: list[Mention]) -> list[Mention]:
    if ctx.subject is None:
        return []
    out = []
    spans = _Spans(taken)
    bare = ctx.res.lexicon.any_word("bare_departments", (
        w for w, ok in ctx.res.lexicon.department_words.items() if ok))
    for m in bare.finditer(ctx.text):
        start = m.start()
        if ctx.text[start - 1:start] == "关" and not is_cjk(ctx.text[start - 2:start - 1] or "。"):
            start -= 1  # 关团委: 关 is the document's own office, as in 关党委, 关领导
        before = ctx.text[start - 1] if start else "。"
        if spans.covered(start, m.end()) or (is_cjk(before) and before not in "在和与及由"):
            continue
        out.append(Mention(start, m.end(), ctx.text[start:m.end()], "Department", m.group(),
                           "bare_department", ctx.subject))
    return out


def _units_of_titled_office(ctx: Context, taken: list[Mention]) -> list[Mention]:
    """旅检一科的关员们…: in a text whose title names a sub-office (访…大兴机场海关关长), a 科
    named alone at the start of a clause is that office's."""
    titled = choose_focus([m for m in taken if m.cls in _ORG_CLASSES], ctx.text)
    if titled is None or titled.cls != "SubOffice" or "科" not in ctx.text:
        return []
    out = []
    spans = _Spans(taken)
    for m in _CLAUSE_UNIT.finditer(ctx.text):
        start = m.start(1)
        if spans.covered(start, m.end(1)) or _dept_end(ctx, start) != m.end(1) or \
                not _unit_words(ctx, m.group(1)):
            continue
        out.append(Mention(start, m.end(1), m.group(1), "Department", m.group(1),
                           "unit_of_titled_office", _parent_name(titled)))
    return out


def _unit_words(ctx: Context, name: str) -> bool:
    """Whether ``name`` reads as a unit's name (查验二科, 货运监管一科), not words that end
    in 科 by chance (现在科, 有一支以查验科): no time word, pronoun, preposition, adverb,
    conjunction, particle or one-character verb among its words."""
    for token in ctx.res.cut(name):
        tag = ctx.res.word_tags.get(token) or "n"
        if token in STOP_TOKENS or tag.startswith(("t", "p", "r", "d", "c", "u", "q")) or \
                (len(token) == 1 and tag == "v"):
            return False
    return True


_CLAUSE_UNIT = re.compile(r"(?:^|(?<=[。，,；;：:！？\n]))([\u4e00-\u9fff]{1,6}?科)(?!长|员|室|技|学)",
                          re.M)


_BRACKETED = re.compile(r"[（(]([\u4e00-\u9fff]{2,8}?(?:处|科|室|局|中心|办公室))[）)]")


def _bracketed_units(ctx: Context, taken: list[Mention]) -> list[Mention]:
    """何家俊（关税处）: a unit named in brackets after a person belongs to the subject."""
    if ctx.subject is None:
        return []
    out = []
    spans = _Spans(taken)
    for m in _BRACKETED.finditer(ctx.text):
        if spans.covered(m.start(1), m.end(1)) or m.group(1).endswith(("海关", "办事处")):
            continue
        out.append(Mention(m.start(1), m.end(1), m.group(1), "Department", m.group(1),
                           "bracketed_unit", ctx.subject))
    return out


_LISTED_UNIT = re.compile(r"(?<![\u4e00-\u9fff])([\u4e00-\u9fff]{2,6}?(?:处|科|室))"
                          r"(?=、[^，。；]{0,20}?等(?:部门|处室|科室|内设机构)|等(?:部门|处室|科室))")
#: What every _LISTED_UNIT match is followed by: text without it is not searched.
_LIST_CLOSER = re.compile("等(?:部门|处室|科室|内设机构)")


def _listed_units(ctx: Context, taken: list[Mention]) -> list[Mention]:
    """法规处、综合业务处等部门: units listed as the subject's departments."""
    if ctx.subject is None or _LIST_CLOSER.search(ctx.text) is None:
        return []
    out = []
    spans = _Spans(taken)
    for m in _LISTED_UNIT.finditer(ctx.text):
        if not spans.covered(m.start(1), m.end(1)) and not (out and out[-1].end > m.start(1)):
            out.append(Mention(m.start(1), m.end(1), m.group(1), "Department", m.group(1),
                               "listed_unit", ctx.subject))
    return out


def _founded_units(ctx: Context, taken: list[Mention]) -> list[Mention]:
    """成立疫情应对工作领导小组: a unit founded by the organisation the clause is about."""
    out = []
    spans = _Spans(taken)
    owners = _Owners(ctx, taken)
    pattern = "(?:" + "|".join(_FOUNDING) + ")(?:了)?([\u4e00-\u9fff]{2,14}?(?:" + \
        "|".join(_FOUNDED_UNITS) + "))"
    for m in re.finditer(pattern, ctx.text):
        if spans.covered(m.start(1), m.end(1)):
            continue
        owner = owners.before(m.start())
        if owner is None:
            continue
        out.append(Mention(m.start(1), m.end(1), m.group(1), "Department", m.group(1),
                           "founded_unit", owner))
    return out


class _Owners:
    """The organisations among some mentions, for "the last one in this sentence before
    ``pos``" look-ups by bisection (the mentions in any order: they are sorted here, the
    last of equal spans staying last)."""

    def __init__(self, ctx: Context, taken: list[Mention]) -> None:
        self.ctx = ctx
        orgs = [(m.end, i, m) for i, m in enumerate(taken) if m.cls in _ORG_CLASSES]
        self.orgs = sorted(orgs, key=lambda o: (o[0], o[1]))
        self.ends = [o[0] for o in self.orgs]
        self.sentence_starts = [s.start for s in ctx.sentences]
        # the latest position (in ``taken``) among the orgs ending at or before each one
        self.latest: list[int] = []
        for _, i, _ in self.orgs:
            self.latest.append(max(i, self.latest[-1]) if self.latest else i)

    def before(self, pos: int) -> str | None:
        """The parent path of the last organisation (in ``taken``'s order) of the sentence
        holding ``pos`` that ends by ``pos``, else the document's subject."""
        at = bisect_right(self.sentence_starts, pos) - 1
        sentence = self.ctx.sentences[at] if at >= 0 and pos < self.ctx.sentences[at].end \
            else None
        floor = sentence.start if sentence else 0
        best: Mention | None = None
        best_index = -1
        # one that starts by floor ends by it too: only the orgs ending in [floor, pos]
        for k in range(bisect_right(self.ends, pos) - 1, bisect_left(self.ends, floor) - 1, -1):
            if self.latest[k] <= best_index:
                break  # none ending earlier comes later in ``taken``
            _, i, m = self.orgs[k]
            if i > best_index and floor <= m.start:
                best, best_index = m, i
        return _parent_name(best) if best is not None else self.ctx.subject


def external_orgs(ctx: Context, taken: list[Mention]) -> list[Mention]:
    """Other bodies: regional bodies (市政府 -> 天津市政府) and names by their suffix."""
    return _bodies(ctx, taken) + _suffixed(ctx, taken)


def _complete_region(ctx: Context, prefix: str) -> str:
    """市 / 省 / 自治区 alone mean the subject bureau's city or region."""
    entry = ctx.res.lexicon.orgs.get(ctx.subject or "")
    if entry is None or not prefix:
        return prefix
    region = ctx.res.lexicon.region_by_name.get(entry.region or "")
    if prefix == "市" and entry.city:
        return f"{entry.city}市" if region is None or region.level != "市" else region.name
    if prefix in ("省", "自治区", "全区", "全省") and region is not None and \
            region.level in (prefix, prefix[-1]):
        return region.name
    return prefix


def _bodies(ctx: Context, taken: list[Mention]) -> list[Mention]:
    table = ctx.res.lexicon.external_bodies
    out = []
    spans = _Spans(taken)
    last: tuple[int, str] | None = None  # where the body before ends, and its region
    for m in ctx.res.lexicon.any_word("external_bodies", table).finditer(ctx.text):
        if spans.covered(m.start(), m.end()):
            continue
        start = _region_start(ctx, m.start(), m.group())
        prefix = ctx.text[start:m.start()]
        if not prefix:
            continue
        party = next((p for p in ("共青团", "中共") if ctx.text.endswith(p, 0, start)), "")
        start -= len(party)  # 共青团大连市委, 中共中山市委: part of the name
        if last is not None and prefix in _BARE_LEVELS and last[1].endswith(prefix) and \
                ctx.text[last[0]:start] in ("、", "和", "及", "与"):
            region = last[1]  # 呼伦贝尔市委、市政府: the city just named
        else:
            region = _complete_region(ctx, prefix)
        last = (m.end(), region + m.group()[0] if m.group()[:1] in _LEVEL_OPENERS else region)
        name = party + region + m.group()
        rule = "body.political" if table[m.group()] and party != "共青团" else "body"
        out.append(Mention(start, m.end(), ctx.text[start:m.end()], "ExternalOrganization",
                           name, rule))
    return out


def _region_start(ctx: Context, end: int, word: str) -> int:
    text = ctx.text
    for level in ("自治区", "省", "市", "县", "区", "州", "盟"):
        if text.endswith(level, 0, end):
            head = end - len(level)
            start = left_name(text, head, ctx.res, max_tokens=2, max_chars=8)
            if start < head and text[start:head] in ctx.res.lexicon.generic_org_words:
                return head
            return start if start < head else head
    start = left_name(text, end, ctx.res, max_tokens=1, max_chars=6)
    place = text[start:end]
    if place in ctx.res.lexicon.region_by_name:
        return start
    # 大连市委, 义乌市政府: a place's name before a body word that opens with its level
    # (jieba tags some places as names or other nouns: 呼伦贝尔 nr)
    if word[:1] in _LEVEL_OPENERS and len(place) >= 2 and \
            ctx.res.word_tags.get(place, "").startswith(("ns", "nr", "nz")):
        return start
    return end


_LEVEL_OPENERS = ("市", "省", "县", "区", "州")
_BARE_LEVELS = ("市", "省", "自治区", "县", "区", "州")


_SUFFIX_STOP = ("各", "多家", "有关", "相关", "公益", "文体", "兴趣", "该", "本", "一些",
                "多个", "各类", "这些", "全国各")


def _suffixed(ctx: Context, taken: list[Mention]) -> list[Mention]:
    table = ctx.res.lexicon.external_suffixes
    out = []
    spans = _Spans(taken)
    for m in ctx.res.lexicon.any_word("external_suffixes", table).finditer(ctx.text):
        if spans.covered(m.start(), m.end()) or (out and out[-1].end > m.start()):
            continue
        start = left_name(ctx.text, m.start(), ctx.res, max_tokens=5, max_chars=10,
                          floor=spans.floor(m.start()))
        joined = max(ctx.text.rfind(c, start, m.start()) for c in "和与及")
        if joined >= start:  # 中心和耶鲁大学: the name is the one after the conjunction
            start = joined + 1
        named = _name_start(ctx, start, m.start(), None)
        if named is None and start < m.start():
            continue  # 据北京大学 without 北京: nothing of a name is left
        start = start if named is None else named
        prefix = ctx.text[start:m.start()]
        if ctx.text[max(0, start - 3):start].endswith(_SUFFIX_STOP):
            continue
        if len(prefix) < 2 and not (prefix and len(m.group()) >= 2 and m.group()[0] in "一二"):
            continue
        if prefix.startswith(_SUFFIX_STOP) or _founded_here(ctx, start):
            continue
        if prefix.startswith("市"):
            name = _complete_region(ctx, "市") + prefix[1:] + m.group()
        else:
            name = prefix + m.group()
        out.append(Mention(start, m.end(), ctx.text[start:m.end()], "ExternalOrganization",
                           name, "suffix"))
    return out


def _founded_here(ctx: Context, start: int) -> bool:
    """True when the name is something the document's organisation founded (成立…协会)."""
    window = ctx.text[max(0, start - 30):start]
    clause = re.split(r"[，,。；;：:\n]", window)[-1]
    return any(word in clause for word in (*_FOUNDING, "依托", "倡导"))
