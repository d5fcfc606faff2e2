"""Shared fixtures: the real resources, documents built from strings, one seeds build."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from kg.doc import Document, DocumentMeta
from kg.errors import KgError

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SHARED = ROOT.parent / "shared"
DATA = Path(__file__).resolve().parent / "data"


def directives(path: Path, comment: str) -> dict[str, str]:
    """The ``<comment> key: value`` lines (expect-line, expect, level) of a bad case file."""
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(re.escape(comment) + r"\s*(expect-line|expect|level):\s*(.*)", line)
        if match:
            found[match.group(1)] = match.group(2).strip()
    return found


def assert_bad_overlay(case: Path, target: Path, load: Callable[[], object],
                       error: type[KgError], comment: str) -> KgError:
    """Put a bad data file into an overlay at ``target`` and load it: the error must be
    one line naming ``target`` and the line the case's directives give.  Returns it."""
    expect = directives(case, comment)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(case, target)
    with pytest.raises(error) as caught:
        load()
    message = str(caught.value)
    assert message.startswith(f"{target}:{expect['expect-line']}: "), message
    assert expect["expect"] in message
    assert "\n" not in message
    assert caught.value.path == str(target)
    assert caught.value.line == int(expect["expect-line"])
    return caught.value


def assert_spans_slice_text(doc: Document) -> None:
    """Every span a stage recorded is an exact slice of the document text."""
    for sentence in doc.sentences:
        assert doc.text[sentence.start:sentence.end] == sentence.text
    for m in doc.mentions:
        assert doc.text[m.start:m.end] == m.text, m
    for fact in (*doc.awards, *doc.programmes):
        assert doc.text[fact.sentence.start:fact.sentence.end] == fact.sentence.text


@pytest.fixture(scope="session")
def resources():  # type: ignore[no-untyped-def]
    """The real lexicon, patterns and tokenizer, loaded once."""
    from kg.patterns import load_resources

    return load_resources()


@pytest.fixture
def make_doc() -> Callable[..., Document]:
    """A Document from a string, as ingest would hand it over."""

    def make(text: str, title: str | None = None, doc_id: str = "case") -> Document:
        first = text.strip().split("\n", 1)[0]
        return Document(doc_id, f"{doc_id}.txt", text, DocumentMeta(title or first))

    return make


@pytest.fixture
def run_stages(resources):  # type: ignore[no-untyped-def]
    """Run segment -> extract -> resolve on a Document."""
    from kg.pipeline import Pipeline

    pipeline = Pipeline(resources)
    return pipeline


@pytest.fixture(scope="session")
def seeds_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``kg.build(seeds/)`` once for the end-to-end tests; returns the output directory."""
    from kg.pipeline import build

    out = tmp_path_factory.mktemp("seeds-out")
    report = build([SEEDS], out)
    assert report.ok, report.outcomes
    return out
