"""The graph as self-contained HTML pages: an interactive network and a timeline of honours.

May import ``kg.vocab``, ``kg.resources``, ``kg._fs`` and ``kg.errors``.  What is drawn and how
(colours, shapes, hidden relations, panel order, layout threshold) is in
``kg/data/viz/styles.json``; the page is ``kg/data/viz/*.tmpl`` with the vendored
vis-network build, our CSS and JS inlined, so it opens from ``file://`` with no network.

Drawn: every node typed with a class of the contract (entities, ``ckg:HonourAward`` as small
diamonds, years, documents) and every triple between two drawn nodes as an edge labelled with
the predicate's ``rdfs:label @zh`` from ``ontology/customs.ttl``.  A shortcut such as
``ckg:receivedHonour`` is left out where an award node already links the same pair, and
``ckg:mentions`` starts hidden (the page has a toggle).  Strings from documents travel only
inside JSON escaped for ``<script type="application/json">`` and reach the DOM through
``textContent``; a Content-Security-Policy lets only the page's own scripts run.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import json
import math
import re
from collections import defaultdict, deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.term import Node

from kg import resources
from kg._fs import atomic_write_text
from kg.errors import DataError, InputError
from kg.vocab import CKG, PREFIXES, RDF, RDFS, SKOS

__all__ = ["graph_to_view", "render_graph_page", "render_timeline_page", "write_html"]

_TEMPLATE_SLOT = re.compile(r"\{\{([A-Z_]+)\}\}")
_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
                 "\u2028": "\\u2028", "\u2029": "\\u2029"}
_JSON_UNSAFE = re.compile("[<>&\u2028\u2029\ud800-\udfff]")
_RAW_TEXT_END = re.compile(r"</(script|style)|<!--", re.IGNORECASE)
_FONT_STACK = '"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif'


# --------------------------------------------------------------------------- style data


@dataclass(frozen=True, slots=True)
class ClassStyle:
    """How one class of the contract is drawn."""

    cls: str
    label: str
    color: str
    shape: str
    size: float


@dataclass(frozen=True, slots=True)
class Style:
    """The contents of ``kg/data/viz/styles.json``, with CURIEs expanded to IRIs."""

    classes: tuple[ClassStyle, ...]
    hidden_edges: frozenset[str]
    shortcuts: Mapping[str, tuple[str, str]]
    inverse_labels: Mapping[str, str]
    field_order: tuple[str, ...]
    skip_fields: frozenset[str]
    precompute_above: int
    seed: int
    iterations: int
    physics_iterations: int
    label_max_chars: int


def _expand(curie: str, where: str) -> str:
    """``ckg:mentions`` -> its full IRI, using the prefix table of :mod:`kg.vocab`."""
    prefix, _, local = curie.partition(":")
    if prefix not in PREFIXES or not local:
        raise DataError(f"unknown prefix in {curie!r}", path=where,
                        hint="use one of " + ", ".join(sorted(PREFIXES)))
    return PREFIXES[prefix] + local


@functools.cache
def load_style() -> Style:
    """Read and check ``kg/data/viz/styles.json`` (once per process).

    Raises:
        DataError: the file is missing, not JSON, or lacks a key.
    """
    path = resources.data_path("viz", "styles.json")
    try:
        raw = json.loads(resources.read_data_text(path))
        classes = tuple(ClassStyle(c["class"], c["label"], c["color"], c["shape"], float(c["size"]))
                        for c in raw["classes"])
        lay = raw["layout"]
        return Style(
            classes=classes,
            hidden_edges=frozenset(_expand(c, str(path)) for c in raw["hidden_edges"]),
            shortcuts={_expand(k, str(path)): (_expand(v[0], str(path)), _expand(v[1], str(path)))
                       for k, v in raw["shortcuts"].items()},
            inverse_labels={_expand(k, str(path)): str(v) for k, v in raw["inverse_labels"].items()},
            field_order=tuple(_expand(c, str(path)) for c in raw["field_order"]),
            skip_fields=frozenset(_expand(c, str(path)) for c in raw["skip_fields"]),
            precompute_above=int(lay["precompute_above"]), seed=int(lay["seed"]),
            iterations=int(lay["iterations"]), physics_iterations=int(lay["physics_iterations"]),
            label_max_chars=int(raw["label_max_chars"]),
        )
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        raise DataError(f"malformed viz style ({type(exc).__name__}: {exc})", path=str(path),
                        hint="compare with the keys described in its 'about' entry") from None


@functools.cache
def ontology_labels() -> Mapping[str, str]:
    """IRI -> ``rdfs:label @zh`` of every term ``ontology/customs.ttl`` labels.

    Returns an empty mapping when the ontology is missing or unreadable, so that the picture
    falls back to local names rather than failing.
    """
    try:
        graph = Graph().parse(resources.ontology_path("customs.ttl"), format="turtle")
    except (DataError, OSError, SyntaxError, ValueError):
        return {}
    labels: dict[str, str] = {}
    for subject, label in sorted(graph.subject_objects(RDFS.label)):
        if isinstance(label, Literal) and label.language == "zh":
            labels.setdefault(str(subject), str(label))
    return labels


def _local_name(iri: str) -> str:
    """The part of an IRI after its last ``#`` or ``/``."""
    return re.split(r"[#/]", iri.rstrip("/#"))[-1] or iri


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
    return _local_name(iri)


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
    parts = [", ".join(sorted(labels.get(o, _local_name(o)) for o in by_subject.get((iri, str(p)), [])))
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
                         hint="try 'kg query' to list the labels and aliases in the graph")
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
        A dict with ``nodes`` (id, iri, cls, label, short, aliases, year, size, title, fields
        and, above the size threshold, x/y), ``edges`` (id, from, to, p), ``predicates``
        (iri, label, hidden, count), ``legend``, ``years`` ([first, last] or []),
        ``timeline`` (one entry per award), ``layout`` and ``focus``.

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
    precomputed = len(view["nodes"]) > style.precompute_above
    _place(view, style)
    view["title"] = title
    view["layout"] = {"precomputed": precomputed, "seed": style.seed,
                      "physics_iterations": style.physics_iterations, "font": _FONT_STACK}
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
    legend = [{"cls": c.cls, "label": zh.get(str(CKG[c.cls]), c.label), "color": c.color,
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
        label = zh.get(p, _local_name(p))
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


# --------------------------------------------------------------------------- layout ahead


def _place(view: dict[str, Any], style: Style) -> None:
    """Give every node fixed ``x``/``y`` (pixels) from :func:`force_layout`, for big graphs."""
    edges = [(e["from"], e["to"]) for e in view["edges"]
             if not view["predicates"][e["p"]]["hidden"]]
    positions = force_layout(len(view["nodes"]), edges, seed=style.seed,
                             iterations=style.iterations)
    for node, (x, y) in zip(view["nodes"], positions):
        node["x"], node["y"] = x, y


def force_layout(n: int, edges: Iterable[tuple[int, int]], *, seed: int = 7,
                 iterations: int = 50, spacing: float = 60.0) -> list[tuple[int, int]]:
    """A deterministic force-directed layout of ``n`` nodes, fast enough for 10,000.

    Fruchterman-Reingold forces: springs along the edges, repulsion computed exactly between
    close nodes (a k-d tree) and through the centres of mass of a 16 x 16 grid for far ones,
    so one step costs about O(n log n) instead of networkx's O(n^2).  The start positions come
    from a seeded generator, so the same graph always gets the same picture.

    Args:
        n: the number of nodes (numbered 0..n-1).
        edges: pairs of node numbers.
        seed: the seed of the start positions.
        iterations: the number of cooling steps.
        spacing: the ideal edge length in pixels.

    Returns:
        One ``(x, y)`` pair of integer pixels per node.
    """
    import numpy as np
    from scipy.spatial import cKDTree

    if n == 0:
        return []
    rng = np.random.default_rng(seed)
    pos = rng.uniform(-0.5, 0.5, size=(n, 2)) * math.sqrt(n)
    pairs_e = np.asarray(sorted(set(edges)), dtype=np.int64).reshape(-1, 2)
    temperature = math.sqrt(n) / 8
    gravity = 1.5
    for _ in range(iterations):
        disp = _far_repulsion(pos)
        near = cKDTree(pos).query_pairs(2.0, output_type="ndarray")
        _pull(disp, pos, near, lambda d2: 1.0 / d2)
        _pull(disp, pos, pairs_e, lambda d2: -0.4 * np.sqrt(d2))
        disp -= gravity * pos
        length = np.sqrt(np.maximum((disp * disp).sum(1), 1e-12))
        pos += disp / length[:, None] * np.minimum(length, temperature)[:, None]
        temperature = max(temperature * 0.92, 0.05)
    pos -= pos.mean(0)
    return [(int(round(x * spacing)), int(round(y * spacing))) for x, y in pos.tolist()]


def _pull(disp: Any, pos: Any, pairs: Any, strength: Any) -> None:
    """Add to ``disp`` the force ``strength(d^2) * d`` between each pair (push if positive)."""
    import numpy as np

    if len(pairs) == 0:
        return
    d = pos[pairs[:, 0]] - pos[pairs[:, 1]]
    f = strength(np.maximum((d * d).sum(1), 1e-4))[:, None] * d
    n = len(disp)
    for axis in (0, 1):
        disp[:, axis] += np.bincount(pairs[:, 0], f[:, axis], n)
        disp[:, axis] -= np.bincount(pairs[:, 1], f[:, axis], n)


def _far_repulsion(pos: Any, cells: int = 16) -> Any:
    """Repulsion of every node from the centres of mass of a ``cells`` x ``cells`` grid."""
    import numpy as np

    lo, span = pos.min(0), np.maximum(np.ptp(pos, 0), 1e-6)
    ij = np.minimum(((pos - lo) / span * cells).astype(np.int64), cells - 1)
    cell = ij[:, 0] * cells + ij[:, 1]
    mass = np.bincount(cell, minlength=cells * cells).astype(float)
    keep = mass > 0
    cx = np.bincount(cell, pos[:, 0], cells * cells)[keep] / mass[keep]
    cy = np.bincount(cell, pos[:, 1], cells * cells)[keep] / mass[keep]
    d = (pos[:, 0] + 1j * pos[:, 1])[:, None] - (cx + 1j * cy)[None, :]
    floor = float((span / cells).max()) ** 2
    force = (d * (mass[keep] / np.maximum(d.real ** 2 + d.imag ** 2, floor))).sum(1)
    return np.stack([force.real, force.imag], 1)


# --------------------------------------------------------------------------- HTML


def write_html(dataset: Dataset | Graph, path: Path, *, focus: str | None = None, depth: int = 2,
               title: str = "海关知识图谱") -> list[Path]:
    """Write the network page to ``path`` and the timeline page beside it, atomically.

    The timeline is ``timeline.html`` when ``path`` is named ``graph.html``, else
    ``<stem>-timeline.html``.  Both pages are self-contained and link to each other.

    Args:
        dataset: the built graph.
        path: where the network page goes.
        focus: draw only the neighbourhood of the node(s) with this label or alias.
        depth: how many hops around ``focus`` to keep.
        title: the page title.

    Returns:
        The paths written: the network page, then the timeline page.

    Raises:
        InputError: ``focus`` names no node, or the directory is not writable.
        DataError: a file under ``kg/data/viz`` is missing or unusable.
    """
    path = Path(path)
    timeline = path.with_name("timeline.html" if path.name == "graph.html"
                              else f"{path.stem}-timeline.html")
    view = graph_to_view(dataset, focus=focus, depth=depth, title=title)
    graph_page = render_graph_page(view, timeline_href=timeline.name)
    timeline_page = render_timeline_page(view, graph_href=path.name)
    atomic_write_text(path, graph_page)
    atomic_write_text(timeline, timeline_page)
    return [path, timeline]


def render_graph_page(view: Mapping[str, Any], *, timeline_href: str = "timeline.html") -> str:
    """The network page for a view from :func:`graph_to_view`, as one HTML string.

    Raises:
        DataError: a file under ``kg/data/viz`` is missing or would end its script early.
    """
    page = {"title": view["title"], "href": timeline_href}
    return _render("graph.html.tmpl", title=view["title"],
                   css=[_asset("base.css"), _asset("graph.css")],
                   scripts=[_asset("vis-network.min.js"), _asset("graph.js")],
                   data={"view": view, "page": page})


def render_timeline_page(view: Mapping[str, Any], *, graph_href: str = "graph.html") -> str:
    """The timeline page (honours per organisation and year) for a view, as one HTML string.

    Raises:
        DataError: a file under ``kg/data/viz`` is missing or would end its script early.
    """
    data = {"title": view["title"], "href": graph_href, "awards": view["timeline"],
            "legend": view["legend"]}
    return _render("timeline.html.tmpl", title=view["title"],
                   css=[_asset("base.css"), _asset("timeline.css")],
                   scripts=[_asset("timeline.js")], data={"page": data})


@functools.cache
def _asset(name: str) -> str:
    """A file of ``kg/data/viz``, checked to be safe to inline in a raw-text element.

    Raises:
        DataError: missing, not UTF-8, or containing ``</script``, ``</style`` or ``<!--``.
    """
    path = resources.data_path("viz", name)
    text = resources.read_data_text(path)
    bad = _RAW_TEXT_END.search(text)
    if bad:
        raise DataError(f"contains {bad.group(0)!r}, which would end the inlined element",
                        path=str(path), hint="escape it as <\\/ in the source")
    return text


def embed_json(data: Any) -> str:
    """``data`` as JSON safe inside ``<script type="application/json">``.

    Keys are sorted; ``<``, ``>``, ``&``, U+2028, U+2029 and lone surrogates become
    ``\\uXXXX`` escapes, so no string can close the element or start a comment.
    """
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      allow_nan=False)
    return _JSON_UNSAFE.sub(lambda m: _JSON_ESCAPES.get(m.group(0), f"\\u{ord(m.group(0)):04x}"),
                            text)


def _render(template: str, *, title: str, css: list[str], scripts: list[str],
            data: Mapping[str, Any]) -> str:
    """Fill a template's ``{{SLOTS}}`` in one pass, so no inserted text is read as a slot.

    Each inline script is allowed by its SHA-256 in the page's Content-Security-Policy.
    """
    tags = "\n".join(f"<script>{s}</script>" for s in scripts)
    hashes = " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'"
                      for s in scripts)
    slots = {"TITLE": html.escape(title), "CSS": "\n".join(css), "SCRIPTS": tags,
             "SCRIPT_HASHES": hashes, "DATA": embed_json(data)}
    text = resources.read_data_text(resources.data_path("viz", template))

    def fill(match: re.Match[str]) -> str:
        if match.group(1) not in slots:
            raise DataError(f"unknown slot {match.group(0)}", path=template,
                            hint="use " + ", ".join(sorted(slots)))
        return slots[match.group(1)]

    return _TEMPLATE_SLOT.sub(fill, text)
