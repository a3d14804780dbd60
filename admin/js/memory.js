// Memory: what the story remembers (rolling summary, characters, places, items, events by chapter).
// Fills in live from story:memory-updated; the chapter picker shows the snapshot taken after chapter N.
import { $, el, fill, fmt } from "./dom.js";
import { bus } from "./bus.js";
import * as api from "./api.js";
import { guard, quietly } from "./notify.js";
import { live } from "./livemodel.js";

const picker = $("memory-chapter"), meta = $("memory-meta"), summary = $("memory-summary");
const LISTS = {
  characters: $("memory-characters"), locations: $("memory-locations"), items: $("memory-items"),
};
const events = $("memory-events");
const counts = {
  characters: $("memory-characters-count"), locations: $("memory-locations-count"),
  items: $("memory-items-count"), events: $("memory-events-count"),
};

const shown = { sessionId: null, chapter: null, keys: null };  // what is on screen (keys: names seen, to mark new ones)
let latestChapter = 0;  // newest chapter known to have (or soon have) a snapshot
let renders = 0;        // a GET answer older than a live update must not overwrite it

const str = (v) => (v === null || v === undefined ? "" : String(v).trim());
const list = (v) => (Array.isArray(v) ? v : []);
const keyOf = (group, e) => `${group}:${str(e.name).toLowerCase()}`;

function chapters(e) {
  const a = Number(e.first_chapter) || 0, b = Number(e.last_chapter) || 0;
  if (!a && !b) return "";
  if (!a || !b || a === b) return `ch. ${a || b}`;
  return `ch. ${Math.min(a, b)}–${Math.max(a, b)}`;
}

/** One character, place or item: name, status badge, chapters; aliases, description, holder below. */
function entry(group, e, fresh) {
  const aliases = list(e.aliases).map(str).filter(Boolean);
  const status = str(e.status), holder = str(e.holder), range = chapters(e);
  return el("li", { class: `mem-entry${fresh ? " is-new" : ""}`, data: { name: str(e.name) } },
    el("div", { class: "mem-head" },
      el("strong", { class: "mem-name", text: str(e.name) || "?" }),
      status ? el("span", { class: "mem-status", text: status, title: "Status" }) : null,
      range ? el("span", { class: "mem-chapters muted small", text: range, title: "Chapters it appears in" }) : null),
    aliases.length ? el("div", { class: "mem-aliases muted small", text: `also: ${aliases.join(", ")}` }) : null,
    str(e.description) ? el("div", { class: "mem-desc", text: str(e.description) }) : null,
    holder ? el("div", { class: "mem-holder small" }, el("span", { class: "muted", text: group === "items" ? "held by " : "with " }),
      el("span", { text: holder })) : null);
}

/** Events as a timeline: the chapter label starts each chapter's group. */
function timeline(items) {
  let last = null;
  return items.map((ev) => {
    const ch = Number(ev.chapter) || 0;
    const first = ch !== last;
    last = ch;
    return el("li", { class: `mem-event${first ? " chapter-start" : ""}`, data: { chapter: String(ch) } },
      el("span", { class: "ev-chapter", text: ch ? `Ch. ${ch}` : "", attrs: { "aria-hidden": first ? null : "true" } }),
      el("span", { class: "ev-text", text: str(ev.summary || ev.text || ev.event) }));
  });
}

function render(data) {
  renders += 1;
  const memory = (data && data.memory) || {};
  const sessionId = data ? data.sessionId ?? null : null;
  const chapter = data && data.chapter ? Number(data.chapter) : null;
  const sameStory = shown.sessionId === sessionId && shown.keys !== null;
  const keys = new Set();
  let total = 0;
  for (const [group, node] of Object.entries(LISTS)) {
    const items = list(memory[group]).filter((e) => e && typeof e === "object" && str(e.name));
    total += items.length;
    fill(node, items.map((e) => {
      const k = keyOf(group, e);
      keys.add(k);
      return entry(group, e, sameStory && !shown.keys.has(k));
    }));
    node.nextElementSibling.hidden = items.length > 0;
    counts[group].textContent = items.length ? `(${items.length})` : "";
  }
  const evs = list(memory.events).filter((e) => e && typeof e === "object");
  evs.sort((a, b) => (Number(a.chapter) || 0) - (Number(b.chapter) || 0));
  fill(events, timeline(evs));
  events.nextElementSibling.hidden = evs.length > 0;
  counts.events.textContent = evs.length ? `(${evs.length})` : "";
  total += evs.length;
  const text = str(memory.summary);
  summary.textContent = text || "No summary yet.";
  summary.classList.toggle("muted", !text);

  const upTo = chapter || Math.max(0, ...evs.map((e) => Number(e.chapter) || 0),
    ...Object.keys(LISTS).flatMap((g) => list(memory[g]).map((e) => Number(e && e.last_chapter) || 0)));
  const picked = picker.value;
  if (!sessionId) meta.textContent = "No story yet: nothing remembered.";
  else if (!total && !text) {
    meta.textContent = picked ? `Story #${sessionId}: no snapshot after chapter ${picked} (yet).`
      : `Story #${sessionId}: nothing remembered yet (it fills in after each chapter).`;
  } else {
    meta.textContent = `Story #${sessionId} · ${picked ? `snapshot after chapter ${picked}` : "latest"}`
      + `${!picked && upTo ? ` (after chapter ${upTo})` : ""} · ${fmt.plural(total, "entry", "entries")}`;
  }
  shown.sessionId = sessionId;
  shown.chapter = chapter;
  shown.keys = keys;
  if (!picked && upTo > latestChapter) latestChapter = upTo;
  syncPicker();
}

/** Options: latest, then "after chapter N" for every chapter written so far. */
function syncPicker() {
  const c = live.chapter;
  const written = c ? (c.streaming ? c.number - 1 : c.number) : 0;
  const n = Math.max(latestChapter, written, Number(picker.value) || 0);
  if (picker.options.length === n + 1) return;
  const keep = picker.value;
  fill(picker, el("option", { value: "", text: "latest" }),
    Array.from({ length: n }, (_, i) => el("option", { value: String(i + 1), text: `after chapter ${i + 1}` })));
  picker.value = keep;
}

async function loadMemory() {
  const at = picker.value;
  const started = renders;
  const data = await api.get(at ? `memory?chapter=${encodeURIComponent(at)}` : "memory", { label: "Loading memory" });
  if (renders !== started && !at) return;  // a live update arrived meanwhile: it is newer
  if (picker.value !== at) return;         // the streamer picked another snapshot meanwhile
  render(data);
}
const loadQuietly = quietly(loadMemory);

function reset() {
  latestChapter = 0;
  picker.value = "";
  shown.keys = null;
  syncPicker();
}

picker.addEventListener("change", guard(loadMemory, "memory"));
$("memory-refresh").addEventListener("click", guard(loadMemory, "memory"));
bus.on("story:memory-updated", (p) => {
  const n = Number(p.chapterNumber) || 0;
  const session = live.session;
  if (session && p.sessionId && p.sessionId !== session.id) return;  // an older story catching up
  if (n > latestChapter) latestChapter = n;
  if (picker.value) { syncPicker(); return; }  // the streamer is looking at an older snapshot
  render({ sessionId: p.sessionId, chapter: n || null, memory: p.memory });
});
bus.on("story:generation-started", (p) => {
  if (p.purpose === "outline") { reset(); loadQuietly(); }  // a new story: nothing remembered yet
});
bus.on("live:changed", syncPicker);
bus.on("auth:signed-in", () => { reset(); loadQuietly(); });
bus.on("socket:connected", (p) => { if (p.reconnect) loadQuietly(); });
