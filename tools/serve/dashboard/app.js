// The ose dashboard: polls the read-only JSON API (/api/*) once a second, refreshes at once when
// the event stream (/api/events, Server-Sent Events) says something happened, and keeps the
// equity curve of each strategy (realized PnL − fees + unrealized PnL of its positions) from the
// figures it polled. Every value goes into the page as text (textContent), never as markup.
"use strict";

const token = new URLSearchParams(location.search).get("token");
const colors = ["#2f6fde", "#12805c", "#c23934", "#b7791f", "#7b3fc4", "#0f8a9d", "#d53f8c"];
const equity = new Map();  // strategy -> [[time ms, value], ...]
const maxPoints = 900;
const fills = [];
const maxFills = 30;

function url(path) {
  if (!token) return path;
  return path + (path.includes("?") ? "&" : "?") + "token=" + encodeURIComponent(token);
}

async function get(path, as = "json") {
  const res = await fetch(url(path), { cache: "no-store" });
  if (!res.ok) throw new Error(path + ": HTTP " + res.status);
  return as === "json" ? res.json() : res.text();
}

function $(id) { return document.getElementById(id); }

function cell(tr, text, cls) {
  const td = document.createElement("td");
  td.textContent = text === null || text === undefined ? "" : String(text);
  if (cls) td.className = cls;
  tr.appendChild(td);
}

function signClass(v) {
  const n = Number(v);
  return n > 0 ? "pos" : n < 0 ? "neg" : "";
}

function fillTable(id, rows, columns, empty) {
  const body = $(id).tBodies[0];
  body.replaceChildren();
  if (rows.length === 0) {
    const tr = body.insertRow();
    const td = tr.insertCell();
    td.colSpan = columns.length;
    td.className = "empty";
    td.textContent = empty;
    return;
  }
  for (const row of rows) {
    const tr = body.insertRow();
    for (const c of columns) {
      const v = typeof c === "function" ? c(row) : row[c];
      const signed = typeof c === "string" && /pnl/.test(c);
      cell(tr, v, signed ? signClass(v) : "");
    }
  }
}

function figure(dl, label, value) {
  const div = document.createElement("div");
  const dt = document.createElement("dt");
  const dd = document.createElement("dd");
  dt.textContent = label;
  dd.textContent = String(value);
  div.append(dt, dd);
  dl.appendChild(div);
}

function bars(id, entries, unit) {
  const box = $(id);
  box.replaceChildren();
  const max = Math.max(1, ...entries.map((e) => e[1]));
  if (entries.length === 0) {
    box.textContent = "none";
    box.className = "bars empty";
    return;
  }
  box.className = "bars";
  for (const [label, n] of entries) {
    const row = document.createElement("div");
    row.className = "bar";
    const name = document.createElement("span");
    name.textContent = label;
    const track = document.createElement("span");
    const b = document.createElement("b");
    b.style.width = (100 * n / max).toFixed(1) + "%";
    track.appendChild(b);
    const count = document.createElement("span");
    count.textContent = n + (unit || "");
    row.append(name, track, count);
    box.appendChild(row);
  }
}

function renderStatus(s) {
  $("engine").textContent = s.engine;
  const healthy = s.alive && s.heartbeat_age_ms < 2000;
  $("health").textContent = healthy ? (s.accepting ? "running" : "draining") : "ENGINE DOWN";
  $("health").className = "pill " + (healthy ? "ok" : "bad");
  const dl = $("status");
  dl.replaceChildren();
  figure(dl, "applied seq", s.applied_seq);
  figure(dl, "durable seq", s.durable_seq);
  figure(dl, "durable lag", Math.max(0, s.applied_seq - s.durable_seq));
  figure(dl, "heartbeat age", s.heartbeat_age_ms + " ms");
  figure(dl, "inputs/s", s.inputs_per_sec);
  figure(dl, "inputs", s.inputs_applied);
  figure(dl, "ticks", s.ticks_applied);
  figure(dl, "live orders", s.live_orders);
  figure(dl, "journal", s.journal.state);
  fillTable("clients", s.clients,
            ["name", "role", "link", "commands", "unread_commands", "responses_dropped"], "none");
  bars("rejects", Object.entries(s.rejects).sort((a, b) => b[1] - a[1]));
  renderLatency(s.command_latency);
}

function renderTables(pos, orders, strategies) {
  const cols = ["symbol", "size", "avg_entry_price", "unrealized_pnl", "realized_pnl", "fees"];
  fillTable("positions", pos.positions, ["account", ...cols], "no positions");
  fillTable("strategy-positions", pos.strategy_positions, ["strategy", ...cols], "no positions");
  const open = orders.orders;
  $("open-count").textContent = open.length + " open";
  fillTable("orders", open.slice(-200).reverse(),
            ["id", "strategy", "symbol", "side", "type", "qty", "price", "filled_qty", "status"],
            "no open orders");
  fillTable("strategies", strategies.strategies,
            ["name", "state", "open_orders", "fills", "net_pnl", "max_drawdown"], "none");
  // Equity per strategy, from the same poll.
  const now = Date.now();
  for (const st of strategies.strategies) {
    let value = Number(st.net_pnl);
    for (const p of pos.strategy_positions) {
      if (p.strategy === st.name) value += Number(p.unrealized_pnl);
    }
    const series = equity.get(st.name) || [];
    series.push([now, value]);
    if (series.length > maxPoints) series.shift();
    equity.set(st.name, series);
  }
  drawEquity();
}

function drawEquity() {
  const svg = $("equity");
  const ns = "http://www.w3.org/2000/svg";
  svg.replaceChildren();
  const all = [...equity.values()].flat();
  const legend = $("equity-legend");
  legend.replaceChildren();
  if (all.length < 2) return;
  const t0 = Math.min(...all.map((p) => p[0])), t1 = Math.max(...all.map((p) => p[0]));
  let lo = Math.min(0, ...all.map((p) => p[1])), hi = Math.max(0, ...all.map((p) => p[1]));
  if (hi - lo < 1e-9) { hi += 1; lo -= 1; }
  const x = (t) => (t1 > t0 ? (600 * (t - t0)) / (t1 - t0) : 0);
  const y = (v) => 195 - (190 * (v - lo)) / (hi - lo);
  const zero = document.createElementNS(ns, "line");
  zero.setAttribute("x1", "0"); zero.setAttribute("x2", "600");
  zero.setAttribute("y1", y(0)); zero.setAttribute("y2", y(0));
  zero.setAttribute("stroke", "#c9ced6"); zero.setAttribute("stroke-dasharray", "4 4");
  svg.appendChild(zero);
  let i = 0;
  for (const [name, series] of equity) {
    const color = colors[i++ % colors.length];
    const line = document.createElementNS(ns, "polyline");
    line.setAttribute("points", series.map((p) => x(p[0]).toFixed(1) + "," + y(p[1]).toFixed(1)).join(" "));
    line.setAttribute("fill", "none");
    line.setAttribute("stroke", color);
    line.setAttribute("stroke-width", "2");
    line.setAttribute("vector-effect", "non-scaling-stroke");
    svg.appendChild(line);
    const item = document.createElement("span");
    const swatch = document.createElement("i");
    swatch.style.background = color;
    item.append(swatch, name + " " + series[series.length - 1][1].toFixed(2));
    legend.appendChild(item);
  }
}

// The engine's command-latency histogram, from /api/status (per-bucket counts, the non-empty
// ones, and p50/p99 as bucket bounds: "≤"). Hidden only when the engine keeps none.
function renderLatency(lat) {
  $("latency-card").hidden = lat === null || lat === undefined;
  if ($("latency-card").hidden) return;
  const ns = (v) => formatSeconds(v / 1e9);
  $("latency-summary").textContent = lat.count === 0 ? "no command measured yet" :
    lat.count + " commands · p50 ≤ " + ns(lat.p50_ns) + " · p99 ≤ " + ns(lat.p99_ns) +
    " · max " + ns(lat.max_ns);
  const entries = lat.buckets.map((b) => ["≤ " + ns(b.le_ns), b.count]);
  if (lat.above_last_bucket > 0) entries.push(["> last bound", lat.above_last_bucket]);
  bars("latency", entries);
}

function formatSeconds(s) {
  if (s < 1e-6) return (s * 1e9).toFixed(0) + " ns";
  if (s < 1e-3) return (s * 1e6).toFixed(s < 1e-5 ? 1 : 0) + " µs";
  return (s * 1e3).toFixed(1) + " ms";
}

let busy = false, again = false;
async function refresh() {
  if (busy) { again = true; return; }
  busy = true;
  try {
    const [status, pos, orders, strategies] = await Promise.all([
      get("api/status"), get("api/positions"), get("api/orders?open=1"), get("api/strategies")]);
    renderStatus(status);
    renderTables(pos, orders, strategies);
  } catch (e) {
    $("health").textContent = "no answer: " + e.message;
    $("health").className = "pill bad";
  } finally {
    busy = false;
    if (again) { again = false; setTimeout(refresh, 100); }
  }
}

function renderFills() {
  fillTable("fills", fills, ["seq", "strategy", "symbol", "side", "qty", "price", "fee"], "no fills yet");
}

let soon = null;
function refreshSoon() {
  if (soon === null) soon = setTimeout(() => { soon = null; refresh(); }, 150);
}

function connectEvents() {
  const es = new EventSource(url("api/events?from=oldest"));
  es.onopen = () => { $("stream").textContent = "events: live"; $("stream").className = "pill ok"; };
  es.onerror = () => { $("stream").textContent = "events: reconnecting"; $("stream").className = "pill bad"; };
  es.onmessage = (m) => {
    const e = JSON.parse(m.data);
    if (e.type === "fill") {
      fills.unshift(e);
      if (fills.length > maxFills) fills.pop();
      renderFills();
    }
    if (e.type !== "tick") refreshSoon();
  };
  es.addEventListener("overrun", (m) => {
    $("stream").textContent = "events: lost " + JSON.parse(m.data).lost;
  });
}

renderFills();
refresh();
setInterval(refresh, 1000);
connectEvents();
