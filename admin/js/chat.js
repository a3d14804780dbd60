// Chat section: where votes come from (TikTok LIVE, the simulated audience or nothing), the connection's
// state as a badge here, in the top bar and in the sidebar, its counters, and Connect / Disconnect.
// Fed by GET chat/status, the `chat` field of story:state and story:chat-status (pushed on every change).
import { $, el, fill, fmt, busy } from "./dom.js";
import { bus } from "./bus.js";
import * as api from "./api.js";
import * as notify from "./notify.js";
import { guard } from "./notify.js";
import { isSignedIn } from "./auth.js";
import { socketConnected } from "./socket.js";
import { serverNow } from "./livemodel.js";

const stateBadge = $("chat-state"), detailLine = $("chat-detail"), sourceLabel = $("chat-source-label");
const topBadge = $("chat-badge"), navDot = $("nav-chat-dot"), facts = $("chat-facts");
const form = $("chat-form"), sourceSel = $("chat-source"), nameInput = $("tiktok-name"), nameHint = $("tiktok-name-hint");
const connectBtn = $("chat-connect"), disconnectBtn = $("chat-disconnect");
const counters = { votes: $("chat-votes"), duplicates: $("chat-duplicates"), ignored: $("chat-ignored") };
const NAME_HINT = nameHint.textContent;

const SOURCE_NAMES = { tiktok: "TikTok LIVE", simulator: "Simulated audience", none: "None (Rehearsal box only)" };
const BADGE_NAMES = { tiktok: "TikTok", simulator: "Simulator", none: "Chat" };
const STATE_WORDS = {
  connecting: "Connecting…", live: "Live", offline: "Offline", reconnecting: "Reconnecting…",
  error: "Error", stopped: "Stopped", off: "Off", rehearsal: "Simulating",
};

let status = null;      // the latest status payload
let receivedAt = 0;     // Date.now() when it arrived (retryInS counts from there)
let shownState = "";    // the state last shown, to notice transitions
const saved = { source: "", name: "", loaded: false };  // chat.source and tiktok.unique_id as last loaded
let timeNodes = [];     // [{node, render}] refreshed every second without rebuilding the list

// Helpers ---------------------------------------------------------------------------------
const serverNowS = () => serverNow() / 1000;

/** "12 s ago", "3 min ago"; null/0 -> the fallback. */
function ago(epochS, never = "never") {
  if (!epochS) return never;
  const s = Math.max(0, serverNowS() - epochS);
  if (s < 60) return `${Math.floor(s)} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  return fmt.ago(epochS);
}

/** A @name from what was typed: "@name", "name" or a profile / LIVE link. */
function cleanName(raw) {
  let v = String(raw || "").trim();
  const link = v.match(/tiktok\.com\/@([^/?#\s]+)/i);
  if (link) v = link[1];
  return v.replace(/^@+/, "").trim();
}
const nameProblem = (name) => (/[\s/?#&@:]/.test(name)
  ? "A TikTok @name has no spaces or symbols: letters, digits, _ and . only." : "");

/**
 * What to show: the source's own state, corrected where it says less than the truth: a source
 * that is not running is stopped, and a running one that says "stopped" is still starting up.
 */
function effectiveState(s) {
  if (!s || s.source === "none" || !s.source) return "off";
  const st = s.state || "off";
  if (s.running === false && ["live", "connecting", "reconnecting"].includes(st)) return "stopped";
  if (s.running && (st === "stopped" || st === "off")) return "connecting";
  if (s.source === "simulator" && st === "live") return "rehearsal";  // amber, never the green of a real LIVE
  return STATE_WORDS[st] ? st : "error";
}

function detailText(s, state) {
  if (!s) return "";
  if (s.source === "none") return "No chat source: only lines sent from the Rehearsal box count as votes.";
  if (s.source === "simulator") {
    if (state === "stopped") return "The simulated audience is paused: press Connect to start it again.";
    return `${fmt.plural(s.viewers || 0, "simulated viewer")} sending ${s.ratePerS ?? "?"} messages per second.`;
  }
  if (state === "connecting" && (!s.detail || s.detail === "not started")) return "Starting the TikTok connection…";
  if (state === "stopped") {
    const why = s.detail && s.detail !== "not running" ? `${s.detail[0].toUpperCase()}${s.detail.slice(1)}. ` : "";
    return `${why}Press Connect to read the chat again.`;
  }
  return s.detail ? `${s.detail[0].toUpperCase()}${s.detail.slice(1)}` : "";
}

// Rendering ---------------------------------------------------------------------------------
function fact(label, value, opts = {}) {
  const dd = el("dd", { class: opts.class, title: opts.title }, value);
  if (opts.render) { timeNodes.push({ node: dd, render: opts.render }); dd.textContent = opts.render(); }
  return [el("dt", { text: label }), dd];
}

function render() {
  const s = status;
  const state = effectiveState(s);
  const source = (s && s.source) || "none";
  const detail = detailText(s, state);

  stateBadge.dataset.state = state;
  stateBadge.textContent = STATE_WORDS[state];
  detailLine.textContent = detail;
  detailLine.dataset.state = state;
  sourceLabel.textContent = `Source: ${source}`;
  sourceLabel.title = SOURCE_NAMES[source] || source;

  topBadge.dataset.state = state;
  topBadge.textContent = `${BADGE_NAMES[source] || source}: ${(STATE_WORDS[state] || state).replace("…", "").toLowerCase()}`;
  topBadge.title = `${SOURCE_NAMES[source] || source}${detail ? ` — ${detail}` : ""} (click for details)`;
  navDot.dataset.state = state;

  for (const [key, node] of Object.entries(counters)) node.textContent = Number((s && s[key]) || 0).toLocaleString();

  timeNodes = [];
  const rows = [fact("Source", SOURCE_NAMES[source] || source)];
  if (s && source === "tiktok") {
    const name = s.uniqueId || "";
    rows.push(fact("Account", name
      ? el("a", { href: `https://www.tiktok.com/@${encodeURIComponent(name)}/live`, text: `@${name}`,
        attrs: { target: "_blank", rel: "noopener noreferrer" }, title: "Open this LIVE on TikTok" })
      : el("span", { class: "warn-text", text: "no @name set" })));
    rows.push(fact(`${STATE_WORDS[state].replace("…", "")} since`, "", { render: () => ago(s.since, "–") }));
    if (typeof s.retryInS === "number" && s.running) {
      const at = receivedAt + s.retryInS * 1000;
      rows.push(fact("Next try", "", { render: () => {
        const left = (at - Date.now()) / 1000;
        return left > 0.5 ? `in ${fmt.secs(left)}` : "now";
      } }));
    }
    rows.push(fact("Reconnects", String(s.reconnects || 0)));
    rows.push(fact("Last event", "", { render: () => ago(s.lastEventAt, "none yet"),
      title: s.lastEventAt ? new Date(s.lastEventAt * 1000).toLocaleString() : "" }));
  } else if (s && source === "simulator") {
    rows.push(fact("Simulated viewers", String(s.viewers ?? "?")));
    rows.push(fact("Messages / s", String(s.ratePerS ?? "?")));
    rows.push(fact("Messages sent", Number(s.sent || 0).toLocaleString()));
  }
  fill(facts, rows.flat());

  const running = Boolean(s && s.running);
  connectBtn.textContent = running && source !== "none" ? "Reconnect" : "Connect";
  connectBtn.title = sourceSel.value === "none" ? "Pick a source first"
    : running ? "Drop the connection and connect again now" : "Start reading the chat";
  disconnectBtn.disabled = !running;
  disconnectBtn.title = running ? "Stop reading the chat until you press Connect" : "Not connected";
  syncControls();
  if (s) noticeTransition(source, state, detail);
}

/** Tell the streamer when TikTok connects or drops, once per change. */
function noticeTransition(source, state, detail) {
  const before = shownState;
  shownState = `${source}:${state}`;
  if (!before || before === shownState || source !== "tiktok") return;
  if (state === "live") notify.info(`TikTok LIVE connected${status.uniqueId ? ` (@${status.uniqueId})` : ""}`);
  else if (before === "tiktok:live" && (state === "reconnecting" || state === "error")) {
    notify.error(`TikTok LIVE connection lost: ${detail || state}. It reconnects by itself.`);
  } else if (before === "tiktok:live" && state === "offline") notify.info("Your TikTok LIVE has ended (offline).", 5000);
}

function tick() {
  for (const { node, render: text } of timeNodes) {
    const t = text();
    if (node.textContent !== t) node.textContent = t;
  }
}

function setStatus(s) {
  if (!s || typeof s !== "object") return;
  status = s;
  receivedAt = Date.now();
  render();
  bus.emit("chat:status", s);
}

// Controls ------------------------------------------------------------------------------------
const nameDirty = () => cleanName(nameInput.value) !== saved.name;
const sourceDirty = () => sourceSel.value !== saved.source;

function syncControls() {
  const dirty = nameDirty();
  nameInput.classList.toggle("changed", dirty);
  sourceSel.classList.toggle("changed", sourceDirty());
  const problem = nameProblem(cleanName(nameInput.value));
  nameHint.textContent = problem || (dirty ? `Not saved yet: press Connect to use @${cleanName(nameInput.value) || "…"}.` : NAME_HINT);
  nameHint.dataset.kind = problem ? "error" : dirty ? "dirty" : "";
  connectBtn.disabled = sourceSel.value === "none";
}

/** Fill the controls from GET/POST config; what the streamer is editing keeps its edits. */
function applyConfig(data) {
  const c = data && data.config;
  if (!c) return;
  const source = c.chat ? c.chat.source : saved.source;
  const name = c.tiktok ? cleanName(c.tiktok.unique_id) : saved.name;
  const first = !saved.loaded;
  if (first || !sourceDirty() || source === sourceSel.value) sourceSel.value = source;
  if (first || (!nameDirty() && document.activeElement !== nameInput) || name === cleanName(nameInput.value)) nameInput.value = name;
  Object.assign(saved, { source, name, loaded: true });
  syncControls();
}

/** Save the source and (unless told not to) the @name if they changed; true if anything was saved. */
async function saveControls(label, { withName = true } = {}) {
  const patch = {};
  if (sourceDirty()) patch["chat.source"] = sourceSel.value;
  if (withName && nameDirty()) patch["tiktok.unique_id"] = cleanName(nameInput.value);
  if (!Object.keys(patch).length) return false;
  const reply = await api.post("config", patch, { label });
  applyConfig(reply);
  bus.emit("config:external", reply);
  return true;
}

function checkName() {
  const name = cleanName(nameInput.value);
  const problem = name ? nameProblem(name) : "Type your TikTok @name first.";
  if (problem) {
    notify.error(`TikTok: ${problem}`);
    nameInput.focus();
    return false;
  }
  return true;
}

sourceSel.addEventListener("change", guard(async () => {
  const before = saved.source;
  // A valid @name typed before switching to TikTok goes along, so the first attempt uses it.
  const name = cleanName(nameInput.value);
  const withName = sourceSel.value === "tiktok" && Boolean(name) && !nameProblem(name);
  try {
    await busy(sourceSel, saveControls(`Chat source: ${SOURCE_NAMES[sourceSel.value]}`, { withName }));
    notify.info(`Votes now come from: ${SOURCE_NAMES[sourceSel.value]}`);
  } catch (err) {
    sourceSel.value = before;
    syncControls();
    throw err;
  }
  await refresh();
}, "chat-source"));

form.addEventListener("submit", guard(async (e) => {
  e.preventDefault();
  if (sourceSel.value === "none") { notify.error("Chat: pick where votes come from first."); sourceSel.focus(); return; }
  if (sourceSel.value === "tiktok" && !checkName()) return;
  // Rendered after busy() has put the button back, so render() has the last word on disabled.
  setStatus(await busy(connectBtn, (async () => {
    await saveControls("Connect");
    return api.post("chat/connect", {}, { label: "Connect" });
  })()));
}, "chat-connect"));

disconnectBtn.addEventListener("click", guard(async () => {
  setStatus(await busy(disconnectBtn, api.post("chat/disconnect", {}, { label: "Disconnect" })));
  notify.info("Chat disconnected: press Connect to read it again");
}, "chat-disconnect"));

nameInput.addEventListener("input", syncControls);
nameInput.addEventListener("blur", () => {
  const name = cleanName(nameInput.value);
  if (name !== nameInput.value.trim() && !nameProblem(name)) nameInput.value = name;  // "@x" or a link -> "x"
  syncControls();
});

/** GET chat/status and show it (also after a line sent from the Rehearsal box). */
export async function refresh() {
  setStatus(await api.get("chat/status", { label: "Chat status" }));
}
$("chat-refresh").addEventListener("click", guard(refresh, "chat-status"));

// Counters and "last event" change without a push: poll while the page is watched.
setInterval(() => {
  if (isSignedIn() && socketConnected() && !document.hidden) refresh().catch(() => {});
}, 5000);
setInterval(() => { if (!document.hidden) tick(); }, 1000);

bus.on("story:chat-status", setStatus);
bus.on("story:state", (p) => { if (p && p.chat) setStatus(p.chat); });
bus.on("config:loaded", applyConfig);
bus.on("config:external", applyConfig);
bus.on("auth:signed-in", (config) => { applyConfig(config); refresh().catch(() => {}); });
bus.on("socket:connected", (p) => { if (p.reconnect) refresh().catch(() => {}); });
bus.on("auth:signed-out", () => {
  status = null;
  shownState = "";
  saved.loaded = false;
  render();
  topBadge.textContent = "Chat: …";
});

render();
