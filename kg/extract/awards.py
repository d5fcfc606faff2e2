"""Honours and their conferral: who received which title, when, from whom, which edition.

Pure; may import ``kg.doc``, ``kg.patterns`` and the sibling modules.  A conferral is a
trigger word from ``triggers.tsv`` (被…评为, 荣获, 授予 …) with honour titles after it
(quoted, or ending with a core from ``honour_cores.tsv``) and recipients before it (or,
for 授予 in the active voice, between the trigger and the title).  A clause without its
own recipient or year takes them from earlier clauses of the same sentence.
"""

from __future__ import annotations

import itertools
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace

from kg.doc import ORG_CLASSES, AwardFact, Mention, Sentence
from kg.extract.mentions import Context, person_name_at
from kg.extract.text import (
    PHRASE_BREAKS,
    QUOTE_PAIRS,
    SEGMENT_BREAKS,
    Quoted,
    YearMark,
    is_cjk,
    quoted_between,
    quoted_spans,
    year_before,
)

__all__ = ["HonourSpan", "find_awards", "normalise_honour", "parse_honours", "roll_awards"]

_RECIPIENT_CLASSES = (*ORG_CLASSES, "Person")
_TITLE_TAILS = ("的荣誉称号", "荣誉称号", "光荣称号", "称号", "特别奖", "等荣誉")
_LEVEL_WORDS = ("国家级", "自治区级", "省级", "市级", "区级", "自治区", "全区", "全省", "全市",
                "省", "市")
_FILLER = sorted(
    "还 又 也 均 先后 连续 曾 分别 再次 多次 都 相继 已 已经 一举 成功 共同 同时 于 在 被 隶属 "
    "所属 下辖 下辖的 的 和 、 及 与 ， , 年 以来 起 近日 近年来 今年 去年 当年 同年 并 "
    "连续多年 多年 先后有 年度 本人 同志 荣幸地 荣幸 光荣 首次 又一次 再度 双双 一同 共 同 经 由 获 等 及其 继续"
    .split(), key=len, reverse=True)
_COLLECTIVE = re.compile(r"[0-9一二两三四五六七八九十多几数余]+(?:个|名|位|家|批|人)|"
                         r"单位|集体|同志|个人|人员|干部|职工|党员|关员|科室|部门")


_CLAUSE_BREAK = re.compile("[，,。；;：:]")
_NAMED_AMONG = re.compile(r"^等[0-9一二两三四五六七八九十]+(?:个|名|位|家)[\u4e00-\u9fff]{0,3}?"
                          r"(?:集体|单位|党组织|党支部|组织|同志|个人|班组|科室|部门)")
_ANNUAL = re.compile(r"(?:19|20)[0-9]{2}(?:[—–\-~至到](?:19|20)[0-9]{2})?\s*年度")
_LOCAL_PREFIX = re.compile(r"[\u4e00-\u9fff]{1,6}?(?:省|市|自治区|自治州|州|盟|县|区)(?=[“\"‘])")
_TITLED = re.compile("[“\"]|全国|省|市|自治区|全区|海关|优秀|模范|先进|十佳|百佳|最美|标兵|好人|"
                     "能手|五一|五四|三八|道德|劳动|英雄|功臣")
_NOT_TITLE_START = frozenset("的和等及与为以把被在对向从")
_POLITICAL = ("body.political", "lexicon.political")

_RECONFIRM = ("复检", "复查", "复审", "复评", "验收")
_MARKERS = re.compile("下辖|所属|下属|隶属|辖属")


def _may_receive(mention: Mention) -> bool:
    """Whether a mention can receive an honour: not a political body, and not one of the
    lexicon's national bodies (共青团中央, 全国妇联 …), which confer honours — in
    共青团中央、全国青联等…联合印发命名决定，大连海关… they are the conferrers."""
    return mention.cls in _RECIPIENT_CLASSES and mention.rule_id not in _POLITICAL and not (
        mention.cls == "ExternalOrganization" and (
            mention.rule_id == "lexicon.organisations" or mention.name.endswith(_CONFERRERS)))


#: Bodies whose work is to confer and review titles (经陕西省文明委复查，继续保留…).
_CONFERRERS = ("文明委", "文明办", "精神文明建设委员会", "精神文明建设指导委员会")


@dataclass(frozen=True, slots=True)
class HonourSpan:
    """One honour title read after a trigger: its span, normalised name and edition."""

    start: int
    end: int
    name: str
    edition: str | None
    quoted: bool
    year: int | None = None  #: the year of an annual title (2023年度“全国巾帼文明岗”)


def normalise_honour(raw: str, ctx: Context) -> str:
    """Fold region, level and spelling variants into one title.

    天津市“文明单位” -> 天津市文明单位; 自治区级精神文明单位 -> 内蒙古自治区文明单位 (in a
    document about a bureau in 内蒙古); 内蒙古自治区“全区文明单位标兵” -> 内蒙古自治区文明单位标兵.
    """
    name = re.sub(r"[“”‘’「」『』\"'《》\s]", "", raw)
    name = re.sub(r"第[一二三四五六七八九十百零〇两0-9]{1,4}[届批次]", "", name)
    for tail in _TITLE_TAILS:
        if name.endswith(tail) and len(name) > len(tail) + 1:
            name = name[: -len(tail)]
    name = name.rstrip("等")
    # 了9名全国三八红旗手标兵, 600个全国巾帼文明岗: a count of recipients is no part of the title
    name = re.sub(r"^(?:了|共|等)?[0-9一二三四五六七八九十百千两]{1,5}[个名家项位人支]", "", name)
    name = re.sub(r"^[0-9]{4}(?:[—–\-~至到][0-9]{4})?年度", "", name)
    name = re.sub(r"^(?:记|荣立|荣记)(?=(?:集体|个人)?[一二三]等功)", "", name)
    name = name.replace("精神文明单位", "文明单位")
    name = re.sub(r"(自治区|省|市|区)级", r"\1", name)
    region = _subject_region(ctx)
    for whole in ("全区", "全省", "全市"):
        idx = name.find(whole)
        if idx > 0:
            name = name[:idx] + name[idx + 2:]
        elif idx == 0 and region is not None:
            name = region + name[2:]
    if region is not None:
        for level in ("自治区", "省"):
            if name.startswith(level) and region.endswith(level):
                name = region + name[len(level):]
    return name


def _subject_region(ctx: Context) -> str | None:
    entry = ctx.res.lexicon.orgs.get(ctx.subject or "")
    return entry.region if entry is not None else None


def _title_end(text: str, start: int, ctx: Context) -> int:
    """End of an unquoted title starting at ``start`` (the last honour core before a
    boundary), or -1."""
    run_end = start
    while run_end < len(text) and run_end - start < 24 and (
            is_cjk(text[run_end]) or text[run_end].isdigit()):
        run_end += 1
    lexicon = ctx.res.lexicon
    if lexicon.any_word("honour_cores", lexicon.honour_cores).search(
            text, start, run_end) is None:
        return -1  # no core in reach: no title here
    best = -1
    for core in lexicon.honour_cores:
        i = text.find(core, start, run_end)
        while i >= 0:
            end = i + len(core)
            rest = text[end:run_end]
            if not rest or rest.startswith(_TITLE_TAILS + _RECONFIRM) or rest[0] in "、和及等":
                best = max(best, end)
            i = text.find(core, i + 1, run_end)
    return best


def _has_trigger(ctx: Context, title: str) -> bool:
    """侦查员冯志强记个人二等功 is a clause, not a title: it holds a conferral verb."""
    return any(w in title for k in ("award_active", "award_passive") if True
               for w in ctx.res.lexicon.trigger_words(k) if len(w) > 1 or w == "记")


def _edition_at(text: str, pos: int, ctx: Context) -> tuple[str | None, int]:
    m = ctx.res.pattern("edition").match(text, pos)
    return (m.group(), m.end()) if m else (None, pos)


def _prefix_at(text: str, pos: int, ctx: Context) -> int:
    """Skip a region or level word (天津市, 内蒙古自治区, 自治区级) at ``pos``."""
    m = ctx.res.lexicon.region_pattern.match(text, pos)
    if m and (text.startswith(("“", "‘", "\""), m.end()) or text.startswith("级", m.end())):
        return m.end() + (1 if text.startswith("级", m.end()) else 0)
    for word in _LEVEL_WORDS:
        if text.startswith(word, pos) and text.startswith(("“", "\""), pos + len(word)):
            return pos + len(word)
    local = _LOCAL_PREFIX.match(text, pos)
    return local.end() if local else pos


def parse_honours(text: str, pos: int, limit: int, ctx: Context) -> list[HonourSpan]:
    """Honour titles starting at ``pos`` (before ``limit``): “A”、“B”和C称号 -> A, B, C."""
    spans: list[HonourSpan] = []
    while pos < limit:
        while pos < limit and text[pos].isspace():
            pos += 1
        start = pos
        edition, pos = _edition_at(text, pos, ctx)
        annual = _ANNUAL.match(text, pos)
        if annual and text.startswith(("“", "\"", "‘"), annual.end()):
            pos = annual.end()
        else:  # “2023年度南宁海关先进集体”
            annual = _ANNUAL.match(text, pos + 1) if text.startswith(("“", "\"", "‘"), pos) \
                else None
        pos = _prefix_at(text, pos, ctx)
        closer = QUOTE_PAIRS.get(text[pos]) if pos < limit else None
        if closer is not None and text[pos] != "《":
            end = text.find(closer, pos + 1, min(limit, pos + 40))
            if end < 0:
                break
            inner_edition, _ = _edition_at(text, pos + 1, ctx)
            edition = edition or inner_edition
            end += 1
            quoted = True
        else:
            end = _title_end(text, pos, ctx)
            if end < 0 or text[pos] in _NOT_TITLE_START or _has_trigger(ctx, text[pos:end]):
                break
            quoted = False
        raw = text[start:end]
        name = normalise_honour(raw, ctx)
        if len(name) >= 2:
            spans.append(HonourSpan(start, end, name, edition, quoted, _annual_year(annual)))
        pos = end
        for tail in _TITLE_TAILS:
            if text.startswith(tail, pos):
                pos += len(tail)
                break
        if pos < limit and text[pos] in "、和及与":
            pos += 1
            continue
        break
    return spans


def _gap_ok(gap: str, res_year: object) -> bool:
    if gap.startswith(("因", "由于")) and not _CLAUSE_BREAK.search(gap):
        return True  # 侦查一处因成功侦办…系列走私案被…记集体二等功: the reason, then the verb
    # 大同海关党委等5个党组织被评为: the one named is among them
    gap = _NAMED_AMONG.sub("", gap)
    gap = re.sub(r"(?:19|20)[0-9]{2}\s*年度?(?:[0-9]{1,2}月)?(?:以来|起|至今)?", "", gap)
    gap = re.sub(r"连续[0-9一二两三四五六七八九十多]+(?:年|届|次)|本人|同志", "", gap)
    gap = re.sub(r"第[一二三四五六七八九十]+[届批次]", "", gap)
    if _COLLECTIVE.search(gap):
        return False
    for word in _FILLER:
        gap = gap.replace(word, "")
    return not gap.strip()


class _Inside:
    """The mentions of one sentence in text order, with their starts for bisection: the
    rules ask for the mentions of a clause many times in a long sentence, and each such
    look-up reads only the mentions it returns (not all the sentence's)."""

    def __init__(self, sentence: Sentence, mentions: list[Mention]) -> None:
        self.sentence = sentence
        self.mentions = mentions
        self.starts = [m.start for m in mentions]
        self._people: list[int] | None = None
        self._receivers: list[int] | None = None
        self._pronouns: list[int] | None = None

    def starting(self, lo: int, hi: int) -> list[Mention]:
        """The mentions with ``lo <= start < hi``, in order."""
        return self.mentions[bisect_left(self.starts, lo):bisect_left(self.starts, hi)]

    def from_(self, lo: int) -> Iterator[Mention]:
        """The mentions with ``lo <= start``, in order, read lazily."""
        mentions = self.mentions
        return (mentions[i] for i in range(bisect_left(self.starts, lo), len(mentions)))

    def within_backwards(self, floor: int, pos: int) -> Iterator[Mention]:
        """The mentions with ``floor <= start`` and ``end <= pos``, last first, read lazily."""
        lo = bisect_left(self.starts, floor)
        for i in range(bisect_right(self.starts, pos) - 1, lo - 1, -1):
            m = self.mentions[i]
            if m.end <= pos:
                yield m

    def within(self, floor: int, pos: int) -> Iterator[Mention]:
        """The mentions with ``floor <= start`` and ``end <= pos``, in order, read lazily."""
        for i in range(bisect_left(self.starts, floor), bisect_right(self.starts, pos)):
            m = self.mentions[i]
            if m.end <= pos:
                yield m

    def receivers_within(self, floor: int, pos: int) -> Iterator[Mention]:
        """The mentions that may receive an honour (:func:`_may_receive`) with
        ``floor <= start`` and ``end <= pos``, in order, read lazily."""
        if self._receivers is None:
            self._receivers = [i for i, m in enumerate(self.mentions) if _may_receive(m)]
        receivers = self._receivers
        hi = bisect_left(receivers, bisect_right(self.starts, pos))
        for k in range(bisect_left(receivers, bisect_left(self.starts, floor)), hi):
            m = self.mentions[receivers[k]]
            if m.end <= pos:
                yield m

    def people_backwards(self, floor: int, pos: int) -> Iterator[Mention]:
        """The Person mentions with ``floor <= start`` and ``end <= pos``, last first."""
        if self._people is None:
            self._people = [i for i, m in enumerate(self.mentions) if m.cls == "Person"]
        people = self._people
        lo = bisect_left(people, bisect_left(self.starts, floor))
        for k in range(bisect_left(people, bisect_right(self.starts, pos)) - 1, lo - 1, -1):
            m = self.mentions[people[k]]
            if m.end <= pos:
                yield m

    def pronoun_between(self, lo: int, hi: int) -> bool:
        """Whether 他 or 她 stands between ``lo`` and ``hi`` (offsets inside the sentence)."""
        if self._pronouns is None:
            offset = self.sentence.start
            self._pronouns = [offset + m.start() for m in _PRONOUN.finditer(self.sentence.text)]
        at = bisect_left(self._pronouns, lo)
        return at < len(self._pronouns) and self._pronouns[at] < hi


def _chain_before(mentions: _Inside, text: str, pos: int, floor: int,
                  titles: tuple[str, ...] = ()) -> list[Mention]:
    """The coordinated mentions that end right before ``pos`` (A、B和C被…); ``titles``
    are the person titles that may stand between a person and their unit."""
    chain: list[Mention] = []
    edge = pos
    for m in mentions.within_backwards(floor, pos):
        if not _may_receive(m):
            continue
        gap = text[m.end:edge]
        if chain and m.cls in ("Administration", "Bureau") and _MARKERS.fullmatch(gap):
            edge = m.start  # 长春海关所属珲春海关旅检科、…: the bureau qualifies the item
            continue
        if chain and chain[0].cls == "Person" and m.cls != "Person" and \
                m.end <= chain[0].start == edge and (not gap or gap in titles):
            edge = m.start  # …秘书科科长黄丽珊、…: the unit and title qualify the person
            continue
        if not _gap_ok(gap, None) or (chain and _MARKERS.search(gap) and not
                                      any(c in gap for c in "、和及与")):
            break
        if chain and m.end == chain[0].start:
            continue  # 丹东海关驻东港办事处: the office's own prefix, not a second recipient
        chain.insert(0, m)
        edge = m.start
    if len(chain) >= 2 and chain[-1].cls == "Person" and chain[-2].cls != "Person" and \
            not re.search("[，,、和与及]", text[chain[-2].end:chain[-1].start]):
        chain = chain[:-2] + [chain[-1]]  # 喀什海关查验科科长艾尔肯·吐尔逊获评…
    return chain


def _bare_name(ctx: Context, floor: int, head: int) -> list[Mention]:
    """李明荣获…: a clause that starts with nothing but a person's name."""
    text = ctx.text
    start = floor
    while start < head and (text[start].isspace() or text[start] in "，,"):
        start += 1
    year = re.match(r"(?:19|20)[0-9]{2}\s*年(?:[0-9]{1,2}月)?[，,]?", text[start:head])
    if year:
        start += year.end()
    end = min(person_name_at(text, start, ctx.res), head)
    if end - start < 2 or not _gap_ok(text[end:head], None):
        return []
    return [Mention(start, end, text[start:end], "Person", text[start:end], "bare_name")]


def _generic_before(text: str, pos: int, floor: int) -> bool:
    return bool(_COLLECTIVE.search(text[floor:pos]))


_PRONOUN = re.compile("[他她]")


@dataclass
class _SentenceState:
    recipients: list[Mention]
    #: the bodies that conferred an earlier award of the sentence (被满洲里海关评为…；): no
    #: later clause's subject
    awarders: set[tuple[int, int]] = field(default_factory=set)


def _cue(ctx: Context) -> re.Pattern[str]:
    """What an award in a sentence needs: a conferral verb (see :func:`_triggers`) or an
    individual title before a name (see :func:`_honour_person_pairs`)."""
    lexicon = ctx.res.lexicon
    return lexicon.memo("award_cue", lambda: lexicon.words_pattern(tuple(
        (*lexicon.trigger_table(_TRIGGER_KINDS)[0],
         *lexicon.honour_core_words(_PERSON_CORES)))))


def find_awards(ctx: Context, sentence: Sentence, mentions: list[Mention],
                years: list[YearMark]) -> tuple[list[AwardFact], list[Mention]]:
    """Awards in one sentence, and the honour mentions found (with or without recipient).

    Args:
        ctx: the document context.
        sentence: the sentence.
        mentions: organisation/person mentions inside the sentence, in text order.
        years: year marks inside the sentence (offsets into the document text).

    Returns:
        The awards and the honour mentions.
    """
    if not _cue(ctx).search(sentence.text):
        return [], []  # no conferral verb and no individual title: nothing to find
    if _DECISION_TITLE.search(sentence.text) or \
            _roll_honour(ctx, sentence.text.strip()) is not None:
        # 南宁海关关于表彰…的决定 names who confers, not who receives; a roll's heading
        # (三、记集体三等功（2个）) is read with its roll (see roll_awards)
        return [], []
    text = ctx.text
    facts: list[AwardFact] = []
    honours: list[Mention] = []
    state = _SentenceState([])
    inside = _Inside(sentence, mentions)
    for trig_start, trig_end, kind in _triggers(ctx, sentence):
        spans = parse_honours(text, trig_end, sentence.end, ctx)
        if not spans and kind == "award_passive":
            spans = _granted_spans(ctx, inside, trig_end, sentence.end)
        publishers: list[Mention] = []
        via_clause = False
        if not spans and kind == "award_active":
            # 入选海关总署公布的第二批“…”: the list is named after who published it, who
            # confers it; the recipient is still the subject before the verb
            published = _PUBLISHED_BY.match(text, trig_end, sentence.end)
            if published is not None:
                spans = parse_honours(text, published.end(), sentence.end, ctx)
                via_clause = True
                publishers = [m for m in inside.starting(trig_end, published.end())
                              if m.cls in _PUBLISHERS]
        if not spans:
            continue
        if kind == "award_reconfirm" and not _reconfirm_tail(ctx, spans[-1].end):
            continue
        found = _participants(ctx, sentence, inside, trig_start, trig_end,
                              trig_end if via_clause else spans[0].start, kind, state)
        recipients, awarders, confidence = found
        awarders = awarders + [p for p in publishers if p not in awarders]
        # A body that confers an honour acts, even when the recipients are unnamed.
        honours.extend(replace(a, rule_id="awarder") for a in awarders
                       if a.rule_id in _POLITICAL)
        # the year of the award's own ；-clause; else a yearly record's year (本年度…；…) before
        # a year an earlier clause gave (继2017年荣获…后，…；…)
        segment = max(sentence.start, ctx.clauses.start(trig_start, SEGMENT_BREAKS))
        year = _year_after(text, spans[-1].end) or year_before(years, trig_start, segment) \
            or ctx.title_year() or year_before(years, trig_start, sentence.start) \
            or _decision_year(ctx)
        respectively = "分别" in text[ctx.clauses.start(trig_start):trig_start] and \
            len(recipients) == len(spans) > 1
        for index, span in enumerate(spans):
            honour = Mention(span.start, span.end, text[span.start:span.end], "Honour",
                             span.name, f"honour.{kind}")
            honours.append(honour)
            # A、B分别荣获X和Y: A gets X and B gets Y.
            for recipient in [recipients[index]] if respectively else recipients:
                facts.append(AwardFact(sentence, recipient, honour,
                                       year if span.year is None else span.year,
                                       tuple(awarders),
                                       span.edition, f"award.{kind}",
                                       confidence if span.quoted else confidence - 0.1))
    person_facts, person_honours = _honour_person_pairs(ctx, sentence, years)
    held_facts, held_honours = _listed_holders(ctx, sentence, years)
    return facts + person_facts + held_facts, honours + person_honours + held_honours


#: 何志强、吴锡坤等四代全国劳动模范: names closed by 等, a count, and the title they hold.
_HOLDERS = re.compile(r"((?:[\u4e00-\u9fff]{2,3}、){1,20}[\u4e00-\u9fff]{2,3})等"
                      r"(?:[0-9一二三四五六七八九十两]{1,3}(?:名|位|代|个|人))?")


def _listed_holders(ctx: Context, sentence: Sentence, years: list[YearMark]
                    ) -> tuple[list[AwardFact], list[Mention]]:
    """Persons named in a list that 等 closes before an individual's title: each holds it
    (…有何志强、吴锡坤、熊晓斌、王锐全等四代全国劳动模范)."""
    text, lexicon = ctx.text, ctx.res.lexicon
    title = lexicon.memo("person_title_end", lambda: lexicon.words_pattern(
        lexicon.honour_core_words(_PERSON_CORES)))
    facts, honours = [], []
    for m in _HOLDERS.finditer(sentence.text):
        after = sentence.start + m.end()
        core = title.search(text, after, min(sentence.end, after + 14))
        if core is None or any(c in text[after:core.start()] for c in "，,。；;、"):
            continue
        raw = text[after:core.end()]
        names, pos = [], sentence.start + m.start(1)
        for part in m.group(1).split("、"):
            if person_name_at(text, pos, ctx.res) != pos + len(part):
                names = []
                break
            names.append(Mention(pos, pos + len(part), part, "Person", part, "person_in_list"))
            pos += len(part) + 1
        if not names:
            continue
        honour = Mention(after, core.end(), raw, "Honour", normalise_honour(raw, ctx),
                         "honour.held")
        honours.append(honour)
        facts += [AwardFact(sentence, person, honour, year_before(years, after, sentence.start),
                            (), None, "award.listed_holders", 0.6) for person in names]
    return facts, honours


_DECISION_TITLE = re.compile(r"关于(?:表彰|授予|命名|表扬)[^。，]{0,60}的(?:决定|通报|通知)\s*$")
_DECISION = re.compile(r"(?:表彰|命名|授予|给予|嘉奖)[^。]{0,40}(?:决定|通报|通知)")
#: The date a paper is signed or issued, alone on its line or after the issuer
#: (黄埔海关办公室　　2017年12月21日印发).
_SIGNED = re.compile(r"^(?:[^\n。，,]{0,30}[ \u3000]+)?\s*((?:19|20)[0-9]{2})年[0-9]{1,2}月[0-9]{1,2}日"
                     r"(?:印发|发布)?\s*$", re.M)
_PAREN_YEAR = re.compile(r"(?:称号|荣誉称号)?[（(]((?:19|20)[0-9]{2})\s*年(?:度)?[）)]")
_DECISION_YEAR = re.compile(
    r"(?:表彰|命名|授予)[^，。]{0,6}?((?:19|20)[0-9]{2})\s*年度|"
    r"((?:19|20)[0-9]{2})\s*年度[^，。]{0,16}(?:表彰|命名)")


_PUBLISHERS = ("Administration", "Bureau", "ExternalOrganization")
#: An attributive clause between a verb and the title: 海关总署公布的, 中共浙江省委表彰的.
_PUBLISHED_BY = re.compile(
    r"[^，,。；;、“”\"《》]{2,20}?(?:公布|发布|评选|命名|认定|确定|表彰|授予|颁发)的")


def _year_after(text: str, pos: int) -> int | None:
    """江津海关荣获“全国工人先锋号”（2022年）: a year in brackets right after the title."""
    m = _PAREN_YEAR.match(text, pos)
    return int(m.group(1)) if m else None


def _decision_year(ctx: Context) -> int | None:
    """关于表彰2022年度先进集体的决定: a decision's awards are for the year it names; a
    decision that names none confers them in the year it is signed (2023年9月12日).
    Worked out once per document: it reads the title and the whole text."""
    return ctx.once(("decision_year", ctx.title), lambda: _decision_year_of(ctx))


def _decision_year_of(ctx: Context) -> int | None:
    m = _DECISION_YEAR.search(ctx.title)
    if m:
        return int(m.group(1) or m.group(2))
    # a paper's title may run over two lines (关于给予…联合专项行动\n表现突出…的通报)
    if _DECISION.search(ctx.title) or _DECISION.search(_title_lines(ctx.text)):
        signed = _SIGNED.search(ctx.text)
        return int(signed.group(1)) if signed else None
    return None


def _title_lines(text: str) -> str:
    """The first two lines, when neither holds a sentence's end."""
    head = "\n".join(text.split("\n", 2)[:2])
    return "" if "。" in head else head


_TRIGGER_KINDS = ("award_passive", "award_active", "award_grant", "award_reconfirm")
#: The kinds of honour core that name an individual's title.
_PERSON_CORES = ("individual", "both")


def _triggers(ctx: Context, sentence: Sentence) -> list[tuple[int, int, str]]:
    words, pattern = ctx.res.lexicon.trigger_table(_TRIGGER_KINDS)
    found = []
    for m in pattern.finditer(sentence.text):
        kind = words[m.group()]
        if kind == "award_grant" and "被" in sentence.text[max(0, m.start() - 16):m.start()]:
            kind = "award_passive"
        found.append((sentence.start + m.start(), sentence.start + m.end(), kind))
    return found


_COUNTED = re.compile(r"等?[0-9一二两三四五六七八九十]+(?:个|名|位|家)[\u4e00-\u9fff]{0,4}?(?=[“\"‘])")


def _granted_spans(ctx: Context, mentions: _Inside, pos: int, limit: int
                   ) -> list[HonourSpan]:
    """授予 A、B等2个集体“X”称号: skip the recipients to reach the titles."""
    chain = _granted_chain(ctx.text, mentions, pos)
    if not chain:
        return []
    end = chain[-1].end
    if chain[-1].cls == "Person" and ctx.text.startswith("同志", end):
        end += 2  # 授予王磊同志“全国五一劳动奖章”称号
    end = _skip_brackets(ctx.text, end)
    counted = _COUNTED.match(ctx.text, end)
    return parse_honours(ctx.text, counted.end() if counted else end, limit, ctx)


def _skip_brackets(text: str, end: int) -> int:
    if text[end:end + 1] in ("（", "("):
        close = text.find("）" if text[end] == "（" else ")", end, end + 20)
        return close + 1 if close > 0 else end
    return end


def _in_brackets(text: str, m: Mention) -> bool:
    return text[m.start - 1:m.start] in ("（", "(") and text[m.end:m.end + 1] in ("）", ")")


#: What stands between an organisation and one of its own units (天津海关所属机场海关).
_OWNED = ("所属", "下属", "直属", "的", "")


def _granted_chain(text: str, mentions: _Inside, pos: int, limit: int | None = None
                   ) -> list[Mention]:
    """The recipients right after 授予 / 命名: A、B（unit）和C (among the mentions that end
    by ``limit``, when given)."""
    candidates = mentions.from_(pos)
    if limit is not None:  # sorted by start: from one that starts after limit, none ends by it
        candidates = itertools.takewhile(lambda m: m.start <= limit, candidates)
    after = (m for m in candidates if m.cls in _RECIPIENT_CLASSES
             and not _in_brackets(text, m) and (limit is None or m.end <= limit))
    first = next(after, None)
    if first is None or not _gap_ok(text[pos:first.start], None):
        return []
    chain = [first]
    for m in after:
        gap = text[_skip_brackets(text, chain[-1].end):m.start]
        if chain[-1].cls != "Person" and (
                (m.cls == "Person" and not gap) or
                (gap in _OWNED and m.cls in ("SubOffice", "Department"))):
            # 授予大连海关王磊同志 / 授予天津海关所属机场海关、…: the first qualifies the next
            chain[-1] = m
            continue
        if gap not in ("、", "和", "及", "与", "，", ","):
            break
        chain.append(m)
    return chain


def _reconfirm_tail(ctx: Context, pos: int) -> bool:
    return any(ctx.text.startswith(t, pos) for t in ctx.res.lexicon.trigger_words(
        "reconfirm_tail"))


def _participants(ctx: Context, sentence: Sentence, mentions: _Inside, trig_start: int,
                  trig_end: int, honour_start: int, kind: str, state: _SentenceState
                  ) -> tuple[list[Mention], list[Mention], float]:
    text = ctx.text
    floor = ctx.clauses.start(trig_start, PHRASE_BREAKS)
    floor = max(floor, sentence.start)
    bei = text.rfind("被", floor, trig_start)
    awarders: list[Mention] = []
    head = trig_start
    if bei >= 0:
        awarders = [m for m in mentions.within(bei + 1, trig_start) if m.cls in ORG_CLASSES]
        state.awarders.update((m.start, m.end) for m in awarders)
        head = bei
    granted = _granted_chain(text, mentions, trig_end, honour_start)
    if bei < 0 and granted:
        awarders = [m for m in mentions.within(floor, trig_start) if m.cls in ORG_CLASSES]
        state.awarders.update((m.start, m.end) for m in awarders)
        return granted, awarders, 0.85
    if bei >= 0 and granted and not awarders:
        return granted, [], 0.8
    chain = _chain_before(mentions, text, head, floor, ctx.res.lexicon.person_titles) or \
        _bare_name(ctx, floor, head)
    if chain:
        state.recipients = chain
        return chain, awarders, 0.9
    if _generic_before(text, head, floor):
        return [], awarders, 0.0
    carried = _subject_of_clause_before(ctx, mentions, floor, head, sentence.start)
    if carried is not None:
        return [carried], awarders, 0.8
    if state.recipients:
        return state.recipients, awarders, 0.75
    return _fallback(ctx, sentence, mentions, state.awarders, floor), awarders, 0.6


def _subject_of_clause_before(ctx: Context, mentions: _Inside, floor: int, head: int,
                              start: int) -> Mention | None:
    """宝鸡海关经…委员会复查，继续保留“…”: a clause with no subject of its own (only 继续,
    又 …) goes on with the subject that opened the clause before it, in its ；-segment."""
    text = ctx.text
    if floor <= start or text[floor - 1] not in "，," or not _gap_ok(text[floor:head], None):
        return None
    before = max(start, ctx.clauses.start(floor - 1, PHRASE_BREAKS))
    last = _person_ending(mentions, before, floor - 1)
    if last is not None:
        return last  # 深圳湾实验室主任颜宁，获“…”: the person the clause ends with
    there = mentions.receivers_within(before, floor - 1)
    first = next(there, None)
    # the clause must open with it; 该关女关员高雅琴…: the person the unit introduces
    return _head_of(text, itertools.chain((first,), there)) \
        if first is not None and first.start == before else None


def _person_ending(mentions: _Inside, lo: int, end: int) -> Mention | None:
    """The person whose name ends the clause ``[lo, end)`` (after a unit and a title), if
    the clause ends with a person."""
    found = None
    for m in mentions.receivers_within(lo, end):
        found = m if m.end == end and m.cls == "Person" else found
    return found


def _fallback(ctx: Context, sentence: Sentence, mentions: _Inside,
              awarders: set[tuple[int, int]], floor: int) -> list[Mention]:
    """No recipient in the clause: the sentence's subject (a person named after their
    unit and title is the subject: 青白江海关关长罗建…), 他/她 for the last person named,
    else the person a profile is about, else the unit or organisation the document is
    about."""
    text = ctx.text

    if mentions.pronoun_between(sentence.start, floor):
        person = next((m for m in mentions.people_backwards(sentence.start, floor)
                       if (m.start, m.end) not in awarders and _may_receive(m)), None)
        if person is not None:
            return [person]
    # the recipients that conferred no earlier award of the sentence
    earlier = (m for m in mentions.receivers_within(sentence.start, floor)
               if (m.start, m.end) not in awarders)
    first = next(earlier, None)
    if first is not None:
        return [_head_of(text, itertools.chain((first,), earlier))]
    if ctx.hero is not None:
        return [ctx.hero]
    if ctx.focus is not None and ctx.focus.cls in ("Department", "SubOffice"):
        return [ctx.focus]
    if ctx.subject is None:
        return []
    entry = ctx.res.lexicon.orgs.get(ctx.subject)
    cls = entry.cls if entry else "Bureau"
    return [Mention(sentence.start, sentence.start, "", cls, ctx.subject, "subject")]


def _head_of(text: str, earlier: Iterable[Mention]) -> Mention:
    """The first mention, or the person its unit and title introduce (X海关关长罗建)."""
    mentions = iter(earlier)
    first = next(mentions)
    for m in mentions:
        if m.cls != "Person":
            if m.start - first.end > 0:
                break
            continue
        gap = text[first.end:m.start]
        if len(gap) <= 6 and not re.search("[，,。；;、和与及]", gap):
            return m
        break
    return first


def _honour_person_pairs(ctx: Context, sentence: Sentence, years: list[YearMark]
                         ) -> tuple[list[AwardFact], list[Mention]]:
    """全国海关优秀共产党员田顺利 / “海关好人”崔国顺: an individual title right before a name."""
    facts, honours = [], []
    text = ctx.text
    lexicon = ctx.res.lexicon
    pattern = lexicon.memo("person_cores", lambda: lexicon.words_pattern(
        lexicon.honour_core_words(_PERSON_CORES), "({})[”’\"]?"))
    for m in pattern.finditer(sentence.text):
        name_start = sentence.start + m.end()
        name_end = person_name_at(text, name_start, ctx.res)
        if name_end <= name_start:
            continue
        core_end = sentence.start + m.end(1)
        start = _honour_start(ctx, sentence, core_end, m.group().endswith(("”", "’", "\"")))
        if start < 0:
            continue
        raw = text[start:sentence.start + m.end()]
        if not _TITLED.search(raw):
            continue  # 陈列馆讲解员郑晓婷: a job, not an honour
        person = Mention(name_start, name_end, text[name_start:name_end], "Person",
                         text[name_start:name_end], "honour_person")
        honour = Mention(start, sentence.start + m.end(), raw, "Honour",
                         normalise_honour(raw, ctx), "honour.person")
        honours.append(honour)
        facts.append(AwardFact(sentence, person, honour, year_before(years, start,
                               sentence.start), (), None, "award.person", 0.7))
    return facts, honours


def _honour_start(ctx: Context, sentence: Sentence, core_end: int, quoted: bool) -> int:
    text = ctx.text
    if quoted:
        # the last “ of the sentence before the core, if it is at most 20 back
        opened = text.rfind("“", max(sentence.start, core_end - 20), core_end)
        return opened if opened >= 0 else -1
    from kg.extract.mentions import left_name

    # a title never reaches back over the verb that grants it (张海滨获先进个人)
    floor = max(sentence.start, _after_award_verb(ctx, sentence.start, core_end))
    start = left_name(text, core_end, ctx.res, max_tokens=5, max_chars=14,
                      floor=floor, extra_tags=("a",))
    for core in ctx.res.lexicon.honour_cores:
        if text.startswith(core, start) and start + len(core) == core_end:
            return -1 if len(core) <= 2 else start
    return start if core_end - start >= 3 else -1


def _after_award_verb(ctx: Context, lo: int, hi: int) -> int:
    """The end of the last award verb (获, 荣获, 被评为 …) in ``text[lo:hi]``, else ``lo``."""
    verbs = ctx.res.lexicon.trigger_table(("award_active", "award_passive"))[1]  # 获 too
    end = lo
    for m in verbs.finditer(ctx.text, max(lo, hi - 16), hi):
        end = m.end()
    return end


def roll_awards(ctx: Context, mentions: list[Mention], years: list[YearMark]
                ) -> tuple[list[AwardFact], list[Mention]]:
    """A roll of honour: a heading (``…全国青年文明号名单`` or ``一、全国海关先进集体（12个）``)
    and one recipient per line below it — an organisation filling the line, or a person's
    name opening it (``刘志刚　石家庄海关唐山海关一级主任科员``).

    Returns:
        One award per listed organisation or person, the honours and the listed persons.
    """
    facts: list[AwardFact] = []
    found: list[Mention] = []
    sentences = ctx.sentences
    starts = [m.start for m in mentions]
    for i, heading in enumerate(sentences):
        raw = _roll_honour(ctx, heading.text.strip())
        if raw is None:
            continue
        name, annual = _named_before(ctx, normalise_honour(raw, ctx), heading.start)
        honour = Mention(heading.start, heading.start + len(raw), raw, "Honour", name,
                         "honour.roll")
        year = year_before(years, heading.end, heading.start) or annual or \
            _decision_year(ctx)
        listed = _roll_lines(ctx, mentions, starts, sentences, i + 1)
        if listed:
            found.append(honour)
        for line, recipient in listed:
            if recipient.rule_id == "roll_person":
                found.append(recipient)
            facts.append(AwardFact(line, recipient, honour, year, (), None, "award.roll", 0.8))
    return facts, found


def _annual_year(annual: re.Match[str] | None) -> int | None:
    """The year an annual title is for (2021—2022年度 is for 2022)."""
    return int(re.findall("[0-9]{4}", annual.group())[-1]) if annual else None


def _named_before(ctx: Context, name: str, pos: int) -> tuple[str, int | None]:
    """A roll headed 先进集体 under a decision that granted “2023年度南宁海关先进集体”: the
    title in full, as the text last named it before ``pos``, and its year."""
    titles = ctx.once(("quoted_titles", ctx.subject), lambda: _QuotedTitles(ctx))
    return titles.last_before(name, pos) or (name, None)


class _QuotedTitles:
    """The titles quoted in a document (“…” or "…", 2 to 40 characters), normalised once,
    for "the last one before ``pos`` that ends with this name" look-ups.

    The quoted spans of ``text[:pos]`` are the whole text's as far as an opening mark
    more than ``max_len`` before ``pos`` (a span found from such a mark ends by ``pos``),
    and only the last stretch is read again, with the text cut at ``pos``; the spans
    before are found by the proper suffixes of their names.
    """

    _REACH = 60  # quoted_spans' max_len

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.spans = quoted_spans(ctx.text, self._REACH)
        self.starts = [q.start for q in self.spans]
        self.named: dict[int, tuple[str, int | None]] = {}
        self.by_suffix: dict[str, list[int]] = {}
        for index, quoted in enumerate(self.spans):
            title = self._title(quoted)
            if title is None:
                continue
            self.named[index] = title
            full = title[0]
            for cut in range(len(full)):  # every proper suffix, the empty one included
                self.by_suffix.setdefault(full[cut + 1:], []).append(index)

    def _title(self, quoted: Quoted) -> tuple[str, int | None] | None:
        if quoted.mark not in "“\"" or not 2 <= len(quoted.inner) <= 40:
            return None
        return (normalise_honour(quoted.inner, self.ctx),
                _annual_year(_ANNUAL.match(quoted.inner)))

    def last_before(self, name: str, pos: int) -> tuple[str, int | None] | None:
        """The same as the last title of ``quoted_spans(text[:pos])`` whose name ends
        with ``name`` and is longer."""
        same = bisect_right(self.starts, pos - self._REACH - 1)  # spans read alike
        resume = max(self.spans[same - 1].end if same else 0, pos - self._REACH)
        for quoted in reversed(quoted_between(self.ctx.text, resume, pos, self._REACH)):
            title = self._title(quoted)
            if title is not None and title[0].endswith(name) and len(title[0]) > len(name):
                return title
        indexes = self.by_suffix.get(name, [])
        at = bisect_left(indexes, same) - 1
        return self.named[indexes[at]] if at >= 0 else None


def _roll_honour(ctx: Context, line: str) -> str | None:
    """The honour a roll heading names; a heading for two lists (X和Y名单) names none."""
    for pid in ("roll_subheading", "roll_heading"):
        m = ctx.res.entry(pid).match(line)
        if m is not None and not (pid == "roll_heading" and "和" in m.group("honour")):
            return m.group("honour")
    return None


#: A roll line opening with a name: 刘志刚　石家庄海关…, 黄丽萍（女，壮族）东兴海关… (the space
#: after a bracketed note may have been cleaned away), 王　磊　南宁海关… (a two-character
#: name spaced to the width of three, as rolls print them).
_ROLL_NAME = re.compile(r"((?:[\u4e00-\u9fff][\s\u3000](?=[\u4e00-\u9fff][\s\u3000（(]))?"
                        r"[\u4e00-\u9fff·]{1,6}?)"
                        r"(?:[（(][^）)]{1,8}[）)][\s\u3000]*|[\s\u3000]+)\S")


def _roll_lines(ctx: Context, mentions: list[Mention], starts: list[int],
                sentences: tuple[Sentence, ...], first: int) -> list[tuple[Sentence, Mention]]:
    """The roll's lines from ``sentences[first]`` on (``mentions`` sorted by start, with
    their ``starts``)."""
    listed = []
    for line in (sentences[k] for k in range(first, len(sentences))):
        text = line.text.strip("，,。；; ")
        if text.startswith(("（", "(")) and text.endswith(("）", ")")):
            continue
        if _roll_honour(ctx, text) is not None:
            break
        whole = [m for m in mentions[bisect_left(starts, line.start):
                                     bisect_right(starts, line.start)]
                 if m.end - m.start == len(text) and m.cls in _RECIPIENT_CLASSES]
        person = _ROLL_NAME.match(line.text)
        if whole:
            listed.append((line, whole[0]))
        elif person and len(name := re.sub(r"[\s\u3000]", "", person.group(1))) >= 2 and \
                not ctx.res.lexicon.org_pattern.match(name):
            written = person.group(1)
            listed.append((line, Mention(line.start, line.start + len(written), written,
                                         "Person", name, "roll_person")))
        else:
            break
    return listed
