"""Compiled extraction patterns and the :class:`Resources` bundle every stage receives.

May import ``kg.lexicon``, ``kg.resources`` and ``kg.errors``.  Patterns live one per line
in ``kg/data/patterns/*.jsonl`` (``id``, ``pattern``, ``examples``); ``{REGION}``,
``{SURNAME}``, ``{HONOUR_CORE}`` placeholders are filled from the lexicon and every
pattern is compiled once.  Each example is a test: ``text`` must match and, where given,
the named groups must equal ``expect``.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kg.errors import PatternError
from kg.lexicon import Lexicon, load_lexicon
from kg.resources import data_dir, read_data_text

__all__ = ["Pattern", "Resources", "load_patterns", "load_resources"]


@dataclass(frozen=True, slots=True)
class Pattern:
    """One compiled pattern with its id, source file and runnable examples."""

    id: str
    regex: re.Pattern[str]
    path: str
    line: int
    examples: tuple[dict[str, Any], ...]


def _placeholders(lexicon: Lexicon) -> dict[str, str]:
    def alt(words: object) -> str:
        items = sorted(set(words), key=lambda w: (-len(w), w))  # type: ignore[call-overload]
        return "(?:" + "|".join(re.escape(w) for w in items) + ")"

    return {
        "REGION": alt(lexicon.region_by_name),
        "SURNAME": alt(lexicon.surnames),
        "HONOUR_CORE": alt(lexicon.honour_cores),
        "CJK": r"[\u4e00-\u9fff]",
    }


def _compile_row(row: dict[str, Any], fills: dict[str, str], path: str, line: int) -> Pattern:
    for key in ("id", "pattern"):
        if not isinstance(row.get(key), str) or not row[key]:
            raise PatternError(f"missing {key!r}", path=path, line=line)
    source = row["pattern"]
    for name in re.findall(r"\{([A-Z_]+)\}", source):
        if name not in fills:
            raise PatternError(f"unknown placeholder {{{name}}} in {row['id']}", path=path,
                               line=line, hint=f"use one of {', '.join(sorted(fills))}")
        source = source.replace("{" + name + "}", fills[name])
    try:
        regex = re.compile(source)
    except re.error as exc:
        raise PatternError(f"pattern {row['id']} does not compile ({exc})", path=path,
                           line=line) from None
    examples = row.get("examples", [])
    if not isinstance(examples, list) or not examples:
        raise PatternError(f"pattern {row['id']} has no examples", path=path, line=line,
                           hint="add at least one {\"text\": ..., \"expect\": {...}}")
    return Pattern(row["id"], regex, path, line, tuple(examples))


@functools.cache
def load_patterns(overlays: tuple[Path, ...] = ()) -> dict[str, Pattern]:
    """Load, fill and compile every pattern file once per process.

    Raises:
        PatternError: bad JSON, a missing field, an unknown placeholder, a bad regex,
            or an id used twice.
    """
    fills = _placeholders(load_lexicon(overlays))
    table: dict[str, Pattern] = {}
    dirs = [data_dir() / "patterns", *(d / "patterns" for d in overlays)]
    for directory in dirs:
        for path in sorted(directory.glob("*.jsonl")) if directory.is_dir() else []:
            for number, raw in enumerate(read_data_text(path).splitlines(), start=1):
                if not raw.strip() or raw.lstrip().startswith("//"):
                    continue
                try:
                    row = json.loads(raw)
                except json.JSONDecodeError as exc:
                    raise PatternError(f"not JSON ({exc.msg})", path=str(path),
                                       line=number) from None
                pattern = _compile_row(row, fills, str(path), number)
                if pattern.id in table:
                    raise PatternError(f"pattern id {pattern.id!r} used twice", path=str(path),
                                       line=number)
                table[pattern.id] = pattern
    return table


@dataclass(frozen=True)
class Resources:
    """What every stage needs, loaded once per process: lexicon, patterns, tokenizer."""

    lexicon: Lexicon
    patterns: dict[str, Pattern]
    overlays: tuple[Path, ...] = ()

    def pattern(self, pattern_id: str) -> re.Pattern[str]:
        """The compiled regex of one pattern.

        Raises:
            PatternError: no pattern has that id.
        """
        try:
            return self.patterns[pattern_id].regex
        except KeyError:
            raise PatternError(f"no pattern with id {pattern_id!r}",
                               path=str(data_dir() / "patterns")) from None

    @functools.cached_property
    def tokenizer(self) -> Any:
        """A private jieba tokenizer whose user dictionary is generated from the lexicon."""
        import jieba  # type: ignore[import-untyped]

        jieba.setLogLevel(logging.WARNING)
        tokenizer = jieba.Tokenizer()
        tokenizer.initialize()
        for line in self.lexicon.user_dictionary():
            word, freq, tag = line.split(" ")
            tokenizer.add_word(word, int(freq), tag)
        return tokenizer

    @functools.cached_property
    def word_tags(self) -> dict[str, str]:
        """jieba's part-of-speech tag of each dictionary word (no HMM pass needed).

        The tokenizer's dictionary file is read the way ``jieba.posseg`` reads it, without
        importing ``jieba.posseg``, which builds a second table of its own at import
        (about 50 MB and half a second per process).
        """
        with self.tokenizer.get_dict_file() as handle:
            text = handle.read().decode("utf-8")
        tags: dict[str, str] = {}
        for raw in text.split("\n"):
            line = raw.strip(" \t\n\r\x0b\x0c")  # bytes.strip(): ASCII white space
            if line:
                word, _, tag = line.split(" ")
                tags[word] = sys.intern(tag)
        for line in self.lexicon.user_dictionary():
            word, _, tag = line.split(" ")
            tags[word] = tag
        return tags

    def cut(self, text: str) -> list[str]:
        """Tokens of ``text`` (jieba, HMM off, so unknown names split into characters)."""
        return list(self.tokenizer.cut(text, HMM=False))


@functools.cache
def load_resources(overlays: tuple[Path, ...] = ()) -> Resources:
    """The resources bundle for this process (cached).

    Raises:
        DataError: a lexicon or pattern file is malformed.
    """
    return Resources(load_lexicon(overlays), load_patterns(overlays), overlays)
