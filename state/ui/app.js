// Tradestream live operations dashboard. Plain JavaScript, no dependencies.
//
// Auth: EventSource cannot send headers, so the board's event stream is read
// with fetch() and a streamed body, carrying the same
// "Authorization: Bearer KEY" header as every API call. The key never goes
// into a URL (where it would end up in logs and history).
"use strict";

const SVGNS = "http://www.w3.org/2000/svg";
const STATUS_LABELS = {
  posted: "Posted", bidding: "Bidding", booking: "Booking", waiting_dependencies: "Waiting on dependencies",
  booked: "Booked", en_route: "En route", on_site: "On site", completed: "Completed",
  cancelled: "Cancelled", needs_attention: "Needs attention",
};
const OPEN = ["posted", "bidding", "booking", "waiting_dependencies", "booked", "en_route", "on_site", "needs_attention"];

const $ = (id) => document.getElementById(id);
const session = {
  get tenant() { return sessionStorage.getItem("tradestream.tenant") || ""; },
  get key() { return sessionStorage.getItem("tradestream.key") || ""; },
  save(tenant, key) { sessionStorage.setItem("tradestream.tenant", tenant); sessionStorage.setItem("tradestream.key", key); },
  clear() { sessionStorage.removeItem("tradestream.tenant"); sessionStorage.removeItem("tradestream.key"); },
};

let stream = null;        // AbortController of the open event stream
let insightsTimer = null; // refreshes the insights panel
let lastBoard = null;

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v; else if (k === "text") e.textContent = v; else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c);
  return e;
}

function svg(tag, attrs, ...children) {
  const e = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "text") e.textContent = v; else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c);
  return e;
}

function headers() {
  const h = { Accept: "application/json" };
  if (session.key) h.Authorization = "Bearer " + session.key;
  return h;
}

function tenantPath(rest) {
  return "/v1/tenants/" + encodeURIComponent(session.tenant) + rest;
}

const fmtTime = (iso) => iso ? new Date(iso).toISOString().slice(11, 16) : "–";
const fmtDateTime = (iso) => iso ? new Date(iso).toISOString().replace("T", " ").slice(0, 16) + " UTC" : "–";
const fmtNum = (n, digits) => n === null || n === undefined ? "–" : Number(n).toFixed(digits || 0);

// ---- sign-in -------------------------------------------------------------

function showLogin(message) {
  if (stream) stream.abort();
  stream = null;
  clearInterval(insightsTimer);
  $("main").hidden = true;
  $("signout").hidden = true;
  $("tenant-name").hidden = true;
  $("login").hidden = false;
  $("login-error").textContent = message || "";
  $("tenant").value = session.tenant || new URLSearchParams(location.search).get("tenant") || "";
  setConn("Not connected", "");
  ($("tenant").value ? $("apikey") : $("tenant")).focus();
}

function onLogin(ev) {
  ev.preventDefault();
  const tenant = $("tenant").value.trim();
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(tenant)) {
    $("login-error").textContent = "The tenant id must be 1 to 64 letters, digits, dots, dashes or underscores.";
    $("tenant").focus();
    return;
  }
  session.save(tenant, $("apikey").value.trim());
  $("apikey").value = "";
  openBoard();
}

function openBoard() {
  for (const k of Object.keys(panelData)) delete panelData[k];
  $("login").hidden = true;
  $("main").hidden = false;
  $("signout").hidden = false;
  $("tenant-name").hidden = false;
  $("tenant-name").textContent = "Tenant: " + session.tenant;
  connect(0);
  loadInsights();
  clearInterval(insightsTimer);
  insightsTimer = setInterval(loadInsights, 60000);
}

function setConn(text, cls) {
  $("conn").textContent = text;
  $("conn").className = "conn " + cls;
}

// ---- the event stream ----------------------------------------------------

// connect reads the board's event stream; every (re)connection starts with a
// full snapshot, so nothing is lost while the page was disconnected.
async function connect(attempt) {
  if (stream) stream.abort();
  const ctrl = new AbortController();
  stream = ctrl;
  setConn(attempt ? "Reconnecting…" : "Connecting…", "");
  let resp;
  try {
    resp = await fetch(tenantPath("/dashboard/events"), { headers: { ...headers(), Accept: "text/event-stream" }, signal: ctrl.signal });
  } catch (e) {
    if (!ctrl.signal.aborted) retry(ctrl, attempt);
    return;
  }
  if (resp.status === 401) { session.save(session.tenant, ""); showLogin("The API key was not accepted (401). Enter a valid key."); return; }
  if (resp.status === 403) { showLogin("This key belongs to another tenant (403)."); return; }
  if (resp.status === 400) { showLogin("The server refused the tenant id (400)."); return; }
  if (resp.status === 404) { setConn("This server has no dashboard feed", "down"); return; }
  if (!resp.ok || !resp.body) { retry(ctrl, attempt); return; }
  setConn("Live", "live");
  try {
    await readEvents(resp.body, ctrl, (event, data) => {
      if (event === "snapshot") render(JSON.parse(data));
    });
  } catch (e) {
    // the stream broke; reconnect below
  }
  if (!ctrl.signal.aborted) retry(ctrl, 0);
}

function retry(ctrl, attempt) {
  if (stream !== ctrl) return;
  setConn("Disconnected, reconnecting…", "down");
  const wait = Math.min(1000 * 2 ** attempt, 10000);
  setTimeout(() => { if (stream === ctrl) connect(attempt + 1); }, wait);
}

// readEvents parses a text/event-stream body and calls onEvent per event.
async function readEvents(body, ctrl, onEvent) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buf = "";
  while (!ctrl.signal.aborted) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += decoder.decode(value, { stream: true }).replace(/\r\n?/g, "\n");
    let i;
    while ((i = buf.indexOf("\n\n")) >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      let event = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        const val = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "event") event = val; else if (field === "data") data.push(val);
      }
      if (data.length) onEvent(event, data.join("\n"));
    }
  }
  reader.cancel().catch(() => {});
}

// ---- rendering -----------------------------------------------------------

// panelData remembers what each panel last drew: a panel whose data did not
// change is left alone (no flicker, no lost place for a screen reader).
const panelData = {};
function changed(panel, data) {
  const json = JSON.stringify(data);
  if (panelData[panel] === json) return false;
  panelData[panel] = json;
  return true;
}

let paused = false;

function togglePause() {
  paused = !paused;
  $("pause").setAttribute("aria-pressed", String(paused));
  $("pause").textContent = paused ? "Resume live updates" : "Pause live updates";
  if (!paused && lastBoard) render(lastBoard);
}

function render(board) {
  lastBoard = board;
  if (paused) return;
  const c = board.counters;
  const open = OPEN.reduce((n, s) => n + (c.jobs_by_status[s] || 0), 0);
  $("counter-jobs").textContent = c.jobs;
  $("counter-open").textContent = open;
  $("counter-enroute").textContent = c.jobs_by_status.en_route || 0;
  $("counter-tradespeople").textContent = c.tradespeople;
  $("counter-commands").textContent = fmtNum(c.rates.commands_per_second, 1);
  $("counter-pings").textContent = board.feeds.pings ? fmtNum(c.rates.pings_per_second, 1) : "n/a";
  $("counter-lag").textContent = c.consumer_lag === null ? "n/a" : c.consumer_lag;
  $("counter-dead").textContent = board.feeds.dead_letters ? board.dead_letters.length : "n/a";
  $("updated").textContent = "Updated " + fmtDateTime(board.at).replace(" UTC", "") + ":" +
    new Date(board.at).toISOString().slice(17, 19) + " UTC";
  if (changed("board", board.columns)) renderBoard(board.columns);
  if (changed("timeline", [board.schedules, board.at.slice(0, 16)])) renderTimeline(board.schedules, board.at);
  if (changed("map", [board.en_route, board.feeds.pings])) renderMap(board.en_route, board.feeds);
  if (changed("dead", [board.dead_letters, board.feeds.dead_letters])) renderDeadLetters(board.dead_letters, board.feeds);
}

function renderBoard(columns) {
  const focused = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.jobId : null;
  const root = $("board");
  root.replaceChildren();
  for (const col of columns) {
    const id = "col-" + col.status;
    const list = el("ul", { "aria-labelledby": id });
    for (const j of col.jobs) {
      const btn = el("button", { type: "button", class: "card s-" + j.status, "data-job-id": j.id,
        "aria-label": `${j.title || j.id}, ${j.id}, ${j.trade}${j.eta ? ", arriving in " + j.eta.minutes + " minutes" : ""}` },
        el("span", { text: j.title || j.id }), el("span", { class: "id", text: j.id + " · " + j.trade }));
      if (j.eta) btn.append(el("span", { class: "eta", text: "ETA " + j.eta.minutes + " min" }));
      btn.addEventListener("click", () => openJob(j.id, btn));
      list.append(el("li", {}, btn));
    }
    const section = el("section", { class: "col s-" + col.status, "data-status": col.status },
      el("h3", { id }, el("span", { text: STATUS_LABELS[col.status] || col.status }),
        el("span", { class: "count", "data-count": col.status, text: String(col.count) })));
    if (col.jobs.length) section.append(list); else section.append(el("p", { class: "empty", text: "None" }));
    if (col.count > col.jobs.length) section.append(el("p", { class: "more", text: `+${col.count - col.jobs.length} older` }));
    root.append(section);
  }
  if (focused) {
    const again = root.querySelector(`[data-job-id="${CSS.escape(focused)}"]`);
    if (again) again.focus();
  }
}

function renderTimeline(rows, at) {
  const root = $("timeline");
  if (!rows.length) {
    root.replaceChildren(el("p", { class: "empty", text: "No appointments in the next 72 hours." }));
    return;
  }
  const t0 = Date.parse(at), span = 72 * 3600e3;
  const W = 720, left = 110, rowH = 22, top = 18, H = top + rows.length * rowH + 4;
  const x = (t) => left + Math.max(0, Math.min(1, (Date.parse(t) - t0) / span)) * (W - left - 4);
  const chart = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img",
    "aria-label": `${rows.length} tradespeople with appointments in the next 72 hours` },
  svg("defs", {}, svg("pattern", { id: "stripes", width: 6, height: 6, patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)" },
    svg("line", { class: "stripe", x1: 0, y1: 0, x2: 0, y2: 6 }))));
  for (let h = 0; h <= 72; h += 12) {
    const tx = left + (h / 72) * (W - left - 4);
    chart.append(svg("line", { class: "axis", x1: tx, x2: tx, y1: top - 4, y2: H }),
      svg("text", { class: "tick", x: tx + 2, y: 11, text: h === 0 ? "now" : "+" + h + "h" }));
  }
  rows.forEach((r, i) => {
    const y = top + i * rowH;
    const g = svg("g", { "data-tradesperson": r.tradesperson_id });
    g.append(svg("text", { x: 0, y: y + 14, text: r.name.length > 16 ? r.name.slice(0, 15) + "…" : r.name }));
    for (const it of r.items) {
      const x1 = x(it.start), w = Math.max(2, x(it.end) - x1);
      const label = it.kind === "travel" ? `travel to ${it.job_id}, ${fmtTime(it.start)}–${fmtTime(it.end)}`
        : `${it.job_id}, ${fmtDateTime(it.start)} to ${fmtTime(it.end)}`;
      g.append(svg("rect", { class: it.kind === "travel" ? "travel" : "appt", x: x1, y: y + 3, width: w, height: rowH - 7, rx: 2 },
        svg("title", { text: label })));
    }
    chart.append(g);
  });
  root.replaceChildren(chart, legend([["k-appt", "appointment"], ["k-travel", "travel between jobs"]]));
}

function legend(items) {
  return el("ul", { class: "legend" }, ...items.map(([k, t]) => el("li", {}, el("span", { class: k, "aria-hidden": "true" }), t)));
}

function renderMap(enRoute, feeds) {
  const root = $("map");
  if (!enRoute.length) {
    root.replaceChildren(el("p", { class: "empty", text: feeds.pings
      ? "No tradesperson is on the way right now."
      : "No tradesperson is on the way right now. ETAs appear here once tracking sends locations." }));
    return;
  }
  const pts = [];
  for (const e of enRoute) {
    pts.push(e.job);
    if (e.base) pts.push(e.base);
    if (e.eta && e.eta.position) pts.push(e.eta.position);
  }
  const lats = pts.map((p) => p.lat), lons = pts.map((p) => p.lon);
  const pad = 0.01;
  const minLat = Math.min(...lats) - pad, maxLat = Math.max(...lats) + pad;
  const minLon = Math.min(...lons) - pad, maxLon = Math.max(...lons) + pad;
  const W = 400, H = 260;
  const px = (p) => [20 + ((p.lon - minLon) / (maxLon - minLon)) * (W - 40), 20 + ((maxLat - p.lat) / (maxLat - minLat)) * (H - 40)];
  const chart = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": `${enRoute.length} tradespeople en route` },
    svg("rect", { x: 0, y: 0, width: W, height: H, fill: "#eef2f7" }));
  const list = el("ul", { class: "legend" });
  for (const e of enRoute) {
    const [jx, jy] = px(e.job);
    const eta = e.eta ? `${e.eta.minutes} min, ${fmtNum(e.eta.distance_km, 1)} km` : "no ETA yet";
    const g = svg("g", { "data-job-id": e.job_id });
    const pos = e.eta && e.eta.position;
    if (e.base) {
      const [bx, by] = px(e.base);
      g.append(svg("line", { class: "route", x1: bx, y1: by, x2: jx, y2: jy }),
        svg("circle", { class: "base", cx: bx, cy: by, r: 5 }, svg("title", { text: `${e.name || e.tradesperson_id}'s base` })));
    }
    if (pos) {
      const [tx, ty] = px(pos);
      g.append(svg("line", { class: "to-go", x1: tx, y1: ty, x2: jx, y2: jy }),
        svg("path", { class: "truck", d: `M${tx} ${ty - 7} L${tx + 6} ${ty + 5} L${tx - 6} ${ty + 5} Z` },
          svg("title", { text: `${e.name || e.tradesperson_id}, last seen ${fmtTime(e.eta.updated_at)}` })));
    }
    g.append(svg("rect", { class: "job", x: jx - 5, y: jy - 5, width: 10, height: 10 }, svg("title", { text: `${e.title} (${e.job_id}): ${eta}` })),
      svg("text", { x: jx + 8, y: jy + 4, text: e.eta ? e.eta.minutes + " min" : "…" }));
    chart.append(g);
    list.append(el("li", { text: `${e.name || e.tradesperson_id} → ${e.title || e.job_id}: ${eta}` }));
  }
  root.replaceChildren(chart, legend([["k-job", "job"], ["k-base", "tradesperson's base"], ["k-truck", "last position"]]), list);
}

function renderDeadLetters(items, feeds) {
  const root = $("deadletters");
  if (!feeds.dead_letters) {
    root.replaceChildren(el("p", { class: "empty", text: "This server keeps no dead-letter tail." }));
    return;
  }
  if (!items.length) {
    root.replaceChildren(el("p", { class: "empty", text: "No dead letters for this tenant. Good." }));
    return;
  }
  const body = el("tbody");
  for (const d of items) {
    body.append(el("tr", {}, el("td", { title: fmtDateTime(d.at), text: d.at ? new Date(d.at).toISOString().slice(11, 19) : "–" }), el("td", { text: `${d.topic} [${d.partition}@${d.offset}]` }),
      el("td", { text: d.group }), el("td", { text: d.error })));
  }
  root.replaceChildren(el("div", { class: "table-wrap" }, el("table", {},
    el("thead", {}, el("tr", {}, ...["When (UTC)", "Source", "Group", "Reason"].map((h) => el("th", { scope: "col", text: h })))), body)));
}

// ---- insights (needs GET .../insights; an empty state until the server has it)

async function loadInsights() {
  const root = $("insights");
  const to = new Date(), from = new Date(to.getTime() - 13 * 86400e3);
  const day = (d) => d.toISOString().slice(0, 10);
  let resp;
  try {
    resp = await fetch(tenantPath(`/insights?from=${day(from)}&to=${day(to)}`), { headers: headers() });
  } catch (e) {
    root.replaceChildren(el("p", { class: "empty", text: "Insights could not be loaded; retrying in a minute." }));
    return;
  }
  if (resp.status === 404) {
    root.replaceChildren(el("p", { class: "empty", text: "Insights are not available on this server yet." }));
    return;
  }
  if (!resp.ok) {
    root.replaceChildren(el("p", { class: "empty", text: `Insights could not be loaded (${resp.status}).` }));
    return;
  }
  renderInsights(await resp.json());
}

function renderInsights(data) {
  const root = $("insights");
  const days = (data && data.days) || [];
  if (!days.length || days.every((d) => !d.jobs_posted && !d.jobs_completed && !d.jobs_cancelled)) {
    root.replaceChildren(el("p", { class: "empty", text: "No activity in the last 14 days yet." }));
    return;
  }
  const W = 720, H = 200, left = 30, bottom = 30, top = 10;
  const maxV = Math.max(1, ...days.flatMap((d) => [d.jobs_posted, d.jobs_completed, d.jobs_cancelled]));
  const slot = (W - left) / days.length, bw = Math.max(2, (slot - 6) / 3);
  const y = (v) => top + (1 - v / maxV) * (H - top - bottom);
  const chart = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": `Jobs posted, completed and cancelled per day, ${days[0].date} to ${days[days.length - 1].date}` },
    svg("line", { class: "axis", x1: left, x2: W, y1: y(0), y2: y(0) }),
    svg("text", { class: "tick", x: 0, y: y(maxV) + 10, text: String(maxV) }));
  days.forEach((d, i) => {
    const x0 = left + i * slot + 3;
    [["posted", d.jobs_posted], ["completed", d.jobs_completed], ["cancelled", d.jobs_cancelled]].forEach(([k, v], j) => {
      chart.append(svg("rect", { class: "bar-" + k, x: x0 + j * bw, y: y(v || 0), width: bw, height: y(0) - y(v || 0) },
        svg("title", { text: `${d.date}: ${v || 0} ${k}` })));
    });
    if (i % Math.ceil(days.length / 7) === 0) chart.append(svg("text", { class: "tick", x: x0, y: H - 10, text: d.date.slice(5) }));
  });
  const rows = days.slice(-7).reverse().map((d) => el("tr", {}, el("td", { text: d.date + (d.final ? "" : " (open)") }),
    el("td", { text: String(d.jobs_completed || 0) }), el("td", { text: d.on_time_rate === null || d.on_time_rate === undefined ? "–" : Math.round(d.on_time_rate * 100) + "%" }),
    el("td", { text: d.avg_rating ? fmtNum(d.avg_rating, 2) : "–" }), el("td", { text: fmtNum((d.revenue_minor || 0) / 100, 2) })));
  root.replaceChildren(chart, legend([["k-posted", "posted"], ["k-completed", "completed"], ["k-cancelled", "cancelled"]]),
    el("div", { class: "table-wrap" }, el("table", {}, el("thead", {}, el("tr", {},
      ...["Day", "Completed", "On time", "Rating", "Revenue"].map((h) => el("th", { scope: "col", text: h })))), el("tbody", {}, ...rows))));
}

// ---- the job dialog: follows one job live ----------------------------------

// The dialog reads the job's event stream (GET .../jobs/{job}/events): a
// "job" event carries the whole job view after every change, so the dialog
// never polls. A job not in the view yet (404) is asked for again shortly.
let jobStream = null, jobOpener = null;

function openJob(id, opener) {
  jobOpener = opener;
  const dlg = $("job-dialog");
  $("job-title").textContent = "Job " + id;
  $("job-error").textContent = "";
  dlg.dataset.jobId = id;
  if (!dlg.open) dlg.showModal();
  $("job-close").focus();
  followJob(id, 0);
}

async function followJob(id, attempt) {
  if (jobStream) jobStream.abort();
  const ctrl = new AbortController();
  jobStream = ctrl;
  const again = (wait) => setTimeout(() => { if (jobStream === ctrl) followJob(id, attempt + 1); }, wait);
  let resp;
  try {
    resp = await fetch(tenantPath("/jobs/" + encodeURIComponent(id) + "/events"),
      { headers: { ...headers(), Accept: "text/event-stream" }, signal: ctrl.signal });
  } catch (e) {
    if (ctrl.signal.aborted) return;
    $("job-error").textContent = "Connection lost; retrying.";
    again(Math.min(1000 * 2 ** attempt, 10000));
    return;
  }
  if (jobStream !== ctrl) return;
  if (!resp.ok || !resp.body) {
    $("job-error").textContent = resp.status === 404 ? "This job is not in the view (yet)." : `Could not load the job (${resp.status}).`;
    if (resp.status === 404 || resp.status >= 500) again(resp.status === 404 ? 1000 : Math.min(1000 * 2 ** attempt, 10000));
    return;
  }
  try {
    await readEvents(resp.body, ctrl, (event, data) => {
      if (event === "job" && jobStream === ctrl) { attempt = 0; showJob(JSON.parse(data)); }
    });
  } catch (e) {
    // the stream broke; follow again below
  }
  if (!ctrl.signal.aborted && jobStream === ctrl) again(1000);
}

function showJob(j) {
  $("job-error").textContent = "";
  $("job-title").textContent = (j.title || "Job") + " · " + j.id;
  $("job-status").textContent = STATUS_LABELS[j.status] || j.status;
  $("job-status").dataset.status = j.status;
  $("job-eta").textContent = j.eta ? `${j.eta.minutes} min, ${fmtNum(j.eta.distance_km, 1)} km (at ${fmtTime(j.eta.updated_at)})` : "–";
  $("job-eta").dataset.minutes = j.eta ? j.eta.minutes : "";
  $("job-trade").textContent = j.trade;
  $("job-tradesperson").textContent = j.assigned_tradesperson_id || "–";
  $("job-appointment").textContent = j.appointment ? `${fmtDateTime(j.appointment.start)} to ${fmtTime(j.appointment.end)}` : "–";
  $("job-rejection").textContent = j.last_rejection ? j.last_rejection.reason : "–";
  $("job-history").replaceChildren(...(j.status_history || []).map((h) =>
    el("li", { text: `${STATUS_LABELS[h.status] || h.status} at ${fmtDateTime(h.at)}` })));
}

function closeJob() {
  if (jobStream) jobStream.abort();
  jobStream = null;
  const dlg = $("job-dialog");
  if (dlg.open) dlg.close();
  delete dlg.dataset.jobId;
  if (jobOpener && jobOpener.isConnected) jobOpener.focus();
  else if (jobOpener && jobOpener.dataset) {
    const again = document.querySelector(`[data-job-id="${CSS.escape(jobOpener.dataset.jobId)}"]`);
    if (again) again.focus();
  }
}

// ---- start -----------------------------------------------------------------

document.addEventListener("DOMContentLoaded", () => {
  $("login-form").addEventListener("submit", onLogin);
  $("signout").addEventListener("click", () => { session.clear(); showLogin(""); });
  $("pause").addEventListener("click", togglePause);
  $("find-job").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const id = $("find-id").value.trim();
    if (/^[A-Za-z0-9._-]{1,64}$/.test(id)) openJob(id, $("find-id"));
  });
  $("job-close").addEventListener("click", closeJob);
  $("job-dialog").addEventListener("close", closeJob);
  if (session.tenant) openBoard(); else showLogin("");
});

// For tests and the console: render insights from a payload.
window.tradestream = { renderInsights, render, get board() { return lastBoard; } };
