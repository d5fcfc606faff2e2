"""Scoring a built graph against a gold file: the same numbers as the shared scorer.

May import ``kg.vocab`` and ``kg.errors``.

A clean reimplementation of ``../shared/eval/score.py`` (see ``gold-format.md``): labels are
normalised (NFKC, no white space, no quote or title marks); predicted rows are matched to
gold rows greedily and one-to-one, a predicted value fitting any accepted form of a gold
slot; extras that fit an ``optional`` gold row are dropped; entity scores are
micro-averaged over the classes, and the overall relation F1 is the mean of the five
relation F1s.  :func:`format_report` prints the scorer's own lines.

The graph files are read with pyoxigraph (Turtle, N-Triples, TriG, N-Quads, JSON-LD,
RDF/XML by suffix) and taken as one union of all their graphs, as the scorer does.
"""

from __future__ import annotations

import json
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg.errors import InputError
from kg.graphfiles import GRAPH_FILES, find_graph_file
from kg.vocab import CKG, ORG, RDF, RDFS, SLUGS

__all__ = [
    "ENTITY_TYPES",
    "RELATIONS",
    "Details",
    "EvaluationReport",
    "Score",
    "evaluate",
    "format_report",
    "normalise",
]

#: The entity classes scored, in the scorer's order.
ENTITY_TYPES: tuple[str, ...] = tuple(SLUGS)
#: The relation kinds scored, in the scorer's order.
RELATIONS: tuple[str, ...] = ("subOrganizationOf", "award", "award+year",
                              "programme", "programme+year")

_DROP = frozenset(" \t\r\n\u3000“”‘’\"'「」『』《》")
#: What kg writes, and RDF/XML (gold graphs made by other tools may come as that).
_FORMATS: dict[str, ox.RdfFormat] = {
    **GRAPH_FILES, ".rdf": ox.RdfFormat.RDF_XML, ".xml": ox.RdfFormat.RDF_XML,
}

Item = tuple[Any, ...]  # a predicted row (labels, years) or a gold row (sets of forms)
Fits = Callable[[Item, Item], bool]


def normalise(text: object) -> str:
    """NFKC, then drop white space and the quote and title marks (see gold-format.md)."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", str(text)) if ch not in _DROP)


@dataclass(frozen=True, slots=True)
class Score:
    """True positives, extras and misses of one entity class or relation kind."""

    kind: str
    name: str
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        """tp / (tp + fp); 1 when nothing was predicted and nothing missed, else 0."""
        return _prf(self.tp, self.fp, self.fn)[0]

    @property
    def recall(self) -> float:
        """tp / (tp + fn); 1 when the gold has nothing."""
        return _prf(self.tp, self.fp, self.fn)[1]

    @property
    def f1(self) -> float:
        """The harmonic mean of precision and recall (0 when both are 0)."""
        return _prf(self.tp, self.fp, self.fn)[2]


@dataclass(frozen=True, slots=True)
class Details:
    """What one score missed and what it added.

    Attributes:
        extras: predicted rows that fit no gold row (labels, and a year where scored).
        misses: gold rows no prediction fitted (each slot the set of accepted forms).
    """

    extras: tuple[Item, ...]
    misses: tuple[Item, ...]


@dataclass(frozen=True, slots=True)
class EvaluationReport:
    """The scores of a graph against a gold file.

    Attributes:
        scores: one per entity class, then one per relation kind, in the scorer's order.
        entity_f1: micro-averaged F1 over the entity classes.
        relation_f1: the mean of the relation F1s.
        details: ``"entity <Class>"`` or the relation kind -> extras and misses.
    """

    scores: tuple[Score, ...]
    entity_f1: float
    relation_f1: float
    details: Mapping[str, Details]


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else (1.0 if not fn else 0.0)
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


# ---------------------------------------------------------------- graph side


@dataclass(frozen=True, slots=True)
class _Graph:
    """The union of the graph files, indexed the way the scorer walks it."""

    objects: Mapping[tuple[object, str], tuple[object, ...]]
    pairs: Mapping[str, tuple[tuple[object, object], ...]]
    typed: Mapping[str, tuple[object, ...]]

    def values(self, node: object, predicate: object) -> tuple[object, ...]:
        return self.objects.get((node, str(predicate)), ())

    def labels(self, node: object) -> list[str]:
        return [normalise(_text(label)) for label in self.values(node, RDFS.label)]


def _text(term: object) -> str:
    """What ``str()`` of the rdflib term gives: the IRI, lexical form or blank node id."""
    return str(getattr(term, "value", term))


def _read_triples(paths: Iterable[Path]) -> set[ox.Triple]:
    triples: set[ox.Triple] = set()
    for path in (find_graph_file(Path(p)) for p in paths):
        fmt = _FORMATS.get(path.suffix.lower())
        if fmt is None:
            raise InputError(f"cannot tell the RDF format of {path.name}", path=str(path),
                             hint="use " + ", ".join(_FORMATS))
        try:
            triples.update(q.triple for q in ox.parse(path=path, format=fmt,
                                                      rename_blank_nodes=True))
        except OSError as exc:
            raise InputError(f"cannot read graph ({exc.strerror or exc})",
                             path=str(path)) from None
        except (SyntaxError, ValueError) as exc:
            raise InputError(f"cannot parse graph ({' '.join(str(exc).split())})",
                             path=str(path)) from None
    return triples


def _index(triples: Iterable[ox.Triple]) -> _Graph:
    objects: dict[tuple[object, str], list[object]] = defaultdict(list)
    pairs: dict[str, list[tuple[object, object]]] = defaultdict(list)
    typed: dict[str, list[object]] = defaultdict(list)
    rdf_type = str(RDF.type)
    for t in triples:
        predicate = t.predicate.value
        objects[(t.subject, predicate)].append(t.object)
        pairs[predicate].append((t.subject, t.object))
        if predicate == rdf_type:
            typed[_text(t.object)].append(t.subject)
    return _Graph({k: tuple(v) for k, v in objects.items()},
                  {k: tuple(v) for k, v in pairs.items()},
                  {k: tuple(v) for k, v in typed.items()})


def _years(g: _Graph, node: object) -> list[int | None]:
    years: list[int | None] = []
    for year in g.values(node, CKG.year):
        for value in g.values(year, CKG.yearValue) or (year,):
            digits = "".join(ch for ch in _text(value).rsplit("/", 1)[-1] if ch.isdigit())[:4]
            if len(digits) == 4:
                years.append(int(digits))
    return years or [None]


def _predicted(g: _Graph) -> dict[str, list[Item]]:
    """Predicted rows per ``"entity <Class>"`` and per relation kind."""
    out: dict[str, set[Item]] = {kind: set() for kind in RELATIONS}
    for child, parent in g.pairs.get(str(ORG.subOrganizationOf), ()):
        out["subOrganizationOf"].update((c, p) for c in g.labels(child) for p in g.labels(parent))
    for award in g.typed.get(str(CKG.HonourAward), ()):
        for r in g.values(award, CKG.recipient):
            for h in g.values(award, CKG.honour):
                pairs = [(rl, hl) for rl in g.labels(r) for hl in g.labels(h)]
                out["award"].update(pairs)
                out["award+year"].update((*p, y) for p in pairs for y in _years(g, award))
    for org, programme in g.pairs.get(str(CKG.runsProgramme), ()):
        pairs = [(ol, pl) for ol in g.labels(org) for pl in g.labels(programme)]
        out["programme"].update(pairs)
        out["programme+year"].update((*p, y) for p in pairs for y in _years(g, programme))
    rows = {kind: sorted(items, key=str) for kind, items in out.items()}
    for cls in ENTITY_TYPES:
        nodes = g.typed.get(str(CKG[cls]), ())
        labels = [(g.labels(node) or [""])[0] for node in nodes]
        rows[f"entity {cls}"] = sorted((label,) for label in labels)
    return rows


# ----------------------------------------------------------------- gold side


@dataclass(frozen=True, slots=True)
class _Gold:
    """The gold rows of one kind of row (required or optional), as sets of accepted forms."""

    rows: Mapping[str, list[Item]]


def _load_gold(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read gold file ({exc.strerror or exc})", path=str(path),
                         hint="give a gold JSON file (see gold-format.md)") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"gold file is not JSON ({exc})", path=str(path)) from None
    if not isinstance(data, dict) or not isinstance(data.get("entities"), list):
        raise InputError("gold file has no 'entities' list", path=str(path),
                         hint="see gold-format.md")
    for number, row in enumerate(data["entities"], start=1):
        if not isinstance(row, dict) or not isinstance(row.get("type"), str) or \
                not isinstance(row.get("label"), str):
            raise InputError(f"entity {number} needs a 'type' and a 'label'", path=str(path),
                             hint="see gold-format.md")
    for number, row in enumerate(data.get("awards", []), start=1):
        if not isinstance(row, dict) or not {"recipient", "honour"} <= set(row):
            raise InputError(f"award {number} needs a 'recipient' and an 'honour'",
                             path=str(path), hint="see gold-format.md")
    return data


def _aliases(entities: Iterable[Mapping[str, Any]]) -> dict[str, set[str]]:
    forms: dict[str, set[str]] = defaultdict(set)
    for e in entities:
        forms[normalise(e["label"])] |= {normalise(e["label"])}
        forms[normalise(e["label"])] |= {normalise(a) for a in e.get("aliases", [])}
    return forms


def _gold(data: Mapping[str, Any], optional: bool) -> _Gold:
    alias = _aliases(data["entities"])

    def forms(label: object) -> frozenset[str]:
        return frozenset(alias.get(normalise(label), {normalise(label)}))

    def keep(row: Mapping[str, Any]) -> bool:
        return bool(row.get("optional")) == optional

    entities = [e for e in data["entities"] if keep(e)]
    awards = [a for a in data.get("awards", []) if keep(a)]
    programmes = [e for e in entities if e["type"] == "Programme" and e.get("org")]
    rows: dict[str, list[Item]] = {
        f"entity {t}": [(forms(e["label"]),) for e in entities if e["type"] == t]
        for t in ENTITY_TYPES
    }
    rows["subOrganizationOf"] = [(forms(e["label"]), forms(e["parent"]))
                                 for e in entities if e.get("parent")]
    rows["award"] = [(forms(a["recipient"]), forms(a["honour"])) for a in awards]
    rows["award+year"] = [(*r, _gold_years(a.get("year")))
                          for r, a in zip(rows["award"], awards, strict=True)]
    rows["programme"] = [(forms(e["org"]), forms(e["label"])) for e in programmes]
    rows["programme+year"] = [(*r, _gold_years(e.get("year")))
                              for r, e in zip(rows["programme"], programmes, strict=True)]
    for kind in RELATIONS:
        rows[kind] = _dedupe(rows[kind])
    return _Gold(rows)


def _gold_years(spec: object) -> frozenset[int | None]:
    if isinstance(spec, list):
        return frozenset(spec)
    return frozenset([spec])  # type: ignore[list-item]


def _dedupe(rows: list[Item]) -> list[Item]:
    seen: set[Item] = set()
    out = []
    for row in rows:
        if row not in seen:
            seen.add(row)
            out.append(row)
    return out


# ------------------------------------------------------------------ matching


def _match(pred: Sequence[Item], gold: Sequence[Item], fits: Fits) -> tuple[int, list[Item],
                                                                            list[Item]]:
    """Greedy one-to-one matching: true positives, unmatched predictions, unmatched gold."""
    free = list(range(len(gold)))
    extras = []
    for p in pred:
        for i in free:
            if fits(p, gold[i]):
                free.remove(i)
                break
        else:
            extras.append(p)
    return len(gold) - len(free), extras, [gold[i] for i in free]


def _fits(p: Item, g: Item) -> bool:
    return all(pv in gv for pv, gv in zip(p, g, strict=False))


def merge_gold(datas: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """One gold dict from several (one file per document, say): documents and awards are
    concatenated, and entities of the same type, label and org become one row with their
    aliases and docs joined and the parent any of them states (a row stays optional only if
    every copy is); the same label under two different parents stays two rows.

    Args:
        datas: parsed gold files.

    Returns:
        The merged gold, in the format of ``gold-format.md``.
    """
    documents: list[Any] = []
    awards: list[Any] = []
    rows: dict[tuple[str, ...], dict[str, Any]] = {}
    for data in datas:
        documents.extend(data.get("documents", []))
        awards.extend(data.get("awards", []))
        for row in data["entities"]:
            key = (row["type"], row["label"], str(row.get("org")))
            kept = rows.get(key)
            if kept is not None and row.get("parent") and kept.get("parent") and \
                    row["parent"] != kept["parent"]:
                key = (*key, str(row["parent"]))  # 机场海关 under two bureaus: two rows
                kept = rows.get(key)
            if kept is None:
                kept = rows[key] = {**row, "aliases": [], "docs": []}
            if row.get("parent") and not kept.get("parent"):
                kept["parent"] = row["parent"]  # one document states the parent
            kept["aliases"] = sorted({*kept["aliases"], *row.get("aliases", [])})
            kept["docs"] = sorted({*kept["docs"], *row.get("docs", [])})
            if not row.get("optional"):
                kept.pop("optional", None)
    return {"documents": documents, "entities": list(rows.values()), "awards": awards}


def evaluate(graph_paths: Iterable[Path] | Path,
             gold_path: Path | Sequence[Path]) -> EvaluationReport:
    """Score graph files against a gold file, exactly as ``../shared/eval/score.py`` does.

    Args:
        graph_paths: one or more graph files (or build directories, read as their
            preferred ``graph.*`` file); their triples are merged.
        gold_path: the gold JSON file (see ``gold-format.md``), or several, merged with
            :func:`merge_gold`.

    Returns:
        Per-class and per-relation scores, the two headline F1s and the details.

    Raises:
        InputError: a graph or the gold file cannot be read.
    """
    paths = [graph_paths] if isinstance(graph_paths, (str, Path)) else list(graph_paths)
    golds = [gold_path] if isinstance(gold_path, (str, Path)) else list(gold_path)
    data = merge_gold(_load_gold(Path(g)) for g in golds) if len(golds) > 1 else \
        _load_gold(Path(golds[0]))
    gold, maybe = _gold(data, optional=False), _gold(data, optional=True)
    predicted = _predicted(_index(_read_triples(Path(p) for p in paths)))
    scores, details = [], {}
    for key in [f"entity {t}" for t in ENTITY_TYPES] + list(RELATIONS):
        tp, extras, misses = _match(predicted[key], gold.rows[key], _fits)
        _, extras, _ = _match(extras, maybe.rows[key], _fits)
        kind, _, name = key.rpartition(" ") if key.startswith("entity ") else ("relation", "", key)
        scores.append(Score(kind, name, tp, len(extras), len(misses)))
        details[key] = Details(tuple(extras), tuple(misses))
    entity = [s for s in scores if s.kind == "entity"]
    totals = [sum(s.tp for s in entity), sum(s.fp for s in entity), sum(s.fn for s in entity)]
    entity_f1 = _prf(*totals)[2]
    relation_f1s = [s.f1 for s in scores if s.kind == "relation"]
    return EvaluationReport(tuple(scores), entity_f1, sum(relation_f1s) / len(relation_f1s),
                            details)


def format_report(report: EvaluationReport, *, details: bool = False) -> str:
    """The scorer's lines: one per score, optionally the extras and misses, then the headline.

    Args:
        report: the result of :func:`evaluate`.
        details: also list each extra and each miss.

    Returns:
        The text, ending with ``overall entity-F1 E relation-F1 R`` and a newline.
    """
    lines = [
        f"{s.kind:8} {s.name:20} P {s.precision:.3f} R {s.recall:.3f} F1 {s.f1:.3f}"
        f"   tp {s.tp:3} fp {s.fp:3} fn {s.fn:3}"
        for s in report.scores
    ]
    if details:
        for name, found in report.details.items():
            lines += [f"  extra   {name:22} {_show(item)}" for item in found.extras]
            lines += [f"  missing {name:22} {_show(item)}" for item in found.misses]
    lines.append(f"overall entity-F1 {report.entity_f1:.3f} relation-F1 {report.relation_f1:.3f}")
    return "\n".join(lines) + "\n"


def _show(item: Item) -> str:
    parts = []
    for slot in item:
        if isinstance(slot, (set, frozenset)):
            parts.append("|".join(sorted(map(str, slot)))[:60])
        else:
            parts.append(str(slot))
    return " / ".join(parts)
