"""The view: what the page draws, as JSON-ready data built from the graph's triples.

Part of :mod:`kg.viz`; imports ``kg.vocab`` and ``kg.errors`` (and the package's own style and
layout modules).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict, deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.term import Node

from kg.errors import InputError
from kg.viz._layout import force_layout
from kg.viz._style import Style, load_style, local_name, ontology_labels
from kg.vocab import CKG, PREFIXES, RDF, RDFS, SKOS

__all__ = ["FONT_STACK", "graph_to_view"]

FONT_STACK = '"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif'


# --------------------------------------------------------------------------- reading the graph


@dataclass(slots=True)
class _Facts:
    """What the view needs from the triples, indexed by subject IRI."""

    classes: dict[str, str] = field(default_factory=dict)
    labels: dict[str, list[Literal]] = field(default_factory=lambda: defaultdict(list))
    aliases: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    literals: dict[str, set[tuple[str, str]]] = field(default_factory=lambda: defaultdict(set))
    links: set[tuple[str, str, str]] = field(default_factory=set)
    year_values: dict[str, int] = field(default_factory=dict)


def _triples(dataset: Dataset | Graph) -> Iterator[tuple[Node, Node, Node]]:
    """Every triple of ``dataset``: all named graphs of a Dataset, or the Graph itself."""
    if isinstance(dataset, Dataset):
        for s, p, o, _ in dataset.quads((None, None, None, None)):
            yield s, p, o
    else:
        yield from dataset.triples((None, None, None))


def _read_facts(dataset: Dataset | Graph, style: Style) -> _Facts:
    """One pass over the triples, keeping classes, labels, aliases, literals and links."""
    rank = {str(CKG[c.cls]): i for i, c in enumerate(style.classes)}
    facts, best = _Facts(), dict[str, int]()
    for s, p, o in _triples(dataset):
        if not isinstance(s, URIRef):
            continue
        subject, pred = str(s), str(p)
        if p == RDF.type:
            r = rank.get(str(o))
            if r is not None and r < best.get(subject, len(rank)):
                best[subject] = r
                facts.classes[subject] = style.classes[r].cls
        elif p == RDFS.label and isinstance(o, Literal):
            facts.labels[subject].append(o)
        elif p == SKOS.altLabel and isinstance(o, Literal):
            facts.aliases[subject].add(str(o))
        elif p == CKG.yearValue and isinstance(o, Literal):
            match = re.match(r"-?\d+", str(o))
            if match:
                facts.year_values[subject] = int(match.group(0))
        elif isinstance(o, URIRef):
            facts.links.add((subject, pred, str(o)))
        elif isinstance(o, Literal):
            facts.literals[subject].add((pred, str(o)))
    return facts


def _label_of(iri: str, cls: str, facts: _Facts, title_iri: str) -> str:
    """The name a node is drawn with: its zh label, a document's title, a year's value."""
    labels = sorted(facts.labels.get(iri, ()), key=lambda lit: (lit.language != "zh", str(lit)))
    if labels:
        return str(labels[0])
    if cls == "Document":
        titles = sorted(v for p, v in facts.literals.get(iri, ()) if p == title_iri)
        if titles:
            return titles[0]
    if iri in facts.year_values:
        return str(facts.year_values[iri])
    return local_name(iri)



# --------------------------------------------------------------------------- the view


@dataclass(slots=True)
class _Draft:
    """The drawn nodes (IRI -> class) and edges (subject, predicate, object) before numbering."""

    nodes: dict[str, str]
    edges: list[tuple[str, str, str]]
    labels: dict[str, str]


def _draft(facts: _Facts, style: Style) -> _Draft:
    """Choose the nodes and edges to draw, dropping shortcuts an award node already covers."""
    nodes = dict(facts.classes)
    covered: set[tuple[str, str, str]] = set()
    by_subject: dict[tuple[str, str], list[str]] = defaultdict(list)
    for s, p, o in facts.links:
        by_subject[(s, p)].append(o)
    for shortcut, (to_subject, to_object) in style.shortcuts.items():
        for (s, p), objects in list(by_subject.items()):
            if p != to_subject:
                continue
            for subj in objects:
                for obj in by_subject.get((s, to_object), ()):
                    covered.add((subj, shortcut, obj))
    edges = sorted(t for t in facts.links
                   if t[0] in nodes and t[2] in nodes and t[0] != t[2] and t not in covered)
    title_iri = PREFIXES["dcterms"] + "title"
    labels = {iri: _label_of(iri, cls, facts, title_iri) for iri, cls in nodes.items()}
    for iri, cls in nodes.items():
        if cls == "HonourAward":
            labels[iri] = _award_label(iri, by_subject, labels, facts) or labels[iri]
    return _Draft(nodes, edges, labels)


def _award_label(iri: str, by_subject: Mapping[tuple[str, str], list[str]],
                 labels: Mapping[str, str], facts: _Facts) -> str:
    """``天津海关 · 全国文明单位 · 2015`` for an award node (from the whole graph)."""
    parts = [", ".join(sorted(labels.get(o, local_name(o)) for o in by_subject.get((iri, str(p)), [])))
             for p in (CKG.recipient, CKG.honour)]
    years = sorted(facts.year_values[y] for y in by_subject.get((iri, str(CKG.year)), [])
                   if y in facts.year_values)
    return " · ".join([p for p in parts if p] + [str(y) for y in years[:1]])


def _neighbourhood(draft: _Draft, names: Mapping[str, set[str]], style: Style, focus: str,
                   depth: int) -> _Draft:
    """The part of ``draft`` within ``depth`` hops of every node named ``focus``.

    Hops follow the edges shown by default (not ``ckg:mentions``), in either direction.

    Raises:
        InputError: no node has ``focus`` as its label or one of its aliases.
    """
    wanted = _norm(focus)
    starts = sorted(iri for iri in draft.nodes if wanted in names.get(iri, ()))
    if not starts:
        raise InputError(f"no node named {focus!r}", path="--focus",
                         hint="'kg names PART-OF-A-NAME' lists the names in the build")
    adjacent: dict[str, set[str]] = defaultdict(set)
    for s, p, o in draft.edges:
        if p not in style.hidden_edges:
            adjacent[s].add(o)
            adjacent[o].add(s)
    seen = {iri: 0 for iri in starts}
    queue = deque(starts)
    while queue:
        here = queue.popleft()
        if seen[here] < depth:
            for nxt in sorted(adjacent[here] - seen.keys()):
                seen[nxt] = seen[here] + 1
                queue.append(nxt)
    nodes = {iri: cls for iri, cls in draft.nodes.items() if iri in seen}
    edges = [e for e in draft.edges if e[0] in nodes and e[2] in nodes]
    return _Draft(nodes, edges, {iri: draft.labels[iri] for iri in nodes})


def _norm(name: str) -> str:
    """A name as compared for ``focus``: without white space."""
    return "".join(name.split())


def _names(draft: _Draft, facts: _Facts) -> dict[str, set[str]]:
    """Every drawn node's label and aliases, normalised with :func:`_norm`."""
    return {iri: {_norm(draft.labels[iri])} | {_norm(a) for a in facts.aliases.get(iri, ())}
            for iri in draft.nodes}


def graph_to_view(dataset: Dataset | Graph, *, focus: str | None = None, depth: int = 2,
                  title: str = "海关知识图谱") -> dict[str, Any]:
    """What the page draws, as plain JSON-ready data (no HTML, no IO beyond kg/data).

    Args:
        dataset: the built graph; a Dataset is read across all its named graphs.
        focus: draw only the neighbourhood of the node(s) with this label or alias.
        depth: how many hops around ``focus`` to keep.
        title: the page title.

    Returns:
        A dict with ``nodes`` (id, iri, cls, label, short, aliases, year, size, title, fields,
        x, y), ``edges`` (id, from, to, p), ``predicates`` (iri, label, inverse, hidden,
        count), ``legend``, ``years`` ([first, last] or []), ``timeline`` (one entry per
        award), ``layout`` (``fixed`` is true above the size threshold: the page keeps the
        positions as they are instead of relaxing them with physics) and ``focus``.

    Raises:
        InputError: ``focus`` names no node, or ``depth`` is negative.
        DataError: ``kg/data/viz/styles.json`` is unusable.
    """
    if depth < 0:
        raise InputError(f"depth must be 0 or more, not {depth}", path="--depth",
                         hint="give the number of hops to draw around --focus")
    style = load_style()
    facts = _read_facts(dataset, style)
    draft = _draft(facts, style)
    if focus is not None:
        draft = _neighbourhood(draft, _names(draft, facts), style, focus, depth)
    view = _assemble(draft, facts, style)
    _place(view, style)
    view["title"] = title
    view["layout"] = {"fixed": len(view["nodes"]) > style.precompute_above, "seed": style.seed,
                      "physics_iterations": style.physics_iterations, "font": FONT_STACK}
    view["focus"] = None if focus is None else {
        "name": focus, "depth": depth,
        "ids": [n["id"] for n in view["nodes"] if _norm(focus) in _names_of(n)]}
    return view


def _names_of(node: Mapping[str, Any]) -> set[str]:
    return {_norm(node["label"]), *(_norm(a) for a in node["aliases"])}


def _assemble(draft: _Draft, facts: _Facts, style: Style) -> dict[str, Any]:
    """Number the draft's nodes and edges in a stable order and describe each."""
    rank = {c.cls: i for i, c in enumerate(style.classes)}
    order = sorted(draft.nodes, key=lambda iri: (rank[draft.nodes[iri]], draft.labels[iri], iri))
    ids = {iri: i for i, iri in enumerate(order)}
    preds = _predicates(draft, facts, style, order)
    pindex = {p["iri"]: i for i, p in enumerate(preds)}
    edges = sorted((ids[s], pindex[p], ids[o]) for s, p, o in draft.edges)
    degree: dict[int, int] = defaultdict(int)
    for s_id, p_id, o_id in edges:
        preds[p_id]["count"] += 1
        if not preds[p_id]["hidden"]:
            degree[s_id] += 1
            degree[o_id] += 1
    years = _years(draft, facts)
    nodes = [_node(iri, ids[iri], draft, facts, style, pindex, years.get(iri), degree[ids[iri]])
             for iri in order]
    counts: dict[str, int] = defaultdict(int)
    for cls in draft.nodes.values():
        counts[cls] += 1
    zh = ontology_labels()
    legend: list[dict[str, Any]] = [
        {"cls": c.cls, "label": zh.get(str(CKG[c.cls]), c.label), "color": c.color,
         "shape": c.shape, "size": c.size, "count": counts[c.cls]} for c in style.classes]
    _add_tooltips(nodes, edges, preds, {c["cls"]: c["label"] for c in legend})
    present = list(years.values())
    return {
        "nodes": nodes,
        "edges": [{"id": i, "from": s, "p": p, "to": o} for i, (s, p, o) in enumerate(edges)],
        "predicates": preds,
        "legend": legend,
        "years": [min(present), max(present)] if present else [],
        "timeline": _timeline(draft, facts, nodes, ids),
    }


def _predicates(draft: _Draft, facts: _Facts, style: Style, order: list[str]) -> list[dict[str, Any]]:
    """Every predicate of a drawn edge or a shown literal, in panel order, with its zh label."""
    iris = {p for _, p, _ in draft.edges}
    iris |= {p for iri in order for p, _ in facts.literals.get(iri, ()) if p not in style.skip_fields}
    rank = {p: i for i, p in enumerate(style.field_order)}
    zh = ontology_labels()
    preds = []
    for p in sorted(iris, key=lambda p: (rank.get(p, len(rank)), p)):
        label = zh.get(p, local_name(p))
        preds.append({"iri": p, "label": label, "inverse": style.inverse_labels.get(p, "← " + label),
                      "hidden": p in style.hidden_edges, "count": 0})
    return preds


def _years(draft: _Draft, facts: _Facts) -> dict[str, int]:
    """Node IRI -> the year it stands for (Year nodes) or happened in (via ``ckg:year``)."""
    years = {iri: facts.year_values[iri] for iri in draft.nodes if iri in facts.year_values}
    year_pred = str(CKG.year)
    for s, p, o in sorted(facts.links):
        if p == year_pred and s in draft.nodes and o in facts.year_values and s not in years:
            years[s] = facts.year_values[o]
    return years


def _node(iri: str, node_id: int, draft: _Draft, facts: _Facts, style: Style,
          pindex: Mapping[str, int], year: int | None, degree: int) -> dict[str, Any]:
    """One node of the view: names, class, year, size and its literal fields."""
    cls = draft.nodes[iri]
    label = draft.labels[iri]
    base = next(c.size for c in style.classes if c.cls == cls)
    short = "" if cls == "HonourAward" else _shorten(label, style.label_max_chars)
    fields = sorted((pindex[p], v) for p, v in facts.literals.get(iri, ()) if p in pindex)
    return {
        "id": node_id, "iri": iri, "cls": cls, "label": label, "short": short,
        "aliases": sorted(a for a in facts.aliases.get(iri, ()) if a != label),
        "year": year, "size": round(base * (1 + 0.18 * math.log1p(degree)), 1),
        "fields": [list(f) for f in fields], "title": "",
    }


def _shorten(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _add_tooltips(nodes: list[dict[str, Any]], edges: list[tuple[int, int, int]],
                  preds: list[dict[str, Any]], class_labels: Mapping[str, str]) -> None:
    """Give each node a plain-text tooltip: name, class, aliases, first relations, fields."""
    out: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for s, p, o in edges:
        if not preds[p]["hidden"]:
            out[s].append((p, o))
    for node in nodes:
        lines = [node["label"], class_labels[node["cls"]]]
        if node["aliases"]:
            lines.append("别名：" + "、".join(node["aliases"]))
        rel = [(p, nodes[o]["label"]) for p, o in out[node["id"]]]
        lines += [f"{preds[p]['label']}：{_shorten(t, 40)}" for p, t in rel[:6]]
        lines += ["…"] if len(rel) > 6 else []
        lines += [f"{preds[p]['label']}：{_shorten(v, 80)}" for p, v in node["fields"]]
        node["title"] = "\n".join(lines)


def _timeline(draft: _Draft, facts: _Facts, nodes: list[dict[str, Any]],
              ids: Mapping[str, int]) -> list[dict[str, Any]]:
    """One entry per drawn award: recipient, honour, year, awarding bodies, edition, evidence."""
    out: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for s, p, o in sorted(facts.links):
        out[s][p].append(o)
    title_pred, derived = PREFIXES["dcterms"] + "title", PREFIXES["prov"] + "wasDerivedFrom"

    def name(iri: str) -> str:
        return draft.labels.get(iri) or _label_of(iri, facts.classes.get(iri, ""), facts, title_pred)

    def literal(iri: str, pred: str) -> str:
        return "；".join(sorted(v for p, v in facts.literals.get(iri, ()) if p == pred))

    entries = []
    for iri, cls in draft.nodes.items():
        links = out.get(iri, {})
        recipients = links.get(str(CKG.recipient), [])
        if cls != "HonourAward" or not recipients:
            continue
        rec = recipients[0]
        entries.append({
            "award": ids[iri], "recipient": name(rec), "rid": ids.get(rec),
            "rcls": facts.classes.get(rec, ""),
            "honour": "、".join(name(h) for h in links.get(str(CKG.honour), [])),
            "year": nodes[ids[iri]]["year"],
            "by": [name(b) for b in links.get(str(CKG.awardedBy), [])],
            "edition": literal(iri, str(CKG.edition)), "evidence": literal(iri, str(CKG.evidence)),
            "docs": [name(d) for d in links.get(derived, [])],
        })
    return sorted(entries, key=lambda e: (e["recipient"], e["year"] or 0, e["honour"], e["award"]))


def _place(view: dict[str, Any], style: Style) -> None:
    """Give every node ``x``/``y`` (pixels) from :func:`force_layout` over the shown edges."""
    edges = [(e["from"], e["to"]) for e in view["edges"]
             if not view["predicates"][e["p"]]["hidden"]]
    positions = force_layout(len(view["nodes"]), edges, seed=style.seed,
                             iterations=style.iterations)
    for node, (x, y) in zip(view["nodes"], positions):
        node["x"], node["y"] = x, y
