"""The graph as self-contained HTML pages: an interactive network and a timeline of honours.

May import ``kg.vocab``, ``kg.resources``, ``kg._fs`` and ``kg.errors``.  This package holds
:func:`write_html` and the page rendering; ``_view`` builds the data the page draws
(:func:`graph_to_view`), ``_style`` reads ``kg/data/viz/styles.json`` (colours, shapes, hidden
relations, panel order, layout settings) and ``_layout`` places nodes ahead of time.  The page is
``kg/data/viz/*.tmpl`` with the vendored vis-network build, our CSS and JS inlined, so it opens
from ``file://`` with no network.

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
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rdflib import Dataset, Graph

from kg import resources
from kg._fs import atomic_write_text
from kg.errors import DataError
from kg.viz._layout import force_layout
from kg.viz._style import load_style
from kg.viz._view import graph_to_view

__all__ = [
    "embed_json",
    "force_layout",
    "graph_to_view",
    "load_style",
    "render_graph_page",
    "render_timeline_page",
    "write_html",
]

_TEMPLATE_SLOT = re.compile(r"\{\{([A-Z_]+)\}\}")
_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
                 "\u2028": "\\u2028", "\u2029": "\\u2029"}
_JSON_UNSAFE = re.compile("[<>&\u2028\u2029\ud800-\udfff]")
_RAW_TEXT_END = re.compile(r"</(script|style)|<!--", re.IGNORECASE)


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
