// 3-D view of a fitted response surface: the mesh the page sends (a grid of predictions
// over two factors, the others held) drawn as an SVG projection, far faces first, coloured
// by height. Two sliders, the arrow keys or dragging turn and tilt it. Without JavaScript
// the contour plot beside it shows the same surface.
(function () {
  "use strict";
  const NS = "http://www.w3.org/2000/svg";
  const W = 560, H = 420;
  // viridis, five stops
  const STOPS = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];

  function el(name, attrs, parent) {
    const node = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (parent) parent.appendChild(node);
    return node;
  }

  function colour(t) {
    const u = Math.min(Math.max(t, 0), 1) * (STOPS.length - 1);
    const i = Math.min(Math.floor(u), STOPS.length - 2), f = u - i;
    const c = STOPS[i].map((v, k) => Math.round(v + (STOPS[i + 1][k] - v) * f));
    return `rgb(${c[0]},${c[1]},${c[2]})`;
  }

  function fmt(v) {
    return Number.isInteger(v) ? String(v) : v.toPrecision(5).replace(/\.?0+$/, "");
  }

  function draw(svg, data, view) {
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    const xs = data.x.values, ys = data.y.values, z = data.z;
    const flat = z.flat(), z0 = Math.min(...flat), z1 = Math.max(...flat);
    const span = z1 - z0 || 1;
    // unit cube: x, y in [-1, 1], height in [-0.75, 0.75]
    const ux = (i) => -1 + (2 * i) / (xs.length - 1);
    const uy = (j) => -1 + (2 * j) / (ys.length - 1);
    const uz = (v) => -0.75 + (1.5 * (v - z0)) / span;
    const az = (view.turn * Math.PI) / 180, tilt = (view.tilt * Math.PI) / 180;
    const scale = Math.min(W, H) / 3.9, cx = W / 2, cy = H / 2 + 20;
    function project(x, y, h) {
      const xr = x * Math.cos(az) - y * Math.sin(az);
      const yr = x * Math.sin(az) + y * Math.cos(az);
      return {
        sx: cx + scale * xr,
        sy: cy - scale * (h * Math.cos(tilt) + yr * Math.sin(tilt)),
        depth: yr * Math.cos(tilt) - h * Math.sin(tilt),
      };
    }
    const floor = [[-1, -1], [1, -1], [1, 1], [-1, 1]].map(([x, y]) => project(x, y, -0.75));
    el("polygon", { points: floor.map((p) => `${p.sx},${p.sy}`).join(" "),
      fill: "#f3f5f8", stroke: "#9aa3ad" }, svg);
    const faces = [];
    for (let j = 0; j + 1 < ys.length; j++) {
      for (let i = 0; i + 1 < xs.length; i++) {
        const corners = [[i, j], [i + 1, j], [i + 1, j + 1], [i, j + 1]];
        const pts = corners.map(([a, b]) => project(ux(a), uy(b), uz(z[b][a])));
        const mean = corners.reduce((s, [a, b]) => s + z[b][a], 0) / 4;
        faces.push({ pts, depth: pts.reduce((s, p) => s + p.depth, 0) / 4, mean });
      }
    }
    faces.sort((a, b) => b.depth - a.depth);
    for (const f of faces) {
      el("polygon", { points: f.pts.map((p) => `${p.sx.toFixed(1)},${p.sy.toFixed(1)}`).join(" "),
        fill: colour((f.mean - z0) / span), stroke: "rgba(0,0,0,0.25)", "stroke-width": 0.4 }, svg);
    }
    // axis labels at the middle of two floor edges, the ends of each range, the heights
    const label = (p, text, anchor) =>
      (el("text", { x: p.sx, y: p.sy, "text-anchor": anchor || "middle" }, svg).textContent = text);
    label(project(0, -1.25, -0.75), data.x.label);
    label(project(1.3, 0, -0.75), data.y.label);
    label(project(-1, -1.12, -0.75), fmt(xs[0]));
    label(project(1, -1.12, -0.75), fmt(xs[xs.length - 1]));
    label(project(1.12, -1, -0.75), fmt(ys[0]), "start");
    label(project(1.12, 1, -0.75), fmt(ys[ys.length - 1]), "start");
    const corner = [-1, 1].flatMap((x) => [-1, 1].map((y) => [x, y]))
      .map(([x, y]) => ({ x, y, p: project(x, y, 0) })).sort((a, b) => a.p.sx - b.p.sx)[0];
    const bottom = project(corner.x, corner.y, -0.75), top = project(corner.x, corner.y, 0.75);
    el("line", { x1: bottom.sx, y1: bottom.sy, x2: top.sx, y2: top.sy, stroke: "#5b6675" }, svg);
    label({ sx: top.sx - 6, sy: top.sy + 4 }, fmt(z1), "end");
    label({ sx: bottom.sx - 6, sy: bottom.sy + 4 }, fmt(z0), "end");
    label({ sx: top.sx, sy: top.sy - 10 }, data.response);
  }

  function control(row, text, min, max, value, onInput) {
    const wrap = document.createElement("label");
    wrap.textContent = text + " ";
    const input = document.createElement("input");
    Object.assign(input, { type: "range", min, max, value });
    input.addEventListener("input", () => onInput(Number(input.value)));
    wrap.appendChild(input);
    row.appendChild(wrap);
    return input;
  }

  function init(figure) {
    const source = figure.querySelector('script[type="application/json"]');
    if (!source) return;
    const data = JSON.parse(source.textContent);
    const view = { turn: 35, tilt: 30 };
    const svg = el("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img", tabindex: 0,
      "aria-label": `${data.response} over ${data.x.name} and ${data.y.name}` });
    figure.appendChild(svg);
    const redraw = () => draw(svg, data, view);
    const row = document.createElement("div");
    row.className = "row";
    figure.appendChild(row);
    const turn = control(row, "Turn", 0, 360, view.turn, (v) => { view.turn = v; redraw(); });
    const tilt = control(row, "Tilt", 0, 90, view.tilt, (v) => { view.tilt = v; redraw(); });
    const set = (dTurn, dTilt) => {
      view.turn = (view.turn + dTurn + 360) % 360;
      view.tilt = Math.min(90, Math.max(0, view.tilt + dTilt));
      turn.value = view.turn; tilt.value = view.tilt; redraw();
    };
    let drag = null;
    svg.addEventListener("pointerdown", (e) => { drag = { x: e.clientX, y: e.clientY }; svg.setPointerCapture(e.pointerId); });
    svg.addEventListener("pointermove", (e) => {
      if (!drag) return;
      set((e.clientX - drag.x) / 2, (e.clientY - drag.y) / 2);
      drag = { x: e.clientX, y: e.clientY };
    });
    svg.addEventListener("pointerup", () => { drag = null; });
    svg.addEventListener("keydown", (e) => {
      const step = { ArrowLeft: [-5, 0], ArrowRight: [5, 0], ArrowUp: [0, 5], ArrowDown: [0, -5] }[e.key];
      if (step) { e.preventDefault(); set(...step); }
    });
    redraw();
  }

  document.querySelectorAll('figure[data-chart="surface"]').forEach(init);
})();
