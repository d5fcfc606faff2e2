"""Sentences are slices of the text; semicolon lists stay one sentence."""

from __future__ import annotations

import pytest

from kg.segment import split_sentences


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("甲。乙！丙？", ["甲。", "乙！", "丙？"]),
        ("标题\n正文一句。", ["标题", "正文一句。"]),
        ("2005年,A被评为X; 2007年,B被授予Y。", ["2005年,A被评为X; 2007年,B被授予Y。"]),
        ("他说：“好。”然后走了。", ["他说：“好。”", "然后走了。"]),
        ("  \n\n  ", []),
    ],
    ids=["marks", "lines", "semicolons", "quote-after-mark", "blank"],
)
def test_segment_splits_sentences(text: str, expected: list[str]) -> None:
    sentences = split_sentences(text)
    assert [s.text for s in sentences] == expected
    assert all(text[s.start:s.end] == s.text for s in sentences)
