// The cast: viewers who joined the story with !join, each a minor character named after them (join.mode: off, first
// or pick). Shows who is in the story (name, @handle, "in chapter N" once the writer brought them in) and, in pick
// mode, the viewers waiting with Pick / Decline. Fed by GET cast, story:state.cast and the admin event
// story:cast-updated {sessionId, cast, waiting, openRoles}. A server without the cast routes (404) hides the block.
// Viewers' names go in as text only.
import { $, el, fmt, busy } from "./dom.js";
import { bus } from "./bus.js";
import * as api from "./api.js";
import * as notify from "./notify.js";
import { guard } from "./notify.js";
import { isSignedIn } from "./auth.js";
import { setPart, syncList } from "./audiencepanel.js";

const box = $("cast-box"), castList = $("cast-list"), waitingList = $("cast-waiting"), waitingBox = $("cast-waiting-box");
const waitingBadge = $("cast-waiting-count"), modePill = $("cast-mode"), hint = $("cast-hint");

const MODE_WORDS = { off: "off", first: "first come", pick: "you pick" };
const PLATFORMS = { tiktok: "TikTok", twitch: "Twitch", simulator: "simulated", rehearsal: "rehearsal", api: "API" };
const state = {
  available: null,  // null: not known yet; false: this server has no cast routes
  mode: "",         // join.mode
  command: "join",  // join.command
  maxRoles: 0,
  openRoles: null,
  cast: [],
  waiting: [],
  scope: "",
};
const seenAt = new Map();  // memberId -> when a waiting viewer arrived live (highlighted for a moment)

const members = (list) => (Array.isArray(list) ? list.filter((m) => m && m.memberId !== undefined) : []);

function hintText() {
  const cmd = `!${state.command || "join"}`;
  const free = typeof state.openRoles === "number"
    ? `${fmt.plural(state.openRoles, "role")} free${state.maxRoles ? ` of ${state.maxRoles}` : ""}` : "";
  if (state.mode === "off") return `Joining is off: viewers' ${cmd} is ignored. Turn it on in Settings → Chat.`;
  if (state.mode === "first") return `The first viewers to type ${cmd} get the roles${free ? ` (${free})` : ""}.`;
  if (state.mode === "pick") return `Viewers who type ${cmd} wait below: pick who joins${free ? ` (${free})` : ""}.`;
  return "";
}

// Rows --------------------------------------------------------------------------------------------------------
function row(member) {
  const li = el("li", { class: "cast-member" },
    el("span", { class: "cast-name" }), el("span", { class: "cast-handle muted small" }),
    el("span", { class: "cast-platform small" }), el("span", { class: "cast-where small" }));
  if (member.status === "waiting") {
    const pick = el("button", { type: "button", class: "cast-pick primary", text: "Pick" });
    const decline = el("button", { type: "button", class: "cast-decline danger-outline", text: "Decline" });
    pick.addEventListener("click", guard(() => decide(li.dataset.key, "pick", pick), "cast-pick"));
    decline.addEventListener("click", guard(() => decide(li.dataset.key, "decline", decline), "cast-decline"));
    li.append(el("div", { class: "cast-actions" }, pick, decline));
  }
  return li;
}

function update(li, m) {
  li.dataset.status = m.status || "";
  li.dataset.id = String(m.memberId);
  li.querySelector(".cast-name").textContent = m.name || "(no name)";
  const handle = li.querySelector(".cast-handle");
  handle.textContent = m.handle ? `@${m.handle}` : "";
  handle.hidden = !m.handle;
  li.querySelector(".cast-platform").textContent = PLATFORMS[m.platform] || m.platform || "";
  const where = li.querySelector(".cast-where");
  where.textContent = m.status === "waiting" ? "waiting"
    : typeof m.featuredIn === "number" ? `in chapter ${m.featuredIn}` : "not in a chapter yet";
  where.dataset.featured = typeof m.featuredIn === "number" ? "yes" : "no";
  const pick = li.querySelector(".cast-pick");
  if (pick) {
    const full = state.openRoles === 0;
    pick.title = full ? "No role is free in this story" : `Give ${m.name} a role in the story`;
    li.querySelector(".cast-decline").title = `${m.name} does not join this story`;
  }
  const seen = seenAt.get(m.memberId);
  li.classList.toggle("is-new", Boolean(seen && Date.now() - seen < 4000));
}

function render() {
  const cast = state.cast.filter((m) => m.status !== "declined" && m.status !== "waiting");
  const waiting = state.waiting.filter((m) => m.status === "waiting" || !m.status);
  const active = state.available === true && ((state.mode && state.mode !== "off") || cast.length > 0 || waiting.length > 0);
  box.hidden = !active;
  syncList(castList, cast, (m) => m.memberId, row, update);
  if (!cast.length) castList.append(el("li", { class: "muted small cast-empty", text: "Nobody has joined this story yet." }));
  syncList(waitingList, waiting, (m) => m.memberId, row, update);
  waitingBox.hidden = !(waiting.length || state.mode === "pick");
  if (!waiting.length) waitingList.append(el("li", { class: "muted small cast-empty", text: "Nobody waiting." }));
  waitingBadge.hidden = waiting.length === 0;
  waitingBadge.textContent = String(waiting.length);
  modePill.dataset.mode = state.mode || "off";
  modePill.textContent = MODE_WORDS[state.mode] || "…";
  hint.textContent = hintText();
  setPart("cast", { active, waiting: waiting.length });
}

// Data ----------------------------------------------------------------------------------------------------------
function take(p, live) {
  if (!p || typeof p !== "object") return;
  state.available = true;
  const before = new Set(state.waiting.map((m) => m.memberId));
  if ("cast" in p) state.cast = members(p.cast);
  if ("waiting" in p) state.waiting = members(p.waiting);
  if (live) for (const m of state.waiting) if (!before.has(m.memberId)) seenAt.set(m.memberId, Date.now());
  if (typeof p.openRoles === "number") state.openRoles = p.openRoles;
  if (typeof p.maxRoles === "number") state.maxRoles = p.maxRoles;
  if (typeof p.mode === "string" && p.mode) state.mode = p.mode;
}

/** The answer to a pick or a decline: the viewer moves at once (the socket's update follows). */
function applyMember(m) {
  if (!m || m.memberId === undefined) return;
  state.waiting = state.waiting.filter((w) => w.memberId !== m.memberId);
  if (m.status === "cast" && !state.cast.some((c) => c.memberId === m.memberId)) {
    state.cast = [...state.cast, m];
    if (typeof state.openRoles === "number") state.openRoles = Math.max(0, state.openRoles - 1);
  }
}

/** GET cast; a server without it (404) hides the cast. */
export async function refresh() {
  let reply;
  try {
    reply = await api.get("cast", { quiet: true });
  } catch (err) {
    if (err.status === 404) {
      state.available = false;
      render();
      return;
    }
    if (!err.shown && err.code !== "network") notify.error(`Cast: ${err.message}`);
    return;
  }
  take(reply, false);
  render();
}
let timer = null;
const refreshSoon = () => { clearTimeout(timer); timer = setTimeout(() => { if (isSignedIn()) refresh().catch(() => {}); }, 200); };

async function decide(key, action, button) {
  const member = [...state.waiting, ...state.cast].find((m) => String(m.memberId) === key);
  if (!member) return;
  const label = action === "pick" ? `Pick ${member.name}` : `Decline ${member.name}`;
  let reply;
  try {
    reply = await busy(button, api.post(`cast/${encodeURIComponent(member.memberId)}/${action}`, {}, { quiet: true }));
  } catch (err) {
    if (err.shown) throw err;
    if (err.status === 409 && err.code === "cast_full") {
      refreshSoon();
      throw notify.problem(`${label}: no role is free — this story already has its ${state.maxRoles || "full"} `
        + "roles (Settings → Chat: roles per story).");
    }
    if (err.status === 409 || err.status === 404) {
      refreshSoon();
      throw notify.problem(`${label}: this viewer was already decided (${err.message}). The list shows it as it is now.`);
    }
    throw notify.problem(`${label}: ${err.message}`);
  }
  applyMember(reply && reply.member);
  refreshSoon();  // the roles left, as the server counts them (story:cast-updated brings the same)
  render();
  notify.info(action === "pick" ? `${member.name} joins the story` : `${member.name} was declined`);
}

// Events -----------------------------------------------------------------------------------------------------------
bus.on("story:cast-updated", (p) => {
  take(p, true);
  render();
  setTimeout(() => {
    for (const [id, t] of seenAt) if (Date.now() - t >= 4000) seenAt.delete(id);
    render();
  }, 4200);
});
bus.on("story:state", (p) => { if (p && p.cast && typeof p.cast === "object") { take(p.cast, false); render(); } });

function fromConfig(data) {
  const join = data && data.config && data.config.join;
  if (!join) return;
  state.mode = join.mode || state.mode;
  state.command = join.command || state.command;
  if (typeof join.max_roles === "number") state.maxRoles = join.max_roles;
  render();
}
bus.on("config:loaded", (d) => { fromConfig(d); refreshSoon(); });
bus.on("config:external", fromConfig);
bus.on("auth:signed-in", (config) => { fromConfig(config); refresh().catch(() => {}); });
bus.on("socket:connected", (p) => { if (p.reconnect) refreshSoon(); });
bus.on("live:changed", (m) => {
  const scope = m.session ? String(m.session.id) : "";
  if (scope === state.scope) return;
  state.scope = scope;
  refreshSoon();
});
bus.on("auth:signed-out", () => {
  Object.assign(state, { available: null, mode: "", openRoles: null, cast: [], waiting: [], scope: "" });
  render();
});

render();
