/* reymud dashboard: map, downhole log, cut-off control, scenario editor, upload, assessment job.
   An ES module; plotly.js is the one global (a classic script loaded before it). The element list
   and the resource classes come from GET /api/vocabulary, never from copies here. */
import * as Api from "./api.js";

const ELEMENT_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
  "#bcbd22", "#17becf", "#393b79", "#ad494a", "#637939", "#843c39", "#3182bd"];
const PLOT_CONFIG = { responsive: true, displaylogo: false };
const state = { vocab: { elements: [], classes: [] }, info: null, cores: null, outlines: null, grid: null, baseScenario: null, cutoffSeq: 0 };
const $ = (id) => document.getElementById(id);

function emptyPlot(id, message) {
  Plotly.react(id, [], {
    margin: { t: 10, r: 10, b: 10, l: 10 }, xaxis: { visible: false }, yaxis: { visible: false },
    annotations: [{ text: message, showarrow: false, xref: "paper", yref: "paper", x: 0.5, y: 0.5 }],
  }, PLOT_CONFIG);
}

/* ------------------------------------------------------------------ project */
async function loadProject() {
  const info = await Api.get("/api/project");
  state.info = info;
  $("synthetic-banner").hidden = !info.synthetic;
  $("project-status").textContent =
    `${info.name} · ${info.n_cores} cores · ${info.n_samples} samples · ` +
    (info.assessed ? "assessed" : "not assessed yet") + (info.synthetic ? " · SYNTHETIC" : "");
  $("token-label").hidden = !info.token_required;
  const cutoff = info.default_cutoff_ppm;
  $("cutoff-slider").value = cutoff;
  $("cutoff-number").value = cutoff;
}

/* ---------------------------------------------------------------------- map */
async function loadMap() {
  const [cores, outlines] = await Promise.all([Api.get("/api/cores"), Api.get("/api/outlines")]);
  state.cores = cores.rows;
  state.outlines = outlines;
  let variables = [];
  let cutoffs = [];
  try {
    variables = (await Api.get("/api/estimates")).variables;
  } catch (e) {
    if (e.status !== 404) throw e;
  }
  try {
    cutoffs = (await Api.get("/api/exceedance")).cutoffs_ppm;
  } catch (e) {
    if (e.status !== 404) throw e;
  }
  const select = $("map-variable");
  select.innerHTML = "";
  const preferred = ["total_rey_ppm", "thickness_m", "total_rey_ppm_variance", "kriging_efficiency"];
  const first = preferred.filter((v) => variables.includes(v));
  const entries = first.map((v) => [v, v])
    .concat(cutoffs.map((c) => [`exceedance:${c}`, `P(total REY ≥ ${c} ppm)`]))
    .concat(variables.filter((v) => !preferred.includes(v)).map((v) => [v, v]));
  for (const [value, label] of entries) select.add(new Option(label, value));
  const ordered = entries.map((e) => e[0]);
  select.disabled = ordered.length === 0;
  await drawMap(ordered[0] || null);
}

async function drawMap(variable) {
  const km = (v) => (v === null ? null : v / 1000);
  const traces = [];
  let grid = null;
  if (variable) {
    const probability = variable.startsWith("exceedance:");
    grid = await Api.get(probability ? `/api/exceedance/${encodeURIComponent(variable.split(":")[1])}`
      : `/api/estimates/${encodeURIComponent(variable)}`);
    const label = probability ? "probability" : variable;
    traces.push({
      type: "heatmap", name: grid.variable, x: grid.easting_m.map(km), y: grid.northing_m.map(km), z: grid.values,
      colorscale: probability ? "RdBu" : "Viridis", reversescale: probability,
      zmin: probability ? 0 : undefined, zmax: probability ? 1 : undefined,
      colorbar: { title: { text: label, side: "right" } },
      hovertemplate: `E %{x:.1f} km<br>N %{y:.1f} km<br>${Api.esc(grid.variable)} %{z:.4g}<extra></extra>`,
    });
  }
  state.grid = grid;
  for (const [key, color, dash] of [["study_box", "#d62728", "solid"], ["eez", "#ff7f0e", "dash"]]) {
    const o = state.outlines[key];
    traces.push({ type: "scatter", mode: "lines", name: o.label, x: o.easting_m.map(km), y: o.northing_m.map(km),
      line: { color, width: 2, dash }, hoverinfo: "name" });
  }
  const rows = state.cores;
  traces.push({
    type: "scatter", mode: "markers", name: "cores", x: rows.map((r) => km(r.easting)), y: rows.map((r) => km(r.northing)),
    customdata: rows.map((r) => r.core_id),
    text: rows.map((r) => `${Api.esc(r.core_id)}<br>${Api.fmt(r.latitude, 3)}°N ${Api.fmt(r.longitude, 3)}°E` +
      (r.mean_total_rey_ppm !== undefined ? `<br>layer mean ${Api.fmt(r.mean_total_rey_ppm)} ppm` : "")),
    hovertemplate: "%{text}<extra></extra>",
    marker: { size: 10, color: "#fff", line: { color: "#111", width: 2 }, symbol: "circle" },
  });
  const xs = rows.map((r) => km(r.easting)).concat(grid ? grid.easting_m.map(km) : []);
  const ys = rows.map((r) => km(r.northing)).concat(grid ? grid.northing_m.map(km) : []);
  const pad = 8;
  const layout = {
    margin: { t: 10, r: 10, b: 60, l: 60 }, legend: { orientation: "h", y: -0.2 },
    xaxis: { title: { text: `easting (km, ${state.outlines.crs})` }, range: [Math.min(...xs) - pad, Math.max(...xs) + pad] },
    yaxis: { title: { text: "northing (km)" }, range: [Math.min(...ys) - pad, Math.max(...ys) + pad],
      scaleanchor: "x", scaleratio: 1 },
    hovermode: "closest",
  };
  await Plotly.react("map", traces, layout, PLOT_CONFIG);
  $("map").dataset.ncores = rows.length;
  $("map").dataset.gridVariable = variable || "";
  const plot = $("map");
  plot.removeAllListeners && plot.removeAllListeners("plotly_click");
  plot.on("plotly_click", (event) => {
    const point = event.points.find((p) => p.customdata);
    if (point) loadCore(point.customdata).catch((e) => Api.showError("global-error", e));
  });
  $("map-hint").textContent = grid
    ? `Grid ${grid.shape[0]} × ${grid.shape[1]} cells of ${Api.fmt(grid.cell_size_m)} m` +
      (grid.stride > 1 ? `, shown averaged ${grid.stride} × ${grid.stride}` : "") + ". Click a core for its downhole log."
    : "No estimate yet: run the assessment. Click a core for its downhole log.";
}

/* ------------------------------------------------------------ downhole log */
async function loadCore(coreId) {
  const data = await Api.get(`/api/cores/${encodeURIComponent(coreId)}`);
  $("log-core").textContent = coreId;
  const s = data.samples.rows;
  if (!s.length) { emptyPlot("downhole", `no samples in ${coreId}`); return; }
  const mid = s.map((r) => (r.top_mbsf + r.bottom_mbsf) / 2);
  const traces = [{
    type: "scatter", mode: "lines+markers", name: "total REY", x: s.map((r) => r.total_rey_ppm), y: mid,
    line: { color: "#1f6feb", shape: "spline", smoothing: 0.3 }, marker: { size: 5 },
    hovertemplate: "%{y:.2f} mbsf: %{x:.0f} ppm<extra></extra>",
  }];
  for (const [el, color] of [["Nd", "#2ca02c"], ["Dy", "#9467bd"], ["Y", "#8c564b"]]) {
    if (s[0][el] !== undefined) {
      traces.push({ type: "scatter", mode: "lines", name: el, x: s.map((r) => r[el]), y: mid, xaxis: "x2",
        line: { color, width: 1.5 }, hovertemplate: `%{y:.2f} mbsf: %{x:.1f} ppm ${el}<extra></extra>` });
    }
  }
  const shapes = data.layers.rows.map((l) => ({ type: "rect", xref: "paper", x0: 0, x1: 1, y0: l.top_mbsf, y1: l.base_mbsf,
    fillcolor: "rgba(255,127,14,0.12)", line: { width: 0 } }));
  const threshold = state.vocab.rey_rich_threshold_ppm;
  shapes.push({ type: "line", xref: "x", x0: threshold, x1: threshold, yref: "paper", y0: 0, y1: 1, line: { dash: "dot", color: "#d62728" } });
  await Plotly.react("downhole", traces, {
    margin: { t: 40, r: 10, b: 80, l: 55 }, shapes, legend: { orientation: "h", y: -0.2 },
    yaxis: { title: { text: "depth (mbsf)" }, autorange: "reversed" },
    xaxis: { title: { text: "total REY (ppm)" }, domain: [0, 1] },
    xaxis2: { title: { text: "element (ppm)" }, overlaying: "x", side: "top" },
  }, PLOT_CONFIG);
  $("downhole").dataset.core = coreId;
}

/* ------------------------------------------------------- resource by cut-off */
async function loadCurve() {
  try {
    const curve = await Api.get("/api/grade-tonnage?start=0&stop=3000&step=50");
    const rows = curve.rows.filter((r) => r.class === "all");
    await Plotly.react("gt-curve", [
      { type: "scatter", mode: "lines", name: "dry tonnes (Mt)", x: rows.map((r) => r.cutoff),
        y: rows.map((r) => r.dry_t / 1e6), line: { color: "#1f6feb" } },
      { type: "scatter", mode: "lines", name: "mean total REY (ppm)", x: rows.map((r) => r.cutoff),
        y: rows.map((r) => r.total_rey_ppm), yaxis: "y2", line: { color: "#d62728" } },
    ], {
      margin: { t: 10, r: 60, b: 45, l: 60 }, legend: { orientation: "h", y: -0.2 },
      xaxis: { title: { text: "cut-off total REY (ppm)" } }, yaxis: { title: { text: "dry Mt above cut-off" } },
      yaxis2: { title: { text: "mean grade (ppm)" }, overlaying: "y", side: "right" },
      shapes: [cutoffLine(Number($("cutoff-number").value))],
    }, PLOT_CONFIG);
    $("gt-curve").dataset.points = rows.length;
  } catch (e) {
    if (e.status !== 404) throw e;
    emptyPlot("gt-curve", "no block model yet: run the assessment");
  }
}

function cutoffLine(cutoff) {
  return { type: "line", xref: "x", x0: cutoff, x1: cutoff, yref: "paper", y0: 0, y1: 1,
    line: { color: "#111", dash: "dash", width: 1.5 } };
}

async function updateCutoff(cutoff) {
  const seq = ++state.cutoffSeq;
  const body = $("resource-table").tBodies[0];
  let result;
  try {
    result = await Api.get(`/api/resource?cutoff=${encodeURIComponent(cutoff)}`);
  } catch (e) {
    if (e.status === 404) { $("resource-note").textContent = e.message; return; }
    throw e;
  }
  if (seq !== state.cutoffSeq) return; // a newer request has been sent
  const row = (label, r, cls) => `<tr class="${cls || ""}" data-class="${label}"><td>${label}</td>` +
    `<td>${Api.fmt(r.n_blocks)}</td><td>${Api.fmt(r.area_km2, 1)}</td><td class="dry">${Api.fmt(r.dry_t / 1e6, 2)}</td>` +
    `<td>${Api.fmt(r.total_rey_ppm)}</td><td class="treo">${Api.fmt(r.treo_t / 1e3, 1)}</td></tr>`;
  body.innerHTML = state.vocab.classes.filter((c) => result.classes[c]).map((c) => row(c, result.classes[c])).join("") +
    row("total", result.total, "total");
  $("resource-table").dataset.cutoff = result.cutoff;
  $("resource-note").textContent = `Blocks with ${result.by} ≥ ${Api.fmt(result.cutoff)}; ` +
    `TREO = contained rare-earth oxides. ${state.info && state.info.synthetic ? "SYNTHETIC data." : ""}`;
  const gt = $("gt-curve");
  if (gt.data && gt.data.length) Plotly.relayout(gt, { shapes: [cutoffLine(result.cutoff)] });
}

function bindCutoff() {
  const slider = $("cutoff-slider");
  const number = $("cutoff-number");
  let timer = null;
  const schedule = (value) => {
    clearTimeout(timer);
    timer = setTimeout(() => updateCutoff(value).catch((e) => Api.showError("global-error", e)), 30);
  };
  slider.addEventListener("input", () => { number.value = slider.value; schedule(slider.value); });
  number.addEventListener("input", () => {
    if (number.value === "" || !Number.isFinite(Number(number.value))) return;
    slider.value = number.value;
    schedule(number.value);
  });
}

/* ------------------------------------------------------------------- supply */
async function loadSupply() {
  const body = $("supply-table").tBodies[0];
  let supply;
  try {
    supply = await Api.get("/api/supply");
  } catch (e) {
    if (e.status !== 404) throw e;
    body.innerHTML = "";
    $("supply-note").textContent = "No supply summary yet: run the assessment.";
    return;
  }
  body.innerHTML = supply.rows.map((r) => `<tr><td>${Api.esc(r.element)}</td><td>${Api.fmt((r.p50 ?? r.contained_oxide_t) / 1e3, 1)}</td>` +
    `<td>${Api.fmt(r.years_global_p50 ?? r.years_global, 1)}</td><td>${Api.fmt(r.years_japan_p50 ?? r.years_japan, 0)}</td>` +
    `<td>${Api.fmt(r.china_share_pct, 0)}</td></tr>`).join("");
  $("supply-note").textContent = "Years of supply = contained oxide (simulation P50) / annual demand; " +
    "global demand is a derived proxy (see the report). " + (state.info && state.info.synthetic ? "SYNTHETIC data." : "");
}

/* ----------------------------------------------------------------- scenario */
async function loadScenarioDefaults() {
  const examples = await Api.get("/api/scenarios/examples");
  const base = examples.default ? examples.examples[examples.default] : null;
  state.baseScenario = base;
  const elements = state.vocab.elements;
  const restricted = base && base.restriction.elements !== "all" ? base.restriction.elements : elements;
  $("scenario-elements").innerHTML = elements.map((el) =>
    `<label><input type="checkbox" value="${el}" ${restricted.includes(el) ? "checked" : ""}>${el}</label>`).join("");
  if (base) {
    $("sc-share").value = base.restriction.share_cut;
    $("sc-start").value = base.restriction.start;
    $("sc-duration").value = base.restriction.duration_months || 18;
    $("sc-stockpile").value = base.stockpile_days;
    $("sc-months").value = base.months;
    if (base.deep_sea) {
      $("sc-ds-start").value = base.deep_sea.start;
      $("sc-ds-ramp").value = base.deep_sea.ramp_months;
    }
    $("sc-pooled").disabled = !base.pooled_us;
  }
}

function scenarioFromForm() {
  const elements = [...$("scenario-elements").querySelectorAll("input:checked")].map((i) => i.value);
  const base = state.baseScenario ? JSON.parse(JSON.stringify(state.baseScenario)) : {};
  const start = $("sc-start").value;
  const simStart = base.start && base.start <= start ? base.start : start;
  const config = {
    ...base,
    name: `web scenario: ${Math.round(Number($("sc-share").value) * 100)} % cut of ${elements.join(", ") || "nothing"}`,
    start: simStart,
    months: Number($("sc-months").value),
    stockpile_days: Number($("sc-stockpile").value),
    restriction: { elements, share_cut: Number($("sc-share").value), start, duration_months: Number($("sc-duration").value) },
  };
  if (config.deep_sea) {
    config.deep_sea = { ...config.deep_sea, start: $("sc-ds-start").value, ramp_months: Number($("sc-ds-ramp").value) };
  }
  if (!$("sc-pooled").checked) delete config.pooled_us;
  return config;
}

async function runScenario(event) {
  event.preventDefault();
  Api.showError("scenario-error", null);
  const button = $("scenario-run");
  button.disabled = true;
  $("scenario-status").textContent = "submitting";
  try {
    const job = await Api.post("/api/jobs/scenario", scenarioFromForm());
    const result = await Api.pollJob(job.id, (j) => {
      $("scenario-progress").value = j.progress;
      $("scenario-status").textContent = `${j.status} ${Math.round(j.progress * 100)} %`;
    });
    drawScenario(result);
    $("scenario-status").textContent = "completed";
  } catch (e) {
    $("scenario-status").textContent = "failed";
    Api.showError("scenario-error", e);
  } finally {
    button.disabled = false;
  }
}

function drawScenario(result) {
  /* One panel per element with unmet demand, each on its own y scale: unmet t/month with and
     without deep-sea output (a 5 t/month Dy gap is invisible on an all-element scale). */
  const rows = result.monthly.rows;
  const cases = [...new Set(rows.map((r) => r.case))].filter((c) => !c.startsWith("pooled") || $("sc-pooled").checked);
  const short = [...new Set(rows.filter((r) => r.unmet_t > 1e-9).map((r) => r.element))];
  const order = state.vocab.elements;
  const elements = order.filter((el) => short.includes(el));
  const columns = Math.min(3, Math.max(elements.length, 1));
  const nrows = Math.max(Math.ceil(elements.length / columns), 1);
  const dash = { japan: "solid", japan_no_deep_sea: "dot", pooled_us_japan: "dash", pooled_us_japan_no_deep_sea: "dashdot" };
  const traces = [];
  const layout = {
    margin: { t: 40, r: 10, b: 40, l: 50 }, height: Math.max(320, 190 * nrows), showlegend: true,
    legend: { orientation: "h", y: -0.08 },
    title: { text: "Unmet demand by month, t REO (each element on its own scale)", font: { size: 13 } },
    grid: { rows: nrows, columns, pattern: "independent" }, annotations: [],
  };
  elements.forEach((el, i) => {
    const axis = i === 0 ? "" : String(i + 1);
    cases.forEach((c) => {
      const sel = rows.filter((r) => r.element === el && r.case === c);
      traces.push({ type: "scatter", mode: "lines", name: c, legendgroup: c, showlegend: i === 0,
        x: sel.map((r) => r.date), y: sel.map((r) => r.unmet_t), xaxis: `x${axis}`, yaxis: `y${axis}`,
        line: { color: ELEMENT_COLOURS[order.indexOf(el) % ELEMENT_COLOURS.length], dash: dash[c] || "solid" } });
    });
    layout[`yaxis${axis}`] = { rangemode: "tozero" };
    layout.annotations.push({ text: `<b>${el}</b>`, xref: `x${axis} domain`, yref: `y${axis} domain`, x: 0.98, y: 1,
      xanchor: "right", showarrow: false, font: { size: 12 } });
  });
  if (!traces.length) traces.push({ type: "scatter", x: [], y: [], name: "no unmet demand" }, { type: "scatter", x: [], y: [] });
  Plotly.react("scenario-chart", traces, layout, PLOT_CONFIG);
  const total = result.unmet_by_month.rows.filter((r) => r.case === "japan");
  const unmet = total.reduce((a, r) => a + r.unmet_t, 0);
  $("scenario-chart").dataset.totalUnmet = unmet;
  $("scenario-notes").textContent = `Total unmet (Japan, with deep-sea output): ${Api.fmt(unmet)} t REO. ` + result.notes.join(" · ");
}

/* ------------------------------------------------------------------- upload */
async function upload(event) {
  event.preventDefault();
  Api.showError("upload-error", null);
  $("upload-result").hidden = true;
  const form = new FormData();
  for (const f of $("upload-files").files) form.append("files", f);
  for (const f of $("upload-collars").files) form.append("collars", f);
  $("upload-submit").disabled = true;
  try {
    const result = await Api.post("/api/uploads", form);
    $("upload-result").textContent = result.reports.map((r) => `${r.file}: ${r.status}` +
      (r.rows ? ` (${r.rows} rows, ${r.values} values)` : "")).join("\n");
    $("upload-result").hidden = false;
    await refreshAll();
  } catch (e) {
    Api.showError("upload-error", e);
  } finally {
    $("upload-submit").disabled = false;
  }
}

/* --------------------------------------------------------------- assessment */
async function runAssess() {
  const button = $("assess-run");
  button.disabled = true;
  try {
    const job = await Api.post("/api/jobs/assess", { config: {} });
    const result = await Api.pollJob(job.id, (j) => {
      $("assess-progress").value = j.progress;
      $("assess-status").textContent = `${j.status} ${Math.round(j.progress * 100)} %` +
        (j.messages.length ? ` – ${j.messages[j.messages.length - 1]}` : "");
    }, 500);
    $("assess-status").textContent = "completed";
    const links = $("assess-links");
    links.innerHTML = "";
    for (const name of ["report.html", "results.json"]) {
      if (result.file_urls && result.file_urls[name]) {
        const a = document.createElement("a");
        a.href = result.file_urls[name];
        a.textContent = name;
        a.target = "_blank";
        links.append(a, " ");
      }
    }
    await refreshAll();
  } catch (e) {
    $("assess-status").textContent = "failed";
    Api.showError("global-error", e);
  } finally {
    button.disabled = false;
  }
}

async function refreshAll() {
  await loadProject();
  await loadMap();
  await loadCurve();
  await updateCutoff($("cutoff-number").value);
  await loadSupply();
}

async function main() {
  bindCutoff();
  $("map-variable").addEventListener("change", (e) => drawMap(e.target.value).catch((x) => Api.showError("global-error", x)));
  $("scenario-form").addEventListener("submit", runScenario);
  $("upload-form").addEventListener("submit", upload);
  $("assess-run").addEventListener("click", runAssess);
  try {
    state.vocab = await Api.get("/api/vocabulary");
    await refreshAll();
    await loadScenarioDefaults();
    emptyPlot("scenario-chart", "Run a scenario to see unmet demand by month");
    if (state.cores && state.cores.length) await loadCore(state.cores[0].core_id);
    else emptyPlot("downhole", "no cores yet: upload collar and assay files");
    document.body.dataset.ready = "true";
  } catch (e) {
    Api.showError("global-error", e);
    document.body.dataset.ready = "error";
  }
}

main();
