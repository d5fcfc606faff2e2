"""Time to interactive of ``kg.viz`` pages in headless Chromium (run by hand, not by pytest).

    python benchmarks/bench_viz.py [--nodes 5000] [--seeds tests/data/graphs/viz_seeds.trig]

Generates a contract-shaped graph of about ``--nodes`` nodes (bureaus, sub-offices,
departments, honours shared by many recipients, awards, programmes, years, documents that
mention everything), writes its page with :func:`kg.viz.write_html`, opens it from
``file://`` in ``/usr/bin/chromium`` through Playwright, and prints: the time to build the
view and write the HTML, the HTML size, and the time from navigation until the page says it
is interactive (``window.__kgReady``, set after the first drawing with a settled layout).
Targets: seeds graph < 1 s, 5,000 nodes < 5 s.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

from rdflib import Dataset, Graph, Literal, URIRef

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kg.viz import graph_to_view, write_html
from kg.vocab import CKG, DCTERMS, ORG, PROV, RDF, RDFS, SKOS, XSD, IriMinter

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
_CHARS = "东南西北中华天津上海广州深圳杭州宁波青岛大连厦门福州成都重庆武汉长沙昆明兰州乌鲁木齐拉萨满洲里二连呼和浩特哈尔滨长春沈阳石家庄太原郑州济南合肥南京南昌贵阳南宁海口黄埔江门湛汕头拱北"
_HONOURS = ["文明单位", "青年文明号", "先进集体", "五一劳动奖状", "巾帼文明岗", "工人先锋号", "模范职工之家"]
_SCOPES = ["全国", "全国海关", "省级", "市级", "自治区"]
_PROGRAMMES = ["道德讲堂", "志愿服务队", "亮窗行动", "读书月", "文化节", "服务热线", "廉政教育"]


def _name(rnd: random.Random, length: int = 2) -> str:
    return "".join(rnd.choice(_CHARS) for _ in range(length))


def _entity(g: Graph, iri: URIRef, cls: URIRef, label: str, alias: str | None = None) -> URIRef:
    g.add((iri, RDF.type, cls))
    g.add((iri, RDFS.label, Literal(label, lang="zh")))
    if alias:
        g.add((iri, SKOS.altLabel, Literal(alias, lang="zh")))
    return iri


def _named(g: Graph, mint: IriMinter, rnd: random.Random, cls: str, label: str) -> URIRef:
    return _entity(g, mint.entity(cls, label), CKG[cls], label)


def make_graph(nodes: int = 5000, seed: int = 1) -> Dataset:
    """A contract-shaped dataset of about ``nodes`` drawn nodes, the same for the same seed."""
    rnd, mint, ds = random.Random(seed), IriMinter(), Dataset()
    scale = nodes / 5000
    g = ds.graph(URIRef(mint.base + "graph/bench"))
    admin = _entity(g, mint.entity("Administration", "海关总署"), CKG.Administration, "海关总署", "总署")
    years = []
    for y in range(1995, 2025):
        yi = mint.year(y)
        g.add((yi, RDF.type, CKG.Year))
        g.add((yi, RDFS.label, Literal(str(y))))
        g.add((yi, CKG.yearValue, Literal(str(y), datatype=XSD.gYear)))
        years.append(yi)
    names = [f"{_name(rnd)}海关{i}" for i in range(int(42 * scale) + 1)]
    bureaus = [_entity(g, mint.entity("Bureau", name), CKG.Bureau, name, f"{name[0]}关{i}")
               for i, name in enumerate(names)]
    orgs = list(bureaus)
    for name, b in zip(names, bureaus):
        g.add((b, ORG.subOrganizationOf, admin))
        for j in range(rnd.randint(3, 9)):
            cls = "SubOffice" if j % 3 else "Department"
            label = f"{_name(rnd)}{'海关' if cls == 'SubOffice' else '科'}{len(orgs)}"
            child = _entity(g, mint.entity(cls, f"{name}/{label}"), CKG[cls], label)
            g.add((child, ORG.subOrganizationOf, b))
            orgs.append(child)
    externals = [_named(g, mint, rnd, "ExternalOrganization", f"{_name(rnd, 3)}委员会{i}")
                 for i in range(int(60 * scale) + 1)]
    honours = [_named(g, mint, rnd, "Honour", f"{rnd.choice(_SCOPES)}{rnd.choice(_HONOURS)}{i}")
               for i in range(int(150 * scale) + 1)]
    persons = [_named(g, mint, rnd, "Person", f"{_name(rnd, 3)}{i}") for i in range(int(150 * scale) + 1)]
    docs = []
    for i in range(int(250 * scale) + 1):
        d = mint.document(f"bench_{i:05d}")
        g.add((d, RDF.type, CKG.Document))
        g.add((d, DCTERMS.title, Literal(f"{_name(rnd, 4)}海关精神文明建设纪实之{i}", lang="zh")))
        docs.append(d)
    remaining = nodes - (1 + len(years) + len(orgs) + len(externals) + len(honours) + len(persons) + len(docs))
    for i in range(max(remaining, 0)):
        _fact(g, rnd, mint, i, orgs + persons, honours, externals, years, docs)
    return ds


def _fact(g: Graph, rnd: random.Random, mint: IriMinter, i: int, recipients: list[URIRef],
          honours: list[URIRef], externals: list[URIRef], years: list[URIRef], docs: list[URIRef]) -> None:
    doc, who = rnd.choice(docs), rnd.choice(recipients)
    if i % 5 < 3:
        honour, year = rnd.choice(honours), rnd.choice(years)
        node = mint.award(str(who), str(honour), 1995 + years.index(year) + i * 31)
        g.add((node, RDF.type, CKG.HonourAward))
        g.add((node, CKG.recipient, who))
        g.add((node, CKG.honour, honour))
        g.add((who, CKG.receivedHonour, honour))
        g.add((node, CKG.awardedBy, rnd.choice(externals)))
        g.add((node, CKG.evidence, Literal(f"{i}年度，该单位荣获称号。", lang="zh")))
    else:
        label = f"{rnd.choice(_PROGRAMMES)}{i}"
        node = mint.entity("Programme", f"p{i}/{label}")
        _entity(g, node, CKG.Programme, label)
        g.add((who, CKG.runsProgramme, node))
        g.add((node, CKG.evidence, Literal(f"开展{label}活动。", lang="zh")))
        year = rnd.choice(years)
    g.add((node, CKG.year, year))
    g.add((node, PROV.wasDerivedFrom, doc))
    g.add((doc, CKG.mentions, who))


def time_to_interactive(page_path: Path) -> tuple[float, float, float]:
    """Seconds until the page at ``page_path`` is drawn and until it is settled.

    Returns ``(first, settled, wall)``: ``performance.now()`` (from navigation start) when the
    first frame was drawn after the page script ran (``window.__kgReadyMs``) and when the
    layout was final and the main thread free (``window.__kgSettledMs``: small graphs relax
    for a fixed number of physics steps first), and the wall clock from ``page.goto`` until
    Playwright saw the settled flag (it includes Playwright's polling).
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        start = time.perf_counter()
        page.goto(page_path.as_uri())
        page.wait_for_function("() => window.__kgSettled === true", timeout=60_000)
        elapsed = time.perf_counter() - start
        first, settled = page.evaluate("[window.__kgReadyMs, window.__kgSettledMs]")
        browser.close()
    return first / 1000, settled / 1000, elapsed


def bench(label: str, dataset: Dataset | Graph, out_dir: Path) -> None:
    """Build, write and open one page; print one line of figures."""
    t0 = time.perf_counter()
    view = graph_to_view(dataset)
    t1 = time.perf_counter()
    paths = write_html(dataset, out_dir / "graph.html")
    t2 = time.perf_counter()
    first, settled, wall = time_to_interactive(paths[0])
    print(f"{label:>14}: {len(view['nodes']):5d} nodes {len(view['edges']):6d} edges | "
          f"graph_to_view {t1 - t0:5.2f} s, write_html {t2 - t1:5.2f} s, html {paths[0].stat().st_size / 1e6:5.2f} MB | "
          f"drawn {first:4.2f} s, interactive {settled:4.2f} s ({wall:4.2f} s wall clock)")


def main() -> None:
    """Run the benchmark from the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=5000)
    parser.add_argument("--seeds", type=Path, default=Path("tests/data/graphs/viz_seeds.trig"))
    parser.add_argument("--keep", type=Path, help="write the pages here instead of a temp dir")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = args.keep or Path(tmp)
        if args.seeds.is_file():
            seeds = Dataset()
            seeds.parse(args.seeds, format="trig")
            bench("seeds", seeds, out / "seeds")
        bench(f"synthetic {args.nodes}", make_graph(args.nodes), out / "synthetic")


if __name__ == "__main__":
    main()
