"""Find the names in a text: organisations of every class, persons, anaphors, generics.

Pure; may import ``kg.doc``, ``kg.patterns`` and ``kg.extract.text``.  Each finder returns
:class:`~kg.doc.Mention` records whose span slices the text exactly; :func:`find_mentions`
runs them in order of trust (lexicon first) and keeps the longest of overlapping names.
"""

from __future__ import annotations

import dataclasses
import operator
import re
from bisect import bisect_left, bisect_right, insort
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

from kg.doc import Mention, Sentence
from kg.extract.text import ClauseIndex, inside_marks, is_cjk, record_year, squash
from kg.patterns import Resources

__all__ = [
    "Context",
    "Cover",
    "choose_focus",
    "choose_hero",
    "choose_subject",
    "covered",
    "dedupe_overlaps",
    "extend_party",
    "left_name",
    "lexicon_orgs",
    "person_name_at",
    "persons",
    "recent_offices",
    "references",
    "repeated",
    "short_names",
]

_T = TypeVar("_T")

#: Tokens that never belong to a name read leftwards from its head word.
STOP_TOKENS = frozenset(
    "的 和 与 及 以及 等 在 对 向 赴 分赴 是 为 被 由 将 把 从 到 于 还 又 也 并 就 都 已 均 "
    "了 着 过 其 该 本 各 每 和谐 推动 支持 组织 参观 观看 慰问 邀请 联系 对口 走访 捐助 "
    "帮扶 结对 合作 携手 联合 共同 率先 先后 分别 积极 主动 深入 全面 大力 认真 及时 "
    "成立 组建 设立 开展 举办 建立 来到 前往 进入 深入到 走进 看望 长年 连续 利用 充分利用 "
    "通报 发展 建设 管理 服务 两地 周边 附近 当地 会同 协同 配合 联手 牵头".split()
)
_BAD_TAGS = ("v", "p", "c", "u", "d", "r", "m", "q", "t", "y", "e", "o", "x", "w", "z", "a")
_PERSON_BOUNDARY = set("，,。；;：:、！？!?（(）)”’\"' \t\n\u3000在等的和与及是为说表示同介指认带率也还就都曾又将把被记")
_PARTY = ("党组", "党委")
_FUNCTION_AFTER_NAME = frozenset("也还就都曾又将把被在等的说记")


@dataclass(frozen=True)
class Context:
    """What the finders share about one document."""

    text: str
    res: Resources
    sentences: tuple[Sentence, ...]
    subject: str | None
    title: str
    focus: Mention | None = None
    #: the person a profile is about (孟庆海同志先进事迹材料): awards with no subject are theirs
    hero: Mention | None = None
    #: clause starts of ``text`` (made once; :func:`dataclasses.replace` passes it on)
    clauses: ClauseIndex = field(default=None, compare=False, repr=False)  # type: ignore[assignment]
    #: what the rules work out once per document (keyed by what it depends on besides
    #: the text), passed on with ``clauses``
    memo: dict[object, object] = field(default=None, compare=False, repr=False)  # type: ignore[arg-type]

    def __post_init__(self) -> None:
        if self.clauses is None or self.clauses.text is not self.text:
            object.__setattr__(self, "clauses", ClauseIndex(self.text))
            object.__setattr__(self, "memo", {})
        elif self.memo is None:
            object.__setattr__(self, "memo", {})

    def title_year(self) -> int | None:
        """The year the title's yearly record is about (:func:`record_year`), once per
        document: the title may be a long first sentence, and every fact asks."""
        return self.once(("record_year", self.title), lambda: record_year(self.title))

    def once(self, key: object, make: Callable[[], _T]) -> _T:
        """``make()``, worked out once per document for ``key``."""
        try:
            return self.memo[key]  # type: ignore[return-value]
        except KeyError:
            value = self.memo[key] = make()
            return value

    def sentence_matches(self, pattern_id: str) -> Iterator[tuple[int, re.Match[str]]]:
        """Matches of a pattern that never crosses a sentence end, sentence by sentence:
        (the sentence's offset, the match).  Sentences without the pattern's ``needs``
        are not searched, which for a pattern that starts with a character class is
        much faster than one search of the whole text."""
        pattern = self.res.entry(pattern_id)
        if pattern.gate is not None and pattern.gate.search(self.text) is None:
            return
        for sentence in self.sentences:
            for m in pattern.finditer(sentence.text):
                yield sentence.start, m


_FUNCTION_CHARS = frozenset("的了在和与及等对向从把被将由为是也都还又就并于其之而或以起让使给")


def _token_ok(token: str, res: Resources, extra_tags: tuple[str, ...] = ()) -> bool:
    if not token or not all(is_cjk(ch) for ch in token) or token in STOP_TOKENS:
        return False
    if len(token) == 1:
        return token not in _FUNCTION_CHARS
    tag = res.word_tags.get(token)
    return tag is None or tag.startswith(("n", "s", "j", "f", "b", "an", *extra_tags))


def _date_end(text: str, end: int, token: str) -> bool:
    """True when ``token``, ending at ``end``, closes a date (8月20日武宿海关)."""
    return token in ("日", "月", "年") and text[end - 2:end - 1].isdigit()


def left_name(text: str, end: int, res: Resources, *, max_tokens: int = 3,
              max_chars: int = 8, floor: int = 0, extra_tags: tuple[str, ...] = ()) -> int:
    """The start of the name that ends at ``end``, read leftwards token by token.

    Args:
        text: the text.
        end: where the name's modifier part ends (the head word starts here).
        res: resources (tokenizer and word tags).
        max_tokens, max_chars: how far to read.
        floor: never read before this offset.
        extra_tags: part-of-speech tag prefixes accepted besides nouns (``a`` for titles).

    Returns:
        The start offset; ``end`` when no token qualifies.
    """
    lo = max(floor, end - max_chars - 4, 0)
    tokens = res.cut(text[lo:end])
    start, taken = end, 0
    for token in reversed(tokens):
        if taken >= max_tokens or end - (start - len(token)) > max_chars:
            break
        if not _token_ok(token, res, extra_tags) or _date_end(text, start, token):
            break
        start -= len(token)
        taken += 1
    return start


def choose_subject(text: str, title: str, res: Resources) -> str | None:
    """The bureau (or the administration) a document is about, or None.

    The organisation named in the title wins; otherwise the most mentioned bureau, if it
    has at least a third of all bureau mentions (a round-up of many bureaus has none).
    """
    lexicon = res.lexicon
    in_title = [lexicon.orgs[m.group()] for m in lexicon.org_pattern.finditer(title)]
    in_title = [e for e in in_title if e.cls in ("Bureau", "Administration")]
    if in_title:
        return in_title[0].canonical
    counts = Counter(
        lexicon.orgs[m.group()].canonical for m in lexicon.org_pattern.finditer(text)
        if lexicon.orgs[m.group()].cls == "Bureau"
    )
    if not counts:
        return None
    (best, n), total = counts.most_common(1)[0], sum(counts.values())
    return best if n * 3 >= total and n >= 2 else None


def extend_party(text: str, end: int) -> int:
    """The end of an organisation's name with its party committee (天津海关党组) or
    (机关) folded in: they name the organisation itself."""
    for suffix in ("(机关)", "（机关）", *_PARTY):
        if text.startswith(suffix, end):
            return end + len(suffix)
    return end


def lexicon_orgs(ctx: Context) -> list[Mention]:
    """Known organisations and their aliases, with (机关) / 党组 / 党委 folded in."""
    out = []
    for m in ctx.res.lexicon.org_pattern.finditer(ctx.text):
        entry = ctx.res.lexicon.orgs[m.group()]
        end = extend_party(ctx.text, m.end())
        rule = "lexicon.political" if entry.political else "lexicon.organisations"
        out.append(Mention(m.start(), end, ctx.text[m.start():end], entry.cls,
                           entry.canonical, rule))
    return out


def anaphors(ctx: Context) -> list[Mention]:
    """该关 / 本关 / 全关 …: the document's subject bureau; 该科 / 科里 …: its focus unit."""
    out = []
    table = ctx.res.lexicon.anaphors
    for m in ctx.res.lexicon.any_word("anaphors", table).finditer(ctx.text):
        target = _anaphor_target(ctx, table[m.group()])
        if target is None:
            continue
        end = extend_party(ctx.text, m.end())
        out.append(Mention(m.start(), end, ctx.text[m.start():end], target.cls, target.name,
                           "lexicon.anaphors", target.parent))
    return out


def _anaphor_target(ctx: Context, refers: str) -> Mention | None:
    # @recent and @own are the subject until the sub-offices are known (recent_offices)
    if refers == "@unit":
        return None  # resolved once the units are known: see references()
    if ctx.subject is None:
        # a text about no bureau may still be about the sub-office its title names
        return Mention(0, 0, "", "Anaphor", "", "subject") if refers in ("@own", "@recent") \
            else None
    entry = ctx.res.lexicon.orgs.get(ctx.subject)
    return Mention(0, 0, "", entry.cls if entry else "Bureau", ctx.subject, "subject")


def choose_focus(mentions: list[Mention], text: str) -> Mention | None:
    """The most specific unit the title names (查验二科 in 青岛海关所属黄岛海关查验二科…纪实):
    sentences with no subject of their own are about it."""
    zone = _title_zone(text)
    rank = {"Department": 3, "SubOffice": 2, "Bureau": 1, "Administration": 0}
    best = None
    for m in mentions:
        if m.end <= zone and m.cls in rank and (best is None or rank[m.cls] >= rank[best.cls]) \
                and not _SOURCE_LABEL.search(_line_of(text, m.start)):
            best = m
    return best


def choose_hero(mentions: list[Mention], text: str) -> Mention | None:
    """The person a profile is about: one its title names (…科长孟庆海同志先进事迹材料)."""
    zone = _title_zone(text)
    if not _PROFILE.search(text[:zone]):
        return None
    return next((m for m in mentions if m.cls == "Person" and m.end <= zone
                 and not _SOURCE_LABEL.search(_line_of(text, m.start))), None)


#: A title that says its text is about one person.
_PROFILE = re.compile(r"同志|事迹|劳模|榜样|人物|风采|先进个人|工作者")


#: A byline or source line (来源：乌鲁木齐海关新闻中心, 太原海关办公室　编): it names who
#: published, not what the text is about.
_SOURCE_LABEL = re.compile(r"(?:来源|來源|作者|发布|發布|编辑|編輯|记者|通讯员|撰稿)\s*[:：]|"
                           r"\s(?:编|编辑|供稿|整理|撰稿|撰)\s*$")  # 太原海关办公室　编


def _line_of(text: str, pos: int) -> str:
    """The line of ``text`` that holds ``pos``."""
    end = text.find("\n", pos)
    return text[text.rfind("\n", 0, pos) + 1:end if end >= 0 else len(text)]


def _title_zone(text: str) -> int:
    """Where the title, subtitle and byline lines end (the first three short lines that
    are no sentence)."""
    end, seen = 0, 0
    for line in text.split("\n"):
        if seen == 3 or len(line) > 60 or line.rstrip().endswith("。"):
            break  # a sentence that ends is the body's, however short
        end += len(line) + 1
        seen += 1 if line.strip() else 0
    return end


def person_name_at(text: str, start: int, res: Resources) -> int:
    """The end of a person's name starting at ``start`` (surname first), or ``start``."""
    if start > 0 and is_cjk(text[start - 1]) and res.freq(
            text[start - 1:start + 1]) and not text.endswith(_UNIT_TAILS, 0, start):
        return start  # 中欧班列: the "surname" belongs to the word before it (not 海关王磊)
    surname = text[start:start + 2] if text[start:start + 2] in res.lexicon.surnames else \
        text[start:start + 1]
    if surname not in res.lexicon.surnames:
        return start
    s = start + len(surname)
    end = -1
    # 周敏也表示: a function character right after a two-character name ends it.
    sizes = (1, 2) if text[s + 1:s + 2] and text[s + 1] in _FUNCTION_AFTER_NAME else (2, 1)
    for size in sizes:
        if s + size <= len(text) and all(is_cjk(c) for c in text[s:s + size]) and (
                s + size == len(text) or text[s + size] in _PERSON_BOUNDARY
                or not is_cjk(text[s + size])):
            end = s + size
            break
    if end < 0 and text.startswith(_award_verbs(res), s + 1):
        end = s + 1  # 李婧获评: an award verb right after a two-character name ends it
    if end < 0 and s + 2 <= len(text) and all(is_cjk(c) for c in text[s:s + 2]):
        # 陈建国分享了…: no boundary, and most names have three characters; but 胡鹏表示,
        # 刘阳一直, 臧冬已经: the third character opens a verb or adverb, and ends the name
        follow = res.cut(text[s + 1:s + 5])[0]
        tag = res.word_tags.get(follow) or ""
        end = s + 1 if len(follow) >= 2 and tag.startswith(_VERB_LIKE) else s + 2
    if end > 0 and not _opens_name(text, start, end, surname, res):
        return start  # 荣誉称号: the "name" is the start of a word
    return end if end > 0 and _plausible_name(text[start:end], surname, res) else start


#: Tags of words that end a name they follow (verbs, adverbs, conjunctions, prepositions …).
_VERB_LIKE = ("v", "d", "c", "p", "u", "m", "f", "r")


def _opens_name(text: str, start: int, end: int, surname: str, res: Resources) -> bool:
    """Whether the text at ``start`` reads as a name and not as the start of a longer word
    (荣誉称号, 称号): jieba's first word there is the surname, the name, or a person's name."""
    first = res.cut(text[start:end + 2])[0]
    if len(first) <= len(surname) or first == text[start:end]:
        return True
    return (res.word_tags.get(first) or "nr").startswith("nr")


def _award_verbs(res: Resources) -> tuple[str, ...]:
    """The award verbs of two characters or more (获评, 荣获, 被评为), loaded once."""
    lexicon = res.lexicon
    return lexicon.memo("award_verbs_2", lambda: tuple(
        w for kind in ("award_active", "award_passive") for w in lexicon.trigger_words(kind)
        if len(w) >= 2))


def _plausible_name(name: str, surname: str, res: Resources) -> bool:
    """Reject words that only look like names (全部递, 任组长): the name's first word must be
    the surname or a person-name word, and no title word may sit inside it."""
    first = res.cut(name)[0]
    if first != surname and not res.word_tags.get(first, "nr").startswith("nr"):
        return False
    return not any(t in name[len(surname):] for t in res.lexicon.person_titles if len(t) > 1)


def persons(ctx: Context, creator: str | None) -> list[Mention]:
    """Persons after a title word (关长 高融昆, 记者 张永超), before their unit in brackets
    (陈秀英（长安海关）), and the document's creator."""
    out = []
    # A title may stand on the line above its name (记者\n张永超): those two patterns read
    # the whole text; the others never cross a sentence end.
    whole = [(pid, 0, m) for pid in ("person_after_title", "person_after_grant")
             for m in ctx.res.finditer(pid, ctx.text)]
    by_sentence = [(pid, offset, m) for pid in ("person_with_unit", "person_before_comrade",
                                                "person_after_unit", "person_before_speech")
                   for offset, m in ctx.sentence_matches(pid)]
    for pid, offset, m in whole + by_sentence:
        start = offset + m.start("name")
        # after a unit, or before what a person says, the verb that must follow the name
        # marks where it ends
        bounded = pid in ("person_after_unit", "person_before_speech")
        end = offset + m.end("name") if bounded else person_name_at(ctx.text, start, ctx.res)
        if end <= start and offset + m.end("name") - start >= 3:
            # 海关王磊同志: 关 is a surname too, but it ends 海关; the name starts one later
            later = person_name_at(ctx.text, start + 1, ctx.res)
            if later == offset + m.end("name"):
                start, end = start + 1, later
        tag = ctx.res.word_tags.get(ctx.text[start:end]) if bounded else None
        if tag is not None and not tag.startswith("nr"):
            continue  # 海关连续荣获: a word of another kind (连续), not a name
        if end > start:
            out.append(Mention(start, end, ctx.text[start:end], "Person",
                               ctx.text[start:end], pid))
    out.extend(_dotted_names(ctx))
    out.extend(_listed_before(ctx, [m for m in out if m.rule_id == "person_after_unit"]))
    if creator and creator not in ctx.res.lexicon.person_titles:  # 作者：记者 (no name)
        where = ctx.text.find(creator)
        if where >= 0:
            out.append(Mention(where, where + len(creator), creator, "Person", creator,
                               "meta.creator"))
    return out


#: What a unit's name ends with, right before a person's name in a list item
#: (天津新港海关田宝明): the person's unit, written first.
_UNIT_TAILS = ("海关", "科", "处", "室", "队", "组", "局", "站", "所", "中心", "馆")


#: What ends the item of a list before it (or the clause before the list).
_ITEM_BREAKS = frozenset("、，,。；;：:\n")


def _listed_before(ctx: Context, found: list[Mention]) -> list[Mention]:
    """The persons listed before one found after its unit, the list joined by 、
    (北京首都机场海关孙铭辉、王彤、天津新港海关田宝明、…张海滨获): each item is a name, or a
    unit's name and then a name."""
    text, out = ctx.text, []
    for person in found:
        pos, count = _item_start(text, person.start), 0
        while pos > 0 and text[pos - 1] == "、" and count < 50:
            item_end = pos - 1
            name = _item_name(ctx, item_end)
            if name is None:
                break
            out.append(Mention(name, item_end, text[name:item_end], "Person",
                               text[name:item_end], "person_in_list"))
            pos, count = _item_start(text, name), count + 1
    return out


def _item_start(text: str, pos: int) -> int:
    """Where the list item holding ``pos`` starts (after a 、 or a clause mark), looking
    back at most 24 characters over the item's unit."""
    lo = max(0, pos - 24)
    while pos > lo and text[pos - 1] not in _ITEM_BREAKS:
        pos -= 1
    return pos


def _item_name(ctx: Context, end: int) -> int | None:
    """Where a person's name that ends a list item at ``end`` starts: two or three
    characters, the item's start or a unit's name right before them."""
    text = ctx.text
    for size in (3, 2):
        start = end - size
        if start < 0 or not all(is_cjk(c) for c in text[start:end]):
            continue
        before = text[start - 1:start] if start > 0 else "、"
        if not (before in _ITEM_BREAKS or text.endswith(_UNIT_TAILS, 0, start)):
            continue
        if person_name_at(text, start, ctx.res) == end:
            return start
    return None


def _dotted_names(ctx: Context) -> list[Mention]:
    """阿依古丽·买买提: names written with a middle dot, cut at a title word on the left and
    at the first verb or function word on the right."""
    text, out = ctx.text, []
    for offset, m in ctx.sentence_matches("person_dotted"):
        dot = offset + m.start("dot")
        if inside_marks(text, dot, "“", "”", 20, one_line=True):
            continue  # “新国门·快通关”: a slogan's dot
        start = dot
        while start > 0 and dot - start < 4 and is_cjk(text[start - 1]) and not any(
                text.endswith(t, 0, start) for t in ctx.res.lexicon.person_titles):
            start -= 1
        end = dot + 1
        while end < len(text) and end - dot <= 4 and is_cjk(text[end]) and \
                text[end] not in _FUNCTION_CHARS and not (
                    end - dot > 2 and _word_starts(ctx, text, end)):
            end += 1
        if end - dot == 5 and end < len(text) and is_cjk(text[end]):
            end -= 1  # a fourth character with more text after it is rarely the name's
        if dot - start >= 2 and end - dot >= 3:
            out.append(Mention(start, end, text[start:end], "Person", text[start:end],
                               "person_dotted"))
    return out


def _word_starts(ctx: Context, text: str, pos: int) -> bool:
    """True when a verb, adverb or preposition of two characters starts at ``pos``."""
    tag = ctx.res.word_tags.get(text[pos:pos + 2])
    return tag is not None and tag.startswith(("v", "d", "p", "c", "u"))


_UNIT_TAIL = re.compile(r"^(?:该|本)?(.+?)(?:里|室)?$")


def references(ctx: Context, mentions: list[Mention]) -> list[Mention]:
    """该科 / 该馆 / 该办事处 …: the last unit named before whose name ends like the word
    (else the unit the title is about); 他 / 她: the last person named before."""
    text, out = ctx.text, []
    unit_words = ctx.res.lexicon.any_word("unit_anaphors", (
        w for w, r in ctx.res.lexicon.anaphors.items() if r == "@unit"))
    units = _Sorted([m for m in mentions if m.cls in ("Department", "SubOffice")])
    people = _Sorted([m for m in mentions if m.cls == "Person"])
    taken = Cover(mentions)
    for m in unit_words.finditer(text):
        if taken.covered(m.start(), m.end()):
            continue
        tail = _UNIT_TAIL.match(m.group()).group(1)  # type: ignore[union-attr]
        before = units.last_before(m.start(), 800, _ends_like(tail))
        target = before if before is not None else ctx.focus
        if target is not None and target.cls in ("Department", "SubOffice"):
            out.append(Mention(m.start(), m.end(), m.group(), target.cls, target.name,
                               "lexicon.anaphors", target.parent))
    for m in re.finditer("[他她](?![们人])", text):
        person = people.last_before(m.start(), 400)
        if person is not None and not taken.covered(m.start(), m.end()):
            out.append(Mention(m.start(), m.end(), m.group(), "Person", person.name,
                               "pronoun"))
    return out


class _Sorted:
    """Mentions sorted by start, for "the last one before here" look-ups that walk back
    from ``pos`` only as far as such a mention can start (not from the list's end)."""

    def __init__(self, mentions: list[Mention]) -> None:
        self.mentions = mentions
        self.longest = max((m.end - m.start for m in mentions), default=0)

    def last_before(self, pos: int, reach: int,
                    accept: Callable[[Mention], bool] | None = None) -> Mention | None:
        """The last mention that ends at or before ``pos``, less than ``reach`` characters
        before it, and that ``accept`` takes (the same as the last of a scan of the whole
        list)."""
        mentions = self.mentions
        for i in range(bisect_right(mentions, pos, key=_mention_start) - 1, -1, -1):
            m = mentions[i]
            if m.start <= pos - reach - self.longest:
                break  # it and all before it end ``reach`` or more before pos
            if m.end <= pos and pos - m.end < reach and (accept is None or accept(m)):
                return m
        return None


def _mention_start(m: Mention) -> int:
    return m.start


def recent_offices(ctx: Context, mentions: list[Mention]) -> list[Mention]:
    """该关 after a sub-office was named in the same paragraph (宜昌海关被…授予…；该关查验科…)
    is that sub-office, not the document's bureau; in a paragraph that names none it is the
    office the title names.  Run once the offices are found and before the units inside
    them are."""
    recent, own = ctx.res.lexicon.memo("office_anaphors", lambda: tuple(
        tuple(w for w, r in ctx.res.lexicon.anaphors.items() if r == kind)
        for kind in ("@recent", "@own")))
    offices = [m for m in mentions if m.cls in ("Bureau", "SubOffice")
               and m.rule_id != "lexicon.anaphors" and not _listed(ctx.text, m)]
    titled = choose_focus(offices, ctx.text)
    named = _Sorted(offices)
    out = []
    for m in mentions:
        if m.rule_id == "lexicon.anaphors" and m.text.startswith((*recent, *own)):
            before = named.last_before(m.start, _RECENT_REACH + 1,
                                       _same_line(ctx.text, m.start)) \
                if m.text.startswith(recent) else None
            # in a new paragraph 该关 is what the text is about, and 我关 in an interview
            # of a sub-office's head is that office: the title's office
            target = before if before is not None else titled
            if target is not None and target.cls == "SubOffice":
                m = dataclasses.replace(m, cls="SubOffice", name=target.name,
                                        parent=target.parent)
        if m.cls != "Anaphor":  # 我关 with neither a bureau nor a titled office: nothing
            out.append(m)
    return out


def _ends_like(tail: str) -> Callable[[Mention], bool]:
    """Whether a unit's name ends like the anaphor's word (该科 -> …科)."""
    return lambda m: m.name.endswith(tail)


def _same_line(text: str, pos: int) -> Callable[[Mention], bool]:
    """Whether a mention before ``pos`` is on its line."""
    return lambda m: "\n" not in text[m.end:pos]


def short_names(ctx: Context, mentions: list[Mention]) -> list[Mention]:
    """郑州新郑机场海关（以下简称“机场海关”）: the short name, wherever it comes later, stands
    for the organisation it was given to, not for an office of its own; so does a former
    name given with it (原满洲里海关驻十八里办事处)."""
    given: dict[str, tuple[Mention, int]] = {}  # short name -> (its organisation, from)
    former: list[tuple[int, int, Mention]] = []  # （原满洲里海关驻十八里办事处，…）
    for m in mentions:
        if m.cls in _NAMED_CLASSES:
            short = _SHORT_NAME.match(ctx.text, m.end)
            if short is not None and short.group(2) != m.text:
                given.setdefault(short.group(2), (m, short.end()))
                if short.group("former"):
                    former.append((short.start("former"), short.end("former"), m))
    if not given:
        return mentions
    out = []
    notes = _Notes(former)
    for m in mentions:
        target, _ = given.get(m.text, (None, 0))
        was = notes.holding(m.start, m.end)
        if was is not None and m.cls in _NAMED_CLASSES:
            m = dataclasses.replace(m, cls=was.cls, name=was.name, parent=was.parent,
                                    rule_id="former_name")
        elif target is not None and m.start >= target.end and m.cls in _NAMED_CLASSES:
            m = dataclasses.replace(m, cls=target.cls, name=target.name, parent=target.parent,
                                    rule_id="short_name")
        out.append(m)
    taken = Cover(out)
    for word, (target, after) in given.items():
        for found in re.compile(re.escape(word)).finditer(ctx.text, after):
            start = found.start()
            if not taken.covered(start, start + len(word)):
                taken.add(Mention(start, start + len(word), word, target.cls, target.name,
                                  "short_name", target.parent))
    return sorted(taken.mentions, key=_START_END)


class _Notes:
    """The former names given in brackets (lo, hi, organisation), for "the first one
    whose span holds [start, end)" look-ups that read only the notes starting near."""

    def __init__(self, notes: list[tuple[int, int, Mention]]) -> None:
        self.notes = notes
        self.by_start = sorted(range(len(notes)), key=lambda i: notes[i][0])
        self.starts = [notes[i][0] for i in self.by_start]
        self.longest = max((hi - lo for lo, hi, _ in notes), default=0)

    def holding(self, start: int, end: int) -> Mention | None:
        """The same as the first note in list order with ``lo <= start`` and
        ``end <= hi``."""
        lo_bound = end - self.longest  # a note holding the span starts at or after this
        first = bisect_left(self.starts, lo_bound)
        found = None
        for k in range(first, bisect_right(self.starts, start)):
            i = self.by_start[k]
            lo, hi, org = self.notes[i]
            if lo <= start and end <= hi and (found is None or i < found[0]):
                found = (i, org)
        return found[1] if found is not None else None


_NAMED_CLASSES = ("Bureau", "SubOffice", "Department", "ExternalOrganization")
_SHORT_NAME = re.compile(r"[（(](?:原(?P<former>[^，,；;）)]{2,30})[，,；;])?(?:以下)?简称[：:]?"
                         r"[“\"‘]([^”\"’）)]{1,12})[”\"’][）)]")


#: How far back (in characters) 该关 looks for the sub-office it stands for.
_RECENT_REACH = 300


def _listed(text: str, m: Mention) -> bool:
    """A name in a list (南通海关、张家港海关等) is no antecedent of 该关."""
    return text[m.end:m.end + 1] in ("、", "等", "和", "及") or text[m.start - 1:m.start] == "、"


def repeated(ctx: Context, mentions: list[Mention]) -> list[Mention]:
    """Later bare mentions of a unit or person the text introduced once in full: 查验二科
    after 黄岛海关查验二科, 王海涛 after 科长王海涛."""
    parents: dict[str, set[str | None]] = {}
    classes: dict[str, str] = {}  # each name's class: its first Department or Person mention's
    for m in mentions:
        if m.cls == "Department" and len(m.name) >= 3:
            parents.setdefault(m.name, set()).add(m.parent)
        elif m.cls == "Person" and len(m.name) >= 2:
            parents.setdefault(m.name, set()).add(None)
        if m.cls in ("Department", "Person"):
            classes.setdefault(m.name, m.cls)
    taken = Cover(mentions)
    out = Cover()
    places = _Occurrences(ctx.text, [name for name, owners in parents.items()
                                     if len(owners) == 1])
    for name, owners in sorted(parents.items()):
        if len(owners) != 1:
            continue  # 查验科 under two offices: a bare 查验科 is ambiguous
        cls = classes[name]
        for start in places.of(name):
            end = start + len(name)
            if not taken.covered(start, end) and not out.covered(start, end):
                out.add(Mention(start, end, name, cls, name, "repeated", next(iter(owners))))
    return out.mentions


class _Occurrences:
    """Where each of some words (of two characters or more) occurs in a text, as
    ``re.finditer`` of the word finds them (left to right, not overlapping), from one
    pass over the text for all the words' first two characters (each place where one
    of their first characters stands is looked at once)."""

    def __init__(self, text: str, words: list[str]) -> None:
        self.text = text
        self.at: dict[str, list[int]] = {}
        heads = {w[:2] for w in words if len(w) >= 2}
        if heads:
            firsts = re.compile("[" + re.escape("".join(sorted({h[0] for h in heads}))) + "]")
            for m in firsts.finditer(text):
                head = text[m.start():m.start() + 2]
                if head in heads:
                    self.at.setdefault(head, []).append(m.start())

    def of(self, word: str) -> Iterator[int]:
        """The starts of ``word``'s occurrences."""
        if len(word) < 2:
            yield from (m.start() for m in re.finditer(re.escape(word), self.text))
            return
        after = 0  # a match ends here; the next may not start before it
        for start in self.at.get(word[:2], ()):
            if start >= after and self.text.startswith(word, start):
                yield start
                after = start + len(word)


def _minus_length(m: Mention) -> int:
    return m.start - m.end


_START_END = operator.attrgetter("start", "end")


def dedupe_overlaps(mentions: Iterable[Mention]) -> list[Mention]:
    """Keep the longest of overlapping mentions (earlier finders win ties).

    A mention that overlaps no other is kept whatever the order, so only the others go
    through the longest-first pass: most of a document's mentions stand alone, and the
    finders call this after every step.
    """
    items = list(mentions)
    clashing = _clashing(items)
    if not clashing:
        return sorted(items, key=_START_END)
    alone = [m for i, m in enumerate(items) if i not in clashing]
    contested = _longest_first([m for i, m in enumerate(items) if i in clashing])
    return sorted(alone + contested, key=_START_END)


def _clashing(items: list[Mention]) -> set[int]:
    """Indexes of the mentions that overlap another: two spans sharing a character, or an
    empty span strictly inside a span."""
    spans = sorted((m.start, m.end, i) for i, m in enumerate(items) if m.start < m.end)
    points = sorted((m.start, i) for i, m in enumerate(items) if m.start == m.end)
    found: set[int] = set()
    reach = -1  # the furthest end of the spans before
    for k, (start, end, index) in enumerate(spans):
        # sorted by start: a span overlaps an earlier one if it starts before their
        # furthest end, and a later one if the next one starts before its own end
        if start < reach or (k + 1 < len(spans) and spans[k + 1][0] < end):
            found.add(index)
        reach = max(reach, end)
        if points:
            at = bisect_right(points, (start, len(items)))
            while at < len(points) and points[at][0] < end:
                found.update((index, points[at][1]))
                at += 1
    return found


def _longest_first(mentions: list[Mention]) -> list[Mention]:
    kept: list[Mention] = []
    # longest first; the sort is stable, so among equals the earlier finder comes first
    ordered = sorted(mentions, key=_minus_length)
    taken: list[tuple[int, int]] = []
    # Characters inside kept spans, and kept empty spans: the same test as comparing with
    # every kept span, without the quadratic loop.
    used = bytearray(max((m.end for m in ordered), default=0))
    points: list[int] = []
    for mention in ordered:
        a, b = mention.start, mention.end
        if a < b:
            if used.find(1, a, b) >= 0 or (points and any(a < s < b for s in points)):
                continue
            used[a:b] = b"\x01" * (b - a)
        elif any(a < e and s < b for s, e in taken):
            continue
        else:
            points.append(a)
        kept.append(mention)
        taken.append((a, b))
    return kept


def covered(spans: list[Mention], start: int, end: int) -> bool:
    """True when ``[start, end)`` overlaps any mention in ``spans``."""
    return any(start < m.end and m.start < end for m in spans)


class Cover:
    """:func:`covered` over a growing set of mentions, each look-up in time independent of
    how many there are: the characters inside spans are marked in a byte array, and empty
    spans kept as sorted offsets (one overlaps a span that holds it strictly inside).  A
    look-up with an empty span is rare and answered by the plain rule."""

    def __init__(self, mentions: Iterable[Mention] = ()) -> None:
        self.mentions: list[Mention] = []
        self._used = bytearray()
        self._points: list[int] = []
        for m in mentions:
            self.add(m)

    def add(self, m: Mention) -> None:
        """Count ``m`` in."""
        self.mentions.append(m)
        if m.start < m.end:
            if m.end > len(self._used):
                self._used.extend(bytes(max(m.end - len(self._used), len(self._used))))
            self._used[m.start:m.end] = b"\x01" * (m.end - m.start)
        else:
            insort(self._points, m.start)

    def covered(self, start: int, end: int) -> bool:
        """The same as ``covered(mentions, start, end)``."""
        if start >= end:
            return covered(self.mentions, start, end)
        if self._used.find(1, max(start, 0), min(end, len(self._used))) >= 0:
            return True
        at = bisect_right(self._points, start)
        return at < len(self._points) and self._points[at] < end


def squash_name(text: str) -> str:
    """A mention's text as a name: no spaces, no (机关)."""
    return squash(text).replace("(机关)", "").replace("（机关）", "")
