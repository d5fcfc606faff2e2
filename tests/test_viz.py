"""Tests of kg.viz: the view data, the HTML it writes, and the page in headless Chromium.

Graph cases are ``tests/data/graphs/viz_*.ttl|trig``.  Browser tests (``-m browser``) open the
pages from ``file://`` in ``/usr/bin/chromium`` through Playwright; they are skipped, with the
reason, when Chromium or Playwright is not installed.
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph
import pytest
from bs4 import BeautifulSoup
from rdflib import Dataset, Graph, Literal, URIRef

from kg import viz
from kg.errors import InputError
from kg.resources import ontology_path
from kg.viz import embed_json, force_layout, graph_to_view, write_html
from kg.vocab import CKG, ORG, OWL, PROV, RDF, RDFS, SKOS, XSD, IriMinter

GRAPHS = Path(__file__).parent / "data" / "graphs"
CASES = sorted(GRAPHS.glob("viz_*.t*"))
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
HOSTILE = ["<img src=x onerror=alert(1)>海关", "</script><script>window.__pwned=1</script>",
           "{{DATA}}</title><script>window.__pwned=2</script>", "&amp;<b>加粗</b>&#60;委员会",
           "\"引号\\反斜杠\u2028分隔\u2029段落\"称号", "<!--<script>window.__pwned=3</script>-->活动"]


def load(path: Path) -> Dataset:
    """A case file as an rdflib Dataset (parsed by pyoxigraph: rdflib 7.6's Dataset.parse
    warns about its own deprecated internals).  Turtle is TriG with only the default graph."""
    ds = Dataset()
    for quad in pyoxigraph.parse(path=str(path), format=pyoxigraph.RdfFormat.TRIG):
        name = quad.graph_name
        graph = ds.default_graph if isinstance(name, pyoxigraph.DefaultGraph) else ds.graph(URIRef(name.value))
        graph.add(tuple(_term(t) for t in (quad.subject, quad.predicate, quad.object)))
    return ds


def _term(term: Any) -> URIRef | Literal:
    if isinstance(term, pyoxigraph.Literal):
        lang = term.language
        return Literal(term.value, lang=lang, datatype=None if lang else URIRef(term.datatype.value))
    return URIRef(term.value)


def data_of(page: Path) -> Any:
    """The JSON a written page embeds."""
    script = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").find("script", id="kg-data")
    assert script is not None and script.string is not None
    return json.loads(script.string)


def labels_of(view: dict[str, Any]) -> set[str]:
    return {n["label"] for n in view["nodes"]}


# --------------------------------------------------------------------------- the view


def contract_classes() -> set[URIRef]:
    """The classes ``ontology/customs.ttl`` declares in the ckg namespace."""
    onto = Graph().parse(ontology_path("customs.ttl"))
    return {s for s in onto.subjects(RDF.type, OWL.Class)
            if isinstance(s, URIRef) and str(s).startswith(str(CKG._NS))}


def _expected_nodes(ds: Dataset) -> set[str]:
    """Drawn nodes computed independently: subjects typed with a class of the contract."""
    classes = contract_classes()
    return {str(s) for s, _, o, _ in ds.quads((None, RDF.type, None, None)) if o in classes}


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_viz_view_draws_every_typed_node_once(case: Path) -> None:
    ds = load(case)
    view = graph_to_view(ds)
    assert sorted(n["iri"] for n in view["nodes"]) == sorted(_expected_nodes(ds))
    assert [n["id"] for n in view["nodes"]] == list(range(len(view["nodes"])))
    assert sum(c["count"] for c in view["legend"]) == len(view["nodes"])


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_viz_view_edges_are_links_between_drawn_nodes(case: Path) -> None:
    ds = load(case)
    view = graph_to_view(ds)
    drawn = {n["iri"] for n in view["nodes"]}
    triples = {(str(s), str(p), str(o)) for s, p, o, _ in ds.quads((None, None, None, None))
               if p != RDF.type and str(s) in drawn and str(o) in drawn and s != o}
    covered = {(str(r), str(CKG.receivedHonour), str(h))
               for a, _, r, _ in ds.quads((None, CKG.recipient, None, None))
               for _, _, h, _ in ds.quads((a, CKG.honour, None, None))}
    iri = {n["id"]: n["iri"] for n in view["nodes"]}
    got = {(iri[e["from"]], view["predicates"][e["p"]]["iri"], iri[e["to"]]) for e in view["edges"]}
    assert got == triples - covered
    assert len(got) == len(view["edges"])
    assert sum(p["count"] for p in view["predicates"]) == len(view["edges"])


def test_viz_view_of_small_graph() -> None:
    view = graph_to_view(load(GRAPHS / "viz_small.ttl"))
    assert "无类别的东西" not in labels_of(view)
    preds = {p["iri"]: p for p in view["predicates"]}
    assert preds[str(CKG.mentions)]["hidden"] is True
    assert preds[str(ORG.subOrganizationOf)]["hidden"] is False
    assert view["years"] == [2012, 2015]
    by_label = {n["label"]: n for n in view["nodes"]}
    assert by_label["天津海关"]["aliases"] == ["天津海关(机关)", "津关"]
    assert by_label["道德讲堂"]["year"] == 2012
    assert by_label["天津海关精神文明建设纪实"]["cls"] == "Document"


def test_viz_edge_labels_come_from_the_ontology() -> None:
    view = graph_to_view(load(GRAPHS / "viz_small.ttl"))
    onto = Graph().parse(ontology_path("customs.ttl"))
    for pred in view["predicates"]:
        zh = [str(o) for o in onto.objects(URIRef(pred["iri"]), RDFS.label)
              if isinstance(o, Literal) and o.language == "zh"]
        assert pred["label"] == (zh[0] if zh else pred["iri"].rsplit("#", 1)[-1]), pred["iri"]
    labels = {p["iri"]: p["label"] for p in view["predicates"]}
    assert labels["https://example.org/vocab#partnerOf"] == "partnerOf"


def test_viz_shortcut_is_dropped_only_where_an_award_covers_it() -> None:
    view = graph_to_view(load(GRAPHS / "viz_small.ttl"))
    name = {n["id"]: n["label"] for n in view["nodes"]}
    received = {(name[e["from"]], name[e["to"]]) for e in view["edges"]
                if view["predicates"][e["p"]]["iri"] == str(CKG.receivedHonour)}
    assert received == {("天津海关", "天津市文明单位")}


def test_viz_award_details_in_tooltip_and_timeline() -> None:
    view = graph_to_view(load(GRAPHS / "viz_small.ttl"))
    award = next(n for n in view["nodes"] if n["cls"] == "HonourAward")
    assert award["label"] == "机场海关 · 全国文明单位 · 2015"
    assert award["short"] == ""
    for text in ("获得者：机场海关", "所获荣誉：全国文明单位", "发生年份：2015", "授予机构：中央文明委",
                 "届次：第四届", "原文依据：2015年，隶属机场海关", "来源文档：天津海关精神文明建设纪实"):
        assert text in award["title"]
    assert view["timeline"] == [{
        "award": award["id"], "recipient": "机场海关",
        "rid": next(n["id"] for n in view["nodes"] if n["label"] == "机场海关"),
        "rcls": "SubOffice", "honour": "全国文明单位", "year": 2015, "by": ["中央文明委"],
        "edition": "第四届", "evidence": "2015年，隶属机场海关被中央文明委评为第四届“全国文明单位”。",
        "docs": ["天津海关精神文明建设纪实"]}]


def test_viz_legend_has_every_class_of_the_ontology() -> None:
    declared = {str(c)[len(str(CKG._NS)):] for c in contract_classes()}
    legend = graph_to_view(Graph())["legend"]
    assert {c["cls"] for c in legend} == declared
    assert len({(c["color"], c["shape"]) for c in legend}) == len(legend)


# --------------------------------------------------------------------------- focus


@pytest.mark.parametrize(("name", "depth", "expected"), [
    ("天津海关", 0, {"天津海关"}),
    ("津关", 1, {"天津海关", "海关总署", "道德讲堂", "天津市文明单位", "上海海关", "机场海关"}),
    (" 天津海关 ", 2, {"天津海关", "海关总署", "道德讲堂", "天津市文明单位", "上海海关", "机场海关",
                      "2012", "天津海关精神文明建设纪实", "机场海关 · 全国文明单位 · 2015"}),
], ids=["depth0", "alias-depth1", "depth2"])
def test_viz_focus_keeps_the_neighbourhood(name: str, depth: int, expected: set[str]) -> None:
    view = graph_to_view(load(GRAPHS / "viz_small.ttl"), focus=name, depth=depth)
    assert labels_of(view) == expected
    assert [view["nodes"][i]["label"] for i in view["focus"]["ids"]] == ["天津海关"]
    assert {n["id"] for n in view["nodes"]} >= {i for e in view["edges"] for i in (e["from"], e["to"])}


def test_viz_focus_unknown_name_is_one_line_input_error() -> None:
    with pytest.raises(InputError) as err:
        graph_to_view(load(GRAPHS / "viz_small.ttl"), focus="不存在海关")
    message = str(err.value)
    assert "\n" not in message and "不存在海关" in message and "kg names" in message


def test_viz_negative_depth_is_input_error() -> None:
    with pytest.raises(InputError, match="depth"):
        graph_to_view(load(GRAPHS / "viz_small.ttl"), focus="天津海关", depth=-1)


def test_viz_focus_on_seeds_bureau(tmp_path: Path) -> None:
    ds = load(GRAPHS / "viz_seeds.trig")
    whole, part = graph_to_view(ds), graph_to_view(ds, focus="满洲里海关", depth=2)
    assert "满洲里海关" in labels_of(part) and "天津海关" not in labels_of(part)
    assert 1 < len(part["nodes"]) < len(whole["nodes"])
    paths = write_html(ds, tmp_path / "graph.html", focus="满关", depth=1)
    assert paths[0].stat().st_size > 0


# --------------------------------------------------------------------------- HTML


def test_viz_write_html_is_byte_identical_and_order_free(tmp_path: Path) -> None:
    ds = load(GRAPHS / "viz_seeds.trig")
    first = write_html(ds, tmp_path / "a" / "graph.html")
    quads = sorted(ds.quads((None, None, None, None)))
    random.Random(3).shuffle(quads)
    shuffled = Dataset()
    for s, p, o, g in quads:
        shuffled.graph(g).add((s, p, o))
    second = write_html(shuffled, tmp_path / "b" / "graph.html")
    assert [p.name for p in first] == ["graph.html", "timeline.html"]
    for a, b in zip(first, second):
        assert a.read_bytes() == b.read_bytes()


def test_viz_write_html_does_not_depend_on_hash_seeds(tmp_path: Path) -> None:
    script = ("import sys; from pathlib import Path; sys.path[:0] = [sys.argv[1], sys.argv[2]]; "
              "from test_viz import load; from kg.viz import write_html; "
              "write_html(load(Path(sys.argv[3])), Path(sys.argv[4]))")
    root = Path(__file__).parents[1]
    for seed in ("1", "2"):
        subprocess.run([sys.executable, "-c", script, str(root), str(root / "tests"),
                        str(GRAPHS / "viz_seeds.trig"), str(tmp_path / seed / "graph.html")],
                       check=True, env={**os.environ, "PYTHONHASHSEED": seed}, cwd=root)
    for name in ("graph.html", "timeline.html"):
        assert (tmp_path / "1" / name).read_bytes() == (tmp_path / "2" / name).read_bytes()


def test_viz_write_html_names_the_timeline_beside_the_page(tmp_path: Path) -> None:
    paths = write_html(load(GRAPHS / "viz_small.ttl"), tmp_path / "picture.html", title="小图")
    assert paths == [tmp_path / "picture.html", tmp_path / "picture-timeline.html"]
    assert "<title>小图</title>" in paths[0].read_text(encoding="utf-8")


def test_viz_large_graph_gets_a_fixed_layout() -> None:
    view = graph_to_view(synthetic_graph(1600))
    assert len(view["nodes"]) > viz.load_style().precompute_above
    assert view["layout"]["fixed"] is True
    assert graph_to_view(load(GRAPHS / "viz_small.ttl"))["layout"]["fixed"] is False
    points = [(n["x"], n["y"]) for n in view["nodes"]]
    assert all(isinstance(x, int) and isinstance(y, int) for x, y in points)
    assert len(set(points)) > 0.95 * len(points)


def test_viz_force_layout_is_deterministic_and_separates_nodes() -> None:
    edges = [(i, (i * 7 + 3) % 300) for i in range(300)]
    a, b = force_layout(300, edges, seed=5), force_layout(300, list(reversed(edges)), seed=5)
    assert a == b
    assert len(set(a)) == 300
    assert force_layout(0, []) == []


@pytest.mark.parametrize("text", HOSTILE + ["\ud800 lone surrogate", "a\u2028b\u2029c"])
def test_viz_embed_json_escapes_what_could_end_the_script(text: str) -> None:
    out = embed_json({"s": text, text: [text]})
    assert not re.search("[<>&\u2028\u2029\ud800-\udfff]", out)
    assert json.loads(out) == {"s": text, text: [text]}


def test_viz_hostile_names_never_reach_the_html_raw(tmp_path: Path) -> None:
    paths = write_html(load(GRAPHS / "viz_hostile.ttl"), tmp_path / "graph.html",
                       title="<b>标题</b>")
    for path in paths:
        page = path.read_text(encoding="utf-8")
        for text in HOSTILE + ["<svg", "<i>四", "alert(5)</script>"]:
            assert text not in page, text
        assert "&lt;b&gt;标题&lt;/b&gt;" in page and "<b>标题" not in page
        soup = BeautifulSoup(page, "html.parser")
        scripts = soup.find_all("script")
        assert [s.get("type") for s in scripts] == ["application/json"] + [None] * (len(scripts) - 1)
        assert soup.title is not None and str(soup.title.string).startswith("<b>标题</b>")
        data = json.loads(scripts[0].string)
        assert data["page"]["title"] == "<b>标题</b>"
    assert set(HOSTILE) <= labels_of(data_of(paths[0])["view"])


def test_viz_page_is_self_contained(tmp_path: Path) -> None:
    paths = write_html(load(GRAPHS / "viz_seeds.trig"), tmp_path / "graph.html")
    for path in paths:
        page = path.read_text(encoding="utf-8")
        assert not re.search(r"<(link|iframe|img|object|embed)\b", page, re.IGNORECASE)
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page, re.IGNORECASE)
        assert not re.search(r"@import|url\(\s*['\"]?(https?:)?//", page, re.IGNORECASE)
        assert "Content-Security-Policy" in page and "default-src 'none'" in page


def test_viz_public_names_are_sorted() -> None:
    assert viz.__all__ == sorted(viz.__all__)


# --------------------------------------------------------------------------- graphs for tests


def synthetic_graph(nodes: int, seed: int = 2) -> Graph:
    """A contract-shaped graph of exactly ``nodes`` drawn nodes: bureaus, honours, awards, years."""
    rnd, mint, g = random.Random(seed), IriMinter(), Graph()
    years = [mint.year(y) for y in range(2000, 2020)]
    for y in years:
        g.add((y, RDF.type, CKG.Year))
        g.add((y, CKG.yearValue, Literal(str(y)[-4:], datatype=XSD.gYear)))
    bureaus = [mint.entity("Bureau", f"关{i}") for i in range(40)]
    honours = [mint.entity("Honour", f"荣誉{i}") for i in range(60)]
    for i, b in enumerate(bureaus):
        g.add((b, RDF.type, CKG.Bureau))
        g.add((b, RDFS.label, Literal(f"关{i}", lang="zh")))
        g.add((b, SKOS.altLabel, Literal(f"别名{i}", lang="zh")))
    for i, h in enumerate(honours):
        g.add((h, RDF.type, CKG.Honour))
        g.add((h, RDFS.label, Literal(f"荣誉{i}", lang="zh")))
    for i in range(nodes - len(years) - len(bureaus) - len(honours)):
        a = URIRef(f"{mint.base}award/{i:06d}")
        g.add((a, RDF.type, CKG.HonourAward))
        g.add((a, CKG.recipient, rnd.choice(bureaus)))
        g.add((a, CKG.honour, rnd.choice(honours)))
        g.add((a, CKG.year, rnd.choice(years)))
        g.add((a, PROV.wasDerivedFrom, URIRef(f"{mint.base}doc/none")))
    return g


# --------------------------------------------------------------------------- in Chromium


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright  # the [test] extra; CI installs it

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


class Opened:
    """A page opened from file:// with its console messages, errors, requests and dialogs."""

    def __init__(self, browser: Any, path: Path) -> None:
        self.page = browser.new_page(viewport={"width": 1400, "height": 860})
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type in ("error", "warning") else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.goto(path.as_uri())
        self.page.wait_for_function("() => window.__kgReady === true", timeout=20_000)

    def js(self, expression: str) -> Any:
        return self.page.evaluate(expression)

    def settle(self) -> None:
        self.page.wait_for_function("() => window.__kgSettled === true", timeout=20_000)

    def close(self) -> None:
        self.page.close()


@pytest.fixture(scope="module")
def seeds_pages(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    out = tmp_path_factory.mktemp("seeds")
    return write_html(load(GRAPHS / "viz_seeds.trig"), out / "graph.html")


@pytest.fixture()
def seeds_page(browser: Any, seeds_pages: list[Path]) -> Iterator[Opened]:
    opened = Opened(browser, seeds_pages[0])
    yield opened
    opened.close()


def _only_local(requests: list[str]) -> list[str]:
    return [u for u in requests if not u.startswith(("file://", "data:"))]


@pytest.mark.browser
def test_viz_browser_loads_offline_without_errors(seeds_page: Opened) -> None:
    seeds_page.settle()
    assert seeds_page.errors == []
    assert _only_local(seeds_page.requests) == []
    assert seeds_page.js("document.fonts.size") == 0


@pytest.mark.browser
def test_viz_browser_draws_the_view(seeds_page: Opened) -> None:
    view = graph_to_view(load(GRAPHS / "viz_seeds.trig"))
    shown_edges = sum(1 for e in view["edges"] if not view["predicates"][e["p"]]["hidden"])
    assert seeds_page.js("kg.nodes.length") == len(view["nodes"])
    assert seeds_page.js("kg.nodeView.length") == len(view["nodes"])
    assert seeds_page.js("kg.edgeView.length") == shown_edges
    assert seeds_page.js("document.querySelectorAll('#legend li').length") == len(view["legend"])


@pytest.mark.browser
def test_viz_browser_picture_is_not_blank(seeds_page: Opened, tmp_path: Path) -> None:
    seeds_page.settle()
    seeds_page.page.screenshot(path=str(tmp_path / "seeds.png"))
    colours = seeds_page.js("""(() => {
        const c = document.querySelector('#network canvas');
        const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        const seen = new Set();
        for (let i = 0; i < px.length; i += 4 * 7) seen.add((px[i] << 16) | (px[i + 1] << 8) | px[i + 2]);
        return seen.size;
    })()""")
    assert colours > 200


@pytest.mark.browser
def test_viz_browser_search_by_alias_selects_the_node(seeds_page: Opened) -> None:
    seeds_page.page.fill("#search", "满关")
    seeds_page.page.press("#search", "Enter")
    selected = seeds_page.js("kg.network.getSelectedNodes().map(id => kg.view.nodes[id].label)")
    assert selected == ["满洲里海关"]
    assert seeds_page.page.text_content("#panel h2") == "满洲里海关"
    assert "满关" in (seeds_page.page.text_content("#panel .aliases") or "")
    seeds_page.page.fill("#search", "没有这个名字")
    seeds_page.page.press("#search", "Enter")
    assert "未找到" in (seeds_page.page.text_content("#search-msg") or "")


@pytest.mark.browser
def test_viz_browser_click_and_double_click_focus_the_neighbourhood(seeds_page: Opened) -> None:
    seeds_page.settle()
    node = seeds_page.js("kg.view.nodes.find(n => n.label === '满洲里海关').id")
    seeds_page.js(f"kg.network.focus({node}, {{scale: 1.5}})")
    x, y = seeds_page.js(f"""(() => {{
        const p = kg.network.canvasToDOM(kg.network.getPositions([{node}])[{node}]);
        const r = document.getElementById('network').getBoundingClientRect();
        return [p.x + r.left, p.y + r.top]; }})()""")
    seeds_page.page.mouse.click(x, y)
    assert seeds_page.js("kg.network.getSelectedNodes()") == [node]
    assert seeds_page.page.text_content("#panel h2") == "满洲里海关"
    seeds_page.page.mouse.dblclick(x, y)
    expected = seeds_page.js(f"""new Set([{node}].concat(kg.view.edges
        .filter(e => !kg.view.predicates[e.p].hidden && (e.from === {node} || e.to === {node}))
        .map(e => e.from === {node} ? e.to : e.from))).size""")
    assert seeds_page.js("kg.nodeView.length") == expected
    seeds_page.page.click("#focus-clear")
    assert seeds_page.js("kg.nodeView.length") == seeds_page.js("kg.nodes.length")


@pytest.mark.browser
def test_viz_browser_class_filter_hides_that_class(seeds_page: Opened) -> None:
    total = seeds_page.js("kg.nodeView.length")
    programmes = seeds_page.js("kg.view.nodes.filter(n => n.cls === 'Programme').length")
    seeds_page.page.click("#legend li[data-cls=Programme]")
    assert seeds_page.js("kg.nodeView.length") == total - programmes > 0
    seeds_page.page.click("#legend li[data-cls=Programme]")
    assert seeds_page.js("kg.nodeView.length") == total


@pytest.mark.browser
def test_viz_browser_year_filter_keeps_years_in_range(seeds_page: Opened) -> None:
    expected = seeds_page.js("kg.view.nodes.filter(n => n.year === null || n.year >= 2010 && n.year <= 2013).length")
    page = seeds_page.page
    page.eval_on_selector("#year-from", "(e) => { e.value = '2010'; e.dispatchEvent(new Event('input')); }")
    page.eval_on_selector("#year-to", "(e) => { e.value = '2013'; e.dispatchEvent(new Event('input')); }")
    assert seeds_page.js("kg.nodeView.length") == expected < seeds_page.js("kg.nodes.length")
    assert page.text_content("#year-text") == "2010 – 2013"


@pytest.mark.browser
def test_viz_browser_mentions_toggle_shows_hidden_edges(seeds_page: Opened) -> None:
    before = seeds_page.js("kg.edgeView.length")
    mentions = seeds_page.js("kg.view.edges.filter(e => kg.view.predicates[e.p].hidden).length")
    seeds_page.page.click(f"#relations li[data-p='{CKG.mentions}']")
    assert seeds_page.js("kg.edgeView.length") == before + mentions


@pytest.mark.browser
def test_viz_browser_hostile_names_stay_text(browser: Any, tmp_path: Path) -> None:
    paths = write_html(load(GRAPHS / "viz_hostile.ttl"), tmp_path / "graph.html")
    opened = Opened(browser, paths[0])
    opened.settle()
    for text in HOSTILE:
        opened.js(f"kg.select(kg.view.nodes.find(n => n.label === {json.dumps(text)}).id)")
        assert opened.page.text_content("#panel h2") == text
    assert opened.js("document.querySelectorAll('img, svg, b, i').length") == 0
    assert opened.js("typeof window.__pwned") == "undefined"
    assert opened.dialogs == [] and _only_local(opened.requests) == []
    assert opened.errors == []
    timeline = Opened(browser, paths[1])
    timeline.page.click(".chip")
    assert timeline.page.text_content(".detail dd.quote") == "<script>alert(5)</script>，被评为\"称号\"\\。"
    assert timeline.js("typeof window.__pwned") == "undefined"
    assert timeline.dialogs == [] and timeline.errors == []
    opened.close()
    timeline.close()


@pytest.mark.browser
def test_viz_browser_timeline_has_a_row_per_recipient(browser: Any, seeds_pages: list[Path],
                                                      tmp_path: Path) -> None:
    view = graph_to_view(load(GRAPHS / "viz_seeds.trig"))
    opened = Opened(browser, seeds_pages[1])
    assert opened.js("kgTimeline.rows") == len({a["rid"] for a in view["timeline"]})
    assert opened.js("document.querySelectorAll('.chip').length") == len(view["timeline"])
    opened.page.fill("#filter", "满洲里")
    shown = opened.js("Array.from(document.querySelectorAll('.org')).filter(e => !e.hidden).length")
    assert 0 < shown < opened.js("kgTimeline.rows")
    opened.page.screenshot(path=str(tmp_path / "timeline.png"))
    assert opened.errors == [] and _only_local(opened.requests) == []
    opened.close()


@pytest.mark.browser
def test_viz_browser_large_graph_is_drawn_with_the_fixed_layout(browser: Any, tmp_path: Path) -> None:
    paths = write_html(synthetic_graph(1600), tmp_path / "graph.html")
    opened = Opened(browser, paths[0])
    assert opened.js("kg.nodeView.length") == 1600
    assert opened.js("window.__kgSettled") is True
    assert opened.js("kg.search('别名7')") == opened.js("kg.view.nodes.find(n => n.label === '关7').id")
    assert opened.errors == [] and _only_local(opened.requests) == []
    opened.close()


@pytest.mark.browser
def test_viz_browser_focus_page_selects_the_focus(browser: Any, tmp_path: Path) -> None:
    paths = write_html(load(GRAPHS / "viz_seeds.trig"), tmp_path / "graph.html", focus="满关", depth=1)
    opened = Opened(browser, paths[0])
    assert opened.js("kg.nodes.length") == len(graph_to_view(load(GRAPHS / "viz_seeds.trig"),
                                                             focus="满关", depth=1)["nodes"])
    assert opened.page.text_content("#panel h2") == "满洲里海关"
    opened.close()
