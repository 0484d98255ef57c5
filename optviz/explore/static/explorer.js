// The optviz explorer's front-end: one ES module for the web page and the notebook widget.
//
// The view talks to a "model" with anywidget's interface (get, set, on, save_changes).
// In a notebook the model is the widget's, and Python computes the runs; on the page,
// HttpModel below plays the same part over the JSON API. Inputs the view sets:
// surface, expr, domain, optimizers (specs like "adam:lr=0.1"), start, steps, schedule,
// noise, seed, theme. Outputs the engine sets: view (the surface's picture and extent),
// result ({surface, runs}), error (one line), busy.

// Colours, dash patterns (in line widths) and ball shapes come from the server
// (optviz.render.style, through the catalog), so the page draws each optimizer as the
// static plots do; not colour alone: every optimizer also has its own dash and shape.
const LINE_WIDTH = 3;
// A run's look is its optimizer's (the server sends each run's "look" index): the same
// optimizer in the same colour here as in every saved figure.
const STYLE = { palette: ["grey"], paletteDark: ["grey"], dashes: [[]], markers: ["circle"],
  looks: [], dark: false };
function setStyle(style) {
  if (!style) return;
  STYLE.palette = style.palette;
  STYLE.paletteDark = style.palette_dark || style.palette;
  STYLE.dashes = style.dashes.map((d) => d.map((v) => v * LINE_WIDTH));
  STYLE.markers = style.markers;
}
const lookOf = (i) => STYLE.looks[i] ?? i;
const colorOf = (i) => {
  const colors = STYLE.dark ? STYLE.paletteDark : STYLE.palette;
  return colors[lookOf(i) % colors.length];
};
const dashOf = (i) => STYLE.dashes[lookOf(i) % STYLE.dashes.length];
const shapeOf = (i) => STYLE.markers[lookOf(i) % STYLE.markers.length];
// The live view's inputs, as the server declares them (optviz.scenes.inputs.VIEW); the
// theme is the page's own.
let VIEW = ["surface", "expr", "domain", "optimizers", "start", "steps", "schedule", "noise", "seed"];
function setView(view) { if (view) VIEW = view; }
const LR_MIN = -5, LR_MAX = 1; // the log slider's range of learning rates: 1e-5 .. 10
const PLAY_SECONDS = 4; // a run plays in about this long, whatever its number of steps
const LOSS_BESIDE = 320; // narrowest loss panel beside the plot (px); narrower, it goes below
const MIN_PLOT = 420;    // narrowest plot that leaves room beside it for the loss panel
const GAP = 24;          // between the plot and the panel beside it
const FRAME = 24;        // the page's own padding and gaps above and below

// -- the page's model: the JSON API behind anywidget's interface ---------------------------
export class HttpModel {
  constructor(token, state) {
    this.token = token;
    this.values = { ...state };
    this.listeners = {};
    this.sent = {};         // inputs of the last request answered or in flight
    this.inFlight = false;
    this.pending = false;
  }
  get(key) { return this.values[key]; }
  set(key, value) { this.values[key] = value; this.emit(key); }
  on(event, fn) { (this.listeners[event] ||= []).push(fn); }
  off(event, fn) { this.listeners[event] = (this.listeners[event] || []).filter((f) => f !== fn); }
  emit(key) { for (const fn of this.listeners[`change:${key}`] || []) fn(); }
  save_changes() {
    // one request at a time, the newest state wins: a slider drag never queues up work
    if (this.inFlight) { this.pending = true; return; }
    this.refresh();
  }
  async refresh() {
    this.inFlight = true;
    this.set("busy", true);
    try {
      const body = request(this);
      const surfaceKey = JSON.stringify([body.surface, body.expr, body.domain, body.theme]);
      if (surfaceKey !== this.sent.surfaceKey) {
        const view = await this.post("surface", surfaceBody(body));
        this.sent.surfaceKey = surfaceKey;
        this.set("view", view);
      }
      this.set("result", await this.post("run", body));
      this.set("error", "");
    } catch (err) {
      this.set("error", String(err.message || err));
    } finally {
      this.inFlight = false;
      this.set("busy", false);
      if (this.pending) { this.pending = false; this.refresh(); }
    }
  }
  async post(what, body, as = "json") {
    const response = await fetch(`/api/${what}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Optviz-Token": this.token },
      body: JSON.stringify(body),
    });
    if (!response.ok) {
      let message = `${response.status} ${response.statusText}`;
      try { message = (await response.json()).error || message; } catch (_) { /* not JSON */ }
      throw new Error(message);
    }
    return as === "json" ? response.json() : response.blob();
  }
  async download(kind) { return this.post(kind, request(this), "blob"); }
}

function surfaceBody(body) {
  const out = { theme: body.theme };
  for (const key of ["surface", "expr", "domain"]) if (body[key] != null) out[key] = body[key];
  return out;
}

// The API request of a model's state (the same keys the notebook's Python side reads).
export function request(model) {
  const body = {};
  for (const key of [...VIEW, "theme"]) {
    const value = model.get(key);
    if (value !== null && value !== undefined && value !== "") body[key] = value;
  }
  if (body.expr) delete body.surface; else delete body.domain;
  return body;
}

// -- numbers and specs ------------------------------------------------------------------------
export function parseSpec(spec) {
  const [name, rest = ""] = spec.split(":");
  const hyper = {};
  for (const item of rest.split(",").filter(Boolean)) {
    const [k, v] = item.split("=");
    const num = Number(v);
    hyper[k.trim()] = Number.isFinite(num) ? num : v.trim();
  }
  return { name: name.trim(), hyper };
}

export function formatSpec(name, hyper) {
  const items = Object.entries(hyper).map(([k, v]) => `${k}=${fmt(v)}`);
  return items.length ? `${name}:${items.join(",")}` : name;
}

// Where a run's positions are drawn: on a curve, its points (x, f(x)); else (x, y).
function placed(run) { return run.drawn || run.xy; }

// A ball resting on a curve: lifted from its point (px, py) by its radius along the curve's
// normal as drawn (the axes' scales differ), from the slope f'(x) at step k (+ frac).
function onCurve(g, px, py, slope, k, frac) {
  const a = slope[k], b = slope[Math.min(k + 1, slope.length - 1)];
  if (a === null || b === null) return [px, py];
  const s = a + frac * (b - a);
  const sx = g.w / (g.x1 - g.x0), sy = g.h / (g.y1 - g.y0);
  const nx = -sy * s, ny = sx, n = Math.hypot(nx, ny);
  const lift = 12;  // the ball's radius and half the curve's line
  return [px + lift * nx / n, py - lift * ny / n];  // the canvas's y grows downwards
}

// A position in words: (x, y), or a curve's x.
function where(p) { return p.length === 1 ? `x ${fmt(p[0])}` : `(${fmt(p[0])}, ${fmt(p[1])})`; }

function fmt(v) {
  if (typeof v !== "number") return String(v);
  return Number(v.toPrecision(3)).toString();
}

function niceTicks(lo, hi, count = 5) {
  const span = hi - lo;
  if (!(span > 0)) return [lo];
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) || raw;
  const ticks = [];
  for (let t = Math.ceil(lo / step - 1e-9) * step; t <= hi + step * 1e-9; t += step) ticks.push(Math.abs(t) < step * 1e-9 ? 0 : t);
  return ticks;
}

// Ticks of the loss axis between lo and hi: [{at, label}], at least 3 whatever the range.
// On a log axis lo and hi are log10 values: whole decades when there are 3 or more, else
// 1-3, else 1-2-5 in each decade, else 1 to 9, else (under a tenth of a decade) evenly
// spaced values.
export function lossTicks(lo, hi, log) {
  if (!log) {
    let ticks = niceTicks(lo, hi, 4);
    if (ticks.length < 3) ticks = niceTicks(lo, hi, 8);
    const step = ticks.length > 1 ? ticks[1] - ticks[0] : 1;
    return ticks.map((t) => ({ at: t, label: stepText(t, step) }));
  }
  const decades = [];
  for (let d = Math.ceil(lo - 1e-9); d <= hi + 1e-9; d++) decades.push(d);
  if (decades.length >= 3) {
    const every = Math.ceil(decades.length / 6);
    return decades.filter((d) => d % every === 0).map((d) => ({ at: d, label: powerText(1, d) }));
  }
  for (const mantissas of [[1, 3], [1, 2, 5], [1, 2, 3, 4, 5, 6, 7, 8, 9]]) {
    const ticks = [];
    for (let d = Math.floor(lo) - 1; d <= Math.ceil(hi); d++) {
      for (const m of mantissas) {
        const at = d + Math.log10(m);
        if (at >= lo - 1e-9 && at <= hi + 1e-9) ticks.push({ at, label: powerText(m, d) });
      }
    }
    if (ticks.length >= 3) return ticks;
  }
  let values = niceTicks(10 ** lo, 10 ** hi, 4);
  if (values.length < 3) values = niceTicks(10 ** lo, 10 ** hi, 8);
  const step = values[1] - values[0];
  return values.filter((v) => v > 0).map((v) => ({ at: Math.log10(v), label: stepText(v, step) }));
}

// v with the digits that tell it from its neighbours a step away
function stepText(v, step) {
  if (v === 0) return "0";
  const digits = Math.floor(Math.log10(Math.abs(v))) - Math.floor(Math.log10(step) + 1e-9) + 2;
  const sig = Math.min(Math.max(digits, 1), 8);
  if (Math.abs(v) >= 1e4 || Math.abs(v) < 1e-3) return v.toExponential(sig - 1);
  return String(Number(v.toPrecision(sig)));
}

function powerText(m, d) {
  const v = m * 10 ** d;
  return d >= -2 && d <= 3 ? String(Number(v.toPrecision(3))) : m === 1 ? `1e${d}` : `${m}e${d}`;
}

function tickText(v) {
  return Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(0) : String(Number(v.toPrecision(4)));
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (k === "class") node.className = v;
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
}

// The corners of a ball shape of radius r around (0, 0) (y grows downwards).
export function outline(shape, r) {
  const polygon = (n, turn, scale = 1) => Array.from({ length: n }, (_, k) => {
    const a = turn + (2 * Math.PI * k) / n;
    return [scale * r * Math.sin(a), -scale * r * Math.cos(a)];
  });
  if (shape === "square") return polygon(4, Math.PI / 4, 1.15);
  if (shape === "diamond") return polygon(4, 0, 1.2);
  if (shape === "triangle") return polygon(3, 0, 1.25);
  if (shape === "triangle-down") return polygon(3, Math.PI, 1.25);
  if (shape === "pentagon") return polygon(5, 0, 1.1);
  if (shape === "hexagon") return polygon(6, 0, 1.1);
  const a = r * 0.38, b = r * 1.1; // "plus", and any shape the page does not know
  return [[-a, -b], [a, -b], [a, -a], [b, -a], [b, a], [a, a], [a, b], [-a, b], [-a, a], [-b, a], [-b, -a], [-a, -a]];
}

// -- the view -----------------------------------------------------------------------------------
export function build(root, model, catalog, options = {}) {
  setStyle(catalog.style);
  setView(catalog.view);
  const ui = new Explorer(root, model, catalog, options);
  ui.start();
  return ui;
}

class Explorer {
  constructor(root, model, catalog, options) {
    this.root = root;
    this.model = model;
    this.catalog = catalog;
    this.options = options;
    this.rows = [];        // optimizer rows: {name, hyper, on}
    this.step = 0;         // the step shown (fractional while playing)
    this.playing = false;
    this.hover = null;     // the step under the pointer in the loss panel
    this.image = new Image();
    this.image.onload = () => this.draw();
    this.debounce = null;
    this.cleanups = [];
  }

  start() {
    this.root.classList.add("optviz-explorer");
    this.root.innerHTML = "";
    this.root.append(this.layout());
    this.rowsFromModel();
    this.syncControls();
    for (const key of ["view", "result", "error", "busy", "theme"]) {
      const fn = () => this.onModel(key);
      this.model.on(`change:${key}`, fn);
      this.cleanups.push(() => this.model.off(`change:${key}`, fn));
    }
    for (const key of VIEW) {
      const fn = () => { if (!this.selfChange) { this.rowsFromModel(); this.syncControls(); } };
      this.model.on(`change:${key}`, fn);
      this.cleanups.push(() => this.model.off(`change:${key}`, fn));
    }
    const resize = new ResizeObserver(() => this.draw());
    resize.observe(this.stage);
    this.cleanups.push(() => resize.disconnect());
    if (this.model.get("view")) this.onModel("view");
    if (this.model.get("result")) this.onModel("result");
    this.applyTheme();
    if (this.options.refresh) this.model.save_changes();
  }

  destroy() {
    this.playing = false;
    for (const fn of this.cleanups) fn();
  }

  // -- layout ------------------------------------------------------------------------------
  layout() {
    const c = this.controls = {};
    c.surface = el("select", { id: "surface", "aria-label": "surface", onchange: () => this.chooseSurface() },
      ...this.catalog.surfaces.map((s) => el("option", { value: s.name, title: s.summary || "" }, s.title ? `${s.name} — ${s.title}` : s.name)),
      el("option", { value: "" }, "expression…"));
    c.expr = el("input", { id: "expr", type: "text", placeholder: "x**2 - y**2", "aria-label": "expression", onkeydown: (e) => { if (e.key === "Enter") this.useExpr(); } });
    c.domain = el("input", { id: "domain", type: "text", placeholder: "-2,2,-2,2", size: "12", "aria-label": "domain x0,x1,y0,y1", onkeydown: (e) => { if (e.key === "Enter") this.useExpr(); } });
    c.useExpr = el("button", { onclick: () => this.useExpr(), title: "draw this expression" }, "Use");
    c.theme = el("button", { id: "theme", onclick: () => this.toggleTheme(), title: "light or dark" }, "Dark");
    const header = this.header = el("header", {}, el("h1", {}, "optviz"), c.surface,
      el("span", { class: "expr" }, c.expr, c.domain, c.useExpr), c.theme);

    this.plot = el("canvas", { id: "plot", tabindex: "0", "aria-label": "surface: click or drag to set the start" });
    this.loss = el("canvas", { id: "loss", tabindex: "0", "aria-label": "loss per step" });
    this.plotBox = el("div", { class: "plotbox" }, this.plot);
    c.play = el("button", { id: "play", onclick: () => this.togglePlay(), title: "play or pause (space)" }, "▶ Play");
    c.back = el("button", { onclick: () => this.nudge(-1), title: "one step back (←)" }, "◀");
    c.fwd = el("button", { onclick: () => this.nudge(1), title: "one step on (→)" }, "▶");
    c.scrub = el("input", { id: "scrub", type: "range", min: "0", max: "1", step: "1", value: "0", "aria-label": "step", oninput: () => { this.pause(); this.step = Number(c.scrub.value); this.draw(); } });
    c.stepText = el("span", { class: "steptext" }, "");
    const transport = this.transport = el("div", { class: "transport" }, c.play, c.back, c.fwd, c.scrub, c.stepText);
    this.readout = el("div", { id: "readout", class: "readout", "aria-live": "polite" }, "");
    this.errorLine = el("div", { id: "error", class: "error", role: "alert" }, "");
    this.legend = el("div", { id: "legend", class: "legend" });
    // the loss panel sits beside the plot when there is room, else below it
    this.column = el("div", { class: "column" }, this.legend, this.loss);
    // the readout under the play bar: a line per optimizer, as wide as the stage
    this.stage = el("section", { class: "stage" }, el("div", { class: "figure" }, this.plotBox, this.column), transport, this.readout);
    const left = this.stage;

    this.rowBox = el("div", { class: "rows" });
    c.add = el("select", { id: "add", "aria-label": "add an optimizer", onchange: () => this.addRow() },
      el("option", { value: "" }, "+ add optimizer"), ...this.catalog.optimizers.map((o) => el("option", { value: o.name }, o.name)));
    c.steps = el("input", { id: "steps", type: "number", min: "1", max: "5000", step: "10", onchange: () => this.changed() });
    c.schedule = el("select", { id: "schedule", onchange: () => this.changed() },
      el("option", { value: "" }, "none"), ...this.catalog.schedules.map((s) => el("option", { value: s }, s)));
    c.noise = el("input", { id: "noise", type: "text", placeholder: "grad=0.5", size: "10", onchange: () => this.changed() });
    c.seed = el("input", { id: "seed", type: "number", min: "0", step: "1", onchange: () => this.changed() });
    const settings = el("div", { class: "settings" },
      el("label", {}, "steps", c.steps), el("label", {}, "schedule", c.schedule),
      el("label", {}, "noise", c.noise), el("label", {}, "seed", c.seed));
    const downloads = el("div", { class: "downloads" });
    if (this.model.download) {
      for (const [kind, text] of [["scene", "Scene .toml"], ["gif", "GIF"], ["png", "PNG"]]) {
        downloads.append(el("button", { id: `download-${kind}`, onclick: () => this.download(kind) }, `⤓ ${text}`));
      }
    }
    const side = el("aside", {}, el("h2", {}, "Optimizers"), this.rowBox, c.add, el("h2", {}, "Run"), settings, downloads, this.errorLine);

    this.plot.addEventListener("pointerdown", (e) => this.pointer(e, true));
    this.plot.addEventListener("pointermove", (e) => this.pointer(e, false));
    // off the plot, the readout follows the step again (the slider, the legend)
    for (const gone of ["pointerleave", "pointercancel"]) {
      this.plot.addEventListener(gone, () => { this.hoverText = false; this.draw(); });
    }
    this.loss.addEventListener("pointermove", (e) => this.lossHover(e));
    this.loss.addEventListener("pointerleave", () => { this.hover = null; this.draw(); });
    this.root.addEventListener("keydown", (e) => this.key(e));
    return el("div", { class: "explorer" }, header, el("div", { class: "main" }, left, side));
  }

  // -- rows of optimizers -----------------------------------------------------------------
  rowsFromModel() {
    const specs = this.model.get("optimizers") || [];
    const enabled = this.rows.filter((r) => r.on).map((r) => formatSpec(r.name, r.hyper));
    if (JSON.stringify(enabled) === JSON.stringify(specs)) return; // the model says what the rows say
    this.rows = specs.map((s) => ({ ...this.withDefaults(parseSpec(s)), on: true }));
    this.renderRows();
  }

  withDefaults({ name, hyper }) {
    const known = this.catalog.optimizers.find((o) => o.name === name);
    const lr = hyper.lr ?? (known ? known.defaults.lr : 0.01);
    return { name, hyper: { ...hyper, lr } };
  }

  renderRows() {
    this.rowBox.innerHTML = "";
    this.rows.forEach((row, i) => this.rowBox.append(this.rowElement(row, i)));
  }

  rowElement(row, i) {
    const known = this.catalog.optimizers.find((o) => o.name === row.name) || { main: [], defaults: {} };
    const swatch = el("span", { class: "swatch", style: `--c:${colorOf(i)}` });
    const on = el("input", { type: "checkbox", "aria-label": `${row.name} on or off`, onchange: () => { row.on = on.checked; this.changed(); } });
    on.checked = row.on;
    const slider = el("input", { type: "range", class: "lr", min: String(LR_MIN), max: String(LR_MAX), step: "0.01", "aria-label": `${row.name} learning rate (log)` });
    const box = el("input", { type: "number", class: "lrbox", step: "any", min: "0", "aria-label": `${row.name} learning rate` });
    const show = () => { slider.value = String(Math.log10(row.hyper.lr)); box.value = fmt(row.hyper.lr); };
    show();
    slider.addEventListener("input", () => { row.hyper.lr = Number((10 ** Number(slider.value)).toPrecision(3)); box.value = fmt(row.hyper.lr); this.changed(); });
    box.addEventListener("change", () => { const v = Number(box.value); if (v > 0) { row.hyper.lr = v; show(); this.changed(); } });
    const extras = known.main.map((key) => {
      const input = el("input", { type: "number", step: "any", class: "hyper", "aria-label": `${row.name} ${key}` });
      input.value = String(row.hyper[key] ?? known.defaults[key]);
      input.addEventListener("change", () => {
        const v = Number(input.value);
        if (Number.isFinite(v)) { if (v === known.defaults[key]) delete row.hyper[key]; else row.hyper[key] = v; this.changed(); }
      });
      return el("label", { class: "hyperlabel" }, key, input);
    });
    const remove = el("button", { class: "remove", title: `remove ${row.name}`, "aria-label": `remove ${row.name}`, onclick: () => { this.rows.splice(i, 1); this.renderRows(); this.changed(); } }, "✕");
    return el("div", { class: "row" }, el("div", { class: "rowhead" }, on, swatch, el("strong", {}, row.name), remove),
      el("div", { class: "lrline" }, el("span", {}, "lr"), slider, box), el("div", { class: "extras" }, ...extras));
  }

  addRow() {
    const name = this.controls.add.value;
    this.controls.add.value = "";
    if (!name) return;
    this.rows.push({ ...this.withDefaults({ name, hyper: {} }), on: true });
    this.renderRows();
    this.changed();
  }

  // -- inputs -> model --------------------------------------------------------------------
  syncControls() {
    const m = this.model, c = this.controls;
    c.surface.value = m.get("expr") ? "" : (m.get("surface") || "").split(":")[0];
    c.expr.value = m.get("expr") || "";
    const domain = m.get("domain");
    c.domain.value = domain ? domain.join(",") : "";
    c.steps.value = String(m.get("steps") ?? 200);
    c.schedule.value = m.get("schedule") || "";
    c.noise.value = m.get("noise") || "";
    c.seed.value = String(m.get("seed") ?? 0);
  }

  setModel(values) {
    this.selfChange = true;
    try { for (const [k, v] of Object.entries(values)) this.model.set(k, v); } finally { this.selfChange = false; }
  }

  changed(extra = {}) {
    const c = this.controls;
    const steps = Math.round(Number(c.steps.value));
    this.setModel({
      optimizers: this.rows.filter((r) => r.on).map((r) => formatSpec(r.name, r.hyper)),
      steps: Number.isFinite(steps) ? steps : 200,
      schedule: c.schedule.value || null,
      noise: c.noise.value.trim() || null,
      seed: Math.max(0, Math.round(Number(c.seed.value) || 0)),
      ...extra,
    });
    // debounced: a burst of slider events becomes one request
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => this.model.save_changes(), 30);
  }

  chooseSurface() {
    const name = this.controls.surface.value;
    if (!name) { this.controls.expr.focus(); return; }
    this.changed({ surface: name, expr: null, domain: null, start: null });
  }

  useExpr() {
    const expr = this.controls.expr.value.trim();
    if (!expr) return;
    const text = this.controls.domain.value.trim();
    const domain = text ? text.split(",").map(Number) : null;
    this.controls.surface.value = "";
    this.changed({ expr, domain, start: null });
  }

  toggleTheme() {
    this.changed({ theme: this.model.get("theme") === "dark" ? "light" : "dark" });
  }

  applyTheme() {
    const dark = this.model.get("theme") === "dark";
    STYLE.dark = dark;
    this.root.dataset.theme = dark ? "dark" : "light";
    if (this.root === document.body.firstElementChild || this.options.page) document.documentElement.dataset.theme = this.root.dataset.theme;
    this.controls.theme.textContent = dark ? "Light" : "Dark";
    this.draw();
  }

  async download(kind) {
    try {
      const blob = await this.model.download(kind);
      const view = this.model.get("view") || {};
      const name = kind === "scene" ? `${view.name || "optviz"}_explore.toml`.replace(/[^\w.-]+/g, "_") : `optviz_explore.${kind}`;
      const link = el("a", { href: URL.createObjectURL(blob), download: name });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 10000);
    } catch (err) {
      this.errorLine.textContent = String(err.message || err);
    }
  }

  // -- model -> view ----------------------------------------------------------------------
  onModel(key) {
    const m = this.model;
    if (key === "view" && m.get("view")) this.image.src = m.get("view").image;
    if (key === "result" && m.get("result")) {
      this.renderLegend();
      const steps = this.steps();
      this.controls.scrub.max = String(steps);
      if (!this.playing) this.step = steps;
      this.step = Math.min(this.step, steps);
      this.draw();
    }
    if (key === "error") this.errorLine.textContent = m.get("error") || "";
    if (key === "busy") this.root.classList.toggle("busy", Boolean(m.get("busy")));
    if (key === "theme") this.applyTheme();
  }

  renderLegend() {
    this.legend.innerHTML = "";
    this.runs().forEach((run, i) => {
      const color = colorOf(i);
      const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
      svg.setAttribute("width", "64"); svg.setAttribute("height", "24"); svg.setAttribute("aria-hidden", "true");
      const dash = dashOf(i).join(" ");
      const shape = shapeOf(i);
      const marker = shape === "circle" ? '<circle cx="52" cy="12" r="7"/>'
        : `<path d="M${outline(shape, 7).map(([x, y]) => `${(52 + x).toFixed(1)} ${(12 + y).toFixed(1)}`).join(" L")} Z"/>`;
      svg.innerHTML = `<line x1="2" y1="12" x2="46" y2="12" stroke="${color}" stroke-width="3.5" stroke-dasharray="${dash}"/>` +
        `<g fill="${color}" style="stroke: var(--fg)" stroke-width="1.5">${marker}</g>`;
      const name = run.name || run.label;
      const text = run.diverged_at === null ? name : `${name} — diverged at step ${run.diverged_at}`;
      this.legend.append(el("div", { class: "entry" }, svg, el("span", {}, text)));
    });
  }

  runs() {
    const runs = (this.model.get("result") || {}).runs || [];
    STYLE.looks = runs.map((run, i) => run.look ?? i);
    return runs;
  }
  steps() { const r = this.runs(); return r.length ? r[0].xy.length - 1 : 0; }

  // -- drawing ----------------------------------------------------------------------------
  colors() {
    const style = getComputedStyle(this.root);
    return { ink: style.getPropertyValue("--fg").trim() || "#111", muted: style.getPropertyValue("--muted").trim() || "#666", grid: style.getPropertyValue("--grid").trim() || "#ddd", bg: style.getPropertyValue("--bg").trim() || "#fff" };
  }

  geometry() {
    const view = this.model.get("view");
    if (!view) return null;
    const margin = { left: 70, right: 14, top: 12, bottom: 46 };
    const boxWidth = this.stage.clientWidth || 800;
    // a projector shows the window and no more: the header, the plot, the play bar and
    // the readout fit its height, and the loss panel fits beside the plot when there is room
    const above = this.header.offsetHeight + FRAME;
    const below = (this.transport.offsetHeight || 48) + this.readoutHeight() + FRAME;
    const maxHeight = Math.max(240, window.innerHeight - above - below - margin.top - margin.bottom);
    const beside = boxWidth >= LOSS_BESIDE + GAP + MIN_PLOT ? LOSS_BESIDE + GAP : 0;
    let w = boxWidth - beside - margin.left - margin.right;
    let h = w * view.height / view.width;
    if (h > maxHeight) { h = maxHeight; w = h * view.width / view.height; }
    const [x0, x1, y0, y1] = view.domain;
    return {
      margin, w, h, x0, x1, y0, y1,
      px: (x) => margin.left + (x - x0) / (x1 - x0) * w,
      py: (y) => margin.top + (y1 - y) / (y1 - y0) * h,
      fx: (px) => x0 + (px - margin.left) / w * (x1 - x0),
      fy: (py) => y1 - (py - margin.top) / h * (y1 - y0),
    };
  }

  sized(canvas, width, height) {
    const ratio = window.devicePixelRatio || 1;
    canvas.style.width = `${width}px`;
    canvas.style.height = `${height}px`;
    if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
      canvas.width = Math.round(width * ratio);
      canvas.height = Math.round(height * ratio);
    }
    const ctx = canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, height);
    return ctx;
  }

  draw() {
    const g = this.geometry();
    if (!g) return;
    this.geo = g;
    const col = this.colors();
    const width = g.margin.left + g.w + g.margin.right, height = g.margin.top + g.h + g.margin.bottom;
    const ctx = this.sized(this.plot, width, height);
    if (this.image.complete && this.image.naturalWidth) ctx.drawImage(this.image, g.margin.left, g.margin.top, g.w, g.h);
    this.axes(ctx, g, col);
    ctx.save();
    ctx.beginPath();
    ctx.rect(g.margin.left, g.margin.top, g.w, g.h);
    ctx.clip();
    const shown = this.hover ?? this.step;
    this.runs().forEach((run, i) => this.path(ctx, g, run, i, shown, col));
    ctx.restore();
    this.drawLoss(col);
    const total = this.steps();
    this.controls.scrub.value = String(Math.round(this.step));
    this.controls.stepText.textContent = `step ${Math.round(shown)} / ${total}`;
    if (!this.hoverText) this.readout.textContent = this.stepReadout();
  }

  axes(ctx, g, col) {
    ctx.fillStyle = col.ink;
    ctx.strokeStyle = col.muted;
    ctx.font = "18px system-ui, sans-serif";
    ctx.lineWidth = 1;
    ctx.strokeRect(g.margin.left, g.margin.top, g.w, g.h);
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    for (const t of niceTicks(g.x0, g.x1, Math.max(3, Math.round(g.w / 120)))) {
      const x = g.px(t);
      ctx.beginPath(); ctx.moveTo(x, g.margin.top + g.h); ctx.lineTo(x, g.margin.top + g.h + 6); ctx.stroke();
      ctx.fillText(tickText(t), x, g.margin.top + g.h + 9);
    }
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    for (const t of niceTicks(g.y0, g.y1, Math.max(3, Math.round(g.h / 90)))) {
      const y = g.py(t);
      ctx.beginPath(); ctx.moveTo(g.margin.left - 6, y); ctx.lineTo(g.margin.left, y); ctx.stroke();
      ctx.fillText(tickText(t), g.margin.left - 9, y);
    }
  }

  path(ctx, g, run, i, step, col) {
    const color = colorOf(i);
    const xy = placed(run).filter((p) => p && p[0] !== null);
    const upto = Math.max(0, Math.min(Math.floor(step), xy.length - 1));
    const frac = step - Math.floor(step);
    const points = xy.slice(0, upto + 1).map(([x, y]) => [g.px(x), g.py(y)]);
    if (frac > 0 && upto + 1 < xy.length) {  // between two steps the ball glides
      const [a, b] = [xy[upto], xy[upto + 1]];
      points.push([g.px(a[0] + frac * (b[0] - a[0])), g.py(a[1] + frac * (b[1] - a[1]))]);
    }
    if (!points.length) return;
    ctx.lineJoin = "round";
    ctx.lineCap = "round";
    for (const [stroke, width, dash] of [[col.bg, 2 * LINE_WIDTH, []], [color, LINE_WIDTH, dashOf(i)]]) {
      ctx.lineCap = dash.length ? "butt" : "round"; // round caps would close short gaps
      ctx.strokeStyle = stroke;
      ctx.lineWidth = width;
      ctx.setLineDash(dash);
      ctx.beginPath();
      points.forEach(([x, y], k) => (k ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
      ctx.stroke();
    }
    ctx.setLineDash([]);
    const [sx, sy] = points[0];
    ctx.fillStyle = col.ink; ctx.strokeStyle = color; ctx.lineWidth = 2;
    ctx.beginPath(); ctx.arc(sx, sy, 5, 0, 2 * Math.PI); ctx.fill(); ctx.stroke();
    let [bx, by] = points[points.length - 1];
    const diverged = run.diverged_at !== null && upto >= run.diverged_at;
    if (run.slope && !diverged) [bx, by] = onCurve(g, bx, by, run.slope, upto, frac);
    this.ball(ctx, bx, by, diverged ? "cross" : shapeOf(i), color, col.ink);
  }

  ball(ctx, x, y, shape, fill, ink) {
    const r = 10;
    ctx.fillStyle = fill;
    ctx.strokeStyle = ink;
    ctx.lineWidth = 2;
    if (shape === "cross") { // where a run diverged
      ctx.beginPath();
      for (const [dx, dy] of [[1, 1], [1, -1]]) { ctx.moveTo(x - dx * r, y - dy * r); ctx.lineTo(x + dx * r, y + dy * r); }
      ctx.lineWidth = 6; ctx.stroke(); ctx.lineWidth = 3.5; ctx.strokeStyle = fill; ctx.stroke();
      return;
    }
    ctx.beginPath();
    if (shape === "circle") ctx.arc(x, y, r, 0, 2 * Math.PI);
    else outline(shape, r).forEach(([dx, dy], k) => (k ? ctx.lineTo(x + dx, y + dy) : ctx.moveTo(x + dx, y + dy)));
    ctx.closePath();
    ctx.fill();
    ctx.stroke();
  }

  lossAxis() {
    const runs = this.runs();
    const view = (this.model.get("result") || {}).surface || {};
    const shift = view.min_value ?? 0;
    const values = runs.flatMap((r) => r.loss.flat()).filter((v) => v !== null).map((v) => v - shift);
    const log = values.length > 0 && values.every((v) => v > 0 || view.min_value != null);
    const y = (v) => (v === null ? null : log ? Math.log10(Math.max(v - shift, 1e-16)) : v - shift);
    const ys = runs.flatMap((r) => r.loss.flat().map(y)).filter((v) => v !== null && Number.isFinite(v));
    let lo = Math.min(...ys), hi = Math.max(...ys);
    if (!ys.length) { lo = 0; hi = 1; }
    if (hi - lo < 1e-12) { lo -= 0.5; hi += 0.5; }
    const pad = (hi - lo) * 0.06;
    return { log, y, lo: lo - pad, hi: hi + pad, name: view.min_value != null ? "f − f*" : "loss" };
  }

  readoutHeight() {
    // a line per optimizer (the tallest so far, so the plot keeps its size while playing)
    this.readoutRoom = Math.max(this.readoutRoom || 0, this.readout.offsetHeight);
    return this.readoutRoom;
  }

  lossSize() {
    const stage = this.stage.clientWidth || 800, plot = this.plot.clientWidth || 600;
    const beside = stage - plot - GAP;
    if (beside < LOSS_BESIDE) return [plot, 210];  // a narrow stage: the panel goes below
    // beside the plot, with the legend above it, as tall as the plot
    const room = this.plot.clientHeight - this.legend.offsetHeight - 12;
    return [Math.min(beside, 2 * LOSS_BESIDE), Math.min(Math.max(room, 200), 420)];
  }

  drawLoss(col) {
    const [width, height] = this.lossSize();
    this.column.style.width = `${width}px`;
    const ctx = this.sized(this.loss, width, height);
    const runs = this.runs();
    if (!runs.length) return;
    const m = { left: 70, right: 26, top: 10, bottom: 40 };
    const w = width - m.left - m.right, h = height - m.top - m.bottom;
    const steps = Math.max(this.steps(), 1);
    const axis = this.lossAxis();
    const sx = (s) => m.left + s / steps * w;
    const sy = (v) => m.top + (axis.hi - v) / (axis.hi - axis.lo) * h;
    this.lossGeo = { m, w, steps };
    ctx.font = "17px system-ui, sans-serif";
    ctx.strokeStyle = col.grid; ctx.fillStyle = col.ink; ctx.lineWidth = 1;
    ctx.textAlign = "right"; ctx.textBaseline = "middle";
    for (const t of lossTicks(axis.lo, axis.hi, axis.log)) {
      ctx.beginPath(); ctx.moveTo(m.left, sy(t.at)); ctx.lineTo(m.left + w, sy(t.at)); ctx.stroke();
      ctx.fillText(t.label, m.left - 8, sy(t.at));
    }
    ctx.textAlign = "center"; ctx.textBaseline = "top";
    for (const t of niceTicks(0, steps, 5)) ctx.fillText(tickText(t), sx(t), m.top + h + 8);
    ctx.save();
    ctx.translate(16, m.top + h / 2); ctx.rotate(-Math.PI / 2); ctx.textBaseline = "middle";
    ctx.fillText(axis.name, 0, 0);
    ctx.restore();
    runs.forEach((run, i) => {
      ctx.strokeStyle = colorOf(i);
      ctx.lineWidth = 2.5;
      ctx.setLineDash(dashOf(i));
      ctx.beginPath();
      let pen = false;
      run.loss.forEach((v, s) => {
        const y = axis.y(Array.isArray(v) ? v[0] : v);
        if (y === null || !Number.isFinite(y)) { pen = false; return; }
        if (pen) ctx.lineTo(sx(s), sy(y)); else ctx.moveTo(sx(s), sy(y));
        pen = true;
      });
      ctx.stroke();
    });
    ctx.setLineDash([]);
    const now = this.hover ?? this.step;  // the step the plot shows, in both panels
    ctx.strokeStyle = col.ink; ctx.lineWidth = 1.5;
    ctx.beginPath(); ctx.moveTo(sx(now), m.top); ctx.lineTo(sx(now), m.top + h); ctx.stroke();
  }

  // -- reading out --------------------------------------------------------------------------
  stepReadout(at = this.hover ?? this.step) {
    const s = Math.round(at);
    return this.runs().map((run) => {
      const k = Math.min(s, run.xy.length - 1);
      const p = run.xy[k], f = run.loss[k];
      if (!p || Array.isArray(p[0])) return `${run.name || run.label}: step ${k}`;
      return `${run.name || run.label} · step ${k} · ${where(p)} · loss ${f === null ? "–" : fmt(f)}`;
    }).join("\n");
  }

  pointer(event, down) {
    const g = this.geo;
    if (!g) return;
    const rect = this.plot.getBoundingClientRect();
    const px = event.clientX - rect.left, py = event.clientY - rect.top;
    const inside = px >= g.margin.left && px <= g.margin.left + g.w && py >= g.margin.top && py <= g.margin.top + g.h;
    const x = g.fx(px), y = g.fy(py);
    if (inside && (down || event.buttons === 1)) {
      if (down) this.plot.setPointerCapture?.(event.pointerId);
      this.pause();
      const curve = this.model.get("view")?.kind === "curve";  // a curve's start is its x
      this.changed({ start: curve ? [Number(x.toPrecision(4))] : [Number(x.toPrecision(4)), Number(y.toPrecision(4))] });
    }
    this.hoverText = inside;
    if (inside) this.readout.textContent = this.nearest(px, py) || `(${fmt(x)}, ${fmt(y)}): click or drag to start here`;
    else this.readout.textContent = this.stepReadout();
  }

  nearest(px, py) {
    const g = this.geo;
    let best = null;
    this.runs().forEach((run) => placed(run).forEach((p, k) => {
      if (!p || p[0] === null || Array.isArray(p[0])) return;
      const d = Math.hypot(g.px(p[0]) - px, g.py(p[1]) - py);
      if (d < 14 && (!best || d < best.d)) best = { d, run, k, p };
    }));
    if (!best) return "";
    const f = best.run.loss[best.k];
    return `${best.run.name || best.run.label} · step ${best.k} · ${where(best.run.xy[best.k])} · loss ${f === null ? "–" : fmt(f)}`;
  }

  lossHover(event) {
    const lg = this.lossGeo;
    if (!lg) return;
    const rect = this.loss.getBoundingClientRect();
    const s = (event.clientX - rect.left - lg.m.left) / lg.w * lg.steps;
    this.hover = Math.max(0, Math.min(lg.steps, Math.round(s)));
    this.hoverText = false;
    this.draw();
  }

  // -- playing -------------------------------------------------------------------------------
  togglePlay() { if (this.playing) this.pause(); else this.play(); }

  play() {
    const total = this.steps();
    if (!total) return;
    if (this.step >= total) this.step = 0;
    this.playing = true;
    this.controls.play.textContent = "❚❚ Pause";
    let last = null; // the first frame's own time: rAF times can precede performance.now()
    const tick = (now) => {
      if (!this.playing) return;
      const rate = Math.max(this.steps() / PLAY_SECONDS, 5);
      const seconds = last === null ? 0 : Math.max(now - last, 0) / 1000;
      this.step = Math.min(Math.max(this.step + seconds * rate, 0), this.steps());
      last = now;
      this.draw();
      if (this.step >= this.steps()) { this.pause(); return; }
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  }

  pause() {
    this.playing = false;
    this.controls.play.textContent = "▶ Play";
  }

  nudge(by) {
    this.pause();
    this.step = Math.max(0, Math.min(this.steps(), Math.round(this.step) + by));
    this.draw();
  }

  key(event) {
    const target = event.target;
    if (["INPUT", "SELECT", "TEXTAREA"].includes(target.tagName)) return; // fields and sliders keep their keys
    if (target.tagName === "BUTTON" && (event.key === " " || event.key === "Enter")) return; // a button presses itself
    const actions = {
      " ": () => this.togglePlay(),
      ArrowLeft: () => this.nudge(-1),
      ArrowRight: () => this.nudge(1),
      Home: () => { this.pause(); this.step = 0; this.draw(); },
      End: () => { this.pause(); this.step = this.steps(); this.draw(); },
    };
    if (event.key in actions) { event.preventDefault(); actions[event.key](); }
  }
}

// -- entry points ---------------------------------------------------------------------------------
export async function mountPage(root) {
  const token = new URLSearchParams(location.search).get("token") || "";
  const response = await fetch("/api/init", { headers: { "X-Optviz-Token": token } });
  const { catalog, state } = await response.json();
  const model = new HttpModel(token, { theme: "light", ...state });
  window.optvizModel = model;  // scriptable from the browser's console
  window.optvizUi = build(root, model, catalog, { refresh: true, page: true });
  return model;
}

// anywidget: the widget's model carries the state and Python computes the runs
function render({ model, el: root }) {
  const catalog = model.get("catalog");
  const ui = build(root, new WidgetModel(model), catalog, { refresh: false });
  return () => ui.destroy();
}

// The widget's model, with downloads asked of Python by message.
class WidgetModel {
  constructor(model) {
    this.model = model;
    this.waiting = new Map();
    this.next = 0;
    model.on("msg:custom", (msg, buffers) => {
      const done = this.waiting.get(msg.id);
      if (!done) return;
      this.waiting.delete(msg.id);
      if (msg.error) done.reject(new Error(msg.error)); else done.resolve(new Blob(buffers.map((b) => b.buffer || b), { type: msg.type }));
    });
  }
  get(key) { return this.model.get(key); }
  set(key, value) { this.model.set(key, value); }
  on(event, fn) { this.model.on(event, fn); }
  off(event, fn) { this.model.off(event, fn); }
  save_changes() { this.model.save_changes(); }
  download(kind) {
    const id = ++this.next;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.model.send({ download: kind, id });
    });
  }
}

export default { render };
