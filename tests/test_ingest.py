"""Tests for kg.ingest: finding files, decoding, HTML, cleanup, metadata, bad inputs."""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg import ingest
from kg.doc import Document
from kg.errors import DocumentError, InputError
from kg.ingest import document_id, find_documents, load_rules, read_document
from kg.ingest.text import clean

ROOT = Path(__file__).resolve().parent.parent
CASES = Path(__file__).parent / "data" / "ingest"
BAD = Path(__file__).parent / "data" / "bad"
SEEDS = ROOT / "seeds"
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


def _case_source(expected: Path) -> Path:
    stem = expected.name.removesuffix(".expected.json")
    (source,) = [p for p in CASES.glob(f"{stem}.*") if p != expected]
    return source


EXPECTED = sorted(CASES.glob("*.expected.json"))
OUTCOMES: dict[str, str] = json.loads((BAD / "outcomes.json").read_text(encoding="utf-8"))


# ------------------------------------------------------------------ data-driven cases


@pytest.mark.parametrize("expected", EXPECTED, ids=[p.name.split(".")[0] for p in EXPECTED])
def test_ingest_case_matches_expected(expected: Path) -> None:
    want = json.loads(expected.read_text(encoding="utf-8"))
    doc = read_document(_case_source(expected))
    for field in ("encoding", "title", "date", "publisher", "creator", "media_type"):
        if field in want:
            assert getattr(doc.meta, field) == want[field], field
    written = doc.source_text or doc.text  # a traditional-script text as written
    assert written.startswith(want["text_startswith"])
    for part in want["text_contains"]:
        assert part in written
    for part in want["text_not_contains"]:
        assert part not in written


def test_ingest_cases_cover_every_source_file() -> None:
    sources = {p for p in CASES.iterdir() if not p.name.endswith(".expected.json")}
    assert sources == {_case_source(e) for e in EXPECTED}


@pytest.mark.parametrize("name", sorted(OUTCOMES), ids=sorted(OUTCOMES))
def test_ingest_bad_input_outcome(name: str) -> None:
    path = BAD / name
    outcome = OUTCOMES[name]
    if outcome.startswith("ignored: "):  # not a document: the walk lists it, reads it not
        assert path not in ingest.survey([BAD]).documents
        return
    if outcome.split(":")[0] == "built":
        doc = read_document(path)
        assert isinstance(doc, Document)
        assert len(CJK.findall(doc.text)) >= ingest.MIN_CJK
        if ": " in outcome:  # bytes replaced
            assert doc.meta.replaced == int(outcome.split(": ", 1)[1].split()[0])
        return
    reason = outcome.removeprefix("skipped: ")
    assert outcome.startswith("skipped: ") and reason
    with pytest.raises(DocumentError) as info:
        read_document(path)
    message = str(info.value)
    assert message.startswith(str(path) + ": ")
    assert reason in message
    assert "\n" not in message


def test_ingest_bad_inputs_all_listed_and_small() -> None:
    files = {p.name for p in BAD.iterdir()}
    assert files == set(OUTCOMES)
    assert all((BAD / name).stat().st_size < 4096 for name in files)


def test_ingest_script_and_style_never_reach_the_text() -> None:
    doc = read_document(BAD / "script_style.html")
    assert doc.text == "天津海关举办开放日。\n"
    assert doc.meta.media_type == "text/html"


def test_ingest_odd_file_name_gives_safe_id() -> None:
    (name,) = [n for n in OUTCOMES if "onerror" in n]
    doc = read_document(BAD / name)
    assert re.fullmatch(r"[0-9A-Za-z_.\-\u4e00-\u9fff]+", doc.id)
    assert doc.path == str(BAD / name)
    assert "onerror=alert(1)" in doc.text  # the text is data, kept verbatim


# ----------------------------------------------------------------------------- seeds


def _seed(prefix: str) -> Document:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return read_document(path, root=SEEDS)


def test_ingest_seed_002_furniture_removed() -> None:
    doc = _seed("002")
    for gone in ("ICP", "相关文章", "无相关信息", "Copyright", "首页 >", "首页\u00a0>"):
        assert gone not in doc.text
    assert doc.text.startswith("千帆竞发春潮涌 万马追风正逢时――满洲里海关精神文明建设工作纪实\n")
    assert "满洲里海关 鲁焕新\n" in doc.text
    assert doc.meta.creator == "鲁焕新"


def test_ingest_seed_003_source_and_date() -> None:
    doc = _seed("003")
    assert doc.meta.date == "2012-04-14"
    assert doc.meta.publisher == "海关总署网"
    assert doc.meta.title == "海关系统以制度建设为着力点加强行业作风建设"


def test_ingest_seed_004_ocr_spaces_repaired() -> None:
    doc = _seed("004")
    assert "上海海关不断迎接挑战" in doc.text
    assert "总在重要节点" in doc.text
    assert "上 海海关" not in doc.text
    assert doc.meta.creator == "张永超"
    assert doc.meta.publisher == "中国城市报"
    assert doc.meta.title == "上海海关：党建引领促发展 凝心聚力强担当"
    assert "党建引领促发展 凝心聚力强担当\n" in doc.text  # a headline keeps its space


def test_ingest_a_chronicles_date_keeps_its_space_from_the_entry() -> None:
    # the space after 3月8日 is no OCR stray between two words: without it the entry's first
    # name would read 日武宿海关
    text, _ = clean("3月8日\u3000武宿海关旅检科被授予“巾帼文明岗”，天津 海关也是。\n", load_rules())
    assert text == "3月8日\u3000武宿海关旅检科被授予“巾帼文明岗”，天津海关也是。\n"


@pytest.mark.parametrize("path", sorted(SEEDS.glob("*.txt")), ids=lambda p: p.stem)
def test_ingest_seed_text_is_clean(path: Path) -> None:
    doc = read_document(path, root=SEEDS)
    assert doc.id == path.stem
    assert doc.meta.title and doc.meta.encoding == "utf-8"
    assert "\r" not in doc.text and "\n\n\n" not in doc.text and doc.text.endswith("\n")
    assert all(line == line.strip() for line in doc.text.split("\n"))


def test_ingest_reading_is_deterministic() -> None:
    path = next(SEEDS.glob("004_*.txt"))
    assert read_document(path) == read_document(path)


# --------------------------------------------------------------------- size and speed


def test_ingest_five_megabyte_single_line_is_fast(tmp_path: Path) -> None:
    sentence = "天津海关荣获全国文明单位称号， 上海海关 也获得表彰。"
    path = tmp_path / "big.txt"
    path.write_text(sentence * (5 * 2**20 // len(sentence.encode()) + 1), encoding="utf-8")
    assert path.stat().st_size > 5 * 2**20
    started = time.perf_counter()
    doc = read_document(path)
    assert time.perf_counter() - started < 2.0
    assert "\n" not in doc.text.rstrip("\n")
    assert doc.text.startswith("天津海关荣获全国文明单位称号，上海海关也获得表彰。")
    assert len(doc.meta.title) <= 80


def test_ingest_max_bytes_refuses_larger_files(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("天津海关荣获全国文明单位称号。", encoding="utf-8")
    with pytest.raises(DocumentError, match="too large"):
        read_document(path, max_bytes=10)


def test_ingest_directory_is_not_a_document(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="cannot read file"):
        read_document(tmp_path)


# ----------------------------------------------------------------------------- paths


def _tree(tmp_path: Path) -> Path:
    for rel in ("b.txt", "a.HTML", "notes.md", ".hidden.txt", "sub/c.text", "sub/d.htm",
                ".git/e.txt", "sub/.cache/f.txt", "z/y/x.TXT"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("天津海关荣获全国文明单位称号。", encoding="utf-8")
    return tmp_path


def test_ingest_find_documents_walks_sorted_and_filters(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    found = [p.relative_to(root).as_posix() for p in find_documents([root])]
    assert found == ["a.HTML", "b.txt", "sub/c.text", "sub/d.htm", "z/y/x.TXT"]


def test_ingest_find_documents_keeps_named_files_and_dedupes(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    found = find_documents([root / "notes.md", root / "sub", root / "sub" / "c.text",
                            str(root / "sub" / "c.text"), root / ".hidden.txt"])
    assert [p.name for p in found] == [".hidden.txt", "notes.md", "c.text", "d.htm"]
    assert found == sorted(found, key=lambda p: p.as_posix())


def test_ingest_find_documents_missing_path_is_input_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.txt"
    with pytest.raises(InputError) as info:
        find_documents([missing])
    assert str(info.value).startswith(f"{missing}: no such file or directory")


def test_ingest_document_id_is_safe_and_prefixed(tmp_path: Path) -> None:
    assert document_id(Path("x/天津 海关(2019)!.txt")) == "天津_海关_2019__"
    assert document_id(tmp_path / "sub" / "dir" / "name.txt", tmp_path) == "sub_dir_name"
    assert document_id(tmp_path / "name.v2.txt", tmp_path) == "name.v2"
    assert document_id(Path("/elsewhere/a-b.txt"), tmp_path) == "a-b"


def test_ingest_root_prefix_keeps_ids_unique(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    ids = [read_document(p, root=root).id for p in find_documents([root])]
    assert ids == ["a", "b", "sub_c", "sub_d", "z_y_x"]


# ------------------------------------------------------------------------- data files


@pytest.mark.parametrize("pattern", load_rules().metadata, ids=lambda p: p.id)
def test_ingest_metadata_pattern_matches_its_example(pattern: ingest.MetaPattern) -> None:
    match = pattern.regex.search(pattern.example)
    assert match is not None
    assert any(match.groupdict().values())


def test_ingest_furniture_drops_typical_lines() -> None:
    rules = load_rules()
    for line in ("首页\u00a0>\u00a0新闻资讯\u00a0>\u00a0综合新闻", "当前位置：首页 > 通知公告",
                 "京ICP备2022011338号", "Copyright © 2007-2025 CAOP All Rights Reserved.",
                 "中国口岸协会版权所有", "打印本页 关闭窗口", "【字体：大 中 小】", "相关文章:",
                 "无相关信息", "浏览次数：88", "共3页 首页 上一页 1 2 3 下一页 尾页",
                 "责任编辑：王芳", "分享到：微信 微博", "南宁海关文件", "中共南宁海关委员会文件",
                 "南关发〔2024〕9号", "署办发〔2019〕12号"):
        assert rules.furniture.fullmatch(line), line
    for line in ("1", "2019", "天津海关荣获全国文明单位称号。", "满洲里海关 鲁焕新",
                 "分享经验 共同提高", "扫码通关成为常态", "海关总署关于印发文件",
                 "南宁海关关于表彰2023年度先进集体的决定"):
        assert not rules.furniture.fullmatch(line), line


def test_ingest_all_is_sorted() -> None:
    assert ingest.__all__ == sorted(ingest.__all__)


# ------------------------------------------------------------------------- properties

_FURNITURE_CHARS = {
    c for name in ("furniture.txt", "tail.txt")
    for c in (ROOT / "kg" / "data" / "ingest" / name).read_text(encoding="utf-8")
}
_SAFE_CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5).filter(
    lambda c: c not in _FURNITURE_CHARS)
_LINE = st.lists(st.one_of(_SAFE_CJK, st.sampled_from(list("，。、0123456789 "))),
                 min_size=1, max_size=40).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=600))
def test_ingest_arbitrary_bytes_raise_only_document_error(tmp_path_factory: pytest.TempPathFactory,
                                                          data: bytes) -> None:
    path = tmp_path_factory.mktemp("bytes") / "x.txt"
    path.write_bytes(data)
    try:
        doc = read_document(path)
    except DocumentError as exc:
        assert "\n" not in str(exc)
    else:
        assert len(CJK.findall(doc.text)) >= ingest.MIN_CJK


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=st.lists(_LINE, min_size=1, max_size=8))
def test_ingest_utf8_text_round_trips(tmp_path_factory: pytest.TempPathFactory,
                                      lines: list[str]) -> None:
    text = "\n".join(lines)
    if len(CJK.findall(text)) < ingest.MIN_CJK:
        return
    path = tmp_path_factory.mktemp("text") / "x.txt"
    path.write_bytes(text.encode("utf-8"))
    doc = read_document(path)
    assert re.sub(r"\s", "", doc.source_text or doc.text) == re.sub(r"\s", "", text)
    assert doc.meta.encoding == "utf-8"


@pytest.mark.parametrize(("byline", "creator"), [
    ("作者：记者 周倩　　浏览次数：2317", "周倩"),
    ("作者：特约通讯员 李明", "李明"),
    ("作者：李明 发布时间：2019-03-05", "李明"),
])
def test_ingest_author_line_gives_the_name_not_the_title(tmp_path: Path, byline: str,
                                                         creator: str) -> None:
    path = tmp_path / "doc.txt"
    path.write_text(f"长沙海关推进通关便利化\n发布时间：2021-03-18　　{byline}\n"
                    "长沙海关去年推出多项措施，服务内陆开放。\n", encoding="utf-8")
    assert read_document(path).meta.creator == creator


def test_ingest_red_header_is_not_the_title(tmp_path: Path) -> None:
    path = tmp_path / "decision.txt"
    path.write_text("南宁海关文件\n\n南关发〔2024〕9号\n\n南宁海关关于表彰2023年度先进集体的决定\n\n"
                    "关区各单位：\n决定授予东兴海关“2023年度南宁海关先进集体”称号。\n", encoding="utf-8")
    doc = ingest.read_document(path)
    assert doc.meta.title == "南宁海关关于表彰2023年度先进集体的决定"


# ------------------------------------------------------- issue 13: every input accounted for


@pytest.mark.issue(13)
@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("text", [
    "2015年，天津海关被评为全国文明单位。一二三\n" * 5,  # 一 U+4E00: a NUL in its low byte
    "天津海关被评为全国文明单位一等功" * 5,
])
def test_ingest_utf16_without_a_bom(tmp_path: Path, codec: str, text: str) -> None:
    path = tmp_path / "u.txt"
    path.write_bytes(text.encode(codec))
    doc = read_document(path)
    assert doc.meta.encoding == codec and "天津海关" in doc.text


@pytest.mark.issue(13)
def test_ingest_survey_lists_what_it_does_not_read(tmp_path: Path) -> None:
    from kg.ingest import survey

    (tmp_path / "a.shtml").write_text("<p>天津海关</p>", encoding="utf-8")
    (tmp_path / "b.XHTML").write_text("<p>天津海关</p>", encoding="utf-8")
    (tmp_path / "c.pdf").write_bytes(b"%PDF")
    (tmp_path / ".hidden.txt").write_text("x", encoding="utf-8")
    (tmp_path / "skip").mkdir()
    (tmp_path / "skip" / "d.txt").write_text("x", encoding="utf-8")
    os.symlink(tmp_path / "none.txt", tmp_path / "e.txt")
    found = survey([tmp_path], exclude=[tmp_path / "skip"])
    assert [p.name for p in found.documents] == ["a.shtml", "b.XHTML"]
    assert [(p.name, blocking) for p, _, blocking in found.ignored] == [
        ("c.pdf", False), ("e.txt", True)]


@pytest.mark.issue(14)
def test_ingest_traditional_script_is_read_simplified_and_kept_as_written(tmp_path: Path
                                                                          ) -> None:
    written = "來源：海關總署\n2015年，天津海關駐機場辦事處榮獲「全國文明單位」稱號。\n"
    path = tmp_path / "t.txt"
    path.write_text(written, encoding="utf-8")
    doc = read_document(path)
    assert doc.text == "来源：海关总署\n2015年，天津海关驻机场办事处荣获「全国文明单位」称号。\n"
    assert doc.source_text == written and len(doc.source_text) == len(doc.text)
    assert doc.meta.publisher == "海關總署"  # read by the simplified rules, given as written


@pytest.mark.issue(14)
@pytest.mark.parametrize(("raw", "clean"), [
    ("濟(jì)南海關(guān)總署", "濟南海關總署"),
    ("春耕物(wù)資(zī)專(zhuan)用(yong)窗口", "春耕物資專用窗口"),  # bare ones on a glossed page
    ("重量(kg)以上，海关（AEO）认证", "重量(kg)以上，海关（AEO）认证"),  # no gloss: kept
])
def test_ingest_pinyin_glosses_of_spam_mirrors_are_dropped(raw: str, clean: str) -> None:
    from kg.ingest.script import drop_pinyin_glosses

    assert drop_pinyin_glosses(raw) == clean
