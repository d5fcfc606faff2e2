/* kg network page.  Reads the view from <script id="kg-data" type="application/json"> and
 * draws it with vis-network.  Every string from the graph reaches the DOM through
 * textContent or as a vis tooltip string (which vis sets with innerText), never as HTML. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("kg-data").textContent);
  var view = data.view, page = data.page;
  var layout = view.layout, big = layout.fixed;
  var polish = !big && layout.physics_iterations > 0;
  var byId = new Map(), legendOf = {}, out = new Map(), inc = new Map();
  view.nodes.forEach(function (n) { byId.set(n.id, n); out.set(n.id, []); inc.set(n.id, []); });
  view.legend.forEach(function (c) { legendOf[c.cls] = c; });
  view.edges.forEach(function (e) { out.get(e.from).push(e); inc.get(e.to).push(e); });

  var state = {
    classes: new Set(view.legend.map(function (c) { return c.cls; })),
    preds: new Set(view.predicates.map(function (p, i) { return p.hidden ? -1 : i; }).filter(function (i) { return i >= 0; })),
    y0: view.years.length ? view.years[0] : null,
    y1: view.years.length ? view.years[1] : null,
    only: null, onlyName: "", selected: null, dimmed: false, edgeLabels: true,
  };
  var visible = new Set();

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  // ------------------------------------------------------------------ vis data
  function nodePass(n) {
    if (!state.classes.has(n.cls)) return false;
    if (n.year !== null && state.y0 !== null && (n.year < state.y0 || n.year > state.y1)) return false;
    return !state.only || state.only.has(n.id);
  }
  function edgePass(e) {
    return state.preds.has(e.p) && visible.has(e.from) && visible.has(e.to);
  }
  function computeVisible() {
    visible = new Set();
    view.nodes.forEach(function (n) { if (nodePass(n)) visible.add(n.id); });
  }
  computeVisible();

  var nodes = new vis.DataSet(view.nodes.map(function (n) {
    var v = { id: n.id, label: n.short, group: n.cls, size: n.size, title: n.title };
    v.x = n.x; v.y = n.y;
    return v;
  }));
  var edges = new vis.DataSet(view.edges.map(function (e) {
    return { id: e.id, from: e.from, to: e.to, p: e.p, label: view.predicates[e.p].label };
  }));
  var nodeView = new vis.DataView(nodes, { filter: function (n) { return visible.has(n.id); } });
  var edgeView = new vis.DataView(edges, { filter: function (e) { return edgePass(e); } });

  function shade(hex, f) {
    var n = parseInt(hex.slice(1), 16), r = (n >> 16) & 255, g = (n >> 8) & 255, b = n & 255;
    function c(x) { return Math.max(0, Math.min(255, Math.round(x * f))); }
    return "rgb(" + c(r) + "," + c(g) + "," + c(b) + ")";
  }
  var groups = {};
  view.legend.forEach(function (c) {
    var g = {
      shape: c.shape, size: c.size,
      color: { background: c.color, border: shade(c.color, 0.72),
               highlight: { background: c.color, border: "#1f2933" },
               hover: { background: c.color, border: "#1f2933" } },
    };
    if (c.shape === "box") g.font = { color: "#ffffff", size: 12, strokeWidth: 0 };
    groups[c.cls] = g;
  });
  var font = layout.font;
  var options = {
    groups: groups,
    nodes: { borderWidth: 1.2, font: { face: font, size: 13, color: "#1f2933", strokeWidth: 3, strokeColor: "#ffffff" },
             shapeProperties: { borderRadius: 4 }, margin: 5 },
    edges: { width: 0.8, selectionWidth: 1.2, hoverWidth: 0.6,
             arrows: { to: { enabled: !big, scaleFactor: 0.45 } },
             color: { color: "#b9c2cc", highlight: "#c8372d", hover: "#7b8794", inherit: false },
             font: { face: font, size: 10, color: "#7b8794", strokeWidth: 3, strokeColor: "#ffffff", align: "middle" },
             scaling: { label: { drawThreshold: 8 } },
             smooth: big ? false : { type: "continuous", roundness: 0.3 } },
    interaction: { hover: true, tooltipDelay: 120, hideEdgesOnDrag: big, hideEdgesOnZoom: big, multiselect: false },
    layout: { randomSeed: layout.seed, improvedLayout: false },
    physics: false,
  };
  var physics = {
    enabled: true,
    solver: "forceAtlas2Based",
    forceAtlas2Based: { gravitationalConstant: -45, centralGravity: 0.012, springLength: 70, springConstant: 0.08, avoidOverlap: 0.35 },
    stabilization: { enabled: false, updateInterval: 25, fit: false },
    maxVelocity: 40, minVelocity: 1,
  };
  var container = document.getElementById("network");
  var network = new vis.Network(container, { nodes: nodeView, edges: edgeView }, options);

  function savePositions() {
    var pos = network.getPositions();
    nodes.update(Object.keys(pos).map(function (k) { return { id: Number(k), x: pos[k].x, y: pos[k].y }; }));
  }
  var settling = polish;
  function settle() {
    if (!settling) return;
    settling = false;
    network.setOptions({ physics: false });
    savePositions();
    if (state.selected === null && !state.only) network.fit({ animation: { duration: 400 } });
    window.__kgSettledMs = performance.now();
    window.__kgSettled = true;
  }
  network.once("afterDrawing", function () {
    window.__kgReadyMs = performance.now();
    window.__kgReady = true;
    if (!polish) {
      window.__kgSettledMs = window.__kgReadyMs;
      window.__kgSettled = true;
    } else {
      // The Python layout is drawn at once; then a fixed number of physics steps relaxes it
      // (in batches, so the page stays responsive), the same steps on every run.
      network.once("stabilizationIterationsDone", settle);
      network.setOptions({ physics: physics });
      network.stabilize(layout.physics_iterations);
    }
  });
  network.fit();

  // ------------------------------------------------------------------ filters
  function refresh() {
    computeVisible();
    nodeView.refresh();
    edgeView.refresh();
    if (state.selected !== null && !visible.has(state.selected)) clearSelection();
    else if (state.selected !== null) dim(state.selected);
    updateStats();
  }
  function updateStats() {
    document.getElementById("stats").textContent =
      "显示 " + nodeView.length + " / " + view.nodes.length + " 个节点，" + edgeView.length + " 条关系";
  }

  function legendRow(list, swatch, text, count, on, toggle) {
    var li = el("li", (on ? "" : "off") + (count ? "" : " empty"));
    var box = el("input"); box.type = "checkbox"; box.checked = on;
    li.appendChild(box); li.appendChild(swatch); li.appendChild(el("span", "name", text));
    li.appendChild(el("span", "count", count));
    li.addEventListener("click", function (ev) {
      if (ev.target !== box) box.checked = !box.checked;
      li.classList.toggle("off", !box.checked);
      toggle(box.checked);
    });
    list.appendChild(li);
    return li;
  }
  function swatchFor(c) {
    var s = el("span", "swatch " + c.shape);
    s.style.background = c.color;
    return s;
  }
  var legendList = document.getElementById("legend");
  view.legend.forEach(function (c) {
    var li = legendRow(legendList, swatchFor(c), c.label, c.count, true, function (on) {
      if (on) state.classes.add(c.cls); else state.classes.delete(c.cls);
      refresh();
    });
    li.dataset.cls = c.cls;
  });
  var relList = document.getElementById("relations");
  view.predicates.forEach(function (p, i) {
    var li = legendRow(relList, el("span", "swatch line"), p.label, p.count, !p.hidden, function (on) {
      if (on) state.preds.add(i); else state.preds.delete(i);
      refresh();
    });
    li.dataset.p = p.iri;
  });
  document.getElementById("edge-labels").addEventListener("change", function (ev) {
    state.edgeLabels = ev.target.checked;
    edges.update(view.edges.map(function (e) {
      return { id: e.id, label: state.edgeLabels ? view.predicates[e.p].label : " " };
    }));
  });

  var yFrom = document.getElementById("year-from"), yTo = document.getElementById("year-to");
  function setYears(a, b) {
    state.y0 = Math.min(a, b); state.y1 = Math.max(a, b);
    yFrom.value = String(state.y0); yTo.value = String(state.y1);
    document.getElementById("year-text").textContent = state.y0 + " – " + state.y1;
    refresh();
  }
  if (view.years.length) {
    [yFrom, yTo].forEach(function (r) { r.min = String(view.years[0]); r.max = String(view.years[1]); r.step = "1"; });
    yFrom.addEventListener("input", function () { setYears(Number(yFrom.value), Number(yTo.value)); });
    yTo.addEventListener("input", function () { setYears(Number(yFrom.value), Number(yTo.value)); });
    setYears(view.years[0], view.years[1]);
  } else {
    document.getElementById("year-box").hidden = true;
  }

  // ------------------------------------------------------------------ neighbourhood
  function around(id, depth) {
    var seen = new Set([id]), frontier = [id];
    for (var d = 0; d < depth; d++) {
      var next = [];
      frontier.forEach(function (x) {
        out.get(x).concat(inc.get(x)).forEach(function (e) {
          if (!state.preds.has(e.p)) return;
          var y = e.from === x ? e.to : e.from;
          if (!seen.has(y)) { seen.add(y); next.push(y); }
        });
      });
      frontier = next;
    }
    return seen;
  }
  function fontColor(n) {
    var g = groups[n.cls];
    return g.font && g.font.color ? g.font.color : "#1f2933";
  }
  function dim(id) {
    var near = around(id, 1);
    nodes.update(nodeView.getIds().map(function (x) {
      var on = near.has(x);
      return { id: x, opacity: on ? 1 : 0.16, font: { color: on ? fontColor(byId.get(x)) : "rgba(31,41,51,0.22)" } };
    }));
    edges.update(edgeView.getIds().map(function (x) {
      var e = edges.get(x), on = e.from === id || e.to === id;
      return { id: x, color: { opacity: on ? 1 : 0.1 }, label: on && state.edgeLabels ? view.predicates[e.p].label : " " };
    }));
    state.dimmed = true;
  }
  function undim() {
    if (!state.dimmed) return;
    nodes.update(view.nodes.map(function (n) { return { id: n.id, opacity: 1, font: { color: fontColor(n) } }; }));
    edges.update(view.edges.map(function (e) {
      return { id: e.id, color: { opacity: 1 }, label: state.edgeLabels ? view.predicates[e.p].label : " " };
    }));
    state.dimmed = false;
  }
  function showOnly(id, depth) {
    state.only = around(id, depth);
    var n = byId.get(id);
    document.getElementById("focus-text").textContent = "只显示「" + (n.short || n.label) + "」周围 " + depth + " 层";
    document.getElementById("focus-banner").hidden = false;
    refresh();
    network.fit({ nodes: nodeView.getIds(), animation: big ? false : { duration: 400 } });
  }
  function showAll() {
    state.only = null;
    document.getElementById("focus-banner").hidden = true;
    refresh();
  }
  document.getElementById("focus-clear").addEventListener("click", showAll);
  document.getElementById("fit").addEventListener("click", function () { network.fit({ animation: { duration: 400 } }); });

  // ------------------------------------------------------------------ selection and panel
  function makeVisible(id) {
    var n = byId.get(id);
    if (visible.has(id)) return;
    if (state.only && !state.only.has(id)) showAll();
    if (!state.classes.has(n.cls)) {
      state.classes.add(n.cls);
      var li = legendList.querySelector('li[data-cls="' + n.cls + '"]');
      if (li) { li.classList.remove("off"); li.querySelector("input").checked = true; }
    }
    if (n.year !== null && state.y0 !== null && (n.year < state.y0 || n.year > state.y1)) {
      setYears(Math.min(state.y0, n.year), Math.max(state.y1, n.year));
    }
    refresh();
  }
  function select(id, animate) {
    makeVisible(id);
    state.selected = id;
    dim(id);
    renderPanel(id);
    network.selectNodes([id]);
    network.focus(id, { scale: Math.max(network.getScale(), 1.1), animation: animate === false || big ? false : { duration: 450 } });
  }
  function clearSelection() {
    state.selected = null;
    network.unselectAll();
    undim();
    renderPanel(null);
  }
  network.on("click", function (p) {
    if (p.nodes.length) select(p.nodes[0], true);
    else if (!p.edges.length) clearSelection();
  });
  network.on("doubleClick", function (p) { if (p.nodes.length) showOnly(p.nodes[0], 1); });

  var panel = document.getElementById("panel");
  function linkTo(id) {
    var b = el("button", "link", byId.get(id).label);
    b.type = "button";
    b.addEventListener("click", function () { select(id, true); });
    return b;
  }
  function renderPanel(id) {
    panel.textContent = "";
    panel.classList.toggle("open", id !== null);
    if (id === null) {
      panel.appendChild(el("p", "empty", "点击图中的节点，或在上方搜索名称，查看它的名称、别名、类别和关系。"));
      return;
    }
    var n = byId.get(id), c = legendOf[n.cls];
    var kind = el("span", "kind"); kind.appendChild(swatchFor(c)); kind.appendChild(el("span", null, c.label));
    panel.appendChild(kind);
    panel.appendChild(el("h2", null, n.label));
    if (n.aliases.length) panel.appendChild(el("p", "aliases", "别名：" + n.aliases.join("、")));
    var actions = el("div", "actions");
    [1, 2].forEach(function (d) {
      var b = el("button", null, "只看 " + d + " 层邻域"); b.type = "button";
      b.addEventListener("click", function () { showOnly(id, d); });
      actions.appendChild(b);
    });
    panel.appendChild(actions);
    var dl = el("dl");
    panelFields(dl, n);
    panel.appendChild(dl);
    panel.appendChild(el("p", "iri", n.iri));
  }
  function panelFields(dl, n) {
    var rows = new Map();
    function row(p, key) { if (!rows.has(key)) rows.set(key, { p: p, items: [] }); return rows.get(key).items; }
    n.fields.forEach(function (f) { row(f[0], "f" + f[0]).push({ text: f[1] }); });
    out.get(n.id).forEach(function (e) { row(e.p, "o" + e.p).push({ id: e.to }); });
    inc.get(n.id).forEach(function (e) { row(e.p, "i" + e.p).push({ id: e.from, back: true }); });
    Array.from(rows.keys()).sort(function (a, b) {
      var pa = rows.get(a).p, pb = rows.get(b).p;
      return pa - pb || (a < b ? -1 : a > b ? 1 : 0);
    }).forEach(function (key) {
      var r = rows.get(key), label = view.predicates[r.p].label;
      var pred = view.predicates[r.p];
      dl.appendChild(el("dt", null, (key[0] === "i" ? pred.inverse : pred.label) + (r.items.length > 1 ? "（" + r.items.length + "）" : "")));
      var dd = el("dd", /[#/]evidence$/.test(pred.iri) ? "quote" : "items");
      r.items.slice(0, 40).forEach(function (it) {
        dd.appendChild(it.id !== undefined ? linkTo(it.id) : el("span", "text", it.text));
      });
      if (r.items.length > 40) dd.appendChild(el("span", "more", "… 另有 " + (r.items.length - 40) + " 项"));
      dl.appendChild(dd);
    });
  }
  renderPanel(null);

  // ------------------------------------------------------------------ search
  var names = new Map();
  view.nodes.forEach(function (n) {
    if (n.cls === "HonourAward") return;
    [n.label].concat(n.aliases).forEach(function (name) {
      var key = name.replace(/\s+/g, "");
      if (!names.has(key)) names.set(key, []);
      names.get(key).push(n.id);
    });
  });
  var datalist = document.getElementById("names");
  Array.from(names.keys()).sort().forEach(function (name) {
    var o = document.createElement("option"); o.value = name; datalist.appendChild(o);
  });
  function search(q) {
    var key = String(q).replace(/\s+/g, ""), msg = document.getElementById("search-msg");
    msg.textContent = "";
    if (!key) return null;
    var ids = names.get(key);
    if (!ids) {
      var hit = view.nodes.filter(function (n) {
        return n.cls !== "HonourAward" && [n.label].concat(n.aliases).some(function (a) { return a.indexOf(key) >= 0; });
      }).sort(function (a, b) { return a.label.length - b.label.length || a.id - b.id; });
      ids = hit.length ? [hit[0].id] : null;
    }
    if (!ids) { msg.textContent = "未找到“" + q + "”"; return null; }
    if (ids.length > 1) msg.textContent = "同名 " + ids.length + " 个，已定位第一个";
    select(ids[0], true);
    return ids[0];
  }
  var box = document.getElementById("search");
  box.addEventListener("keydown", function (ev) { if (ev.key === "Enter") search(box.value); });
  box.addEventListener("change", function () { if (names.has(box.value.replace(/\s+/g, ""))) search(box.value); });

  var other = document.getElementById("other-page");
  other.href = "./" + encodeURIComponent(page.href);
  document.title = page.title;
  updateStats();
  if (view.focus && view.focus.ids.length) select(view.focus.ids[0], false);

  window.kg = {
    view: view, nodes: nodes, edges: edges, nodeView: nodeView, edgeView: edgeView, network: network,
    search: search, select: select, setYears: setYears, showOnly: showOnly, showAll: showAll,
    visibleCount: function () { return nodeView.length; },
  };
})();
