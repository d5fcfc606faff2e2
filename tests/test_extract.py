"""Extraction on small documents written for the tests (cases are files, not the seeds)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import DATA, assert_spans_slice_text
from kg.doc import Mention
from kg.extract import extract
from kg.extract.mentions import dedupe_overlaps
from kg.segment import segment

CASES = sorted((DATA / "extract").glob("*.txt"))


def _extracted(path: Path, resources, make_doc):  # type: ignore[no-untyped-def]
    doc = make_doc(path.read_text(encoding="utf-8"), doc_id=path.stem)
    return extract(segment(doc, resources), resources)


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_extract_case(path: Path, resources, make_doc) -> None:  # type: ignore[no-untyped-def]
    expected = json.loads(path.with_suffix(".expected.json").read_text(encoding="utf-8"))
    doc = _extracted(path, resources, make_doc)
    assert_spans_slice_text(doc)
    if "subject" in expected:
        assert doc.subject == expected["subject"]
    names = {(m.cls, m.name) for m in doc.mentions}
    for cls, name in expected.get("mentions", []):
        assert (cls, name) in names
    for cls, name in expected.get("not_mentions", []):
        assert (cls, name) not in names
    for honour in expected.get("honours", []):
        assert ("Honour", honour) in names
    found = {(a.recipient.name, a.honour.name, a.year) for a in doc.awards}
    if "awards" in expected:
        want = {(a["recipient"], a["honour"], a["year"]) for a in expected["awards"]}
        assert found == want
        for a in expected["awards"]:
            fact = next(f for f in doc.awards if (f.recipient.name, f.honour.name) ==
                        (a["recipient"], a["honour"]))
            if "awarders" in a:
                assert sorted(m.name for m in fact.awarders) == sorted(a["awarders"])
            if "edition" in a:
                assert fact.edition == a["edition"]
    links = {(h.child.name, h.parent.name) for h in doc.hierarchy}
    for child, parent in expected.get("hierarchy", []):
        assert (child, parent) in links
    progs = {p.programme.name: p for p in doc.programmes}
    for want in expected.get("programmes", []):
        assert want["name"] in progs, sorted(progs)
        got = progs[want["name"]]
        assert sorted(o.name for o in got.orgs) == sorted(want["orgs"])
        if "year" in want:
            assert got.year == want["year"]


def test_extract_every_span_slices_the_seeds(resources, make_doc) -> None:  # type: ignore[no-untyped-def]
    from conftest import SEEDS

    for path in sorted(SEEDS.glob("*.txt")):
        assert_spans_slice_text(_extracted(path, resources, make_doc))


def _naive_dedupe(mentions: list[Mention]) -> list[Mention]:
    """The rule itself, quadratically: longest first, earlier wins ties; spans clash when
    they share a character, an empty span when it lies strictly inside a span."""
    def clash(x: Mention, y: Mention) -> bool:
        if x.start < x.end and y.start < y.end:
            return x.start < y.end and y.start < x.end
        if x.start == x.end and y.start == y.end:
            return False
        point, span = (x, y) if x.start == x.end else (y, x)
        return span.start < point.start < span.end

    kept: list[Mention] = []
    for m in sorted(mentions, key=lambda m: m.start - m.end):  # stable
        if not any(clash(m, k) for k in kept):
            kept.append(m)
    return sorted(kept, key=lambda m: (m.start, m.end))


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 6), st.sampled_from("ABC")),
                max_size=40))
def test_extract_dedupe_keeps_the_longest_of_overlapping_mentions(
        spans: list[tuple[int, int, str]]) -> None:
    mentions = [Mention(start, start + size, "x" * size, "Bureau", name)
                for start, size, name in spans]
    assert dedupe_overlaps(mentions) == _naive_dedupe(mentions)


@pytest.mark.parametrize(("creator", "persons"), [("记者", set()), ("周倩", {"周倩"})])
def test_extract_a_creator_that_is_only_a_title_is_no_person(
        make_doc, run_stages, creator: str, persons: set[str]) -> None:  # type: ignore[no-untyped-def]
    import dataclasses

    doc = make_doc("长沙海关推进通关便利化\n记者了解到，长沙海关去年推出多项措施。周倩摄\n")
    doc = dataclasses.replace(doc, meta=dataclasses.replace(doc.meta, creator=creator))
    done = run_stages(doc)
    assert _labels(done, "Person") == persons


@pytest.mark.parametrize(("text", "offices"), [
    # jieba tags 茂名 an adjective and 遵义 a verb: a rare word opening the name still counts
    ("湛江海关缉私局联合行动。徐闻海关、茂名海关也派出查验力量。", {"徐闻海关", "茂名海关"}),
    ("贵阳海关驻村工作队坚守一线。遵义海关的青年关员定期到村小学开展活动。", {"遵义海关"}),
    # common words and generic phrases before 海关 are no office
    ("天津海关推进改革。基层海关的关员、全国海关的同事都很关心。", set()),
    ("天津海关推进改革，发展海关事业。", set()),
])
def test_extract_offices_named_by_a_place_jieba_does_not_call_a_noun(
        make_doc, run_stages, text: str, offices: set[str]) -> None:  # type: ignore[no-untyped-def]
    done = run_stages(make_doc(text))
    assert _labels(done, "SubOffice") == offices


def test_extract_award_through_a_published_by_clause(make_doc, run_stages) -> None:  # type: ignore[no-untyped-def]
    # 入选 X公布的 Y: the recipient is the subject before the verb, X confers Y
    done = run_stages(make_doc(
        "汕头海关推进关史文化建设\n汕头海关关史陈列馆位于旧址。2021年，该馆入选海关总署公布的"
        "第二批“全国海关关史文化教育基地”。\n"))
    labels = {e.key: e.label for e in done.entities}
    awards = {(labels[a.recipient], labels[a.honour], a.year,
               tuple(labels[o] for o in a.awarders)) for a in done.resolved_awards}
    assert awards == {("汕头海关关史陈列馆", "全国海关关史文化教育基地", 2021, ("海关总署",))}


def _labels(done, cls: str) -> set[str]:  # type: ignore[no-untyped-def]
    return {e.label for e in done.entities if e.key.cls == cls}


def _award_rows(done) -> set[tuple[str, str, int | None]]:  # type: ignore[no-untyped-def]
    labels = {e.key: e.label for e in done.entities}
    return {(labels[a.recipient], labels[a.honour], a.year) for a in done.resolved_awards}


def test_extract_persons_named_right_after_their_unit(make_doc, run_stages) -> None:  # type: ignore[no-untyped-def]
    # a bulletin writes the unit and the name as one run: 科马晓燕获评, 处刘建军、于海涛记
    done = run_stages(make_doc(
        "青岛海关通报\n2022年，日照海关综合业务科马晓燕获评“山东省三八红旗手”。"
        "2022年，青岛海关缉私局侦查二处刘建军、于海涛记个人二等功。"
        "2022年，青岛海关技术中心张慧获评“全国海关青年岗位能手”。"
        "2022年，天津海关连续荣获“天津市文明单位”称号。\n"))
    assert _award_rows(done) == {("马晓燕", "山东省三八红旗手", 2022),
                                 ("刘建军", "个人二等功", 2022), ("于海涛", "个人二等功", 2022),
                                 ("张慧", "全国海关青年岗位能手", 2022),
                                 ("天津海关", "天津市文明单位", 2022)}  # 连续 is no name


def test_extract_roll_names_spaced_or_with_notes(make_doc, run_stages) -> None:  # type: ignore[no-untyped-def]
    # rolls space a two-character name to three (王　磊) and cleanup may remove the space
    # after a bracketed note (黄丽萍（女，壮族）东兴海关…): every line is still a person
    done = run_stages(make_doc(
        "南宁海关关于表彰2023年度先进个人的决定\n\n二、全国海关先进工作者（3名）\n\n"
        "陈志刚\u3000\u3000凭祥海关查验一科科长\n黄丽萍（女，壮族）\u3000东兴海关旅检一科科员\n"
        "王\u3000磊\u3000\u3000南宁海关人事处科员\n"))
    assert {r for r, _, _ in _award_rows(done)} == {"陈志刚", "黄丽萍", "王磊"}
    departments = _labels(done, "Department")
    assert {"凭祥海关查验一科", "南宁海关人事处"} <= departments  # before 科长, a jieba word


def test_extract_a_verb_between_an_office_and_a_unit_ends_the_name(make_doc, run_stages) -> None:  # type: ignore[no-untyped-def]
    done = run_stages(make_doc("宁波海关推进法治建设\n宁波海关会同法规处开展培训。\n"))
    assert not any("会同" in e.label for e in done.entities)


def test_extract_annual_titles_rolls_and_decision_titles(make_doc, run_stages) -> None:  # type: ignore[no-untyped-def]
    # the decision's title names who confers; a roll headed 先进集体 lists the title the
    # decision granted in full (“2023年度南宁海关先进集体”), for its year; 记集体三等功 is
    # the honour 集体三等功, and its heading is no award of its own
    done = run_stages(make_doc(
        "南宁海关关于表彰2023年度先进集体的决定\n\n决定授予东兴海关等2个集体“2023年度南宁海关先进集体”"
        "称号。\n\n一、先进集体（2个）\n\n东兴海关\n\n防城海关\n\n二、记集体三等功（1个）\n\n凭祥海关\n"))
    assert _award_rows(done) == {("东兴海关", "南宁海关先进集体", 2023),
                                 ("防城海关", "南宁海关先进集体", 2023),
                                 ("凭祥海关", "集体三等功", 2023)}


def test_extract_an_annual_title_gives_the_award_its_year(make_doc, run_stages) -> None:  # type: ignore[no-untyped-def]
    done = run_stages(make_doc(
        "青岛海关通报\n青岛胶东机场海关旅检一科获评2021年度“全国巾帼文明岗”（全国妇联，2022年3月）。\n"))
    assert _award_rows(done) == {("青岛胶东机场海关旅检一科", "全国巾帼文明岗", 2021)}


def test_extract_a_national_body_confers_and_never_receives(make_doc, run_stages) -> None:  # type: ignore[no-untyped-def]
    done = run_stages(make_doc(
        "大连海关喜获殊荣\n近日，共青团中央、中华全国青年联合会等全国青年文明号活动组织委员会"
        "成员单位联合印发命名决定，大连海关所属大窑湾海关查验科（以下简称“查验科”）被命名为"
        "第21届“全国青年文明号”。\n全国妇联印发《关于命名2022年度全国巾帼文明岗的决定》，"
        "厦门海关所属东渡海关查验二科（以下简称“查验二科”）喜获“全国巾帼文明岗”称号。\n"))
    assert not {r for r, _, _ in _award_rows(done)} & {"共青团中央", "中华全国妇女联合会"}


def _programme_rows(done) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    labels = {e.key: e.label for e in done.entities}
    return {(labels[o], labels[p.programme]) for p in done.resolved_programmes for o in p.orgs}


def test_extract_a_source_line_names_no_focus(make_doc, run_stages) -> None:  # type: ignore[no-untyped-def]
    # 来源：…新闻中心 names the publisher: the year's measures are the bureau's
    done = run_stages(make_doc(
        "守护西大门\n——乌鲁木齐海关2023年工作回眸\n2024年1月5日　来源：乌鲁木齐海关新闻中心\n"
        "2023年，乌鲁木齐海关坚持党建引领。这一年，开展“关长送政策上门”专项行动，服务企业300余家。\n"))
    assert {org for org, _ in _programme_rows(done)} == {"乌鲁木齐海关"}


def test_extract_an_official_papers_title_is_no_programme(make_doc, run_stages) -> None:  # type: ignore[no-untyped-def]
    done = run_stages(make_doc(
        "厦门海关喜获殊荣\n全国妇联印发《关于命名2022年度全国巾帼文明岗的决定》，厦门海关所属东渡海关"
        "查验二科获评“全国巾帼文明岗”。厦门海关出台《促进外贸稳增长若干措施》。\n"))
    names = _labels(done, "Programme")
    assert not any(n.startswith("关于") for n in names) and names


def test_extract_gaiguan_is_the_sub_office_named_last(make_doc, run_stages) -> None:  # type: ignore[no-untyped-def]
    # 该关 is the office named last, a sub-office too; a listed one (A、B等) is no antecedent
    done = run_stages(make_doc(
        "武汉海关所属宜昌海关荣获全国五一劳动奖状\n2009年，宜昌海关被湖北省总工会授予“湖北五一劳动奖状”；"
        "该关查验科2008年被共青团湖北省委评为“湖北省青年文明号”。\n"
        "武汉海关在金陵海关、新生圩海关等现场设置查阅点。该关被评为“湖北省文明单位”。\n"))
    rows = _award_rows(done)
    assert ("宜昌海关查验科", "湖北省青年文明号", 2008) in rows
    assert ("武汉海关", "湖北省文明单位", None) in rows


def test_extract_a_chronicles_dates_and_year(make_doc, run_stages) -> None:  # type: ignore[no-untyped-def]
    # a chronicle's date stays apart from its entry (3月8日 武宿海关, not 日武宿海关: see
    # test_ingest for the space kept), its title's year dates what it tells; 等N个党组织 / 等N名同志 still name their first;
    # a name ends before an award verb (李婧获评); a byline "X 编" gives no focus
    text = ("太原海关2019年大事记（摘编）\n太原海关办公室\u3000编\n\n"
            "3月8日\u3000武宿海关旅检科被山西省妇联授予“山西省巾帼文明岗”称号。\n\n"
            "5月4日\u3000长治海关综合业务科关员李婧获评“山西省青年岗位能手”。\n\n"
            "7月1日\u3000大同海关党委等5个党组织被评为“先进基层党组织”，"
            "武宿海关旅检科科长郝玉梅等12名同志被评为“优秀共产党员”。\n\n"
            "11月15日\u3000经山西省精神文明建设委员会复查，太原海关继续保留“山西省文明单位标兵”称号。\n\n"
            "12月9日大同海关查验科被太原海关记集体三等功。\n")
    done = run_stages(make_doc(text))
    assert _award_rows(done) == {
        ("武宿海关旅检科", "山西省巾帼文明岗", 2019), ("李婧", "山西省青年岗位能手", 2019),
        ("大同海关", "先进基层党组织", 2019), ("郝玉梅", "优秀共产党员", 2019),
        ("太原海关", "山西省文明单位标兵", 2019), ("大同海关查验科", "集体三等功", 2019)}
    assert not any(e.label.startswith("日") for e in done.entities)


def test_extract_companies_foreign_customs_and_city_bodies(make_doc, run_stages) -> None:  # type: ignore[no-untyped-def]
    done = run_stages(make_doc(
        "大窑湾海关查验科简介\n查验科团支部2022年被共青团大连市委授予“大连市五四红旗团支部”称号。"
        "2022年，查验科与大连集装箱码头有限公司团委签订“关港青年联建”协议。"
        "2020年，查验科与浙江中国小商品城集团股份有限公司党委共建“红帆驿站”。"
        "我们与俄罗斯波格拉尼奇内海关建立了合作机制。河口海关还与越南老街省海关局建立了会晤机制。"
        "2021年，义乌海关党委获评中共浙江省委表彰的“浙江省先进基层党组织”。\n"))
    external = _labels(done, "ExternalOrganization")
    assert {"共青团大连市委", "大连集装箱码头有限公司", "浙江中国小商品城集团股份有限公司",
            "俄罗斯波格拉尼奇内海关", "越南老街省海关局", "中共浙江省委"} <= external
    assert not any(e.label == "波格拉尼奇内海关" for e in done.entities)
    assert ("义乌海关", "浙江省先进基层党组织", 2021) in _award_rows(done)


def test_extract_a_bureaus_own_offices_named_bare(make_doc, run_stages) -> None:  # type: ignore[no-untyped-def]
    done = run_stages(make_doc(
        "南京海关2010年政府信息公开工作年度报告\n日常工作由办公室政务公开科承担；法规处负责法律审核，"
        "监察室负责监督检查。\n"))
    departments = _labels(done, "Department")
    assert {"南京海关办公室", "南京海关办公室政务公开科", "南京海关法规处",
            "南京海关监察室"} <= departments


def test_extract_programmes_named_in_lists_quotes_and_services(make_doc, run_stages) -> None:  # type: ignore[no-untyped-def]
    # a list of places (新郑机场、洛阳等隶属海关) or units (等6个分队) or of pastimes (等文体
    # 活动) names no programme; a service whose name ends like a day (无节假日), a green
    # channel, a platform that went live and a system brought into use do
    done = run_stages(make_doc(
        "郑州海关文明创建纪实\n2012年，郑关在机关和新郑机场、洛阳、南阳等隶属海关建成道德讲堂。"
        "郑关团委组建“中原关爱”青年志愿服务队，下设机场、洛阳等6个分队。"
        "工会组织摄影、书法、马头琴等文体协会活动。"
        "郑州新郑机场海关实行“无午休、无节假日”通关。"
        "策克海关开辟进口煤炭“绿色通道”。2019年，“晋关通”微信服务平台正式上线运行。"
        "武宿海关启用旅检“智能通关”系统。\n"))
    names = _labels(done, "Programme")
    assert not names & {"新郑机场", "洛阳", "南阳", "下设机场", "摄影", "书法", "马头琴"}
    assert {"无午休、无节假日", "绿色通道", "晋关通微信服务平台", "智能通关系统"} <= names


def test_extract_a_short_name_given_in_brackets(make_doc, run_stages) -> None:  # type: ignore[no-untyped-def]
    # （以下简称“机场海关”）: the short name stands for the office it was given to, later and
    # inside the brackets, and is no office (nor programme) of its own
    done = run_stages(make_doc(
        "郑州海关文明创建纪实\n郑州新郑机场海关（以下简称“机场海关”）实行预约通关；"
        "2012年，机场海关旅检科获评“文明窗口”。\n"))
    assert _labels(done, "SubOffice") == {"郑州新郑机场海关"}
    assert "郑州新郑机场海关旅检科" in _labels(done, "Department")
    assert not _labels(done, "Programme") & {"机场海关"}
    assert ("郑州新郑机场海关旅检科", "文明窗口", 2012) in _award_rows(done)


def test_extract_a_profiles_awards_are_its_persons(make_doc, run_stages) -> None:  # type: ignore[no-untyped-def]
    # a profile's title names its person: clauses with no subject are theirs, and a body
    # that conferred an earlier award of the sentence is no later clause's subject; a unit
    # named after a bracketed former/short name is still that office's; 呼伦贝尔市委、市政府
    # are the one city's
    done = run_stages(make_doc(
        "扎根边关二十载\n——满洲里海关查验科科长孟庆海同志先进事迹材料\n\n"
        "孟庆海，男，现任满洲里海关所属额尔古纳海关（原满洲里海关驻额尔古纳办事处，以下简称“额关”）"
        "查验科科长。2008年被满洲里海关评为“优秀共产党员”；2010年被海关总署记个人二等功；"
        "2013年被呼伦贝尔市委、市政府评为“呼伦贝尔市劳动模范”。\n"))
    rows = _award_rows(done)
    assert {r for r, _, _ in rows} == {"孟庆海"}, rows
    assert {"呼伦贝尔市委", "呼伦贝尔市政府"} <= _labels(done, "ExternalOrganization")
    assert "额尔古纳海关查验科" in _labels(done, "Department")
    assert "驻额尔古纳办事处" not in _labels(done, "SubOffice")


def test_extract_an_interview_of_a_sub_offices_head(make_doc, run_stages) -> None:  # type: ignore[no-untyped-def]
    # 我关 is the office the title names; a 科 named alone at a clause's start is its; the
    # body that granted one award is not the subject of the next clause; a dot inside a
    # slogan's quotes makes no name; 现在科 is no unit
    done = run_stages(make_doc(
        "守好“新国门”\n——访北京海关隶属北京大兴机场海关关长刘振宇\n\n"
        "答：我们推出“新国门·快通关”旅检改革。现在科里的关员们连续奋战。\n"
        "答：去年，我关被海关总署记集体二等功；货运监管一科2019年被共青团北京市委命名为"
        "“北京市青年文明号”。今年4月，北京市总工会授予我关“首都劳动奖状”，旅检一科被评为"
        "“北京市工人先锋号”。\n"))
    rows = {(r, h) for r, h, _ in _award_rows(done)}
    assert rows == {("北京大兴机场海关", "集体二等功"), ("北京大兴机场海关", "首都劳动奖状"),
                    ("北京大兴机场海关货运监管一科", "北京市青年文明号"),
                    ("北京大兴机场海关旅检一科", "北京市工人先锋号")}, rows
    assert not _labels(done, "Person") & {"新国门·快通关"}
    assert not any(label.endswith("现在科") for label in _labels(done, "Department"))


def test_extract_known_sub_offices(make_doc, run_stages) -> None:  # type: ignore[no-untyped-def]
    # the lexicon's sub-offices are found however jieba cuts them (甘其毛都) or whatever they
    # look like (吉林 is a province's name), and their bureau is their parent when the text
    # names that bureau at all (厦门海关 is never named: no entity of it)
    done = run_stages(make_doc(
        "海关系统表彰大会召开\n呼和浩特海关、长春海关的代表参加会议。"
        "甘其毛都海关查验科2010年被全国妇联授予“全国巾帼文明岗”称号。"
        "珲春海关、吉林海关、东渡海关等单位的女关员发挥了作用。\n"))
    assert {"甘其毛都海关", "珲春海关", "吉林海关", "东渡海关"} <= _labels(done, "SubOffice")
    assert "厦门海关" not in _labels(done, "Bureau")
    labels = {e.key: e.label for e in done.entities}
    parents = {labels[e.key]: labels.get(e.parent) for e in done.entities
               if e.key.cls == "SubOffice" and e.parent is not None}
    assert parents.get("甘其毛都海关") == "呼和浩特海关" and parents.get("吉林海关") == "长春海关"


def test_extract_party_prefixed_bodies_reviewers_and_the_offices_own_league(make_doc, run_stages) -> None:  # type: ignore[no-untyped-def]
    # 中共 is part of a committee's name, and the city carries to 市政府 after it; a
    # civilisation committee reviews, it receives nothing; 关团委 is the bureau's 团委
    done = run_stages(make_doc(
        "西安海关2018年工作总结\n经陕西省文明委复查，西安海关继续保留“陕西省文明单位”称号；"
        "关团委被共青团陕西省委授予“陕西省五四红旗团委”称号。"
        "同年，中共西安市委、市政府授予西安海关“西安市先进集体”称号。\n"))
    assert _award_rows(done) == {("西安海关", "陕西省文明单位", 2018),
                                 ("西安海关团委", "陕西省五四红旗团委", 2018),
                                 ("西安海关", "西安市先进集体", 2018)}
    assert {"中共西安市委", "西安市政府", "共青团陕西省委"} <= _labels(done, "ExternalOrganization")


def test_extract_a_round_up_of_qualified_recipients(make_doc, run_stages) -> None:  # type: ignore[no-untyped-def]
    # 长春海关所属珲春海关旅检科、…: each bureau qualifies its item; …秘书科科长黄丽珊、…:
    # each unit and title qualify their person; 审单科 is a unit although jieba cuts 审/单科
    done = run_stages(make_doc(
        "海关系统表彰大会召开\n长春海关所属珲春海关旅检科、上海海关所属外高桥港区海关查验二科被授予"
        "“全国巾帼文明岗”称号；大连海关所属大窑湾海关审单科被授予“全国三八红旗集体”称号；"
        "长春海关缉私局法制处副处长刘淑华、拱北海关办公室秘书科科长黄丽珊被授予“全国三八红旗手”称号。\n"))
    assert {(r, h) for r, h, _ in _award_rows(done)} == {
        ("珲春海关旅检科", "全国巾帼文明岗"), ("外高桥港区海关查验二科", "全国巾帼文明岗"),
        ("大窑湾海关审单科", "全国三八红旗集体"), ("刘淑华", "全国三八红旗手"),
        ("黄丽珊", "全国三八红旗手")}


def test_extract_a_work_summarys_clauses(make_doc, run_stages) -> None:  # type: ignore[no-untyped-def]
    # a clause with no subject goes on with the one that opened the clause before (宝鸡海关经…
    # 复查，继续保留); a reason (因…) may stand between a recipient and 被; the summary's
    # year dates what an earlier clause's year (继2017年…) does not
    done = run_stages(make_doc(
        "西安海关2018年工作总结\n西安海关继2017年荣获第五届“全国文明单位”后，本年度通过复查；"
        "西安咸阳机场海关旅检一科被中华全国总工会授予“全国工人先锋号”；宝鸡海关经陕西省精神文明"
        "建设委员会复查，继续保留“陕西省文明单位”称号；西安海关缉私局侦查一处因成功侦办"
        "“长安1号”系列走私案被海关总署记集体二等功。\n"))
    assert _award_rows(done) == {
        ("西安海关", "全国文明单位", 2017), ("西安咸阳机场海关旅检一科", "全国工人先锋号", 2018),
        ("宝鸡海关", "陕西省文明单位", 2018), ("西安海关缉私局侦查一处", "集体二等功", 2018)}


def test_extract_quotes_that_name_no_programme(make_doc, run_stages) -> None:  # type: ignore[no-untyped-def]
    # 发挥了“半边天”作用 and 由“有形覆盖”向“有效覆盖”转变 quote figures of speech; a head word
    # that goes on into a longer word (制度化) ends no name
    done = run_stages(make_doc(
        "长春海关妇委会工作纪实\n长春海关推行岗位练兵，女关员发挥了“半边天”作用。"
        "推动党建品牌由“有形覆盖”向“有效覆盖”转变。"
        "推进“两学一做”学习教育常态化制度化。\n"))
    names = _labels(done, "Programme")
    assert not names & {"半边天", "有形覆盖", "有效覆盖", "两学一做学习教育常态化制度"}, names


def test_extract_a_bulletins_title_over_two_lines_and_its_issue_date(make_doc, run_stages) -> None:  # type: ignore[no-untyped-def]
    # 关于给予…\n…记功奖励的通报 is a paper whose roll is dated by the line that issues it
    # (黄埔海关办公室　　2017年12月21日印发)
    done = run_stages(make_doc(
        "黄埔海关关于给予“国门利剑2017”联合专项行动\n表现突出集体和个人记功奖励的通报\n\n"
        "关区各单位：\n　　经研究，决定给予以下集体和个人记功奖励。\n"
        "一、记集体三等功（1个）\n　　沙田海关\n"
        "二、记个人三等功（1名）\n　　叶国栋　　新港海关物流监控科科长\n\n"
        "黄埔海关办公室　　　　2017年12月21日印发\n"))
    assert _award_rows(done) == {("沙田海关", "集体三等功", 2017), ("叶国栋", "个人三等功", 2017)}


def test_extract_years_said_relative_to_the_one_before(make_doc, run_stages) -> None:  # type: ignore[no-untyped-def]
    # 次年 is the year after the one named before it in the paragraph, 同年 that year, even
    # in a clause of its own
    done = run_stages(make_doc(
        "孟庆海同志先进事迹材料\n孟庆海2013年荣获“全国五一劳动奖章”；同年被评为“呼伦贝尔市劳动模范”；"
        "次年又被海关总署党组授予“全国海关优秀共产党员”称号。\n"))
    assert _award_rows(done) == {("孟庆海", "全国五一劳动奖章", 2013),
                                 ("孟庆海", "呼伦贝尔市劳动模范", 2013),
                                 ("孟庆海", "全国海关优秀共产党员", 2014)}


@pytest.mark.issue(14)
@pytest.mark.parametrize(("text", "offices", "not_offices"), [
    # run-on text before an office: a preposition, a byline's verb, 原 (former)
    ("据绥芬河海关介绍，今年以来监管进出口货物增长。", {"绥芬河海关"}, {"据绥芬河海关"}),
    ("本报讯（通讯员 张三）记镇江海关查获一起走私案。", {"镇江海关"}, {"记镇江海关"}),
    ("原红其拉甫海关旧址位于帕米尔高原。", {"红其拉甫海关"}, {"原红其拉甫海关"}),
    # a verb or a word of scope before 海关 names no office at all
    ("我们探访海关的一线岗位。", set(), {"探访海关"}),
    ("推动属地海关落实各项措施。", set(), {"属地海关"}),
])
def test_extract_an_office_name_starts_at_a_real_boundary(  # type: ignore[no-untyped-def]
        make_doc, run_stages, text: str, offices: set[str], not_offices: set[str]) -> None:
    done = run_stages(make_doc(text))
    names = {m.name for m in done.mentions if m.cls == "SubOffice"}
    assert offices <= names and not names & not_offices, names


@pytest.mark.issue(14)
def test_extract_persons_end_where_a_verb_starts_and_no_word_is_a_name(  # type: ignore[no-untyped-def]
        make_doc, run_stages) -> None:
    done = run_stages(make_doc(
        "北京首都机场海关孙铭辉、王彤获先进个人荣誉称号。胡鹏表示，工作还要加强。"
        "科长刘阳一直在一线。侦查科连续破获多起走私案。\n"))
    persons = {m.name for m in done.mentions if m.cls == "Person"}
    assert {"孙铭辉", "王彤", "胡鹏", "刘阳"} <= persons
    assert not persons & {"荣誉称", "刘阳一", "连续破"}, persons
    assert _award_rows(done) >= {("孙铭辉", "先进个人", None), ("王彤", "先进个人", None)}


@pytest.mark.issue(14)
def test_extract_an_honour_is_no_count_of_recipients_nor_crosses_its_verb(  # type: ignore[no-untyped-def]
        make_doc, run_stages) -> None:
    done = run_stages(make_doc("2022年，共表彰了598名全国三八红旗手。深圳罗湖海关张海滨获先进个人荣誉称号。\n"))
    honours = {m.name for m in done.mentions if m.cls == "Honour"}
    assert "全国三八红旗手" in honours and "先进个人" in honours
    assert not any(h.startswith(("598", "了")) or "获" in h for h in honours), honours


@pytest.mark.issue(14)
def test_extract_a_quoted_measure_promoted_or_completed_is_a_programme(  # type: ignore[no-untyped-def]
        make_doc, run_stages) -> None:
    done = run_stages(make_doc(
        "2020年，拉萨海关完成“两轮驱动”改革试点。郑州海关积极推广“智能审批”等智能化监管手段，"
        "并设立“水果专用”窗口。讲政治的“高线”就是对党忠诚。\n"))
    names = {p.programme.canonical.rsplit("/", 1)[-1] for p in done.resolved_programmes}
    assert {"两轮驱动改革试点", "智能审批"} <= names or {"两轮驱动", "智能审批"} <= names, names
    assert "高线" not in names


@pytest.mark.issue(14)
def test_extract_a_body_named_by_its_suffix_starts_at_a_real_boundary(  # type: ignore[no-untyped-def]
        make_doc, run_stages) -> None:
    done = run_stages(make_doc("据北京大学和耶鲁大学法学院统计，辖区恒安集团出口增长。\n"))
    bodies = {m.name for m in done.mentions if m.cls == "ExternalOrganization"}
    assert {"北京大学", "耶鲁大学法学院", "恒安集团"} <= bodies
    assert not {b for b in bodies if b.startswith(("据", "和", "辖区"))}, bodies


@pytest.mark.issue(14)
def test_extract_every_person_of_a_list_before_the_award_verb(  # type: ignore[no-untyped-def]
        make_doc, run_stages) -> None:
    done = run_stages(make_doc(
        "北京首都机场海关孙铭辉、王彤、天津新港海关田宝明、深圳罗湖海关张海滨获先进个人荣誉称号。\n"))
    assert {r[:2] for r in _award_rows(done)} == {
        (name, "先进个人") for name in ("孙铭辉", "王彤", "田宝明", "张海滨")}


@pytest.mark.issue(14)
@pytest.mark.parametrize(("text", "rows"), [
    # the awarder is the subject: 授予 A所属B、C “…”称号, with the year of the clause
    ("2021年11月，中央精神文明建设指导委员会授予天津海关所属机场海关、东疆海关“全国文明单位”称号。",
     {("机场海关", "全国文明单位", 2021), ("东疆海关", "全国文明单位", 2021)}),
    # 授予 a unit's person 同志 “…”称号: the person receives it
    ("2019年，中华全国总工会授予大连海关王磊同志“全国五一劳动奖章”称号。",
     {("王磊", "全国五一劳动奖章", 2019)}),
    ("大连海关王磊同志荣获全国五一劳动奖章。", {("王磊", "全国五一劳动奖章", None)}),
])
def test_extract_a_conferral_whose_subject_is_the_awarder(  # type: ignore[no-untyped-def]
        make_doc, run_stages, text: str, rows: set[tuple[str, str, int | None]]) -> None:
    assert _award_rows(run_stages(make_doc(text + "\n"))) == rows


@pytest.mark.issue(14)
def test_extract_a_clause_of_its_own_goes_to_the_person_the_clause_before_ends_with(  # type: ignore[no-untyped-def]
        make_doc, run_stages) -> None:
    done = run_stages(make_doc(
        "中国科学院院士，深圳医学科学院创始院长、深圳湾实验室主任颜宁，获“全国三八红旗手标兵”称号。\n"))
    assert _award_rows(done) == {("颜宁", "全国三八红旗手标兵", None)}


@pytest.mark.issue(14)
def test_extract_persons_listed_before_the_title_they_hold(  # type: ignore[no-untyped-def]
        make_doc, run_stages) -> None:
    done = run_stages(make_doc("海缉处有何志强、吴锡坤、熊晓斌、王锐全等四代全国劳动模范。"
                               "我们参观了展览、座谈等活动。\n"))
    assert _award_rows(done) == {(n, "全国劳动模范", None)
                                 for n in ("何志强", "吴锡坤", "熊晓斌", "王锐全")}


@pytest.mark.issue(14)
def test_extract_a_cited_newspaper_treaty_or_headline_is_no_programme(  # type: ignore[no-untyped-def]
        make_doc, run_stages) -> None:
    done = run_stages(make_doc(
        "据《中国国门时报》报道，《北京条约》签订后，《上海海关：今年春运旅客同比增28%》一文刊出。"
        "天津海关印发《通关咨询服务中心快报》和《天津海关政务公开办法》。\n"))
    names = {p.programme.canonical.rsplit("/", 1)[-1] for p in done.resolved_programmes}
    assert {"通关咨询服务中心快报", "天津海关政务公开办法"} <= names
    assert not names & {"中国国门时报", "北京条约", "上海海关：今年春运旅客同比增28%"}, names


@pytest.mark.issue(14)
def test_extract_an_award_verb_of_two_characters_wins_over_its_first(  # type: ignore[no-untyped-def]
        make_doc, run_stages) -> None:
    done = run_stages(make_doc("2019年，科长张三获颁全国五一劳动奖章。\n"))
    assert _award_rows(done) == {("张三", "全国五一劳动奖章", 2019)}
