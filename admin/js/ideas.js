// Viewers' ideas (!idea in chat), beside the vote: those waiting first (most proposed first) with Approve / Reject,
// who proposed each (how many, and their names), what became of the decided ones, and the mode (ideas.mode: off,
// note or ballot) with what it means. Fed by GET ideas and the admin event story:ideas-updated {pending, ideas}
// (only the ideas that changed). Viewers' text and names go in as text only.
import { $, el, fmt, busy } from "./dom.js";
import { bus } from "./bus.js";
import * as api from "./api.js";
import * as notify from "./notify.js";
import { guard } from "./notify.js";
import { isSignedIn } from "./auth.js";
import { isRunning } from "./livemodel.js";
import { setPart, syncList } from "./audiencepanel.js";

const pendingList = $("ideas-pending"), decidedList = $("ideas-decided"), decidedBox = $("ideas-decided-box");
const decidedCount = $("ideas-decided-count"), countBadge = $("ideas-count"), modePill = $("ideas-mode");
const hint = $("ideas-hint"), box = $("ideas-box");

const MODE_WORDS = { off: "off", note: "note mode", ballot: "ballot mode" };
const RANK = { pending: 0, approved: 1, rejected: 1, used: 2 };  // an idea only moves forward
const state = {
  mode: "",          // ideas.mode as last known ("" until the config or GET ideas says)
  command: "idea",   // ideas.command
  slots: 2,          // ideas.ballot_slots
  ideas: new Map(),  // id -> the idea as GET ideas shows it
  scope: "",         // the story the list belongs to ("" before the first load): a new story loads it again
  loaded: false,
};
const seenAt = new Map();  // id -> when this page first saw it arrive live (highlighted for a moment)

// Words -------------------------------------------------------------------------------------------------
function who(idea) {
  const names = (idea.by || []).map((name, i) => {
    const handle = (idea.handles || [])[i];
    return handle && handle.toLowerCase() !== String(name).toLowerCase() ? `${name} (@${handle})` : name;
  });
  const more = Math.max(0, (idea.proposers || 0) - names.length);
  const list = names.join(", ") + (more ? ` +${more} more` : "");
  return { count: fmt.plural(idea.proposers || names.length || 0, "viewer"), list };
}

function statusWords(idea) {
  if (idea.status === "pending") return "waiting";
  if (idea.status === "rejected") return "rejected";
  if (idea.status === "approved") {
    if (idea.noteId) return "approved · a note for the next chapter";
    return state.mode === "ballot" ? "approved · a choice of the next vote" : "approved";
  }
  if (idea.status === "used") {
    const where = idea.usedInChapter ? ` in chapter ${idea.usedInChapter}` : "";
    if (idea.usedAs === "choice") {
      const letter = typeof idea.choiceIndex === "number" ? ` ${fmt.letter(idea.choiceIndex)}` : "";
      return `used${where} · choice${letter}`;
    }
    return `used${where}${idea.usedAs === "note" ? " · as a note" : ""}`;
  }
  return String(idea.status || "");
}

function modeHint() {
  const cmd = `!${state.command || "idea"}`;
  if (!state.mode) return "";
  if (state.mode === "off") {
    return `Ideas are off: viewers' ${cmd} lines are ignored. Turn them on in Settings → Chat (note or ballot).`;
  }
  if (state.mode === "note") {
    return isRunning()
      ? `Viewers type ${cmd} <idea>. One you approve becomes a director's note: the next chapter follows it.`
      : `Viewers type ${cmd} <idea>. In note mode an approved idea steers the running story: start a story to approve.`;
  }
  return `Viewers type ${cmd} <idea>. Approved ideas become choices of the next vote (up to ${state.slots}).`;
}

// Rows --------------------------------------------------------------------------------------------------
function row(idea) {
  const li = el("li", { class: "idea" });
  li.append(
    el("p", { class: "idea-text" }),
    el("p", { class: "idea-meta small" }, el("span", { class: "idea-count" }), el("span", { class: "idea-by" }),
      el("span", { class: "idea-status" })));
  if (idea.status === "pending") {
    const approve = el("button", { type: "button", class: "idea-approve primary", text: "Approve" });
    const reject = el("button", { type: "button", class: "idea-reject danger-outline", text: "Reject" });
    approve.addEventListener("click", guard(() => decide(li.dataset.key, "approve", approve), "idea-approve"));
    reject.addEventListener("click", guard(() => decide(li.dataset.key, "reject", reject), "idea-reject"));
    li.append(el("div", { class: "idea-actions" }, approve, reject));
  }
  return li;
}

function update(li, idea) {
  li.dataset.status = idea.status;
  li.dataset.id = String(idea.id);
  li.querySelector(".idea-text").textContent = idea.text;
  const { count, list } = who(idea);
  li.querySelector(".idea-count").textContent = count;
  const by = li.querySelector(".idea-by");
  by.textContent = list;
  by.title = list;
  const status = li.querySelector(".idea-status");
  status.textContent = statusWords(idea);
  status.dataset.status = idea.status;
  const approve = li.querySelector(".idea-approve");
  if (approve) {
    const noStory = state.mode === "note" && !isRunning();
    approve.title = noStory ? "Start a story first: in note mode an approved idea becomes a note for the running story"
      : state.mode === "ballot" ? "Approve: it can become a choice of the next vote" : "Approve: the next chapter follows it";
    li.querySelector(".idea-reject").title = "Reject: it will not be used (repeats of it are turned away)";
  }
  const seen = seenAt.get(idea.id);
  li.classList.toggle("is-new", Boolean(seen && Date.now() - seen < 4000));
}

const byWaiting = (a, b) => (b.proposers || 0) - (a.proposers || 0) || a.id - b.id;
const byDecided = (a, b) => (b.decidedAt || b.createdAt || 0) - (a.decidedAt || a.createdAt || 0) || b.id - a.id;

function render() {
  const all = [...state.ideas.values()];
  const waiting = all.filter((i) => i.status === "pending").sort(byWaiting);
  const decided = all.filter((i) => i.status !== "pending").sort(byDecided);
  // A row keeps its buttons for life: a decided idea moves to the other list as a new row.
  syncList(pendingList, waiting, (i) => i.id, row, update);
  syncList(decidedList, decided, (i) => i.id, row, update);
  if (!waiting.length) {
    pendingList.append(el("li", { class: "muted small idea-empty",
      text: state.mode === "off" || !state.mode ? "No ideas waiting." : `No ideas waiting. They appear here as viewers type !${state.command}.` }));
  }
  const count = waiting.length;  // the list holds every idea of the story: its count is the server's `pending`
  countBadge.hidden = count === 0;
  countBadge.textContent = String(count);
  decidedBox.hidden = decided.length === 0;
  decidedCount.textContent = `(${decided.length})`;
  modePill.dataset.mode = state.mode || "off";
  modePill.textContent = MODE_WORDS[state.mode] || "…";
  hint.textContent = modeHint();
  hint.dataset.kind = state.mode === "off" ? "off" : "";
  box.dataset.mode = state.mode || "off";
  setPart("ideas", { active: (state.mode && state.mode !== "off") || count > 0, waiting: count });
}

// Data ------------------------------------------------------------------------------------------------------
function take(idea, live) {
  if (!idea || typeof idea.id !== "number") return;
  if (live && !state.ideas.has(idea.id)) seenAt.set(idea.id, Date.now());
  state.ideas.set(idea.id, idea);
}

/** GET ideas: the current story's ideas (and those proposed between stories), all of them. */
export async function refresh() {
  const reply = await api.get("ideas", { label: "Viewer ideas" });
  state.ideas = new Map();
  for (const idea of reply.ideas || []) take(idea, false);
  if (reply.mode) state.mode = reply.mode;
  state.loaded = true;
  render();
}
let timer = null;
const refreshSoon = () => { clearTimeout(timer); timer = setTimeout(() => { if (isSignedIn()) refresh().catch(() => {}); }, 200); };

async function decide(key, action, button) {
  const idea = state.ideas.get(Number(key));
  if (!idea) return;
  const label = action === "approve" ? "Approve idea" : "Reject idea";
  let reply;
  try {
    reply = await busy(button, api.post(`ideas/${idea.id}/${action}`, {}, { quiet: true }));
  } catch (err) {
    if (err.shown) throw err;
    if (err.status === 409 && err.code === "no_story") {
      throw notify.problem(`${label}: no story is running. In note mode an approved idea becomes a director's note for `
        + "the running story: start a story first, or switch ideas to ballot mode in Settings → Chat.");
    }
    if (err.status === 409 || err.status === 404) {
      refreshSoon();  // someone (another tab, the API) decided it first: show what it is now
      throw notify.problem(err.status === 409
        ? `${label}: this idea was already decided (${err.message}). The list shows it as it is now.`
        : `${label}: this idea is no longer in this story (${err.message}).`);
    }
    throw notify.problem(`${label}: ${err.message}`);
  }
  // The socket may have brought a later state first (used by a chapter): an answer never undoes it.
  const now = state.ideas.get(idea.id);
  if (!now || RANK[now.status] <= RANK[reply.idea.status]) take(reply.idea, false);
  render();
  notify.info(action === "reject" ? "Idea rejected"
    : reply.note ? "Idea approved: the next chapter follows it" : "Idea approved");
}

// Events -------------------------------------------------------------------------------------------------------
bus.on("story:ideas-updated", (p) => {
  for (const idea of p.ideas || []) take(idea, true);
  render();
  // Forget the highlight once it has played.
  setTimeout(() => { if ([...seenAt.values()].some((t) => Date.now() - t >= 4000)) { sweep(); render(); } }, 4200);
});
function sweep() { for (const [id, t] of seenAt) if (Date.now() - t >= 4000) seenAt.delete(id); }

function fromConfig(data) {
  const ideas = data && data.config && data.config.ideas;
  if (!ideas) return;
  const before = state.mode;
  state.mode = ideas.mode || state.mode;
  state.command = ideas.command || state.command;
  state.slots = ideas.ballot_slots || state.slots;
  render();
  if (before && before !== state.mode) refreshSoon();
}
bus.on("config:loaded", fromConfig);
bus.on("config:external", fromConfig);
bus.on("auth:signed-in", (config) => { fromConfig(config); refresh().catch(() => {}); });
bus.on("socket:connected", (p) => { if (p.reconnect) refreshSoon(); });
// A new story has its own ideas (those proposed between stories carry over): load them again.
bus.on("live:changed", (m) => {
  const scope = `${m.session ? m.session.id : ""}:${isRunning()}`;
  if (scope === state.scope) return;
  if (state.loaded) refreshSoon();
  state.scope = scope;
  render();  // note mode: "start a story to approve" comes and goes with the story
});
bus.on("auth:signed-out", () => {
  Object.assign(state, { mode: "", ideas: new Map(), scope: "", loaded: false });
  render();
});

render();
