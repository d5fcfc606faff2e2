/* kg timeline page: the honours each organisation received, one column per year.
 * Every string from the graph reaches the DOM through textContent, never as HTML. */
(function () {
  "use strict";
  var page = JSON.parse(document.getElementById("kg-data").textContent).page;
  var awards = page.awards, legendOf = {}, rank = {};
  page.legend.forEach(function (c, i) { legendOf[c.cls] = c; rank[c.cls] = i; });
  var palette = ["#fde2c8", "#d8ecd9", "#dbe7f6", "#f6dbe6", "#efe3c2", "#e3def3", "#d6eeee", "#f4dcd4"];
  var inks = ["#8a4a12", "#2f6b34", "#2c5282", "#8c2f5a", "#6b5412", "#4c3d84", "#21686a", "#8a3a24"];

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function hue(s) {
    var h = 0;
    for (var i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) >>> 0;
    return h % palette.length;
  }

  var years = [], undated = false, rows = new Map();
  awards.forEach(function (a) {
    if (a.year === null) undated = true; else if (years.indexOf(a.year) < 0) years.push(a.year);
    var key = a.rid !== null ? "n" + a.rid : "s" + a.recipient;
    if (!rows.has(key)) rows.set(key, { name: a.recipient, cls: a.rcls, awards: [] });
    rows.get(key).awards.push(a);
  });
  years.sort(function (a, b) { return a - b; });
  var columns = years.map(String);
  if (undated) columns.push("年份不详");
  var ordered = Array.from(rows.values()).sort(function (a, b) {
    return (rank[a.cls] === undefined ? 99 : rank[a.cls]) - (rank[b.cls] === undefined ? 99 : rank[b.cls]) ||
      b.awards.length - a.awards.length || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  });

  var root = document.getElementById("timeline"), detail = document.getElementById("detail");
  root.style.gridTemplateColumns = "minmax(140px, 200px) repeat(" + columns.length + ", minmax(84px, 1fr))";
  function header() {
    root.appendChild(el("div", "cell head corner", "机构 \\ 年份"));
    columns.forEach(function (c) { root.appendChild(el("div", "cell head year", c)); });
  }
  function chip(a) {
    var k = hue(a.honour), b = el("button", "chip", a.honour);
    b.type = "button";
    b.style.background = palette[k];
    b.style.color = inks[k];
    b.title = a.honour + (a.by.length ? "\n授予：" + a.by.join("、") : "") + (a.evidence ? "\n" + a.evidence : "");
    b.addEventListener("click", function () { show(a, b); });
    return b;
  }
  function rowCells(r) {
    var cells = [], head = el("div", "cell org"), c = legendOf[r.cls];
    var sw = el("span", "swatch"); sw.style.background = c ? c.color : "#999";
    head.appendChild(sw);
    head.appendChild(el("span", "org-name", r.name));
    head.appendChild(el("span", "count", r.awards.length));
    if (c) head.title = c.label;
    cells.push(head);
    columns.forEach(function (col) {
      var cell = el("div", "cell slot");
      r.awards.forEach(function (a) {
        if ((a.year === null ? "年份不详" : String(a.year)) === col) cell.appendChild(chip(a));
      });
      cells.push(cell);
    });
    return cells;
  }
  header();
  var rendered = ordered.map(function (r) {
    var cells = rowCells(r);
    cells.forEach(function (c) { root.appendChild(c); });
    var text = (r.name + " " + r.awards.map(function (a) { return a.honour + " " + a.by.join(" "); }).join(" "));
    return { cells: cells, text: text };
  });
  if (!awards.length) root.appendChild(el("p", "empty", "图中没有荣誉授予。"));

  var current = null;
  function field(dl, name, value, cls) {
    if (!value || (Array.isArray(value) && !value.length)) return;
    dl.appendChild(el("dt", null, name));
    dl.appendChild(el("dd", cls || null, Array.isArray(value) ? value.join("、") : value));
  }
  function show(a, button) {
    if (current) current.classList.remove("active");
    current = button; button.classList.add("active");
    detail.textContent = "";
    detail.appendChild(el("span", "kind", "荣誉授予"));
    detail.appendChild(el("h2", null, a.honour));
    var dl = el("dl");
    field(dl, "获得者", a.recipient);
    field(dl, "年份", a.year === null ? "年份不详" : String(a.year));
    field(dl, "授予机构", a.by);
    field(dl, "届次", a.edition);
    field(dl, "原文依据", a.evidence, "quote");
    field(dl, "来源文档", a.docs);
    detail.appendChild(dl);
  }
  detail.appendChild(el("p", "empty", "点击一个荣誉，查看授予机构、届次和原文依据。"));

  function stats(shown) {
    document.getElementById("stats").textContent = shown + " / " + ordered.length + " 个机构，" + awards.length + " 项荣誉授予";
  }
  document.getElementById("filter").addEventListener("input", function (ev) {
    var q = ev.target.value.replace(/\s+/g, ""), shown = 0;
    rendered.forEach(function (r) {
      var on = !q || r.text.replace(/\s+/g, "").indexOf(q) >= 0;
      if (on) shown++;
      r.cells.forEach(function (c) { c.hidden = !on; });
    });
    stats(shown);
  });
  stats(ordered.length);
  document.getElementById("other-page").href = "./" + encodeURIComponent(page.href);
  window.kgTimeline = { rows: ordered.length, columns: columns, awards: awards.length };
  window.__kgReady = true;
})();
