// The order-node console (docs/console.md): plain JavaScript, no library,
// built into the binary. It reads GET /stats once a second, lists orders
// with GET /orders, shows one order from GET /orders/{id}/journal and
// places orders on the tutorial's routes.
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const $ = (id) => document.getElementById(id);

function el(tag, attrs, text) {
  const e = tag.startsWith("svg:")
    ? document.createElementNS(SVG, tag.slice(4))
    : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

// With --http.token-file the data routes need the bearer token: the page
// asks for it once (a 401) and keeps it for this tab only.
function token() {
  return sessionStorage.getItem("order-node-token");
}

function askToken() {
  const box = $("token-box");
  if (!box.hidden) return;
  box.hidden = false;
  box.onsubmit = (ev) => {
    ev.preventDefault();
    sessionStorage.setItem("order-node-token", $("token-input").value.trim());
    box.hidden = true;
    loadOrders();
  };
}

async function api(path, opts) {
  opts = {...(opts || {})};
  opts.headers = {...(opts.headers || {})};
  if (token()) opts.headers.Authorization = `Bearer ${token()}`;
  const res = await fetch(path, opts);
  if (res.status === 401) askToken();
  let body = null;
  try {
    body = await res.json();
  } catch (e) {
    throw new Error(`${path}: ${res.status} with a body that is not JSON`);
  }
  if (!res.ok && res.status !== 202)
    throw new Error(body && body.error ? body.error : `${path}: ${res.status}`);
  return body;
}

function fmt(x, digits) {
  if (x === null || x === undefined) return "–";
  return Number(x).toLocaleString("en-US", {maximumFractionDigits: digits ?? 0});
}

function showError(e) {
  const box = $("node-error");
  box.hidden = !e;
  box.textContent = e ? String(e.message || e) : "";
}

// ---- live view ------------------------------------------------------------

const KINDS = [
  {name: "parallel", color: "#1565c0"},
  {name: "sequential", color: "#ef6c00"},
];

// A line chart of `series` ({points: [[t, v]], color, dash, label}) over
// the window [t0, t1].
function drawChart(svg, series, t0, t1) {
  svg.replaceChildren();
  const W = 600, H = 180, L = 44, R = 8, T = 8, B = 20;
  let max = 0;
  for (const s of series) for (const [, v] of s.points) if (v > max) max = v;
  max = max > 0 ? niceCeil(max) : 1;
  const x = (t) => L + ((t - t0) / Math.max(1, t1 - t0)) * (W - L - R);
  const y = (v) => T + (1 - v / max) * (H - T - B);
  for (let i = 0; i <= 4; ++i) {
    const v = (max * i) / 4;
    svg.append(el("svg:line", {class: "axis", x1: L, x2: W - R, y1: y(v), y2: y(v)}));
    svg.append(el("svg:text", {x: L - 4, y: y(v) + 4, "text-anchor": "end"}, fmt(v, 1)));
  }
  svg.append(el("svg:text", {x: L, y: H - 4}, "-5 min"));
  svg.append(el("svg:text", {x: W - R, y: H - 4, "text-anchor": "end"}, "now"));
  let lx = L + 8;
  for (const s of series) {
    const pts = s.points.filter(([, v]) => v !== null);
    if (pts.length > 0) {
      const d = pts.map(([t, v], i) => `${i ? "L" : "M"}${x(t).toFixed(1)},${y(v).toFixed(1)}`).join("");
      svg.append(el("svg:path", {d, fill: "none", stroke: s.color, "stroke-width": 1.6,
                                 "stroke-dasharray": s.dash ? "5 3" : "none"}));
    }
    if (s.label) {
      svg.append(el("svg:text", {x: lx, y: T + 12, style: `fill: ${s.color}`}, s.label));
      lx += 8 + 7 * s.label.length;
    }
  }
}

function niceCeil(v) {
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 2.5, 5, 10]) if (v <= m * p) return m * p;
  return 10 * p;
}

function renderLive(s) {
  $("node-role").textContent = s.role;
  $("node-uptime").textContent = `up ${fmt(s.uptimeSeconds)} s`;
  const last = s.series.length ? s.series[s.series.length - 1] : null;
  $("live-rate").textContent = last ? fmt(last.ordersPerSecond, 1) : "–";
  $("live-inflight").textContent = fmt(s.inFlight);
  for (const k of ["confirmed", "failed", "timeout", "overloaded"])
    $("live-" + k).textContent = fmt(s.orders[k]);
  $("live-resumed").textContent = fmt(s.resumed);
  $("live-voids").textContent = fmt(s.voidsPending);
  const now = Date.now(), t0 = now - 300000;
  const lat = [], rate = [];
  for (const k of KINDS) {
    lat.push({points: s.series.map((p) => [p.t, p[k.name].p50Ms]), color: k.color,
              label: k.name});
    lat.push({points: s.series.map((p) => [p.t, p[k.name].p99Ms]), color: k.color,
              dash: true});
  }
  rate.push({points: s.series.map((p) => [p.t, p.ordersPerSecond]), color: "#2e7d32",
             label: "orders/s"});
  rate.push({points: s.series.map((p) => [p.t, p.inFlight]), color: "#6b6b66",
             dash: true, label: "in flight"});
  drawChart($("chart-latency"), lat, t0, now);
  drawChart($("chart-rate"), rate, t0, now);
  const calls = $("calls").tBodies[0];
  calls.replaceChildren();
  for (const c of s.calls) {
    const tr = el("tr");
    tr.append(el("td", {}, c.service), el("td", {}, c.instance),
              el("td", {class: "num"}, fmt(c.count)), el("td", {class: "num"}, fmt(c.p50Ms, 1)),
              el("td", {class: "num"}, fmt(c.p99Ms, 1)), el("td", {class: "num"}, fmt(c.errors)),
              el("td", {class: "num"}, fmt(c.timeouts)),
              el("td", {class: "num"}, (100 * c.errorRate).toFixed(2) + " %"));
    calls.append(tr);
  }
  $("peers-box").hidden = !s.clustered;
  const peers = $("peers").tBodies[0];
  peers.replaceChildren();
  for (const p of s.peers) {
    const tr = el("tr");
    tr.append(el("td", {}, p.address), el("td", {}, p.name),
              el("td", {title: p.reason}, p.state), el("td", {}, p.instances.join(", ")),
              el("td", {class: "num"}, fmt(p.inFlight)), el("td", {class: "num"}, fmt(p.calls)),
              el("td", {class: "num"}, fmt(p.lastRttMs, 2)));
    peers.append(tr);
  }
}

async function pollLive() {
  try {
    renderLive(await api("/stats"));
    showError(null);
  } catch (e) {
    showError(e);
  }
  setTimeout(pollLive, 1000);
}

// ---- one order's timeline -------------------------------------------------

// What a call record was: answered, a transient error (retried), a node lost
// (the same attempt went to another instance: a failover), a timeout, or a
// reply replayed from the journal after a restart.
function callClass(calls, i) {
  const c = calls[i];
  if (c.outcome === "timeout") return "timeout";
  if (c.outcome.startsWith("error")) {
    const later = calls.slice(i + 1).find((d) => d.service === c.service && d.instance === c.instance);
    return later && later.attempt === c.attempt ? "failover" : "error";
  }
  if (c.outcome.endsWith("(from the journal)")) return "replayed";
  return "answered";
}

// Draws `result`'s calls into `svg`, one row per call attempt, on a scale
// of `spanMs` (the order's time, or a shared one to compare two orders),
// with the decision, a resume and voids as marks.
function drawTimeline(svg, result, events, spanMs) {
  svg.replaceChildren();
  // In the order they were sent, services as the tutorial lists them.
  const rank = {inventory: 0, payment: 1, fraud: 2, shipping: 3};
  const calls = (result.calls || []).map((c, i) => ({...c, i}));
  calls.sort((a, b) => Math.round(a.startMs) - Math.round(b.startMs)
             || (rank[a.service] ?? 9) - (rank[b.service] ?? 9) || a.i - b.i);
  const row = 24, L = 170, R = 70, T = 22, W = 900;
  const H = T + row * calls.length + 26;
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  const span = Math.max(1, spanMs);
  const x = (ms) => L + (Math.max(0, ms) / span) * (W - L - R);
  // A grid every round step.
  const step = niceCeil(span / 6);
  for (let t = 0; t <= span + 0.001; t += step) {
    svg.append(el("svg:line", {class: "axis", x1: x(t), x2: x(t), y1: T - 6, y2: H - 20}));
    svg.append(el("svg:text", {x: x(t), y: H - 6, "text-anchor": "middle"}, `${fmt(t)} ms`));
  }
  calls.forEach((c, i) => {
    const cls = callClass(calls, i);
    const y = T + i * row;
    const name = c.instance && c.instance !== c.service ? `${c.service} ${c.instance}` : c.service;
    svg.append(el("svg:text", {x: 4, y: y + 15}, `${name}${c.attempt > 1 ? " #" + c.attempt : ""}`));
    const w = Math.max(2, x(c.startMs + c.ms) - x(c.startMs));
    const bar = el("svg:rect", {
      class: `bar ${cls}`, x: x(c.startMs), y: y + 4, width: w.toFixed(2), height: row - 8,
      rx: 2, "data-service": c.service, "data-instance": c.instance,
      "data-attempt": c.attempt, "data-start-ms": c.startMs, "data-ms": c.ms,
      "data-outcome": cls});
    bar.append(el("svg:title", {}, `${name} attempt ${c.attempt}: ${c.outcome}, sent at ${fmt(c.startMs, 2)} ms, took ${fmt(c.ms, 2)} ms`));
    svg.append(bar);
    svg.append(el("svg:text", {x: x(c.startMs + c.ms) + 4, y: y + 15, class: "muted"},
                  `${fmt(c.ms)} ms ${cls === "answered" ? "" : cls}`));
  });
  // The decision's label on top, the others at the bottom.
  const mark = (ms, cls, label) => {
    svg.append(el("svg:line", {class: `mark ${cls}`, x1: x(ms), x2: x(ms), y1: T - 8, y2: H - 20}));
    svg.append(el("svg:text", {x: x(ms) + 3, y: cls === "decision" ? T - 10 : H - 22}, label));
  };
  for (const e of events || []) {
    if (e.event === "resumed") mark(e.offsetMs, "resume", "resumed");
    if (e.event === "void acknowledged") mark(Math.min(e.offsetMs, span), "void", "void");
  }
  mark(result.processingTimeMs, "decision", `decided ${result.processingTimeMs} ms`);
}

function timelineSpan(result, events) {
  let span = result.processingTimeMs || 0;
  for (const c of result.calls || []) span = Math.max(span, c.startMs + c.ms);
  for (const e of events || []) if (e.event === "void acknowledged") span = Math.max(span, e.offsetMs);
  return span * 1.05;
}

async function showOrder(id) {
  let h;
  try {
    h = await api(`/orders/${encodeURIComponent(id)}/journal`);
  } catch (e) {
    showError(e);
    return;
  }
  const box = $("order");
  box.hidden = false;
  $("order-id").textContent = h.orderId;
  const status = $("order-status");
  status.textContent = h.status + (h.voided ? " · voided" : "") + (h.resumes ? " · resumed" : "");
  status.className = `tag ${h.status}`;
  $("order-details").textContent = h.result ? h.result.details : "running: no decision yet";
  const fields = $("order-fields").tBodies[0];
  fields.replaceChildren();
  const add = (k, v) => {
    const tr = el("tr");
    tr.append(el("th", {}, k), el("td", {}, v === null || v === undefined ? "–" : String(v)));
    fields.append(tr);
  };
  add("kind", h.kind);
  add("idempotency key", h.idempotencyKey);
  if (h.result) {
    const r = h.result;
    for (const k of ["status", "processingTimeMs", "warehouse", "carrier", "shippingCost",
                     "shippingDays", "transactionId", "riskScore", "voided", "resumed"])
      if (k in r) add(k, r[k]);
    drawTimeline($("timeline"), r, h.events, timelineSpan(r, h.events));
  } else {
    $("timeline").replaceChildren();
  }
  const list = $("order-events");
  list.replaceChildren();
  for (const e of h.events) {
    const when = new Date(e.at).toISOString().replace("T", " ").replace("Z", "");
    list.append(el("li", {"data-event": e.event},
                   `${when} (+${fmt(e.offsetMs, 2)} ms) ${e.event}${e.detail ? ": " + e.detail : ""}`));
  }
  return h;
}

// ---- the order list -------------------------------------------------------


async function loadOrders(before) {
  const q = new URLSearchParams();
  const status = $("filter-status").value;
  const search = $("filter-q").value.trim();
  if (status) q.set("status", status);
  if (search) q.set("q", search);
  q.set("limit", "25");
  if (before) q.set("before", before);
  let page;
  try {
    page = await api(`/orders?${q}`);
  } catch (e) {
    $("orders-note").textContent = String(e.message || e);
    return;
  }
  $("orders-note").textContent = page.orders.length ? "" : "no orders";
  const body = $("orders").tBodies[0];
  body.replaceChildren();
  for (const o of page.orders) {
    const tr = el("tr", {"data-order-id": o.orderId, "data-status": o.status});
    const st = el("td");
    st.append(el("span", {class: `tag ${o.status}`}, o.status + (o.voided ? " · voided" : "") + (o.resumes ? " · resumed" : "")));
    tr.append(el("td", {}, o.orderId), el("td", {}, o.kind), st,
              el("td", {class: "num"}, fmt(o.processingTimeMs)),
              el("td", {}, new Date(o.acceptedAt).toLocaleTimeString()),
              el("td", {}, o.idempotencyKey ?? ""), el("td", {}, o.details ?? ""));
    tr.addEventListener("click", async () => {
      await showOrder(o.orderId);
      $("order").scrollIntoView({block: "start"});
    });
    body.append(tr);
  }
  const older = $("orders-older");
  older.disabled = page.next === null;
  older.onclick = () => loadOrders(page.next);
}

// ---- placing orders -------------------------------------------------------

const lastPlaced = {};  // kind -> {result, events}

async function placeOrder(ev) {
  ev.preventDefault();
  const kind = document.querySelector('input[name="kind"]:checked').value;
  const route = kind === "sequential" ? "/OrderServiceSlow/ProcessOrder" : "/OrderService/ProcessOrder";
  const note = $("place-status");
  let body;
  try {
    body = JSON.stringify(JSON.parse($("order-body").value));
  } catch (e) {
    note.textContent = `not JSON: ${e.message}`;
    return;
  }
  note.textContent = `placing a ${kind} order…`;
  try {
    const r = await api(route, {method: "POST", headers: {"Content-Type": "application/json"}, body});
    note.textContent = `${r.orderId}: ${r.status} in ${r.processingTimeMs} ms`;
    const h = await showOrder(r.orderId);
    lastPlaced[kind] = {result: r, events: h ? h.events : []};
    drawCompare();
    loadOrders();
  } catch (e) {
    note.textContent = String(e.message || e);
  }
}

// The last sequential and parallel orders on one scale: the tutorial's
// Sequential Flow against its Parallel Flow, from real data.
function drawCompare() {
  const s = lastPlaced.sequential, p = lastPlaced.parallel;
  if (!s || !p) return;
  $("compare").hidden = false;
  const span = Math.max(timelineSpan(s.result, s.events), timelineSpan(p.result, p.events));
  drawTimeline($("compare-seq"), s.result, s.events, span);
  drawTimeline($("compare-par"), p.result, p.events, span);
  $("compare-seq-total").textContent = `total ${s.result.processingTimeMs} ms (sum of the calls)`;
  $("compare-par-total").textContent = `total ${p.result.processingTimeMs} ms (max of all)`;
}

$("order-form").addEventListener("submit", placeOrder);
$("orders-filter").addEventListener("submit", (ev) => {
  ev.preventDefault();
  loadOrders();
});
$("filter-status").addEventListener("change", () => loadOrders());
$("orders-newest").addEventListener("click", () => loadOrders());
pollLive();
loadOrders();
