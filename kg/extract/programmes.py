"""Programmes: named activities, services, teams, reforms, platforms and packages of measures.

Pure; may import ``kg.doc``, ``kg.patterns`` and the sibling modules.  A programme is
(1) a quoted name governed by a programme verb (开展“亮窗行动”) or carrying a head word
after the quote (“感知天津”活动), (2) a book title that is not a cited law (《…办法》),
(3) an unquoted phrase after a programme verb that ends with a strong head word
(成立学雷锋志愿服务队), (4) a numbered package of measures (24项具体措施), or (5) the items of
a list closed by 等 and a head word (设立职工之家、津关青年等专题网站).  Its organisations are
the name's own prefix, the 在-phrase, or the clause's subject; a generic subject (海关系统,
全国海关) means none.
"""

from __future__ import annotations

import itertools
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from kg.doc import Mention, ProgrammeFact, Sentence
from kg.extract.mentions import Context
from kg.extract.text import (
    PHRASE_BREAKS,
    QUOTE_PAIRS,
    SEGMENT_BREAKS,
    YearMark,
    is_cjk,
    quoted_spans,
    year_before,
)

__all__ = ["find_programmes"]

_NOT_NAMES = ("为主题", "为宗旨", "于一体", "为载体", "为抓手", "为重点", "为核心", "为目标",
              "的", "精神", "理念", "要求", "作用", "角色")
_NOT_BEFORE = ("以", "用", "集", "在", "把", "将", "从", "赴", "向", "对", "为", "由")
_CITING = ("根据", "依据", "按照", "依照", "遵照", "违反", "执行", "贯彻")
_PASSIVE = re.compile(r"^(?:得到|获得|进一步)?[\u4e00-\u9fff]{0,4}?(?:推进|推广|实施|推行|落实|落地|"
                      r"上线|试运行|投入使用)")
_QUANTIFIERS = ("各项", "各类", "一系列", "多种", "多项", "系列", "一批", "一支", "多支", "各",
                "该", "本", "多个", "一些", "有关", "相关", "专项", "这些", "一场", "一次", "重点",
                "不断", "有效", "全面")
_STOP_CHARS = set("，,。；;：:、“”‘’《》()（）等的和及与 \n")
_MOTION = ("赴", "前往", "进行", "参加", "参与", "到", "走私", "违法", "犯罪")
_RUNNERS = ("Administration", "Bureau", "SubOffice", "Department", "Generic")
_PREPOSITIONS = ("与", "向", "对", "为", "给", "赴", "同", "跟", "帮助", "联合")


@dataclass(frozen=True, slots=True)
class _Found:
    start: int
    end: int
    name: str
    rule: str
    confidence: float


def _heads(ctx: Context, strong_only: bool) -> tuple[str, ...]:
    return ctx.res.lexicon.programme_head_words(strong_only)


def _ends_with_head(name: str, heads: tuple[str, ...]) -> bool:
    return name.endswith(heads)


def _suffix_after(ctx: Context, pos: int, limit: int) -> str:
    """The head-word phrase right after a closing quote (“X”天津海关宣讲会 -> 天津海关宣讲会)."""
    run = pos
    while run < limit and run - pos < 16 and ctx.text[run] not in _STOP_CHARS:
        run += 1
    heads = _heads(ctx, strong_only=False)
    for end in range(run, pos, -1):
        if _ends_with_head(ctx.text[pos:end], heads) and ctx.text[end:end + 1] not in _WORD_GOES_ON:
            return ctx.text[pos:end]
    return ""


#: A character after a head word that makes it part of a longer word (制度 in 制度化).
_WORD_GOES_ON = frozenset("化性")


def _verb_before(ctx: Context, pos: int, floor: int) -> bool:
    start = ctx.clauses.start(pos, PHRASE_BREAKS)
    # the clause's last 40 characters (sliced so, a long clause is not copied whole)
    clause = ctx.text[max(start, pos - 40) if floor >= 0 else start:pos]
    lexicon = ctx.res.lexicon
    return any(lexicon.trigger_pattern(kind).search(clause) is not None
               for kind in ("programme", "programme_quoted"))


def _quoted(ctx: Context, sentence: Sentence) -> tuple[list[_Found], list[Mention]]:
    text = ctx.text
    found: list[_Found] = []
    honours: list[Mention] = []
    spans = [q for q in quoted_spans(sentence.text) if q.mark != "《"]
    strong = _heads(ctx, strong_only=True)
    suffixes = [_suffix_after(ctx, sentence.start + q.end, sentence.end) for q in spans]
    for i, q in enumerate(spans):
        start, end = sentence.start + q.start, sentence.start + q.end
        inner, suffix = q.inner.strip(), suffixes[i]
        heads = _heads(ctx, strong_only=False)
        nxt = sentence.start + spans[i + 1].start if i + 1 < len(spans) else -1
        if not suffix and nxt > end and text[end:nxt] in ("、", "和", "及", "与") and \
                not _ends_with_head(inner, heads):
            suffix = suffixes[i + 1]
        if suffix.startswith("评选") and len(inner) >= 2:
            honours.append(Mention(start, end, text[start:end], "Honour", inner,
                                   "honour.quoted"))
        if not _name_ok(ctx, inner, start, end, suffix) or (
                not suffix and text[start - 1:start] == "的"):
            continue  # 讲政治的“高线”: a term being explained, not a programme
        after = end + len(suffix)  # “晋关通”微信服务平台正式上线
        governed = _verb_before(ctx, start, sentence.start) or bool(
            _PASSIVE.match(text[after:after + 10]))
        if not (governed or _ends_with_head(inner, strong) or _ends_with_head(suffix, strong)):
            continue
        parts = _split_parts(ctx, inner) if not suffix else [inner]
        for part in parts:
            name = part + suffix
            found.append(_Found(start, end + len(suffix) if suffix and suffix == suffixes[i]
                                else end, name, "programme.quoted",
                                0.85 if governed else 0.7))
    return found, honours


_DECIMAL = re.compile(r"[0-9]+\.[0-9]+")


def _name_ok(ctx: Context, inner: str, start: int, end: int, suffix: str = "") -> bool:
    text = ctx.text
    if not 2 <= len(inner) <= 40 or _DECIMAL.match(inner):
        return False
    if inner.endswith(("日", "周", "月", "小时")) and not suffix and (
            len(inner) <= 4 or any(c.isdigit() for c in inner)):
        return False  # “12·4”, “开放日”: a day; “7×24小时”预约通关 names a service
    if text[end:end + 4].startswith(_NOT_NAMES) or text[max(0, start - 1):start] in _NOT_BEFORE:
        return False
    lexicon = ctx.res.lexicon
    departments, cores = lexicon.memo("department_and_core_words", lambda: (
        tuple(lexicon.department_words), tuple(lexicon.honour_cores)))
    if inner.endswith(departments) and lexicon.org_pattern.match(inner):
        return False
    return not inner.endswith(cores) or bool(_suffix_after(ctx, end, end + 16))


def _split_parts(ctx: Context, inner: str) -> list[str]:
    """“首问责任制、限时办结制、服务承诺制” names three programmes; “属地申报、口岸验放” one."""
    parts = inner.split("、")
    heads = _heads(ctx, strong_only=False)
    if len(parts) > 1 and all(_ends_with_head(p, heads) for p in parts):
        return parts
    return [inner]


_PAPERS = ("决定", "通知", "通报", "批复", "公告", "函", "决议", "报告")
#: How the titles of newspapers, journals, treaties, reports and books end: cited works.
_NOT_PROGRAMME_TITLES = ("日报", "时报", "晚报", "周报", "画报", "杂志", "周刊", "月刊", "海外版",
                         "条约", "协定", "公约", "框架协议", "观察报告", "年鉴", "之路")
_HEADLINE_MARKS = re.compile(r"[：:，,！!？?%％]")


def _book_titles(ctx: Context, sentence: Sentence) -> list[_Found]:
    found = []
    for q in quoted_spans(sentence.text, max_len=80):
        if q.mark != "《":
            continue
        start, end = sentence.start + q.start, sentence.start + q.end
        inner = q.inner.strip()
        before = ctx.text[ctx.clauses.start(start, PHRASE_BREAKS):start]
        law = inner.endswith(("法", "条例", "法规")) and not inner.endswith(("办法", "方法"))
        short = inner.startswith("若干") or inner in ctx.res.lexicon.programme_heads
        # 《关于命名…的决定》: an official document's title names the document (a decision,
        # notice, reply), not a programme; 《关于…的若干措施》 names the measures
        paper = inner.startswith("关于") and inner.endswith(_PAPERS)
        # 《国门时报》, 《人民日报(海外版)》: a newspaper; 《北京条约》: a treaty; 《上海海关：…28%》:
        # an article's headline (its punctuation says so); none is a programme
        other = inner.rstrip(")）").endswith(_NOT_PROGRAMME_TITLES) or \
            bool(_HEADLINE_MARKS.search(inner))
        if len(inner) < 3 or law or short or paper or other or \
                any(w in before for w in _CITING):
            continue
        found.append(_Found(start, end, inner, "programme.book_title", 0.8))
    return found


def _unquoted(ctx: Context, sentence: Sentence) -> list[_Found]:
    text = ctx.text
    found = []
    strong = _heads(ctx, strong_only=True)
    for m in ctx.res.lexicon.trigger_pattern("programme").finditer(sentence.text):
        pos = sentence.start + m.end()
        if text.startswith("了", pos):
            pos += 1
        run = pos
        while run < sentence.end and run - pos < 18 and text[run] not in _STOP_CHARS and \
                is_cjk(text[run]):
            run += 1
        phrase = text[pos:run]
        if not phrase or phrase.startswith(_QUANTIFIERS):
            continue
        for end in range(len(phrase), 1, -1):
            name = phrase[:end]
            if _ends_with_head(name, strong) and (end >= 5 or (name in strong and end >= 4)) and \
                    not _has_trigger(ctx, name):
                found.append(_Found(pos, pos + end, name, "programme.verb_phrase", 0.7))
                break
    return found


def _has_trigger(ctx: Context, text: str) -> bool:
    return ctx.res.lexicon.trigger_pattern("programme").search(text) is not None


def _measures(ctx: Context, sentence: Sentence) -> list[_Found]:
    found = []
    for m in ctx.res.finditer("numbered_measures", sentence.text):
        name = m.group("name")
        cut = 0
        for word in ("出台", "制定", "制订", "推出", "印发", "发布", "落实好", "落实", "实施",
                     "了", "，", "形成"):
            idx = name.rfind(word)
            if idx >= 0:
                cut = max(cut, idx + len(word))
        de = name.rfind("的", cut)
        if de >= 0 and not (de + 1 < len(name) and name[de + 1].isdigit()):
            cut = de + 1
        name = name[cut:].replace("“", "").replace("”", "")
        if len(re.sub(r"[0-9一二三四五六七八九十百]+(项|条).*$", "", name)) < 2:
            continue
        start = sentence.start + m.start("name") + cut
        found.append(_Found(start, sentence.start + m.end("name"), name,
                            "programme.measures", 0.75))
    return found


# Bounded repetition keeps a search linear in a sentence holding a very long 、 list.
_LIST = re.compile(r"((?:[^，,。；;、]{2,16}、){1,24}(?:以及)?[^，,。；;、]{2,16}|以及[^，,。；;、]{2,16})"
                   r"等(?:[0-9一二三四五六七八九十]+[个项种类])?([\u4e00-\u9fff]{0,14})")


def _lists(ctx: Context, sentence: Sentence) -> list[_Found]:
    found = []
    heads = _heads(ctx, strong_only=False)
    for m in _LIST.finditer(sentence.text):
        tail = m.group(2)
        if "的" in tail or not any(h in tail for h in heads) or \
                tail.startswith(_QUANTIFIERS) or _has_trigger(ctx, tail) or \
                any(w in tail for w in _MOTION) or _not_programmes(ctx, m.group(0), tail):
            continue
        abstract = tail.endswith(("措施", "举措", "制度", "机制"))
        pos = sentence.start + m.start(1)
        for item in m.group(1).split("、"):
            start = pos
            pos += len(item) + 1
            clean = _trim_item(ctx, item)
            if clean is None or (abstract and not (
                    "“" in item or _ends_with_head(clean, heads))):
                continue  # 通关时限、首问责任等制度措施: kinds of measure, not names
            offset = start + item.find(clean[:1]) if clean else start
            found.append(_Found(offset, offset + len(clean), re.sub("[“”\"]", "", clean),
                                "programme.list", 0.6))
    return found


#: A list's tail that says its items are places or offices (新郑机场、洛阳等隶属海关), units
#: (机场、洛阳等6个分队) or kinds of pastime (摄影、书法等文体活动), not named programmes.
_OFFICES_TAIL = re.compile(r"^(?:[0-9一二三四五六七八九十]+个)?(?:隶属|海关|口岸|分关|地市|分队|小分队|支队)")
_PASTIME_TAIL = re.compile(r"^[\u4e00-\u9fff]{0,4}活动")


def _not_programmes(ctx: Context, whole: str, tail: str) -> bool:
    counted = re.search(r"等[0-9一二三四五六七八九十]+个", whole) is not None
    if _OFFICES_TAIL.match(tail) or (counted and tail.endswith(("分队", "队"))):
        return True
    # 开展书画摄影展、读书分享会等活动: what was done, unnamed; a campaign's tail names a
    # strong head (主题教育活动) and a quoted item names itself
    return bool(_PASTIME_TAIL.fullmatch(tail)) and "“" not in whole and "\"" not in whole \
        and not any(h in tail for h in _heads(ctx, strong_only=True))


def _trim_item(ctx: Context, item: str) -> str | None:
    item = item.strip()
    if item.startswith("以及"):
        item = item[2:]
    for word in (*ctx.res.lexicon.trigger_words("programme"), "以及", "和", "及", "了"):
        idx = item.rfind(word)
        if idx >= 0 and idx + len(word) < len(item):
            item = item[idx + len(word):]
    if item.startswith(("“", "‘", "\"")) or len(item) < 2 or item.startswith(_QUANTIFIERS) \
            or item[0] in "对在向为把将与从":
        return None
    if ctx.res.lexicon.org_pattern.fullmatch(item) or not all(
            is_cjk(c) or c in "“”\"" for c in item) or any(w in item for w in _MOTION):
        return None
    if any(item.endswith(core) for core, kind in ctx.res.lexicon.honour_cores.items()
           if kind == "individual"):
        return None  # 优秀共产党员、党务工作者等: people, not programmes
    return item


_QUOTES = "".join(mark for pair in QUOTE_PAIRS.items() for mark in pair if mark not in "《》")


def _has_quote(text: str) -> bool:
    return any(mark in text for mark in _QUOTES)


def _cues(ctx: Context) -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """What some programme finder needs in its sentence: a quote or book-title mark,
    措施/举措 (numbered measures) or a head word (lists and verb phrases end with one);
    then any head word, and a strong one.  One search of the first rules out most
    sentences before any finder runs."""
    lexicon = ctx.res.lexicon
    return lexicon.memo("programme_cues", lambda: (
        lexicon.words_pattern((*_QUOTES, "《", "措施", "举措",
                               *lexicon.programme_head_words(False))),
        lexicon.words_pattern(lexicon.programme_head_words(False)),
        lexicon.words_pattern(lexicon.programme_head_words(True))))


def find_programmes(ctx: Context, sentence: Sentence, mentions: list[Mention],
                    years: list[YearMark]) -> tuple[list[ProgrammeFact], list[Mention]]:
    """Programmes in one sentence, and honours named by a quoted 评选 (“海关好人”评选).

    Args:
        ctx: the document context.
        sentence: the sentence.
        mentions: organisation and person mentions inside it, in text order.
        years: the year marks inside it.

    Returns:
        Programme facts (one per programme occurrence) and honour mentions.
    """
    words = sentence.text
    cue, any_head, strong_head = _cues(ctx)
    if not cue.search(words):
        return [], []  # most sentences name no programme: skip the five finders
    # Each finder only where what it needs is in the sentence: quotes, a book title,
    # 措施, a strong head word (a verb phrase ends with one), 等 and a head word (a list).
    heads = any_head.search(words) is not None
    quoted, honours = _quoted(ctx, sentence) if _has_quote(words) else ([], [])
    found = quoted + (_book_titles(ctx, sentence) if "《" in words else []) + \
        (_unquoted(ctx, sentence) if heads and strong_head.search(words) else []) + \
        (_measures(ctx, sentence) if "措施" in words or "举措" in words else []) + \
        (_lists(ctx, sentence) if heads and "等" in words else [])
    if not found:
        return [], honours
    facts: dict[str, ProgrammeFact] = {}
    offices = {n for m in mentions if m.cls in ("Bureau", "SubOffice") for n in (m.name, m.text)}
    runners = _Runners(ctx.text, mentions)
    # the programmes kept so far, in order of start: (start, end, name)
    kept: list[tuple[int, int, str]] = []
    longest = 0
    for item in sorted(found, key=lambda f: (f.start, -f.confidence)):
        if item.name in offices:
            continue  # “洋浦海关”: an office named in quotes is not a programme
        if item.name in facts or _inside_kept(kept, longest, item):
            continue
        mention = Mention(item.start, item.end, ctx.text[item.start:item.end], "Programme",
                          item.name, item.rule)
        orgs = _organisations(ctx, sentence, runners, item)
        semi = ctx.clauses.start(item.start, SEGMENT_BREAKS)
        year = _year_in_name(item.name) or year_before(years, item.start, semi) or \
            ctx.title_year()
        facts[item.name] = ProgrammeFact(sentence, mention, tuple(orgs), year,
                                         item.rule, item.confidence)
        kept.append((item.start, item.end, item.name))
        longest = max(longest, item.end - item.start)
    return list(facts.values()), honours


def _inside_kept(kept: list[tuple[int, int, str]], longest: int, item: _Found) -> bool:
    """Whether a kept programme's span holds the item's and its name the item's name
    (``kept`` in order of start, none longer than ``longest``): only those starting
    within ``longest`` of the item's end can hold it."""
    for i in range(bisect_right(kept, item.start, key=_kept_start) - 1, -1, -1):
        start, end, name = kept[i]
        if start < item.end - longest:
            break
        if end >= item.end and item.name in name:
            return True
    return False


def _kept_start(row: tuple[int, int, str]) -> int:
    return row[0]


class _Runners:
    """The mentions of a sentence that may run a programme (:data:`_RUNNERS`, not a body
    named as guiding), in text order, and among them the subjects (no preposition
    before) and those after 在, each with their starts, so that the organisations of a
    programme are found by bisection, not by a scan of the sentence."""

    def __init__(self, text: str, mentions: list[Mention]) -> None:
        runners = [m for m in mentions if m.cls in _RUNNERS and not _under_guidance(text, m)]
        self.subjects = [m for m in runners
                         if not text[max(0, m.start - 2):m.start].endswith(_PREPOSITIONS)]
        self.subject_starts = [m.start for m in self.subjects]
        self.after_zai = [m for m in runners if text[m.start - 1:m.start] == "在"]
        self.zai_starts = [m.start for m in self.after_zai]

    def first_after_zai(self, lo: int, pos: int) -> Mention | None:
        """The first runner after 在 with ``lo <= start`` and ``end <= pos``."""
        for i in range(bisect_left(self.zai_starts, lo), bisect_right(self.zai_starts, pos)):
            if self.after_zai[i].end <= pos:
                return self.after_zai[i]
        return None

    def subjects_from(self, lo: int, pos: int) -> Iterator[Mention]:
        """The subjects with ``lo <= start`` and ``end <= pos``, in order, read lazily."""
        for i in range(bisect_left(self.subject_starts, lo),
                       bisect_right(self.subject_starts, pos)):
            if self.subjects[i].end <= pos:
                yield self.subjects[i]


_NAME_YEAR = re.compile(r"(?<![0-9])((?:19|20)[0-9]{2})(?![0-9])")


def _year_in_name(name: str) -> int | None:
    """国门利剑2022联合专项行动: a campaign named by its year."""
    m = _NAME_YEAR.search(name)
    return int(m.group(1)) if m else None


def _organisations(ctx: Context, sentence: Sentence, runners: _Runners, item: _Found
                   ) -> list[Mention]:
    text = ctx.text
    own = ctx.res.lexicon.org_pattern.match(item.name)
    if own is not None:
        entry = ctx.res.lexicon.orgs[own.group()]
        return [Mention(item.start, item.start, "", entry.cls, entry.canonical, "name_prefix")]
    floor = ctx.clauses.start(item.start, PHRASE_BREAKS)
    # the runners of the sentence that end before the item: after 在 in its clause, else
    # the subjects of its clause, of its ；-segment, of the sentence
    zai = runners.first_after_zai(max(floor, sentence.start), item.start)
    if zai is not None:
        return [] if zai.cls == "Generic" else [zai]
    semi = ctx.clauses.start(item.start, SEGMENT_BREAKS)
    for lo in (floor, semi, sentence.start):
        subjects = runners.subjects_from(max(lo, sentence.start), item.start)
        first = next(subjects, None)
        if first is not None:
            return _subject_chain(text, itertools.chain((first,), subjects))
    if ctx.focus is not None and ctx.focus.cls in ("Department", "SubOffice"):
        return [ctx.focus]
    if ctx.subject is None:
        return []
    entry = ctx.res.lexicon.orgs.get(ctx.subject)
    return [Mention(item.start, item.start, "", entry.cls if entry else "Bureau", ctx.subject,
                    "subject")]


_GUIDANCE = re.compile(r"^[^，。；]{0,16}?(?:领导|指导|支持|帮助|关心|部署)下")


def _under_guidance(text: str, m: Mention) -> bool:
    """在海关总署党委的坚强领导下: the body in such a phrase guides; it does not run things."""
    return text[max(0, m.start - 1):m.start] == "在" and bool(_GUIDANCE.match(text, m.end))


def _subject_chain(text: str, subjects: Iterable[Mention]) -> list[Mention]:
    """The first subject and the names coordinated with it (北京、海口、武汉等海关);
    ``subjects`` (at least one) are read only as far as the chain goes."""
    rest = iter(subjects)
    head = next(rest)
    after = next(rest, None)
    while after is not None and after.start - head.end <= _MARKED_GAP and \
            _UNDER_MARK.fullmatch(text, head.end, after.start):
        head, after = after, next(rest, None)  # 南宁海关所属东兴海关…开展: the unit is the subject
    if head.cls == "Generic":
        return []
    chain = [head]
    while after is not None:
        if text[chain[-1].end:after.start] in ("、", "和", "及", "与") and after.cls != "Generic":
            chain.append(after)
            after = next(rest, None)
        else:
            break
    return chain


_UNDER_MARK = re.compile(r"(?:的)?(?:所属|下辖|下属|隶属|辖属)(?:的)?")
#: The longest text _UNDER_MARK matches.
_MARKED_GAP = 4
