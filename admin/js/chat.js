// Chat section: where votes come from (TikTok LIVE, Twitch, both at once, the simulated audience or nothing), the
// connection's state as a badge here, in the top bar and in the sidebar, one card per running source side by side
// (its state, account or channel, messages and votes from its platform), the counters, and Connect / Disconnect.
// Fed by GET chat/status (`sources`, `platforms`), the `chat` field of story:state and story:chat-status.
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
const otherPlatforms = $("chat-platforms-other");
const form = $("chat-form"), sourceSel = $("chat-source"), nameInput = $("tiktok-name"), nameHint = $("tiktok-name-hint");
const connectBtn = $("chat-connect"), disconnectBtn = $("chat-disconnect");
const counters = { votes: $("chat-votes"), duplicates: $("chat-duplicates"), ignored: $("chat-ignored") };
const NAME_HINT = nameHint.textContent;
const severalOption = sourceSel.querySelector('option[value="__several"]');

const SOURCE_NAMES = { tiktok: "TikTok LIVE", twitch: "Twitch chat", simulator: "Simulated audience",
  none: "None (Rehearsal box only)", several: "Several sources" };
const BADGE_NAMES = { tiktok: "TikTok", twitch: "Twitch", simulator: "Simulator", none: "Chat", several: "Chat" };
const SEVERAL = "__several";  // the picker's entry while chat.sources names more than one source
const STATE_WORDS = {
  connecting: "Connecting…", live: "Live", offline: "Offline", reconnecting: "Reconnecting…",
  error: "Error", stopped: "Stopped", off: "Off", rehearsal: "Simulating",
};

let status = null;      // the latest status payload
let receivedAt = 0;     // Date.now() when it arrived (retryInS counts from there)
const shownStates = new Map();  // source name -> the state last shown, to notice transitions
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

/** Every source that runs, by name: `sources` (several at once), else the one source the status describes. */
function sourcesOf(s) {
  if (s && s.sources && typeof s.sources === "object" && Object.keys(s.sources).length) {
    return Object.entries(s.sources).map(([name, own]) => ({ name, s: { source: name, ...own } }));
  }
  return s && s.source && s.source !== "none" ? [{ name: s.source, s }] : [];
}

/** Several sources: the state that needs the streamer most (an error before a reconnect, before live). */
const WORST_FIRST = ["error", "reconnecting", "connecting", "offline", "stopped", "rehearsal", "live"];
function overallState(s, list) {
  if (list.length <= 1) return effectiveState(list.length ? list[0].s : s);
  const states = list.map((x) => effectiveState(x.s));
  return WORST_FIRST.find((st) => states.includes(st)) || "off";
}

/** "Twitch · #my_stream", "TikTok LIVE · @name", "Simulated audience": a source as the streamer knows it. */
function sourceTitle(name, s) {
  if (name === "twitch") return s && s.channel ? `Twitch · #${s.channel}` : "Twitch";
  if (name === "tiktok") return s && s.uniqueId ? `TikTok LIVE · @${s.uniqueId}` : "TikTok LIVE";
  return SOURCE_NAMES[name] || name;
}

const capital = (t) => (t ? `${t[0].toUpperCase()}${t.slice(1)}` : "");

function detailText(s, state) {
  if (!s) return "";
  if (s.source === "none") return "No chat source: only lines sent from the Rehearsal box count as votes.";
  if (s.source === "simulator") {
    if (state === "stopped") return "The simulated audience is paused: press Connect to start it again.";
    return `${fmt.plural(s.viewers || 0, "simulated viewer")} sending ${s.ratePerS ?? "?"} messages per second.`;
  }
  const platform = s.source === "twitch" ? "Twitch" : "TikTok";
  if (state === "connecting" && (!s.detail || s.detail === "not started")) return `Starting the ${platform} connection…`;
  if (state === "stopped") {
    const why = s.detail && s.detail !== "not running" ? `${capital(s.detail)}. ` : "";
    return `${why}Press Connect to read the chat again.`;
  }
  return capital(s.detail || "");
}

// Rendering ---------------------------------------------------------------------------------
function fact(label, value, opts = {}) {
  const dd = el("dd", { class: opts.class, title: opts.title }, value);
  if (opts.render) { timeNodes.push({ node: dd, render: opts.render }); dd.textContent = opts.render(); }
  return [el("dt", { text: label }), dd];
}

/** Since when, the next try, reconnects, the last event: what TikTok and Twitch both say. */
function connectionFacts(s, state) {
  const rows = [fact(`${STATE_WORDS[state].replace("…", "")} since`, "", { render: () => ago(s.since, "–") })];
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
  return rows;
}

const toSettings = (text) => el("a", { href: "#settings-chat", data: { section: "settings-chat" }, class: "warn-text", text });

function factsFor(name, s, state) {
  if (name === "tiktok") {
    const account = s.uniqueId || "";
    return [fact("Account", account
      ? el("a", { href: `https://www.tiktok.com/@${encodeURIComponent(account)}/live`, text: `@${account}`,
        attrs: { target: "_blank", rel: "noopener noreferrer" }, title: "Open this LIVE on TikTok" })
      : el("span", { class: "warn-text", text: "no @name set" })), ...connectionFacts(s, state)];
  }
  if (name === "twitch") {
    const rows = [fact("Channel", s.channel
      ? el("a", { href: `https://www.twitch.tv/${encodeURIComponent(s.channel)}`, text: `#${s.channel}`,
        attrs: { target: "_blank", rel: "noopener noreferrer" }, title: "Open this channel on Twitch" })
      : toSettings("no channel set (Settings → Chat)")), ...connectionFacts(s, state)];
    if (s.ignoredLines) rows.push(fact("Lines not understood", Number(s.ignoredLines).toLocaleString()));
    if (s.notice) rows.push(fact("Twitch says", String(s.notice)));
    return rows;
  }
  if (name === "simulator") {
    return [fact("Simulated viewers", String(s.viewers ?? "?")), fact("Messages / s", String(s.ratePerS ?? "?")),
      fact("Messages sent", Number(s.sent || 0).toLocaleString())];
  }
  return [];
}

/** Chat messages and votes counted from one platform ("tiktok", "twitch", "simulator", "rehearsal"). */
function platformCounts(platforms, name) {
  const c = (platforms && platforms[name]) || {};
  return { messages: Number(c.messages) || 0, votes: Number(c.votes) || 0 };
}

function sourceCard(name, s, platforms, several) {
  const state = effectiveState(s);
  const counts = platformCounts(platforms, name);
  const detail = several ? detailText(s, state) : "";  // one source: the line above the cards says it
  return el("div", { class: "chat-source", data: { source: name, state } },
    el("div", { class: "chat-source-head" },
      el("strong", { class: "chat-source-name", text: sourceTitle(name, s) }),
      el("span", { class: "chat-source-state", data: { state }, text: STATE_WORDS[state] })),
    detail ? el("p", { class: "chat-source-detail small", text: detail }) : null,
    el("p", { class: "chat-source-counts" },
      el("span", { class: "n", text: counts.messages.toLocaleString() }),
      el("span", { class: "l", text: counts.messages === 1 ? " message · " : " messages · " }),
      el("span", { class: "n", text: counts.votes.toLocaleString() }),
      el("span", { class: "l", text: counts.votes === 1 ? " vote" : " votes" })),
    el("dl", { class: "kv chat-source-facts" }, factsFor(name, s, state).flat()));
}

/** Several sources: those that need the streamer, each with what it says; else that every one is reading. */
function severalDetail(list) {
  const trouble = list.filter((x) => !["live", "rehearsal"].includes(effectiveState(x.s)));
  if (!trouble.length) {
    return `Reading ${list.length} sources at once: ${list.map((x) => sourceTitle(x.name, x.s)).join(" and ")}. `
      + "One vote counts every audience.";
  }
  return trouble.map((x) => `${sourceTitle(x.name, x.s)}: ${detailText(x.s, effectiveState(x.s))
    || STATE_WORDS[effectiveState(x.s)]}`).join(" · ");
}

const OTHER_PLATFORMS = { rehearsal: "Rehearsal box", api: "API" };

function render() {
  const s = status;
  const list = sourcesOf(s);
  const several = list.length > 1;
  const state = overallState(s, list);
  const source = several ? "several" : (s && s.source) || "none";
  const detail = several ? severalDetail(list) : detailText(s, state);
  const names = several ? list.map((x) => SOURCE_NAMES[x.name] || x.name).join(" + ") : SOURCE_NAMES[source] || source;

  stateBadge.dataset.state = state;
  stateBadge.textContent = STATE_WORDS[state];
  detailLine.textContent = detail;
  detailLine.dataset.state = state;
  sourceLabel.textContent = several ? `Sources: ${list.map((x) => x.name).join(" + ")}` : `Source: ${source}`;
  sourceLabel.title = names;

  topBadge.dataset.state = state;
  const word = (st) => (STATE_WORDS[st] || st).replace("…", "").toLowerCase();
  topBadge.textContent = several
    ? list.map((x) => `${BADGE_NAMES[x.name] || x.name}: ${word(effectiveState(x.s))}`).join(" · ")
    : `${BADGE_NAMES[source] || source}: ${word(state)}`;
  topBadge.title = `${names}${detail ? ` — ${detail}` : ""} (click for details)`;
  navDot.dataset.state = state;

  for (const [key, node] of Object.entries(counters)) node.textContent = Number((s && s[key]) || 0).toLocaleString();

  timeNodes = [];
  const platforms = (s && s.platforms) || {};
  fill(facts, list.length ? list.map((x) => sourceCard(x.name, x.s, platforms, several))
    : el("p", { class: "muted small", text: s ? "No chat source is running." : "" }));
  facts.dataset.count = String(list.length);
  const others = Object.keys(platforms).filter((p) => !list.some((x) => x.name === p)).map((p) => {
    const c = platformCounts(platforms, p);
    return `${OTHER_PLATFORMS[p] || capital(p)}: ${fmt.plural(c.messages, "message")} · ${fmt.plural(c.votes, "vote")}`;
  });
  otherPlatforms.hidden = !others.length;
  otherPlatforms.textContent = others.length ? `Also counted — ${others.join(" · ")}` : "";

  const running = Boolean(s && s.running);
  connectBtn.textContent = running && source !== "none" ? "Reconnect" : "Connect";
  connectBtn.title = sourceSel.value === "none" ? "Pick a source first"
    : running ? "Drop the connection and connect again now" : "Start reading the chat";
  disconnectBtn.disabled = !running;
  disconnectBtn.title = running ? "Stop reading the chat until you press Connect" : "Not connected";
  syncControls();
  if (s) for (const x of list) noticeTransition(x.name, x.s, effectiveState(x.s));
}

/** Tell the streamer when TikTok or Twitch connects or drops, once per change of each. */
function noticeTransition(name, s, state) {
  if (name !== "tiktok" && name !== "twitch") return;
  const before = shownStates.get(name);
  shownStates.set(name, state);
  if (!before || before === state) return;
  const what = name === "tiktok" ? "TikTok LIVE" : "Twitch chat";
  const who = name === "tiktok" ? (s.uniqueId ? ` (@${s.uniqueId})` : "") : (s.channel ? ` (#${s.channel})` : "");
  if (state === "live") notify.info(`${what} connected${who}`);
  else if (before === "live" && (state === "reconnecting" || state === "error")) {
    notify.error(`${what} connection lost: ${detailText(s, state) || state}. It reconnects by itself.`);
  } else if (before === "live" && state === "offline") notify.info("Your TikTok LIVE has ended (offline).", 5000);
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
  const several = c.chat && Array.isArray(c.chat.sources) && c.chat.sources.length > 1 ? c.chat.sources : null;
  const source = several ? SEVERAL : c.chat ? c.chat.source : saved.source;
  severalOption.textContent = several ? `Several at once: ${several.map((n) => SOURCE_NAMES[n] || n).join(" + ")}`
    : "Several sources at once";
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
  if (sourceDirty() && sourceSel.value !== SEVERAL) patch["chat.source"] = sourceSel.value;
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
  shownStates.clear();
  saved.loaded = false;
  render();
  topBadge.textContent = "Chat: …";
});

render();
