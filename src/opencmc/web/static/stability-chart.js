// Interactive stability chart: draws the plot data of a shelf-life result as SVG, with
// the values under the pointer and a legend that shows or hides each batch. It replaces
// the static plot beside it; without JavaScript the static plot stays.
(function () {
  "use strict";
  const NS = "http://www.w3.org/2000/svg";
  const COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                   "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

  function el(name, attrs, parent) {
    const node = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (parent) parent.appendChild(node);
    return node;
  }

  function extent(values) {
    const finite = values.filter((v) => v !== null && Number.isFinite(v));
    return [Math.min(...finite), Math.max(...finite)];
  }

  function ticks(lo, hi, count) {
    const step = Math.pow(10, Math.floor(Math.log10((hi - lo) / count || 1)));
    const nice = [1, 2, 5, 10].map((m) => m * step).find((s) => (hi - lo) / s <= count) || step * 10;
    const out = [];
    for (let v = Math.ceil(lo / nice) * nice; v <= hi + 1e-9; v += nice) out.push(+v.toFixed(10));
    return out;
  }

  function draw(figure, data) {
    const W = 760, H = 420, m = { l: 60, r: 20, t: 20, b: 50 };
    const xs = [0, ...data.batches.flatMap((b) => b.fit.time)];
    const ys = data.batches.flatMap((b) => [...b.points.value, ...b.fit.mean,
      ...(b.lower_bound || []), ...(b.upper_bound || [])]);
    for (const limit of [data.limits.lower, data.limits.upper]) if (limit !== null) ys.push(limit);
    const [x0, x1] = extent(xs), [yLo, yHi] = extent(ys);
    const pad = (yHi - yLo) * 0.05 || 1, y0 = yLo - pad, y1 = yHi + pad;
    const sx = (v) => m.l + ((v - x0) / (x1 - x0)) * (W - m.l - m.r);
    const sy = (v) => H - m.b - ((v - y0) / (y1 - y0)) * (H - m.t - m.b);
    const svg = el("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", class: "chart",
      "aria-label": `${data.value_label} over ${data.time_label}` });
    for (const t of ticks(x0, x1, 8)) {
      el("line", { x1: sx(t), x2: sx(t), y1: m.t, y2: H - m.b, class: "grid" }, svg);
      el("text", { x: sx(t), y: H - m.b + 16, "text-anchor": "middle" }, svg).textContent = t;
    }
    for (const t of ticks(y0, y1, 6)) {
      el("line", { x1: m.l, x2: W - m.r, y1: sy(t), y2: sy(t), class: "grid" }, svg);
      el("text", { x: m.l - 6, y: sy(t) + 4, "text-anchor": "end" }, svg).textContent = t;
    }
    el("text", { x: (W + m.l) / 2, y: H - 10, "text-anchor": "middle" }, svg).textContent = data.time_label;
    el("text", { x: 14, y: H / 2, transform: `rotate(-90 14 ${H / 2})`, "text-anchor": "middle" }, svg)
      .textContent = data.value_label;
    for (const [name, limit] of Object.entries(data.limits)) {
      if (limit === null) continue;
      el("line", { x1: m.l, x2: W - m.r, y1: sy(limit), y2: sy(limit), class: "limit" }, svg);
      el("text", { x: m.l + 4, y: sy(limit) - 4, class: "limit-label" }, svg).textContent = `${name} limit ${limit}`;
    }
    if (data.reached && data.shelf_life !== null) {
      el("line", { x1: sx(data.shelf_life), x2: sx(data.shelf_life), y1: m.t, y2: H - m.b, class: "shelf" }, svg);
      el("text", { x: sx(data.shelf_life) + 4, y: m.t + 12, class: "limit-label" }, svg)
        .textContent = `shelf life ${data.shelf_life.toFixed(2)}`;
    }
    const groups = data.batches.map((batch, i) => {
      const colour = COLOURS[i % COLOURS.length];
      const g = el("g", { "data-batch": batch.batch, stroke: colour, fill: colour }, svg);
      const path = (t, v) => t.map((x, k) => `${k ? "L" : "M"}${sx(x).toFixed(1)},${sy(v[k]).toFixed(1)}`).join("");
      el("path", { d: path(batch.fit.time, batch.fit.mean), fill: "none", "stroke-width": 1.5 }, g);
      for (const key of ["lower_bound", "upper_bound"]) {
        if (batch[key]) el("path", { d: path(batch.fit.time, batch[key]), fill: "none", "stroke-dasharray": "4 3" }, g);
      }
      batch.points.time.forEach((t, k) => {
        const dot = el("circle", { cx: sx(t), cy: sy(batch.points.value[k]), r: 4, tabindex: 0 }, g);
        el("title", {}, dot).textContent = `${batch.batch}: ${data.time_label} ${t}, ${data.value_label} ${batch.points.value[k]}`;
      });
      return g;
    });
    const legend = document.createElement("ul");
    legend.className = "chart-legend";
    data.batches.forEach((batch, i) => {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "link";
      button.setAttribute("aria-pressed", "true");
      button.style.color = COLOURS[i % COLOURS.length];
      const life = batch.shelf_life === null ? "not reached" : batch.shelf_life.toFixed(2);
      button.textContent = `● ${batch.batch} (${life})`;
      button.addEventListener("click", () => {
        const shown = button.getAttribute("aria-pressed") === "true";
        button.setAttribute("aria-pressed", String(!shown));
        groups[i].style.display = shown ? "none" : "";
      });
      item.appendChild(button);
      legend.appendChild(item);
    });
    figure.replaceChildren(svg, legend);
  }

  document.querySelectorAll("figure[data-chart=stability]").forEach((figure) => {
    const source = figure.querySelector("script[type='application/json']");
    if (source) draw(figure, JSON.parse(source.textContent));
  });
})();
