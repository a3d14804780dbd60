// Rehearsal: chat lines and quick votes through POST chat (the real vote pipeline), bursts of
// random votes, and the simulated audience (chat.source, simulator.votes_per_s, simulator.bias).
// The chat source's connection state and counters live in the Chat section (chat.js).
import { $, el, fill, fmt, busy } from "./dom.js";
import { bus } from "./bus.js";
import * as api from "./api.js";
import * as notify from "./notify.js";
import { guard } from "./notify.js";
import { live } from "./livemodel.js";
import { refresh as refreshChat } from "./chat.js";

const nick = $("rehearsal-nick"), text = $("rehearsal-text"), sendBtn = $("rehearsal-send");
const quick = $("quick-votes"), result = $("rehearsal-result"), log = $("rehearsal-log");
const simToggle = $("sim-toggle"), simRate = $("sim-rate"), simBias = $("sim-bias");
const burstCount = $("burst-count"), burstBtn = $("random-burst");
const totals = { votes: 0, ignored: 0, duplicates: 0 };
let choiceSig = "";
let choices = [];
let voting = false;

const userId = (nickname) => `rehearsal-${nickname.toLowerCase().replace(/\s+/g, "-")}`.slice(0, 128);
const randomViewer = () => `viewer${String(Math.floor(Math.random() * 1000)).padStart(3, "0")}`;

function showResult(reply, what) {
  totals.votes += reply.votes || 0;
  totals.ignored += reply.ignored || 0;
  totals.duplicates += reply.duplicates || 0;
  result.textContent = `${what}: ${fmt.plural(reply.accepted || 0, "message")} → ${fmt.plural(reply.votes || 0, "vote")}, `
    + `${reply.ignored || 0} ignored, ${fmt.plural(reply.duplicates || 0, "duplicate")}. `
    + `Since this page opened: ${fmt.plural(totals.votes, "vote")}, ${totals.ignored} ignored, `
    + `${fmt.plural(totals.duplicates, "duplicate")}.`;
}

function logLine(nickname, line, reply) {
  const verdict = reply.votes ? "vote" : reply.duplicates ? "duplicate" : "ignored";
  log.prepend(el("li", { class: `log-${verdict}` },
    el("span", { class: "nick", text: nickname }), ": ", el("span", { text: line }),
    el("span", { class: "verdict", text: verdict })));
  while (log.children.length > 12) log.lastChild.remove();
}

async function send(messages, what) {
  const body = messages.length === 1 ? messages[0] : { messages };
  const reply = await api.post("chat", body, { label: what });
  showResult(reply, what);
  refreshStatus();
  return reply;
}

$("rehearsal-form").addEventListener("submit", guard(async (e) => {
  e.preventDefault();
  const name = nick.value.trim();
  const line = text.value.trim();
  if (!name) { notify.error("Rehearsal: type a nickname first."); nick.focus(); return; }
  if (!line) { notify.error("Rehearsal: type a chat line first (e.g. !a)."); text.focus(); return; }
  const reply = await busy(sendBtn, send([{ user_id: userId(name), nickname: name, text: line }], "Chat sent"));
  logLine(name, line, reply);
  if (text.value.trim() === line) text.value = "";  // keep a line typed while this one was sending
  text.focus();
}, "rehearsal-send"));

function renderQuick(m) {
  const v = m.voting;
  const list = (v && v.choices) || (m.chapter && m.chapter.choices) || [];
  voting = m.state === "voting";
  const sig = list.join("\u0000");
  if (sig !== choiceSig) {
    choiceSig = sig;
    choices = list;
    if (!list.length) fill(quick, el("p", { class: "muted", text: "No choices on screen yet." }));
    else fill(quick, list.map((c, i) => el("button", {
      type: "button", class: "quick-vote", data: { index: String(i) }, title: c,
      on: { click: guard(() => quickVote(i), "quick-vote") },
    }, el("strong", { text: `!${fmt.letter(i).toLowerCase()}` }), el("span", { text: c }))));
  }
  for (const b of quick.querySelectorAll(".quick-vote")) {
    b.disabled = !voting;
    b.title = voting ? choices[Number(b.dataset.index)] || "" : "No vote is open right now";
  }
  burstBtn.disabled = !voting || !choices.length;
}

async function quickVote(i) {
  const viewer = randomViewer();
  const line = `!${fmt.letter(i).toLowerCase()}`;
  const reply = await send([{ user_id: viewer, nickname: viewer, text: line }], `Vote ${fmt.letter(i)}`);
  logLine(viewer, line, reply);
}

burstBtn.addEventListener("click", guard(async () => {
  const n = Math.max(1, Math.min(10000, Math.floor(Number(burstCount.value) || 0)));
  if (!choices.length) return;
  const messages = Array.from({ length: n }, () => {
    const viewer = `viewer${Math.floor(Math.random() * 100000)}`;
    return { user_id: viewer, nickname: viewer, text: `!${fmt.letter(Math.floor(Math.random() * choices.length)).toLowerCase()}` };
  });
  await busy(burstBtn, send(messages, `Burst of ${n}`));
}, "burst"));

// Simulated audience -------------------------------------------------------------------
async function saveSetting(patch, label, revert) {
  try {
    const reply = await api.post("config", patch, { label });
    bus.emit("config:external", reply);
    applyConfig(reply);
    notify.info(label + ": saved");
    refreshStatus();
  } catch (err) {
    revert();
    throw err;
  }
}

function applyConfig(data) {
  const c = data && data.config;
  if (!c) return;
  simToggle.checked = c.chat && c.chat.source === "simulator";
  const source = c.chat ? c.chat.source : "";
  $("sim-note").textContent = source === "simulator" ? "Votes also come from the simulated audience."
    : source === "tiktok" ? "Chat comes from TikTok LIVE. Switching this on replaces it with the simulated audience."
      : "Only chat sent from this panel counts (chat.source is “none”).";
  if (c.simulator) {
    if (document.activeElement !== simRate) simRate.value = String(c.simulator.votes_per_s);
    simBias.value = String(c.simulator.bias);
  }
}

simToggle.addEventListener("change", guard(() => {
  const on = simToggle.checked;
  return saveSetting({ "chat.source": on ? "simulator" : "none" }, on ? "Simulated audience on" : "Simulated audience off",
    () => { simToggle.checked = !on; });
}, "sim-toggle"));
let lastRate = "";
simRate.addEventListener("focus", () => { lastRate = simRate.value; });
simRate.addEventListener("change", guard(() => {
  const rate = Number(simRate.value);
  if (simRate.value.trim() === "" || !Number.isFinite(rate)) { notify.error("Messages per second must be a number."); return undefined; }
  const before = lastRate;
  lastRate = simRate.value;
  return saveSetting({ "simulator.votes_per_s": rate }, "Simulator rate", () => { simRate.value = before; });
}, "sim-rate"));
let lastBias = "-1";
simBias.addEventListener("focus", () => { lastBias = simBias.value; });
simBias.addEventListener("change", guard(() => {
  const before = lastBias;
  lastBias = simBias.value;
  return saveSetting({ "simulator.bias": Number(simBias.value) }, "Audience bias", () => { simBias.value = before; });
}, "sim-bias"));

/** The Chat section's counters follow what was just sent. */
function refreshStatus() {
  refreshChat().catch(() => {});
}

bus.on("live:changed", renderQuick);
bus.on("config:loaded", applyConfig);
bus.on("config:external", applyConfig);
renderQuick(live);
