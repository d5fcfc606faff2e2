"""The domain lexicon: organisations, regions, honour and programme shapes, trigger words.

May import ``kg.resources``, ``kg.doc`` and ``kg.errors``.  Every table is a TSV file under
``kg/data/lexicon/`` (first non-comment line is the header, ``#`` starts a comment line,
``|`` separates aliases).  A user's ``--data DIR`` holding files of the same names adds
rows; an alias claimed by two canonicals is an error naming both places.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from kg.errors import LexiconError
from kg.resources import data_path, read_data_text

__all__ = ["Lexicon", "OrgEntry", "Region", "TsvRow", "load_lexicon", "read_tsv"]

_T = TypeVar("_T")

_CLASSES = frozenset(
    {"Administration", "Bureau", "SubOffice", "Department", "ExternalOrganization"}
)


@dataclass(frozen=True, slots=True)
class TsvRow:
    """One data row of a TSV file, with where it came from."""

    path: str
    line: int
    values: dict[str, str]


@dataclass(frozen=True, slots=True)
class OrgEntry:
    """A known organisation: canonical name, class, lexicon parent, region and city."""

    canonical: str
    cls: str
    parent: str | None
    region: str | None
    city: str | None
    political: bool = False


@dataclass(frozen=True, slots=True)
class Region:
    """A province-level division: full name (内蒙古自治区), short names, level word."""

    name: str
    shorts: tuple[str, ...]
    level: str


def read_tsv(path: Path, required: tuple[str, ...]) -> list[TsvRow]:
    """Read a lexicon TSV file into rows keyed by its header.

    Args:
        path: the file.
        required: columns the header must have; rows must fill the first of them.

    Raises:
        LexiconError: a missing column, a row with too many cells or an empty key cell.
    """
    rows: list[TsvRow] = []
    header: list[str] | None = None
    for number, raw in enumerate(read_data_text(path).splitlines(), start=1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        cells = [c.strip() for c in raw.split("\t")]
        while len(cells) > 1 and not cells[-1]:
            cells.pop()
        if header is None:
            header = cells
            missing = [c for c in required if c not in header]
            if missing:
                raise LexiconError(f"header lacks column(s) {', '.join(missing)}",
                                   path=str(path), line=number,
                                   hint=f"the header must name {', '.join(required)}")
            continue
        if len(cells) > len(header):
            raise LexiconError(f"row has {len(cells)} cells, header has {len(header)}",
                               path=str(path), line=number, hint="separate cells with one tab")
        values = dict(zip(header, cells + [""] * (len(header) - len(cells))))
        if not values[required[0]]:
            raise LexiconError(f"empty {required[0]!r} cell", path=str(path), line=number)
        rows.append(TsvRow(str(path), number, values))
    return rows


def _split(cell: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in cell.split("|") if part.strip())


@dataclass(frozen=True)
class Lexicon:
    """Read-only lookups built once from the TSV files (see module docstring)."""

    orgs: dict[str, OrgEntry]
    regions: tuple[Region, ...]
    honour_cores: dict[str, str]
    department_words: dict[str, bool]
    triggers: dict[str, tuple[str, ...]]
    programme_heads: dict[str, bool]
    generic_org_words: frozenset[str]
    #: words that never open a name: what run-on text leaves before one (据绥芬河海关)
    name_breakers: frozenset[str]
    anaphors: dict[str, str]
    person_titles: tuple[str, ...]
    surnames: frozenset[str]
    external_suffixes: dict[str, bool]
    external_bodies: dict[str, bool]
    foreign_places: tuple[str, ...] = ()
    #: sub-office name -> its bureau's canonical name ("" when two bureaus have one so named)
    sub_offices: dict[str, str] = dataclasses.field(default_factory=dict)
    #: (bureau canonical, sub-office name) -> official 关区代码
    office_codes: dict[tuple[str, str], str] = dataclasses.field(default_factory=dict)

    @functools.cached_property
    def org_pattern(self) -> re.Pattern[str]:
        """One alternation of every known organisation name and alias, longest first."""
        return _alternation(self.orgs)

    @functools.cached_property
    def region_by_name(self) -> dict[str, Region]:
        """Region lookup by full or short name."""
        table: dict[str, Region] = {}
        for region in self.regions:
            table[region.name] = region
            for short in region.shorts:
                if len(short) >= 2:
                    table.setdefault(short, region)
        return table

    @functools.cached_property
    def region_pattern(self) -> re.Pattern[str]:
        """Full region names and their two-character-or-longer short names, longest first."""
        return _alternation(self.region_by_name)

    @functools.cached_property
    def place_names(self) -> frozenset[str]:
        """Places the tables name: the regions (full and short names) and the bureaus'
        cities.  jieba tags some of them as other words (大连 and 大同 as adverbs)."""
        cities = {e.city for e in self.orgs.values() if e.city and len(e.city) >= 2}
        return frozenset({*self.region_by_name, *cities})

    def bureau_of_city(self, city: str) -> OrgEntry | None:
        """The bureau whose seat is ``city`` (天津 -> 天津海关), if any."""
        entry = self.orgs.get(f"{city}海关")
        return entry if entry is not None and entry.cls == "Bureau" else None

    def trigger_words(self, kind: str) -> tuple[str, ...]:
        """Trigger words of one kind, longest first (empty when the kind is unknown)."""
        return self.triggers.get(kind, ())

    # ------------------------------------------------------------------ compiled once
    # The extractors ask for the same word lists and alternations for every sentence;
    # these build each one once per lexicon (that is, once per process).

    @functools.cached_property
    def _built(self) -> dict[tuple[object, ...], object]:
        return {}

    def _once(self, key: tuple[object, ...], make: Callable[[], _T]) -> _T:
        try:
            return self._built[key]  # type: ignore[return-value]
        except KeyError:
            made = self._built[key] = make()
            return made

    @functools.cached_property
    def _memos(self) -> dict[str, object]:
        return {}

    def memo(self, name: str, make: Callable[[], _T]) -> _T:
        """What ``make`` builds from this lexicon, built on the first call under ``name``
        (a regex or word table an extractor would otherwise rebuild for every sentence)."""
        try:  # asked for once per sentence: the shortest path
            return self._memos[name]  # type: ignore[return-value]
        except KeyError:
            made = self._memos[name] = make()
            return made

    def words_pattern(self, words: tuple[str, ...], template: str = "{}") -> re.Pattern[str]:
        """The alternation of ``words`` (escaped, in the order given) put into ``template``
        at ``{}``, compiled once.

        Args:
            words: the literal words; put the longest first for longest-match-wins.
            template: a regex around the alternation, e.g. ``"({})[”’]?"``.
        """
        def make() -> re.Pattern[str]:
            alternation = "|".join(map(re.escape, words)) or r"(?!x)x"  # no words: no match
            return re.compile(template.replace("{}", alternation))

        return self._once(("words", words, template), make)

    def any_word(self, name: str, words: Iterable[str]) -> re.Pattern[str]:
        """The alternation of a table's ``words``, longest first (the longest word at a
        position wins), compiled once under ``name``: the same name must always be given
        the same words."""
        return self._once(("any_word", name), lambda: _alternation(words))

    def trigger_pattern(self, kind: str) -> re.Pattern[str]:
        """The trigger words of one kind as one regex, longest first (compiled once)."""
        return self._once(("trigger", kind), lambda: self.words_pattern(self.trigger_words(kind)))

    def trigger_table(self, kinds: tuple[str, ...]) -> tuple[dict[str, str], re.Pattern[str]]:
        """Trigger words of several kinds: word -> kind (the kind listed first wins a word
        two kinds share) and one regex of all of them, longest first; built once."""
        def make() -> tuple[dict[str, str], re.Pattern[str]]:
            words = {w: k for k in reversed(kinds) for w in self.trigger_words(k)}
            ordered = sorted(words, key=len, reverse=True)
            return words, re.compile("|".join(re.escape(w) for w in ordered))

        return self._once(("table", kinds), make)

    def programme_head_words(self, strong_only: bool) -> tuple[str, ...]:
        """Programme head words, longest first; only those that make a programme on their
        own (not ``quoted_only``) when ``strong_only``."""
        return self._once(("heads", strong_only), lambda: tuple(sorted(
            (h for h, quoted_only in self.programme_heads.items()
             if not (strong_only and quoted_only)), key=len, reverse=True)))

    def honour_core_words(self, kinds: tuple[str, ...]) -> tuple[str, ...]:
        """Honour-title cores whose kind is one of ``kinds``, longest first."""
        return self._once(("cores", kinds), lambda: tuple(sorted(
            (c for c, k in self.honour_cores.items() if k in kinds), key=len, reverse=True)))

    def user_dictionary(self) -> list[str]:
        """Lines of a jieba user dictionary (``word freq tag``), generated from the tables."""
        words: dict[str, str] = {}
        for name in self.orgs:
            words[name] = "nt"
        for word in self.department_words:
            words.setdefault(word, "n")
        for word in self.programme_heads:
            words.setdefault(word, "n")
        for word in (*self.external_suffixes, *self.external_bodies):
            words.setdefault(word, "n")
        for kind_words in self.triggers.values():
            for word in kind_words:
                words.setdefault(word, "v")
        words.setdefault("海关", "nt")
        return [f"{w} 100000 {t}" for w, t in sorted(words.items()) if " " not in w]


def _alternation(names: Iterable[str]) -> re.Pattern[str]:
    ordered = sorted(names, key=lambda n: (-len(n), n))
    return re.compile("|".join(re.escape(n) for n in ordered) or r"(?!x)x")


def _org_table(rows: list[TsvRow]) -> dict[str, OrgEntry]:
    table: dict[str, OrgEntry] = {}
    owner: dict[str, TsvRow] = {}

    def claim(name: str, entry: OrgEntry, row: TsvRow) -> None:
        if name in table and table[name] != entry:
            first = owner[name]
            if table[name].canonical != entry.canonical:
                problem = (f"name {name!r} maps to {table[name].canonical!r} "
                           f"({first.path}:{first.line}) and to {entry.canonical!r}")
            else:
                problem = (f"organisation {name!r} is stated again, differently "
                           f"(first at {first.path}:{first.line})")
            raise LexiconError(problem, path=row.path, line=row.line,
                               hint="give each name to one organisation, stated once")
        table[name] = entry
        owner[name] = row

    for row in rows:
        v = row.values
        if v["class"] not in _CLASSES:
            raise LexiconError(f"unknown class {v['class']!r}", path=row.path, line=row.line,
                               hint=f"use one of {', '.join(sorted(_CLASSES))}")
        entry = OrgEntry(v["canonical"], v["class"], v.get("parent") or None,
                         v.get("region") or None, v.get("city") or None,
                         v.get("political") == "yes")
        claim(entry.canonical, entry, row)
        for alias in _split(v.get("aliases", "")):
            claim(alias, entry, row)
        if entry.cls == "Bureau" and entry.canonical.endswith("海关"):
            # 天津关区 is the district of 天津海关: a form every bureau has.
            claim(f"{entry.canonical[:-2]}关区", entry, row)
    return table


def _word_flags(rows: list[TsvRow], key: str, flag: str) -> dict[str, bool]:
    return {r.values[key]: r.values.get(flag, "") == "yes" for r in rows}


def _longest_first(words: list[str]) -> tuple[str, ...]:
    return tuple(sorted(set(words), key=lambda w: (-len(w), w)))


def _plain_words(path: Path) -> list[str]:
    lines = read_data_text(path).splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]


def _rows(name: str, required: tuple[str, ...], overlays: tuple[Path, ...]) -> list[TsvRow]:
    rows = read_tsv(data_path("lexicon", name), required)
    for extra in overlays:
        candidate = extra / "lexicon" / name
        if not candidate.is_file():
            candidate = extra / name
        if candidate.is_file():
            rows.extend(read_tsv(candidate, required))
    return rows


@functools.cache
def load_lexicon(overlays: tuple[Path, ...] = ()) -> Lexicon:
    """Load and validate every lexicon table once per process.

    Args:
        overlays: user data directories whose files of the same names add rows.

    Raises:
        LexiconError: a malformed row or an alias given to two organisations.
    """
    regions = tuple(
        Region(r.values["name"], _split(r.values.get("short", "")), r.values.get("level", ""))
        for r in _rows("regions.tsv", ("name", "short", "level"), overlays)
    )
    triggers: dict[str, list[str]] = {}
    for r in _rows("triggers.tsv", ("kind", "word"), overlays):
        triggers.setdefault(r.values["kind"], []).append(r.values["word"])
    shapes = _rows("external_org_shapes.tsv", ("kind", "word", "political"), overlays)
    offices = _rows("sub_offices.tsv", ("name", "bureau"), overlays)
    return Lexicon(
        orgs=_org_table(_rows("organisations.tsv", ("canonical", "class", "aliases"), overlays)),
        regions=regions,
        honour_cores={r.values["core"]: r.values.get("kind", "")
                      for r in _rows("honour_cores.tsv", ("core", "kind"), overlays)},
        department_words=_word_flags(
            _rows("department_words.tsv", ("word", "bare"), overlays), "word", "bare"),
        triggers={k: _longest_first(v) for k, v in triggers.items()},
        programme_heads=_word_flags(
            _rows("programme_heads.tsv", ("head", "quoted_only"), overlays), "head",
            "quoted_only"),
        generic_org_words=frozenset(
            r.values["word"] for r in _rows("generic_org_words.tsv", ("word",), overlays)),
        name_breakers=frozenset(
            r.values["word"] for r in _rows("name_breakers.tsv", ("word",), overlays)),
        anaphors={r.values["word"]: r.values["refers"]
                  for r in _rows("anaphors.tsv", ("word", "refers"), overlays)},
        person_titles=_longest_first(
            [r.values["title"] for r in _rows("person_titles.tsv", ("title",), overlays)]),
        surnames=frozenset(_plain_words(data_path("lexicon", "surnames.txt"))),
        external_suffixes={r.values["word"]: r.values["political"] == "yes"
                           for r in shapes if r.values["kind"] == "suffix"},
        external_bodies={r.values["word"]: r.values["political"] == "yes"
                         for r in shapes if r.values["kind"] == "body"},
        foreign_places=_longest_first(
            [r.values["name"] for r in _rows("foreign_places.tsv", ("name",), overlays)]),
        sub_offices=_sub_office_table(offices),
        office_codes=_office_code_table(offices),
    )


def _sub_office_table(rows: list[TsvRow]) -> dict[str, str]:
    """Name (and former name) -> bureau; a name listed under two bureaus maps to "" (no
    parent from it)."""
    table: dict[str, str] = {}
    for row in rows:
        bureau = row.values["bureau"]
        for name in _office_names(row):
            table[name] = bureau if table.get(name, bureau) == bureau else ""
    return table


def _office_names(row: TsvRow) -> tuple[str, ...]:
    """A sub-office row's name and its former names (the same office)."""
    return (row.values["name"], *_split(row.values.get("former", "")))


def _office_code_table(rows: list[TsvRow]) -> dict[tuple[str, str], str]:
    """(bureau, name or former name) -> the office's 4-digit 关区代码, where the row gives one."""
    codes: dict[tuple[str, str], str] = {}
    for row in rows:
        code = row.values.get("code", "")
        if code:
            for name in _office_names(row):
                codes[(row.values["bureau"], name)] = code
    return codes
