/* reymud dashboard: API helpers (fetch with token, errors as messages, number formatting).
   An ES module: `import * as Api from "./api.js"`. */

const hashToken = new URLSearchParams(location.hash.replace(/^#/, "")).get("token");
if (hashToken) {
  sessionStorage.setItem("reymud-token", hashToken);
  history.replaceState(null, "", location.pathname + location.search);
}

export function token() {
  const field = document.getElementById("token");
  return (field && field.value) || sessionStorage.getItem("reymud-token") || "";
}

function csrfToken() {
  const m = document.cookie.match(/(?:^|;\s*)reymud_csrf=([^;]+)/);
  return m ? decodeURIComponent(m[1]) : "";
}

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.detail) || `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
  }
}

async function request(method, url, body) {
  const headers = {};
  const t = token();
  if (t) headers["Authorization"] = "Bearer " + t;  // off loopback, reads need it too
  if (method !== "GET") headers["X-CSRF-Token"] = csrfToken();  // same-origin proof for writes
  let payload;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) { headers["Content-Type"] = "application/json"; payload = JSON.stringify(body); }
  const response = await fetch(url, { method, headers, body: payload });
  let data = null;
  try { data = await response.json(); } catch (e) { data = null; }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

export const get = (url) => request("GET", url);
export const post = (url, body) => request("POST", url, body);

export async function pollJob(id, onUpdate, intervalMs = 250) {
  for (;;) {
    const job = await get(`/api/jobs/${encodeURIComponent(id)}`);
    onUpdate(job);
    if (job.status === "succeeded") return get(job.result_url);
    if (job.status === "failed") throw new ApiError(422, { detail: job.error || "job failed" });
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export function fmt(value, digits = 0) {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  return Number(value).toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Escape text for innerHTML and for plotly's pseudo-HTML hover labels. */
export function esc(text) {
  return String(text ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

export function showError(element, error) {
  const el = typeof element === "string" ? document.getElementById(element) : element;
  if (!error) { el.hidden = true; el.textContent = ""; return; }
  const body = (error && error.body) || {};
  const where = ["file", "row", "column"].filter((k) => body[k] !== null && body[k] !== undefined)
    .map((k) => `${k}: ${body[k]}`).join(" · ");
  el.textContent = (error.message || String(error)) + (where ? `\n(${where})` : "");
  el.hidden = false;
}
