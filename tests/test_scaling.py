"""Issue 13: build time grows linearly with the length of one document, whatever its shape.

A text of one endless ，-joined sentence (as OCR and table text give) once took time growing
with the square of its length (a clause search from the sentence start, a scan of every
mention per trigger, the evidence of every award being all of the sentence); so did some
steps on text of many lines.  The timing tests build 100 KB and 400 KB of realistic text
of both shapes and require the 400 KB build to take less than five times as long (four
is linear); the other tests check that the indexes which made the steps linear answer as
the plain rules they replace.
"""

from __future__ import annotations

import itertools
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.doc import Mention
from kg.extract.mentions import Cover, covered
from kg.extract.text import (
    CLAUSE_BREAKS,
    EVIDENCE_LIMIT,
    PHRASE_BREAKS,
    SEGMENT_BREAKS,
    ClauseIndex,
    YearMark,
    clause_start,
    year_before,
)

_OFFICES = ("天津海关", "大连海关", "机场海关", "天津海关查验科", "青岛海关", "黄岛海关查验二科",
            "满洲里海关驻车站办事处", "上海海关", "宁波海关", "南京海关缉私局", "该关", "综合业务科",
            "广州海关", "深圳海关", "皇岗海关", "拱北海关", "查验科", "厦门海关", "武汉海关")
_HONOURS = ("全国文明单位", "青年文明号", "先进集体", "全国巾帼文明岗", "全国五一劳动奖状",
            "“全国青年文明号”", "天津市文明单位", "全国海关先进集体", "“工人先锋号”")
_VERBS = ("被评为", "荣获", "被授予", "获评", "被命名为")
_OTHER = ("开展“亮窗行动”", "成立学雷锋志愿服务队", "积极推进通关便利化改革",
          "与天津市政府签署合作协议", "关长高融昆表示", "推出24项具体措施",
          "科长王海涛同年获评全国优秀共产党员", "次年她被评为先进工作者", "该科被评为先进集体",
          "所属东港海关、大窑湾海关开展“清风行动”", "在海关总署党委的坚强领导下",
          "成立疫情防控工作领导小组", "印发《关于进一步优化营商环境的若干措施》",
          "设立职工之家、青年之家等服务阵地", "该科连续三年被评为先进集体")
_ROLL = ("一、全国海关先进集体（3个）", "天津海关查验科", "大连海关综合业务科", "青岛海关缉私局侦查二处",
         "二、全国海关先进工作者（2名）", "刘志刚　石家庄海关唐山海关一级主任科员",
         "黄丽萍　东兴海关查验科科长")


def _clauses() -> Iterator[str]:
    """Clauses of varied offices, honours, verbs and years (2010-2020), and now and then
    a programme, a hierarchy marker, a person or a pronoun, so every finder has work."""
    for i in itertools.count():
        if i % 4 == 3:
            yield f"{_OFFICES[i % len(_OFFICES)]}{_OTHER[(i // 4) % len(_OTHER)]}"
        else:
            yield (f"{2010 + (i * 5) % 11}年{_OFFICES[i % len(_OFFICES)]}"
                   f"{_VERBS[(i * 3) % len(_VERBS)]}{_HONOURS[(i * 7) % len(_HONOURS)]}")


def long_text(size: int, shape: str) -> str:
    """About ``size`` bytes of UTF-8: ``sentence`` is one ，-joined sentence; ``lines`` has a
    title, then sentences of three clauses on lines of their own and now and then a roll of
    honour."""
    parts = ["天津海关2019年荣誉汇编\n"] if shape == "lines" else []
    total = 0
    for k, clause in enumerate(_clauses(), start=1):
        sep = "，"
        if shape == "lines" and k % 3 == 0:
            sep = "。\n" + ("\n".join(_ROLL) + "\n" if k % 300 == 0 else "")
        parts.append(clause + sep)
        total += len(parts[-1].encode("utf-8"))
        if total >= size:
            break
    return "".join(parts).rstrip("，") + ("。\n" if shape == "sentence" else "")


#: Run in a fresh interpreter, as a user's build runs: the heap the rest of the suite left
#: behind makes the collector's sweeps grow with the build and blurs the ratio.
_TIMED_BUILD = """
import gc, sys, time
from pathlib import Path
from kg.pipeline import build
warm, doc, out = map(Path, sys.argv[1:4])
build([warm], out / "warm", html=False, cache=False)  # the tokenizer, outside the timing
gc.collect()
started = time.perf_counter()
report = build([doc], out / "timed", html=False, cache=False)
assert report.ok, report.outcomes
print(time.perf_counter() - started)
"""


def _best_of_two(tmp_path: Path, text: str) -> float:
    """The shorter wall time of two builds of a one-document corpus holding ``text``, each
    timed in a fresh process after a small warm-up build."""
    doc = tmp_path / f"doc{len(text)}.txt"
    doc.write_text(text, encoding="utf-8")
    warm = tmp_path / "warm.txt"
    warm.write_text("2015年，天津海关被评为全国文明单位。\n", encoding="utf-8")
    times = []
    for run in range(2):
        done = subprocess.run(
            [sys.executable, "-c", _TIMED_BUILD, str(warm), str(doc),
             str(tmp_path / f"out{len(text)}-{run}")],
            capture_output=True, text=True, timeout=300, check=False)
        assert done.returncode == 0, done.stderr[-800:]
        times.append(float(done.stdout.split()[-1]))
    return min(times)


@pytest.mark.slow
@pytest.mark.issue(13)
@pytest.mark.parametrize("shape", ["sentence", "lines"])
def test_scaling_400_kb_takes_less_than_five_times_100_kb(shape: str, tmp_path: Path) -> None:
    small, large = long_text(100_000, shape), long_text(400_000, shape)
    if shape == "sentence":
        assert "\n" not in large.rstrip() and large.count("。") == 1
    ratio = _best_of_two(tmp_path, large) / _best_of_two(tmp_path, small)
    assert ratio < 5, f"{shape}: a 400 KB build takes {ratio:.1f} times a 100 KB one"


@pytest.mark.slow
@pytest.mark.issue(13)
def test_scaling_long_sentence_cites_the_clause_of_each_fact(run_stages, make_doc) -> None:  # type: ignore[no-untyped-def]
    """A 70,000-character sentence: every fact is found as in a short one, and cites the
    clause that states it rather than all 70,000 characters."""
    text = long_text(210_000, "sentence")
    assert len(text) >= 70_000
    doc = run_stages(make_doc(text, title="海关荣誉汇编"))
    assert len(doc.sentences) == 1 and len(doc.awards) > 2000
    for fact in (*doc.awards, *doc.programmes):
        assert len(fact.sentence.text) <= EVIDENCE_LIMIT
        assert text[fact.sentence.start:fact.sentence.end] == fact.sentence.text
    for fact in doc.awards:  # the cited part holds the honour and the recipient named
        cited = fact.sentence
        assert cited.start <= fact.honour.start < fact.honour.end <= cited.end
        assert fact.recipient.start == fact.recipient.end or \
            cited.start <= fact.recipient.start < fact.recipient.end <= cited.end
    first = next(a for a in doc.awards if a.honour.start > 50_000 and
                 a.recipient.rule_id == "lexicon.organisations" and
                 "，" not in text[a.recipient.start:a.honour.end])
    assert "，" not in first.sentence.text  # one clause: 2016年天津海关被评为全国文明单位
    short = run_stages(make_doc("海关荣誉汇编\n" + first.sentence.text + "。"))
    assert {(a.recipient.name, a.honour.name, a.year) for a in short.awards} == {
        (first.recipient.name, first.honour.name, first.year)}


# ------------------------------------------------------------- the indexes answer alike

_MARKS = "ab，,；;：:。“”‘’「」『』《》\"x"


@pytest.mark.issue(13)
@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=_MARKS, max_size=80), st.randoms(use_true_random=False))
def test_scaling_clause_index_answers_as_clause_start(text: str, rnd: random.Random) -> None:
    index = ClauseIndex(text)
    positions = list(range(len(text) + 1))
    rnd.shuffle(positions)  # the index remembers readings: any order must give the same
    for breaks in (CLAUSE_BREAKS, PHRASE_BREAKS, SEGMENT_BREAKS):
        for pos in positions:
            assert index.start(pos, breaks) == clause_start(text, pos, breaks)


@pytest.mark.issue(13)
@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 60), st.integers(0, 6)), max_size=25),
       st.integers(0, 70), st.integers(0, 8))
def test_scaling_cover_answers_as_covered(spans: list[tuple[int, int]], start: int,
                                          width: int) -> None:
    mentions = [Mention(a, a + n, "x" * n, "Bureau", "x", "test") for a, n in spans]
    cover = Cover()
    for count, m in enumerate(mentions, start=1):
        cover.add(m)
        assert cover.covered(start, start + width) == covered(mentions[:count], start,
                                                              start + width)


@pytest.mark.issue(13)
@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 200), st.integers(1, 9)), max_size=30),
       st.integers(0, 220), st.integers(0, 220))
def test_scaling_year_before_answers_as_a_scan(marks: list[tuple[int, int]], pos: int,
                                               floor: int) -> None:
    years = sorted((YearMark(a, a + n, 2000 + i, False) for i, (a, n) in enumerate(marks)),
                   key=lambda y: y.start)
    found = None
    for mark in years:  # the rule: the last mark in order that ends by pos, from floor on
        if floor <= mark.start and mark.end <= pos:
            found = mark.year
    assert year_before(years, pos, floor) == found
