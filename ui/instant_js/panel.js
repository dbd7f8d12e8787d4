// The Clusters page's instant panel: its own sliders, and on every step rules -> weights ->
// fusion -> warm k-means -> PCA map -> metrics computed here, in the browser, with the numerics of
// live_math.js (a port of core/, checked against it in Chromium by tests/test_instant_math.py).
// ui/instant.py concatenates live_math.js in front of this module and mounts it with
// st.components.v2. Data: core/views/instant.py (dataset part once per dataset, setting part on
// every run). On a slider's release the panel sends its rule values to the server ("rules"
// state), which reruns the page's fragment: the URL, the comparison table and the genre x
// cluster counts follow there.

const LM = globalThis.LiveMath;
const DATASETS = new Map();      // dataset key -> decoded arrays (kept across runs and pages)
const PANELS = new WeakMap();    // parentElement -> the panel's state

function decode(s, Type) {
  if (s === null || s === undefined) return null;
  const bin = atob(s);
  const u8 = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) u8[i] = bin.charCodeAt(i);
  return new Type(u8.buffer);
}

function loadDataset(ds) {
  const cols = {};
  for (const [name, v] of Object.entries(ds.indicators)) cols[name] = decode(v, Float32Array);
  const audio = decode(ds.audio, Float32Array), lyrics = decode(ds.lyrics, Float32Array);
  const audioOk = decode(ds.audio_ok, Uint8Array), lyricsOk = decode(ds.lyrics_ok, Uint8Array);
  const samples = {};
  for (const [m, v] of Object.entries(ds.samples || {})) samples[m] = decode(v, Int32Array);
  const D = {
    key: ds.key, n: ds.n, d: ds.d, cols, audio, lyrics, audioOk, lyricsOk,
    truth: decode(ds.truth, Int32Array), genres: ds.genres, ids: ds.track_ids,
    fused: new Float32Array(ds.n * 2 * ds.d), fusedMap: new Float32Array(ds.n * 2 * ds.d),
  };
  D.internal = LM.prepareInternal(audio, lyrics, ds.n, ds.d, audioOk, lyricsOk, samples);
  return D;
}

// A ruleset as text, numbers as the JSON on both sides parses them (for echo detection).
const canon = (rs) => JSON.stringify(rs, (k, v) => (typeof v === "number" ? Math.round(v * 1e9) / 1e9 : v));

function decimals(step) {
  const s = String(step);
  return s.includes("e-") ? Number(s.split("e-")[1]) : (s.split(".")[1] || "").length;
}

function fmt(x, digits = 3) {
  return Number.isFinite(x) ? x.toFixed(digits) : "–";
}

const HTML = `
<div class="instant">
  <div class="controls">
    <label class="rule">Rule <select data-role="rule"></select></label>
    <label class="slider"><span data-role="tlabel"></span>
      <span class="row"><input type="range" data-role="threshold"><output data-role="tvalue"></output></span></label>
    <label class="slider"><span>Base audio weight (0–1)</span>
      <span class="row"><input type="range" data-role="base" min="0" max="1" step="0.01"><output data-role="bvalue"></output></span></label>
    <label class="colour">Colour by <select data-role="colour">
      <option value="cluster">cluster</option><option value="genre">genre</option>
      <option value="weight">audio weight</option></select></label>
  </div>
  <p class="ruleline" data-role="ruleline"></p>
  <div class="mapbox"><canvas data-role="map" role="img"></canvas><div class="legend" data-role="legend"></div>
    <div class="tip" data-role="tip" hidden></div></div>
  <div class="tablewrap"><table class="live" data-role="table"><thead></thead><tbody></tbody></table></div>
  <p class="status" data-role="status"></p>
</div>`;

function setup(parent, setStateValue) {
  const root = document.createElement("div");
  root.innerHTML = HTML;
  parent.appendChild(root);
  const $ = (role) => root.querySelector(`[data-role="${role}"]`);
  const P = {
    root, $, setStateValue, sent: [], seq: 0, last: null, previous: null,
    canvas: $("map"), ctx: $("map").getContext("2d"),
  };
  $("rule").addEventListener("change", () => { P.rule = $("rule").value; showSliders(P); sync(P); });
  $("threshold").addEventListener("input", () => move(P, "threshold"));
  $("base").addEventListener("input", () => move(P, "base"));
  // the release goes to the server after the next frame is painted: Streamlit's own work on a state change
  // (its widget manager, a rerun's first React pass) would otherwise run before the panel is shown
  const later = () => requestAnimationFrame(() => setTimeout(() => sync(P), 0));
  $("threshold").addEventListener("change", later);
  $("base").addEventListener("change", later);
  $("colour").addEventListener("change", () => {  // drawn here; the server keeps the choice for the link
    draw(P);
    P.setStateValue("colour", $("colour").value);
  });
  P.canvas.addEventListener("mousemove", (e) => hover(P, e));
  P.canvas.addEventListener("mouseleave", () => { $("tip").hidden = true; });
  P.canvas.addEventListener("click", (e) => pick(P, e));
  new ResizeObserver(() => draw(P)).observe(root);
  return P;
}

function currentRule(P) {
  return P.ruleset.rules.find((r) => r.name === P.rule);
}

function showSliders(P) {
  const { $ } = P;
  const spec = P.sliders[P.rule], rule = currentRule(P), t = $("threshold");
  $("tlabel").textContent = spec.label;
  t.title = spec.help;
  t.min = spec.min; t.max = spec.max; t.step = spec.step;
  t.value = rule.threshold;
  t.setAttribute("aria-label", spec.label);
  $("tvalue").textContent = Number(rule.threshold).toFixed(decimals(spec.step));
  $("base").value = P.ruleset.base_weight;
  $("base").setAttribute("aria-label", "Base audio weight (0–1)");
  $("bvalue").textContent = Number(P.ruleset.base_weight).toFixed(2);
  ruleLine(P);
}

// What the chosen rule does and how many tracks it fired on (as the Rules page's card says it); a rule whose
// shift is 0 (four of the seven defaults) says that its threshold moves nothing, else the map stays still unexplained.
function ruleLine(P) {
  const rule = currentRule(P), spec = P.sliders[P.rule], d = Number(rule.delta);
  const fired = P.last && P.last.fired ? P.last.fired[P.rule] : undefined;
  let text = `${rule.name} fires when ${rule.indicator} ${rule.op} ` +
    `${Number(rule.threshold).toFixed(decimals(spec.step))} and shifts the audio weight by ${d >= 0 ? "+" : ""}${d.toFixed(2)}`;
  if (fired !== undefined && P.D) text += ` · fired on ${fired.toLocaleString("en")} of ${P.D.n.toLocaleString("en")} tracks`;
  text += d === 0 ? ". Its shift is 0, so moving this threshold changes no weight: set its shift on the Rules page." : ".";
  P.$("ruleline").textContent = text;
}

// A slider step: the new value into the rule set, then the whole loop here.
function move(P, which) {
  const { $ } = P;
  if (which === "threshold") {
    const spec = P.sliders[P.rule];
    const v = Number(Number($("threshold").value).toFixed(decimals(spec.step)));
    currentRule(P).threshold = v;
    $("tvalue").textContent = v.toFixed(decimals(spec.step));
  } else {
    const v = Number(Number($("base").value).toFixed(2));
    P.ruleset.base_weight = v;
    $("bvalue").textContent = v.toFixed(2);
  }
  step(P);
}

// On release: tell the server (URL, comparison table, counts follow there).
function sync(P) {
  const rule = currentRule(P);
  P.sent.push(canon(P.ruleset));
  if (P.sent.length > 50) P.sent.shift();
  P.setStateValue("rules", { base_weight: P.ruleset.base_weight, rule: P.rule, threshold: rule.threshold,
                             seq: ++P.seq });
}

function compute(P) {
  const D = P.D, t = [performance.now()];
  const rules = LM.applyRules(D.cols, D.n, P.ruleset);
  t.push(performance.now());
  const wEff = LM.effectiveWeights(rules.weights, D.audioOk, D.lyricsOk);
  LM.fuseConcat(D.audio, D.lyrics, D.n, D.d, wEff, D.fused);
  t.push(performance.now());
  const km = LM.lloyd(D.fused, D.n, 2 * D.d, P.centers, P.k, 100, 0, P.kmMemo || null);  // memo: last bounds
  P.centers = km.centers; P.kmMemo = km.memo;
  t.push(performance.now());
  // the map: the weights rounded to 0.01, as the server's map (core.views.map.weights_key)
  const wr = new Float32Array(D.n);
  for (let i = 0; i < D.n; i++) wr[i] = Math.round(rules.weights[i] * 100) / 100;
  LM.fuseConcat(D.audio, D.lyrics, D.n, D.d, LM.effectiveWeights(wr, D.audioOk, D.lyricsOk), D.fusedMap);
  const proj = LM.project(D.fusedMap, D.n, 2 * D.d, { coords: P.coords, axes: P.axes });
  P.coords = proj.coords; P.axes = proj.axes; P.pcaConverged = proj.converged !== false;
  t.push(performance.now());
  const metrics = Object.assign({}, D.truth ? LM.external(D.truth, km.labels) : {},
                                LM.internal(D.internal, km.labels));
  t.push(performance.now());
  P.previous = P.last;
  P.last = { weights: rules.weights, effective: wEff, labels: km.labels, metrics, fired: rules.fired,
             decided: rules.decided, ms: t.slice(1).map((x, i) => x - t[i]), total: t[t.length - 1] - t[0] };
}

// The loop, then the canvas and the table (the status line says what each took).
function step(P) {
  P.root.dataset.stepStart = performance.now().toFixed(1);  // page clock: when a step began and ended
  compute(P);
  const t0 = performance.now();
  draw(P);
  P.last.drawMs = performance.now() - t0;
  table(P);
  P.root.dataset.stepEnd = performance.now().toFixed(1);
}

const PALETTE_WEIGHT = ["#440154", "#482878", "#3e4989", "#31688e", "#26828e", "#1f9e89", "#35b779", "#6ece58",
                        "#b5de2b", "#fde725"];

function colours(P) {
  const mode = P.$("colour").value, D = P.D, L = P.last, n = D.n;
  const out = new Array(n), legend = [];
  if (mode === "weight") {
    for (let i = 0; i < n; i++) out[i] = PALETTE_WEIGHT[Math.min(9, Math.floor(L.effective[i] * 10))];
    legend.push(["#440154", "audio weight 0"], ["#21918c", "0.5"], ["#fde725", "1 (audio only)"]);
    return { out, legend };
  }
  const codes = mode === "genre" && D.truth ? D.truth : L.labels;
  const names = mode === "genre" && D.truth ? D.genres : null;
  const counts = new Map();
  for (let i = 0; i < n; i++) {
    const c = codes[i];
    out[i] = c < 0 ? "#b0b0b0" : P.palette[c % P.palette.length];
    counts.set(c, (counts.get(c) || 0) + 1);
  }
  for (const c of [...counts.keys()].sort((a, b) => a - b))
    legend.push([c < 0 ? "#b0b0b0" : P.palette[c % P.palette.length],
                 `${c < 0 ? "(none)" : names ? names[c] : "cluster " + c} (${counts.get(c)})`]);
  return { out, legend };
}

function draw(P) {
  if (!P.last || !P.coords) return;
  const { canvas, ctx, D } = P, dpr = window.devicePixelRatio || 1;
  const w = Math.max(200, P.root.clientWidth), h = Math.round(Math.min(560, Math.max(320, w * 0.45)));
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.round(w * dpr); canvas.height = Math.round(h * dpr);
    canvas.style.width = w + "px"; canvas.style.height = h + "px";
  }
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  const C = P.coords;
  for (let i = 0; i < D.n; i++) {
    const x = C[2 * i], y = C[2 * i + 1];
    if (x < x0) x0 = x; if (x > x1) x1 = x; if (y < y0) y0 = y; if (y > y1) y1 = y;
  }
  const pad = 12, sx = (w - 2 * pad) / Math.max(1e-9, x1 - x0), sy = (h - 2 * pad) / Math.max(1e-9, y1 - y0);
  P.toScreen = (i) => [pad + (C[2 * i] - x0) * sx, h - pad - (C[2 * i + 1] - y0) * sy];
  const { out, legend } = colours(P);
  const r = D.n > 5000 ? 1.6 : D.n > 1500 ? 2.4 : 3.2;
  ctx.globalAlpha = 0.85;
  const byColour = new Map();  // one path and one fill per colour, not per point (10,000 fills cost ~30 ms)
  for (let i = 0; i < D.n; i++) {
    let list = byColour.get(out[i]);
    if (!list) byColour.set(out[i], (list = []));
    list.push(i);
  }
  for (const [colour, list] of byColour) {
    ctx.fillStyle = colour;
    ctx.beginPath();
    for (const i of list) {
      const [px, py] = P.toScreen(i);
      ctx.moveTo(px + r, py); ctx.arc(px, py, r, 0, 6.2832);
    }
    ctx.fill();
  }
  ctx.globalAlpha = 1;
  const sel = P.selected ? D.ids.indexOf(P.selected) : -1;
  if (sel >= 0) {
    const [px, py] = P.toScreen(sel);
    ctx.strokeStyle = getComputedStyle(P.root).color || "#000"; ctx.lineWidth = 2;  // the theme's text colour:
    // a black ring vanished on the dark theme's background
    ctx.beginPath(); ctx.arc(px, py, r + 4, 0, 6.2832); ctx.stroke();
  }
  P.$("legend").innerHTML = legend.map(([c, t]) => `<span><i style="background:${c}"></i>${t}</span>`).join("");
  canvas.setAttribute("aria-label", `PCA map of ${D.n} tracks coloured by ${P.$("colour").value}`);
  P.drawn = (P.drawn || 0) + 1;
  P.root.dataset.drawn = String(P.drawn);
}

function nearest(P, e) {
  if (!P.toScreen) return -1;
  const rect = P.canvas.getBoundingClientRect(), x = e.clientX - rect.left, y = e.clientY - rect.top;
  let best = -1, bd = 64;
  for (let i = 0; i < P.D.n; i++) {
    const [px, py] = P.toScreen(i), dd = (px - x) ** 2 + (py - y) ** 2;
    if (dd < bd) { bd = dd; best = i; }
  }
  return best;
}

function hover(P, e) {
  const i = nearest(P, e), tip = P.$("tip");
  if (i < 0) { tip.hidden = true; return; }
  const D = P.D, g = D.truth && D.truth[i] >= 0 ? D.genres[D.truth[i]] : "(none)";
  tip.textContent = `${D.ids[i]} · genre ${g} · cluster ${P.last.labels[i]} · audio weight ${P.last.effective[i].toFixed(2)}`;
  const [px, py] = P.toScreen(i);
  tip.style.left = `${Math.min(px + 10, P.root.clientWidth - 260)}px`; tip.style.top = `${py + 10}px`;
  tip.hidden = false;
}

function pick(P, e) {
  const i = nearest(P, e);
  if (i < 0) return;
  P.selected = P.D.ids[i];
  draw(P);
  P.setStateValue("track", P.selected);
}

// A change at the row's precision: "+0.012", "-0.004", and "0.000" for one that rounds to nothing either way
// (a drop of 0.0002 read "-0.000").
function change(d) {
  if (!Number.isFinite(d)) return "–";
  const r = Math.round(d * 1000) / 1000;
  return r === 0 ? "0.000" : (r > 0 ? "+" : "") + r.toFixed(3);
}

function table(P) {
  const names = P.metricNames, L = P.last, prev = P.previous;
  const keys = Object.keys(names).filter((m) => Number.isFinite(L.metrics[m]) || m in L.metrics);
  const head = P.$("table").querySelector("thead"), body = P.$("table").querySelector("tbody");
  head.innerHTML = `<tr><th>this map's clusters</th>${keys.map((m) => `<th>${names[m]}</th>`).join("")}</tr>`;
  let rows = `<tr><td>dynamic (rules), live</td>${keys.map((m) => `<td>${fmt(L.metrics[m])}</td>`).join("")}</tr>`;
  if (prev) {
    rows += `<tr class="delta"><td>change since the last step</td>${keys.map((m) => {
      return `<td>${change(L.metrics[m] - prev.metrics[m])}</td>`;
    }).join("")}</tr>`;
  }
  body.innerHTML = rows;
  ruleLine(P);
  let mean = 0;
  for (let i = 0; i < P.D.n; i++) mean += L.weights[i];
  const ms = L.ms.map((x) => x.toFixed(1));
  P.$("status").textContent =
    `Computed in your browser in ${L.total.toFixed(1)} ms for ${P.D.n.toLocaleString("en")} tracks (rules ${ms[0]}, ` +
    `fusion ${ms[1]}, warm k-means ${ms[2]}, PCA map ${ms[3]}, metrics ${ms[4]} ms), drawn in ` +
    `${(L.drawMs || 0).toFixed(1)} ms; mean audio weight ` +
    `${(mean / P.D.n).toFixed(3)}. On release the server checks it: the Metrics table below (every row ` +
    `clustered afresh, like with like) follows.` +
    (P.pcaConverged ? "" : " The map's PCA axes did not converge to their tolerance at this step (the map is " +
                           "approximate; the clusters and metrics are not affected).");
}

export default function (component) {
  const { data, parentElement, setStateValue } = component;
  if (!data || !data.setting) return;
  let P = PANELS.get(parentElement);
  if (!P) { P = setup(parentElement, setStateValue); PANELS.set(parentElement, P); }
  P.setStateValue = setStateValue;
  if (data.dataset) DATASETS.set(data.dataset.key, loadDataset(data.dataset));
  const D = DATASETS.get(data.key);
  if (!D) {  // not here (a new page context): ask for it, with a value that differs from any earlier one
    setStateValue("have", `need:${Date.now()}`);
    return;
  }
  if (data.have_check !== data.key) setStateValue("have", data.key);
  const S = data.setting;
  P.sliders = S.sliders; P.metricNames = S.metric_names; P.palette = data.palette; P.k = S.k;
  P.selected = S.selected || P.selected;
  if (S.color_by && !P.colourSet) {
    P.$("colour").value = ["cluster", "genre", "weight"].includes(S.color_by) ? S.color_by : "cluster";
    P.colourSet = true;
  }
  if (!D.truth) P.$("colour").querySelector('option[value="genre"]').disabled = true;
  const incoming = canon(S.ruleset);
  const fresh = P.D !== D || P.setting !== S.setting;
  const elsewhere = !fresh && incoming !== canon(P.ruleset) && !P.sent.includes(incoming);
  if (fresh || elsewhere) {  // a new dataset or clustering setting, or rules changed elsewhere
    P.D = D; P.setting = S.setting;
    P.ruleset = JSON.parse(JSON.stringify(S.ruleset));
    P.centers = decode(S.centers, Float32Array); P.kmMemo = null;
    if (fresh) { P.coords = null; P.axes = null; P.last = null; }
    P.sent = [];
  }
  if (!P.rule || !P.sliders[P.rule] || (fresh && S.rule)) P.rule = S.rule;
  const sel = P.$("rule");
  if (sel.options.length !== P.ruleset.rules.length) {
    sel.innerHTML = P.ruleset.rules.map((r) => `<option value="${r.name}">${r.name}</option>`).join("");
  }
  sel.value = P.rule;
  showSliders(P);
  if (fresh || elsewhere || !P.last) step(P);
}
