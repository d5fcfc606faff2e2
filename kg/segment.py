"""Segment: split a document's text into sentences with offsets.

May import ``kg.doc``, ``kg.patterns``, ``kg.errors``.  A sentence ends at 。！？!? (with any
closing quotes after the mark) or at a line break, so headings and bylines are sentences
of their own.  Semicolons do not end a sentence: a list of clauses such as
"2005年，A被认定为X；2007年，B被授予Y；…" stays one sentence, and extract carries a year
across its clauses.  Tokens are cut on demand by extract (only where a rule needs word
boundaries), which keeps a build faster than segmenting every character with jieba.
"""

from __future__ import annotations

import dataclasses
import re

from kg.doc import Document, Sentence
from kg.patterns import Resources

__all__ = ["ASSIGNS", "REQUIRES", "segment", "split_sentences"]

REQUIRES: tuple[str, ...] = ("text",)
ASSIGNS: tuple[str, ...] = ("sentences",)

_END = re.compile(r"[。！？!?]+[”’」』\"']*|\n+")


def split_sentences(text: str) -> tuple[Sentence, ...]:
    """Sentences of ``text`` as spans; leading and trailing white space is left out.

    Args:
        text: the document text.

    Returns:
        The non-empty sentences in text order; ``text[s.start:s.end] == s.text``.
    """
    sentences: list[Sentence] = []
    start = 0
    for match in _END.finditer(text):
        end = match.end() if match.group().strip() else match.start()
        _append(text, start, end, sentences)
        start = match.end()
    _append(text, start, len(text), sentences)
    return tuple(sentences)


def _append(text: str, start: int, end: int, out: list[Sentence]) -> None:
    chunk = text[start:end]
    body = chunk.strip()  # str.strip() removes exactly what str.isspace() calls space
    if body:
        start += len(chunk) - len(chunk.lstrip())
        out.append(Sentence(start, start + len(body), body))


def segment(doc: Document, res: Resources) -> Document:
    """Set ``doc.sentences``.

    Args:
        doc: an ingested document.
        res: the process's resources (unused today; kept for the stage signature).

    Returns:
        A copy of ``doc`` with its sentences.
    """
    del res
    return dataclasses.replace(doc, sentences=split_sentences(doc.text))
