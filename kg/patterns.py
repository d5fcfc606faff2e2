"""Compiled extraction patterns and the :class:`Resources` bundle every stage receives.

May import ``kg.lexicon``, ``kg.resources`` and ``kg.errors``.  Patterns live one per line
in ``kg/data/patterns/*.jsonl`` (``id``, ``pattern``, ``examples``, optional ``needs``:
literal words one of which every match contains, so that text holding none of them is
never searched); ``{REGION}``,
``{SURNAME}``, ``{HONOUR_CORE}`` placeholders are filled from the lexicon and every
pattern is compiled once.  Each example is a test: ``text`` must match and, where given,
the named groups must equal ``expect``.
"""

from __future__ import annotations

import functools
import importlib.metadata
import json
import logging
import os
import re
import sys
import tempfile
from collections.abc import Iterator
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
    needs: tuple[str, ...] = ()
    #: ``needs`` as one regex (None: no needs), so the check is one search.
    gate: re.Pattern[str] | None = None

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        """Every match in ``text``; none, without searching, when ``text`` holds none of
        the pattern's ``needs``."""
        if self.gate is not None and self.gate.search(text) is None:
            return iter(())
        return self.regex.finditer(text)

    def match(self, text: str) -> re.Match[str] | None:
        """A match at the start of ``text`` (None, without trying, when ``text`` holds none
        of the pattern's ``needs``)."""
        if self.gate is not None and self.gate.search(text) is None:
            return None
        return self.regex.match(text)


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
    needs = row.get("needs", [])
    if not isinstance(needs, list) or not all(isinstance(w, str) and w for w in needs):
        raise PatternError(f"pattern {row['id']}: 'needs' must be a list of words", path=path,
                           line=line)
    gate = re.compile("|".join(map(re.escape, needs))) if needs else None
    return Pattern(row["id"], regex, path, line, tuple(examples), tuple(needs), gate)


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
        return self.entry(pattern_id).regex

    def entry(self, pattern_id: str) -> Pattern:
        """One pattern, with its ``needs`` (use its ``finditer`` to search text).

        Raises:
            PatternError: no pattern has that id.
        """
        try:
            return self.patterns[pattern_id]
        except KeyError:
            raise PatternError(f"no pattern with id {pattern_id!r}",
                               path=str(data_dir() / "patterns")) from None

    def finditer(self, pattern_id: str, text: str) -> Iterator[re.Match[str]]:
        """Every match of one pattern in ``text`` (see :meth:`Pattern.finditer`)."""
        return self.entry(pattern_id).finditer(text)

    @functools.cached_property
    def tokenizer(self) -> Any:
        """A private jieba tokenizer whose user dictionary is generated from the lexicon.

        jieba-fast-dat: jieba's dictionary and algorithm (the same cuts on every corpus we
        measured) in C++, ten times faster, its dictionary loaded from a prebuilt
        double-array file in milliseconds.
        """
        import jieba_fast_dat  # type: ignore[import-untyped]

        jieba_fast_dat.setLogLevel(logging.CRITICAL)
        tokenizer = jieba_fast_dat.Tokenizer()
        _initialize(tokenizer)
        for line in self.lexicon.user_dictionary():
            word, freq, tag = line.split(" ")
            tokenizer.add_word(word, int(freq), tag)
        return tokenizer

    @functools.cached_property
    def word_tags(self) -> WordTags:
        """jieba's part-of-speech tag of each dictionary word (no HMM pass needed), the
        lexicon's words tagged as in the user dictionary."""
        trie = _tag_trie(self.tokenizer)
        overlay = _dictionary_tags(self.tokenizer) if trie is None else {}
        for line in self.lexicon.user_dictionary():
            word, _, tag = line.split(" ")
            overlay[word] = tag
        for place in self.lexicon.place_names:
            overlay.setdefault(place, "ns")
        return WordTags(trie, overlay)

    def freq(self, word: str) -> int:
        """jieba's dictionary frequency of ``word`` (0 when it is no word)."""
        return self.tokenizer.get_freq(word) or 0

    def cut(self, text: str) -> list[str]:
        """Tokens of ``text`` (jieba, HMM off, so unknown names split into characters)."""
        return self.tokenizer.lcut(text, HMM=False)


class WordTags:
    """Word -> part-of-speech tag, read like a dict (``get``).

    jieba keeps no table of tags it could hand over; reading its dictionary file into a
    dict costs a third of a second per process.  The tags are instead kept in a second
    double-array trie of jieba-fast-dat's, each tag stored as the word's "frequency"
    (:func:`_tag_code`), built once per machine and loaded in milliseconds.
    """

    def __init__(self, trie: Any | None, overlay: dict[str, str]) -> None:
        self._trie = trie
        self._overlay = overlay
        self._names: dict[int, str] = {}

    def get(self, word: str, default: str | None = None) -> str | None:
        """The tag of ``word`` (its lexicon tag first), else ``default``."""
        tag = self._overlay.get(word)
        if tag is not None:
            return tag
        code = self._trie.search(word) if word and self._trie is not None else 0
        if code <= 0:
            return default
        name = self._names.get(code)
        if name is None:
            name = self._names[code] = _tag_name(code)
        return name

    def __contains__(self, word: str) -> bool:
        return self.get(word) is not None


_TAG_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _tag_code(tag: str) -> int:
    """A tag of at most four letters a-z as a number (0 for any other tag)."""
    if not 0 < len(tag) <= 4 or any(c not in _TAG_LETTERS for c in tag):
        return 0
    return sum((_TAG_LETTERS.index(c) + 1) * 27 ** i for i, c in enumerate(tag))


def _tag_name(code: int) -> str:
    letters = []
    while code:
        code, digit = divmod(code, 27)
        letters.append(_TAG_LETTERS[digit - 1])
    return "".join(letters)


#: Notices a user should see once (the CLI prints the ``kg`` logger's INFO lines).
_LOG = logging.getLogger("kg")


def _cache_file(name: str) -> Path:
    """A prebuilt dictionary kept across runs in the user's cache directory (the temporary
    directory when that cannot be made)."""
    version = importlib.metadata.version("jieba-fast-dat")
    directory = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "kg"
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError:
        directory = Path(tempfile.gettempdir())
    return directory / f"{name}-{version}.dat"


def _publish(own: Path, shared: Path) -> None:
    """Rename a file this process built into the shared place (or drop it)."""
    try:
        os.replace(own, shared)
    except OSError:  # an unwritable temporary directory: what was built is in memory
        own.unlink(missing_ok=True)


def _dictionary_tags(tokenizer: Any) -> dict[str, str]:
    """Word -> tag as the tokenizer's dictionary file lists them (a later line wins, as in
    jieba), read the way ``jieba.posseg`` reads it."""
    with tokenizer.get_dict_file() as handle:
        text = handle.read().decode("utf-8")
    tags: dict[str, str] = {}
    for raw in text.split("\n"):
        line = raw.strip(" \t\n\r\x0b\x0c")  # bytes.strip(): ASCII white space
        if line:
            word, _, tag = line.split(" ")
            tags[word] = sys.intern(tag)
    return tags


def _tag_trie(tokenizer: Any) -> Any | None:
    """The trie of word -> tag code of the tokenizer's dictionary (see :class:`WordTags`),
    or None when some tag has no code (then the tags are read into a dict instead)."""
    import jieba_fast_dat

    shared = _cache_file("word-tags")
    trie = jieba_fast_dat.Tokenizer().dat
    if shared.is_file() and trie.load_all(str(shared)) == 0:
        return trie
    codes = {word: _tag_code(tag) for word, tag in _dictionary_tags(tokenizer).items()}
    if not all(codes.values()):
        return None
    own = shared.with_name(f"{shared.name}.{os.getpid()}")
    source = own.with_suffix(".txt")
    try:
        source.write_text("".join(f"{w} {c}\n" for w, c in codes.items()), encoding="utf-8")
        builder = jieba_fast_dat.Tokenizer(dictionary=str(source))
        builder.cache_file = str(own)
        builder.initialize()
    except OSError:  # nowhere to build it: read the tags into a dict instead
        return None
    finally:
        source.unlink(missing_ok=True)
    _publish(own, shared)
    return builder.dat


def _initialize(tokenizer: Any) -> None:
    """Load the dictionary from the shared prebuilt file, first building that file under a
    name of this process's own and renaming it into place: jieba-fast-dat writes its
    cache where it stands, so two builds starting at once could read a half-written one."""
    shared = _cache_file("jieba-fast-dat")
    if shared.is_file():
        tokenizer.cache_file = str(shared)
        tokenizer.initialize()
        return
    _LOG.info("making the word dictionaries in %s (once per machine; 5-20 s)", shared.parent)
    own = shared.with_name(f"{shared.name}.{os.getpid()}")
    tokenizer.cache_file = str(own)
    tokenizer.initialize()
    _publish(own, shared)


@functools.cache
def load_resources(overlays: tuple[Path, ...] = ()) -> Resources:
    """The resources bundle for this process (cached).

    Raises:
        DataError: a lexicon or pattern file is malformed.
    """
    return Resources(load_lexicon(overlays), load_patterns(overlays), overlays)
