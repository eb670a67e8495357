// collabsim class mode: the join page, the team page, the teacher's console and the big screen.
// Every word comes from /api/text (the one catalogue); every value is written with textContent,
// never as HTML. The page talks only to the server it came from.
"use strict";

const PAGE = document.body.dataset.page;
const PARAMS = new URLSearchParams(location.search);
const KEY = PARAMS.get("key") || "";
const STORE = "collabsim-class-" + location.host;
let T = {};
let lang = localStorage.getItem(STORE + "-lang") || PARAMS.get("lang") || "";
let token = localStorage.getItem(STORE + "-token") || "";
let shownRound = -1;
let stream = null;

const $ = (id) => document.getElementById(id);
const SVG = "http://www.w3.org/2000/svg";
const COLOURS = {trust: "#1f77b4", engagement: "#2ca02c", urgency: "#d62728",
  incentives: "#ff7f0e", shared_interest: "#9467bd"};

function fmt(template, values) {
  return template.replace(/\{(\w+)\}/g, (_, k) => (k in values ? values[k] : ""));
}

function el(tag, text, attrs) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = text;
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  return node;
}

function showError(message) {
  const box = $("error");
  if (!box) return;
  box.textContent = message || "";
  box.hidden = !message;
}

async function api(path, body) {
  const headers = {"Content-Type": "application/json"};
  if (token) headers["X-Team-Token"] = token;
  if (KEY) headers["X-Teacher-Key"] = KEY;
  const sep = path.includes("?") ? "&" : "?";
  const response = await fetch(path + sep + "lang=" + encodeURIComponent(lang), {
    method: body === undefined ? "GET" : "POST",
    headers: headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({error: response.statusText}));
  if (!response.ok) {
    const error = new Error(data.error || response.statusText);
    error.status = response.status;
    throw error;
  }
  return data;
}

async function loadText() {
  T = await api("/api/text");
  lang = T.lang;
  document.documentElement.lang = lang;
  for (const node of document.querySelectorAll("[data-text]")) {
    node.textContent = T[node.dataset.text] || node.dataset.text;
  }
  for (const b of document.querySelectorAll("[data-lang]")) {
    b.classList.toggle("on", b.dataset.lang === lang);
  }
}

function listen(query, onChange) {
  // one refresh at a time: changes that come in meanwhile make one more refresh, not a queue
  if (stream) stream.close();
  stream = new EventSource("/api/stream?" + query);
  let busy = false, again = false;
  stream.onmessage = async () => {
    if (busy) { again = true; return; }
    busy = true;
    try {
      do { again = false; await onChange(); } while (again);
    } catch (e) {
      showError(e.message);
    } finally {
      busy = false;
    }
  };
}

// ------------------------------------------------------------------ charts

function clear(svg) {
  while (svg.firstChild) svg.removeChild(svg.firstChild);
}

function svgEl(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function drawDrivers(svg, series, horizon) {
  clear(svg);
  const W = 600, H = 260, L = 36, R = 120, B = 24, TOP = 10;
  // the months so far, at least two years: a lesson plays a few years, not the whole horizon
  const shown = Math.min(horizon, Math.max(24, 12 * Math.ceil(((series.trust || []).length) / 12)));
  const x = (m) => L + (m / Math.max(shown, 1)) * (W - L - R);
  const y = (v) => TOP + (1 - Math.max(0, Math.min(1, v))) * (H - TOP - B);
  svg.appendChild(svgEl("line", {x1: L, y1: y(0), x2: W - R, y2: y(0), stroke: "#999"}));
  svg.appendChild(svgEl("line", {x1: L, y1: y(0), x2: L, y2: y(1), stroke: "#999"}));
  for (const v of [0, 0.5, 1]) {
    svg.appendChild(svgEl("text", {x: 4, y: y(v) + 4, "font-size": 11}, String(v)));
  }
  for (let m = 0; m <= shown; m += 12) {
    svg.appendChild(svgEl("text", {x: x(m) - 6, y: H - 6, "font-size": 11}, String(m)));
  }
  let row = 0;
  for (const [name, colour] of Object.entries(COLOURS)) {
    const values = series[name] || [];
    if (values.length) {
      const points = values.map((v, m) => `${x(m).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
      svg.appendChild(svgEl("polyline", {points: points, fill: "none", stroke: colour,
        "stroke-width": 2}));
    }
    svg.appendChild(svgEl("text", {x: W - R + 8, y: TOP + 14 + 18 * row, fill: colour,
      "font-size": 13}, T[name + "_series"] || name));
    row += 1;
  }
}

function drawNetwork(svg, network) {
  clear(svg);
  const nodes = network.nodes, n = nodes.length, at = {};
  nodes.forEach((node, k) => {
    const a = (2 * Math.PI * k) / Math.max(n, 1) - Math.PI / 2;
    at[node.slot] = [200 + 110 * Math.cos(a), 150 + 110 * Math.sin(a)];
  });
  for (const link of network.links) {
    const [x1, y1] = at[link.a], [x2, y2] = at[link.b];
    svg.appendChild(svgEl("line", {x1, y1, x2, y2, stroke: "#1f77b4",
      "stroke-width": (0.5 + 6 * link.trust).toFixed(1), "stroke-opacity": 0.7}));
  }
  for (const node of nodes) {
    const [cx, cy] = at[node.slot];
    svg.appendChild(svgEl("circle", {cx, cy, r: 10 + 16 * node.engagement,
      fill: node.member ? (node.played ? "#ff9800" : "#2ca02c") : "#ccc",
      stroke: "#333", "data-slot": node.slot}));
    svg.appendChild(svgEl("text", {x: cx, y: cy + 34, "text-anchor": "middle",
      "font-size": 13}, node.name));
  }
}

function drawTimeline(list, events, last) {
  list.replaceChildren();
  for (const e of events.slice(-last)) {
    list.appendChild(el("li", e.text, {class: e.severity, "data-kind": e.kind}));
  }
  list.scrollTop = list.scrollHeight;
}

function statusLine(s) {
  return fmt(T.status, {round: s.round, month: s.month, horizon: s.horizon,
    phase: T["phase_" + s.phase] || s.phase});
}

// ------------------------------------------------------------------ teacher and big screen

async function refreshTeacher() {
  const s = await api("/api/teacher");
  $("join-code").textContent = s.join_code;
  $("students-open").textContent = fmt(T.students_open, {address: s.address});
  $("status").textContent = statusLine(s) + (s.alive ? "" : " · " + T.dissolved);
  drawDrivers($("drivers"), s.series, s.horizon);
  drawNetwork($("network"), s.network);
  drawTimeline($("timeline"), s.timeline, PAGE === "screen" ? 12 : 60);
  if (PAGE !== "teacher") return;
  $("queued").textContent = s.queued.map((k) => T["moment_" + k]).join(" · ");
  const seats = $("seats");
  seats.replaceChildren();
  const head = el("tr");
  for (const k of ["seat", "team_col", "staff_time_col", "decided", "decision_col"]) {
    head.appendChild(el("th", T[k]));
  }
  seats.appendChild(head);
  for (const seat of s.seats) {
    const tr = el("tr", null, {"data-slot": seat.slot});
    tr.appendChild(el("td", seat.name));
    tr.appendChild(el("td", seat.team || T.model_plays));
    tr.appendChild(el("td", seat.engagement.toFixed(2)));
    tr.appendChild(el("td", seat.team ? (seat.decided ? T.decided : T.not_decided) : ""));
    const d = seat.decision;
    tr.appendChild(el("td", d ? decisionText(d) : "", {class: "decision"}));
    const cell = el("td");
    if (seat.team) {
      const free = el("button", T.free);
      free.onclick = () => teacherAction("free", {slot: seat.slot});
      cell.appendChild(free);
    }
    tr.appendChild(cell);
    seats.appendChild(tr);
  }
  const log = $("log");
  log.replaceChildren();
  for (const r of s.rounds.slice().reverse()) {
    const box = el("div", null, {class: "round"});
    box.appendChild(el("h4", fmt(T.round, {round: r.round, month: r.months[1]})));
    const ul = el("ul");
    for (const [slot, d] of Object.entries(r.decisions)) {
      const name = (s.seats.find((x) => String(x.slot) === slot) || {}).name || slot;
      ul.appendChild(el("li", `${name} (${d.team}): ${decisionText(d)}`));
    }
    for (const e of r.events) ul.appendChild(el("li", "→ " + e.text));
    box.appendChild(ul);
    log.appendChild(box);
  }
}

function decisionText(d) {
  return [
    fmt(T.staff_percent, {percent: Math.round(100 * d.staff_time)}),
    T["tension_" + d.tension],
    T["contribution_" + d.contribution],
    d.stay ? T.stay_yes : T.stay_no,
  ].join(" · ");
}

async function teacherAction(action, body) {
  try {
    await api("/api/teacher/" + action, body || {});
    showError("");
  } catch (e) {
    showError(e.message);
  }
}

function setupTeacher() {
  for (const b of document.querySelectorAll("[data-action]")) {
    b.onclick = () => teacherAction(b.dataset.action);
  }
  for (const b of document.querySelectorAll("[data-moment]")) {
    b.onclick = () => teacherAction("moment", {kind: b.dataset.moment});
  }
  const q = "key=" + encodeURIComponent(KEY);
  if ($("screen-link")) $("screen-link").href = "/screen?" + q;
  if ($("debrief-link")) $("debrief-link").href = "/debrief?" + q + "&lang=" + lang;
  if ($("download-link")) $("download-link").href = "/debrief?download=1&" + q + "&lang=" + lang;
  listen(q, refreshTeacher);
  return refreshTeacher();
}

// ------------------------------------------------------------------ students

async function showSeats() {
  try {
    const lobby = await api("/api/lobby", {code: $("code").value});
    const list = $("seat-list");
    list.replaceChildren(el("h3", T.choose_seat));
    for (const seat of lobby.seats) {
      const label = seat.name + (seat.taken ? ` (${T.taken})` : "");
      const b = el("button", label, {class: "seat-choice", "data-slot": seat.slot});
      b.disabled = seat.taken && !$("seat-key").value;
      b.onclick = () => takeSeat(seat.slot);
      list.appendChild(b);
    }
    showError("");
  } catch (e) {
    showError(e.message);
  }
}

async function takeSeat(slot) {
  try {
    const got = await api("/api/join", {code: $("code").value, slot: slot,
      team: $("team").value, seat_key: $("seat-key").value});
    token = got.token;
    localStorage.setItem(STORE + "-token", token);
    shownRound = -1;
    showError("");
    await startPlaying();
  } catch (e) {
    showError(e.message);
  }
}

function level(name, value) {
  const tr = el("tr");
  tr.appendChild(el("td", T[name] || name));
  const cell = el("td");
  cell.appendChild(el("span", null, {class: "bar",
    style: `width:${Math.round(100 * Math.max(0, Math.min(1, Math.abs(value))))}px`}));
  cell.appendChild(document.createTextNode(" " + value.toFixed(2)));
  tr.appendChild(cell);
  return tr;
}

async function refreshSeat() {
  let s;
  try {
    s = await api("/api/seat");
  } catch (e) {
    if (e.status === 401) {
      token = "";
      localStorage.removeItem(STORE + "-token");
      $("play").hidden = true;
      $("join").hidden = false;
    }
    throw e;
  }
  const v = s.view;
  $("you-are").textContent = fmt(T.you_are, {name: v.name});
  $("seat-key-line").textContent = fmt(T.your_seat_key, {key: s.seat_key});
  let status = fmt(T.round, {round: s.round, month: s.month});
  if (s.phase === "lobby") status += " · " + T.waiting;
  if (s.phase === "paused") status += " · " + T.paused;
  if (s.phase === "by_hand") status += " · " + T.by_hand;
  if (s.phase === "ended") status += " · " + T.ended;
  if (s.seconds_left !== null) status += " · " + fmt(T.seconds_left, {seconds: Math.round(s.seconds_left)});
  $("status").textContent = status;
  $("at-table").textContent = v.at_table ? T.at_table : T.not_at_table;
  const levels = $("levels");
  levels.replaceChildren();
  for (const k of ["engagement", "urgency", "incentives", "shared_interest", "worth_it"]) {
    levels.appendChild(level(k, v[k]));
  }
  const interests = $("interests");
  interests.replaceChildren(el("tr"));
  interests.firstChild.append(el("th", T.theme), el("th", T.yours), el("th", T.agenda));
  for (const theme of v.themes) {
    const tr = el("tr");
    tr.append(el("td", theme.name), el("td", theme.interest.toFixed(2)), el("td", theme.agenda.toFixed(2)));
    interests.appendChild(tr);
  }
  const trust = $("trust");
  trust.replaceChildren();
  for (const p of v.trust) trust.appendChild(level(p.name, p.trust));
  const tensions = $("tensions");
  tensions.replaceChildren();
  for (const t of v.tensions) tensions.appendChild(el("li", fmt(T.tension_with, {who: t.with, months: t.age_months})));
  if (!v.tensions.length) tensions.appendChild(el("li", T.no_tensions));
  const last = $("last-round");
  last.replaceChildren();
  for (const line of s.last_round) last.appendChild(el("li", line));
  if (!s.last_round.length) last.appendChild(el("li", T.nothing_happened));
  if (s.round !== shownRound) {  // a new round: the form shows the decisions in force
    shownRound = s.round;
    setDecision(s.decision);
    $("sent").hidden = true;
  }
  $("send").disabled = s.phase === "ended" || !v.at_table;
}

function setDecision(d) {
  $("staff-time").value = d.staff_time;
  $("staff-time-out").textContent = Math.round(100 * d.staff_time) + "%";
  for (const name of ["tension", "contribution", "stay"]) {
    for (const r of document.querySelectorAll(`input[name=${name}]`)) {
      r.checked = r.value === String(d[name]);
    }
  }
}

function chosen(name) {
  const r = document.querySelector(`input[name=${name}]:checked`);
  return r ? r.value : null;
}

async function sendDecision(event) {
  event.preventDefault();
  try {
    await api("/api/decide", {
      staff_time: Number($("staff-time").value),
      tension: chosen("tension"),
      contribution: chosen("contribution"),
      stay: chosen("stay") === "true",
    });
    $("sent").hidden = false;
    showError("");
  } catch (e) {
    showError(e.message);
  }
}

async function startPlaying() {
  $("join").hidden = true;
  $("play").hidden = false;
  listen("token=" + encodeURIComponent(token), refreshSeat);
  await refreshSeat();
}

function setupStudent() {
  $("show-seats").onclick = showSeats;
  $("decide").onsubmit = sendDecision;
  $("staff-time").oninput = () => {
    $("staff-time-out").textContent = Math.round(100 * Number($("staff-time").value)) + "%";
  };
  if (PARAMS.get("code")) $("code").value = PARAMS.get("code");
  if (!token) {
    $("join").hidden = false;
    return Promise.resolve();
  }
  return startPlaying().catch(() => {
    $("join").hidden = false;
  });
}

// ------------------------------------------------------------------ start

async function main() {
  for (const b of document.querySelectorAll("[data-lang]")) {
    b.onclick = async () => {
      lang = b.dataset.lang;
      localStorage.setItem(STORE + "-lang", lang);
      shownRound = -1;
      await loadText();
      // the teacher's pages listen again, so their links and stream carry the new language
      await (PAGE === "student" ? (token ? refreshSeat() : Promise.resolve()) : setupTeacher());
    };
  }
  await loadText();
  await (PAGE === "student" ? setupStudent() : setupTeacher());
}

main().catch((e) => showError(e.message));
