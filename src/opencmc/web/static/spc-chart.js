// Interactive control chart: the plotted statistic with its centre line and limits, each
// point's label and value under the pointer, signals in red, excluded points hollow. It
// replaces the static chart beside it; without JavaScript the static chart stays.
(function () {
  "use strict";
  const NS = "http://www.w3.org/2000/svg";

  function el(name, attrs, parent) {
    const node = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (parent) parent.appendChild(node);
    return node;
  }

  function draw(figure, data) {
    const W = 760, H = 320, m = { l: 60, r: 20, t: 16, b: 40 };
    const n = data.values.length;
    const ys = [...data.values, ...data.lcl, ...data.ucl, ...data.center]
      .filter((v) => v !== null && Number.isFinite(v));
    let y0 = Math.min(...ys), y1 = Math.max(...ys);
    const pad = (y1 - y0) * 0.08 || 1; y0 -= pad; y1 += pad;
    const sx = (i) => m.l + (n > 1 ? (i / (n - 1)) * (W - m.l - m.r) : (W - m.l - m.r) / 2);
    const sy = (v) => H - m.b - ((v - y0) / (y1 - y0)) * (H - m.t - m.b);
    const svg = el("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img",
      "aria-label": `${data.title} control chart` });
    for (let k = 0; k <= 5; k++) {
      const v = y0 + ((y1 - y0) * k) / 5;
      el("line", { x1: m.l, x2: W - m.r, y1: sy(v), y2: sy(v), class: "grid" }, svg);
      el("text", { x: m.l - 6, y: sy(v) + 4, "text-anchor": "end" }, svg).textContent = v.toPrecision(4);
    }
    const path = (series) => series.map((v, i) => (v === null ? "" :
      `${i && series[i - 1] !== null ? "L" : "M"}${sx(i).toFixed(1)},${sy(v).toFixed(1)}`)).join("");
    el("path", { d: path(data.ucl), class: "limit", fill: "none" }, svg);
    el("path", { d: path(data.lcl), class: "limit", fill: "none" }, svg);
    el("path", { d: path(data.center), class: "centre", fill: "none" }, svg);
    el("path", { d: path(data.values), class: "series", fill: "none" }, svg);
    const signals = new Set(data.signals);
    data.values.forEach((v, i) => {
      if (v === null) return;
      const cls = signals.has(i) ? "point signal" : "point";
      const dot = el("circle", { cx: sx(i), cy: sy(v), r: 3.5, class: cls, tabindex: 0,
        "data-index": i, "fill-opacity": data.excluded[i] ? 0 : 1 }, svg);
      const state = data.excluded[i] ? " (excluded)" : signals.has(i) ? " (signal)" : "";
      el("title", {}, dot).textContent = `${data.labels[i]}: ${v}${state}`;
    });
    const step = Math.max(1, Math.ceil(n / 12));
    for (let i = 0; i < n; i += step) {
      el("text", { x: sx(i), y: H - m.b + 16, "text-anchor": "middle" }, svg).textContent = data.labels[i];
    }
    figure.replaceChildren(svg);
  }

  document.querySelectorAll("figure[data-chart=spc]").forEach((figure) => {
    const source = figure.querySelector("script[type='application/json']");
    if (source) draw(figure, JSON.parse(source.textContent));
  });
})();
