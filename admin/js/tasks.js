// Background tasks (in the Writer's room): write a whole story without an audience
// (POST tasks/full-story), follow the tasks started from this page (story:task-progress, kept in
// sessionStorage across reloads), read a finished one (GET tasks/{id}/result), and the result cache.
import { $, el, clear, fill, fmt, busy } from "./dom.js";
import { bus } from "./bus.js";
import * as api from "./api.js";
import * as notify from "./notify.js";
import { guard, problem } from "./notify.js";
import { isSignedIn } from "./auth.js";
import { socketConnected } from "./socket.js";
import { themeName, themeLabel, fillThemeSelect } from "./themes.js";
import { styleFields, readStyle } from "./storystyle.js";

const KEY = "storyTasks";
const MAX_KEPT = 20;
const STATUS_WORDS = { pending: "waiting", running: "writing…", done: "done", failed: "failed" };
const form = $("task-form"), themeSel = $("task-theme"), customBox = $("task-custom-box"), custom = $("task-custom");
const chaptersIn = $("task-chapters"), choicesIn = $("task-choices"), languageIn = $("task-language");
const seedIn = $("task-seed"), wishesIn = $("task-wishes"), styleBox = $("task-style-box"), startBtn = $("task-start");
const list = $("tasks-list"), emptyNote = $("tasks-empty"), reader = $("task-reader");
const cacheStats = $("cache-stats"), clearBtn = $("cache-clear");
styleBox.append(styleFields("task"));

const tasks = new Map();   // id -> {view, node, parts}, newest first
const early = new Map();   // story:task-progress for ids not (yet) listed: a reply may arrive after its events
let readingId = null;

// Remembered ids (this tab) ----------------------------------------------------------------------
function remember() {
  try { sessionStorage.setItem(KEY, JSON.stringify([...tasks.keys()].slice(0, MAX_KEPT))); } catch { /* storage off */ }
}
function remembered() {
  try {
    const ids = JSON.parse(sessionStorage.getItem(KEY) || "[]");
    return Array.isArray(ids) ? ids.filter((id) => typeof id === "string").slice(0, MAX_KEPT) : [];
  } catch { return []; }
}

// Rendering ----------------------------------------------------------------------------------------
function describe(view) {
  const p = view.params || {};
  return [themeLabel(p), p.chapters ? fmt.plural(p.chapters, "chapter") : "", p.language, p.seed !== undefined ? `seed ${p.seed}` : ""]
    .filter(Boolean).join(" · ");
}

function build(id) {
  const parts = {
    title: el("span", { class: "task-title" }),
    status: el("span", { class: "task-status" }),
    resumed: el("span", { class: "badge badge-resumed", text: "resumed", title: "Interrupted by a restart and picked up where it stopped", hidden: true }),
    cache: el("span", { class: "badge badge-cache", text: "from cache", title: "The same request was written before: answered from the cache", hidden: true }),
    bar: el("progress", { class: "task-progress", max: 100, value: 0 }),
    pct: el("span", { class: "task-pct small" }),
    when: el("span", { class: "muted small task-when" }),
    error: el("p", { class: "task-error small", hidden: true }),
    read: el("button", { type: "button", class: "small task-read", text: "Read", disabled: true }),
    forget: el("button", { type: "button", class: "ghost small task-forget", text: "Remove", title: "Remove from this list (the task is not stopped)" }),
  };
  parts.read.addEventListener("click", guard(() => read(id, parts.read), "tasks"));
  parts.forget.addEventListener("click", () => forget(id));
  const node = el("li", { class: "task-item", data: { id } },
    el("div", { class: "task-head" }, parts.title, parts.status, parts.resumed, parts.cache),
    el("div", { class: "task-bar" }, parts.bar, parts.pct),
    parts.error,
    el("div", { class: "task-actions" }, parts.when, parts.read, parts.forget));
  return { node, parts };
}

function update(entry) {
  const { view, node, parts } = entry;
  const progress = Math.max(0, Math.min(100, Number(view.progress) || 0));
  node.dataset.status = view.status;
  parts.title.textContent = describe(view);
  parts.status.textContent = STATUS_WORDS[view.status] || view.status;
  parts.status.dataset.status = view.status;
  parts.resumed.hidden = !view.resumed;
  parts.cache.hidden = !view.fromCache;
  parts.bar.value = progress;
  parts.bar.setAttribute("aria-label", `Progress ${progress}%`);
  parts.pct.textContent = `${progress}%`;
  parts.when.textContent = `started ${fmt.ago(view.createdAt)}`;
  parts.error.hidden = !view.error;
  parts.error.textContent = view.error ? `Failed: ${view.error}` : "";
  parts.read.disabled = view.status !== "done";
}

function renderList() {
  fill(list, [...tasks.values()].map((t) => t.node));
  emptyNote.hidden = tasks.size > 0;
}

/** Newer of two views of the same task (events can overtake the reply that created it). */
function newer(a, b) {
  if (!a) return b;
  if (!b) return a;
  const rank = (v) => (v.status === "done" || v.status === "failed" ? 2 : v.status === "running" ? 1 : 0);
  if (rank(a) !== rank(b)) return rank(a) > rank(b) ? a : b;
  if ((a.progress || 0) !== (b.progress || 0)) return (a.progress || 0) > (b.progress || 0) ? a : b;
  return (a.updatedAt || 0) >= (b.updatedAt || 0) ? a : b;
}

function show(view, { atTop = true } = {}) {
  if (!view || !view.id) return;
  let entry = tasks.get(view.id);
  const was = entry ? entry.view.status : null;
  const best = newer(newer(entry && entry.view, early.get(view.id)), view);
  early.delete(view.id);
  if (!entry) {
    entry = { view: best, ...build(view.id) };
    if (atTop) {
      const rest = [...tasks.entries()];
      tasks.clear();
      tasks.set(view.id, entry);
      for (const [k, v] of rest) tasks.set(k, v);
    } else {
      tasks.set(view.id, entry);
    }
    renderList();
    remember();
  }
  entry.view = best;
  update(entry);
  if (best.status === "done" && was !== "done") { refreshCache(); }
  if (best.status === "failed" && was && was !== "failed") notify.error(`Background task failed: ${best.error || "unknown error"}`);
}

function forget(id) {
  tasks.delete(id);
  if (readingId === id) closeReader();
  renderList();
  remember();
}

// Reading a finished story ------------------------------------------------------------------------------
async function read(id, button) {
  const story = await busy(button, api.get(`tasks/${encodeURIComponent(id)}/result`, { label: "Read the story" }));
  readingId = id;
  const chapters = Array.isArray(story.chapters) ? story.chapters : [];
  fill(reader,
    el("div", { class: "reader-head" },
      el("h4", { class: "reader-title", text: story.title || "Untitled story" }),
      el("button", { type: "button", class: "ghost small", id: "task-reader-close", text: "Close", on: { click: closeReader } })),
    el("p", { class: "muted small", text: [themeName(story.theme), story.language, fmt.plural(chapters.length, "chapter")].filter(Boolean).join(" · ") }),
    story.outline ? el("details", { class: "outline" }, el("summary", { text: "Outline" }), el("p", { class: "prose", text: story.outline })) : null,
    el("ol", { class: "task-chapters" }, chapters.map((c) => {
      const choices = Array.isArray(c.choices) ? c.choices : [];
      return el("li", { class: "task-chapter", data: { chapter: String(c.number) } },
        el("h5", { text: `Chapter ${c.number}: ${c.title || "Untitled"}${c.isFinal ? " (final)" : ""}` }),
        c.parentChoice ? el("p", { class: "muted small", text: `Following: ${c.parentChoice}` }) : null,
        el("div", { class: "prose", text: c.content || "" }),
        choices.length ? el("ol", { class: "task-choices small", attrs: { type: "A" } }, choices.map((t, i) => el("li", {
          class: i === c.chosenIndex ? "chosen-choice" : "", text: i === c.chosenIndex ? `${t} ← taken` : t }))) : null);
    })));
  reader.hidden = false;
  reader.scrollIntoView({ behavior: "smooth", block: "start" });
}
function closeReader() {
  readingId = null;
  reader.hidden = true;
  clear(reader);
}

// The cache --------------------------------------------------------------------------------------------
function kb(bytes) {
  const n = Number(bytes) || 0;
  return n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1024 / 1024).toFixed(1)} MB`;
}
async function loadCache() {
  const s = await api.get("cache/stats", { label: "Cache" });
  cacheStats.textContent = `Cache: ${fmt.plural(s.entries || 0, "story", "stories")} · ${kb(s.bytes)} · `
    + `${fmt.plural(s.hits || 0, "hit")} · ${fmt.plural(s.misses || 0, "miss", "misses")}`;
  clearBtn.disabled = !(s.entries > 0);
}
let cacheTimer = null;
function refreshCache() { clearTimeout(cacheTimer); cacheTimer = setTimeout(() => loadCache().catch(() => {}), 200); }

clearBtn.addEventListener("click", guard(async () => {
  const reply = await busy(clearBtn, api.post("cache/clear", {}, { label: "Clear cache" }));
  notify.info(`Cache cleared (${fmt.plural(reply.cleared || 0, "story", "stories")})`);
  await loadCache();
}, "cache"));
$("cache-refresh").addEventListener("click", guard(loadCache, "cache"));

// Starting a task ---------------------------------------------------------------------------------------
function numberFrom(input, name) {
  const raw = input.value.trim();
  if (!raw) return undefined;
  const n = Number(raw);
  const low = Number(input.min), high = input.max ? Number(input.max) : Infinity;
  if (!Number.isInteger(n) || n < low || n > high) {
    input.focus();
    throw problem(`Background task: ${name}: a whole number${Number.isFinite(high) ? ` from ${low} to ${high}` : ` of at least ${low}`}`);
  }
  return n;
}

form.addEventListener("submit", guard(async (e) => {
  e.preventDefault();
  const theme = themeSel.value;
  if (!theme) { notify.error("Background task: pick a theme first."); return; }
  const body = { theme };
  if (theme === "custom") {
    if (!custom.value.trim()) { custom.focus(); notify.error("Background task: describe your custom theme first."); return; }
    body.customTheme = custom.value.trim();
  }
  const chapters = numberFrom(chaptersIn, "Chapters"), numChoices = numberFrom(choicesIn, "Choices per chapter");
  const seed = numberFrom(seedIn, "Seed");
  if (chapters !== undefined) body.chapters = chapters;
  if (numChoices !== undefined) body.numChoices = numChoices;
  if (seed !== undefined) body.seed = seed;
  if (languageIn.value.trim()) body.language = languageIn.value.trim();
  if (wishesIn.value.trim()) body.wishes = wishesIn.value.trim();
  const style = readStyle(styleBox);
  if (Object.keys(style).length) body.style = style;
  const view = await busy(startBtn, api.post("tasks/full-story", body, { label: "Background task" }));
  show(view);
  notify.info(view.fromCache ? "Written before: answered from the cache." : "Writing in the background…");
  refreshCache();
}, "tasks"));

bus.on("themes:loaded", (themes) => {
  fillThemeSelect(themeSel, themes);
  customBox.hidden = themeSel.value !== "custom";
});
themeSel.addEventListener("change", () => { customBox.hidden = themeSel.value !== "custom"; });

// Following progress ---------------------------------------------------------------------------------------
bus.on("story:task-progress", (view) => {
  if (!view || !view.id) return;
  if (tasks.has(view.id)) { show(view); return; }
  early.set(view.id, newer(early.get(view.id), view));
  if (early.size > 50) early.delete(early.keys().next().value);
});

const unfinished = () => [...tasks.values()].filter((t) => t.view.status === "pending" || t.view.status === "running");
async function refreshTask(id) {
  try {
    show(await api.get(`tasks/${encodeURIComponent(id)}`, { quiet: true }), { atTop: false });
  } catch (err) {
    if (err && err.status === 404) forget(id);  // forgotten by the server (old tasks are cleaned up)
  }
}
// Without live updates, ask now and then.
setInterval(() => {
  if (!isSignedIn() || document.hidden || socketConnected()) return;
  for (const t of unfinished()) refreshTask(t.view.id);
}, 4000);
bus.on("socket:connected", (p) => { if (p.reconnect) for (const t of unfinished()) refreshTask(t.view.id); });

bus.on("auth:signed-in", () => {
  loadCache().catch(() => {});
  const ids = remembered().filter((id) => !tasks.has(id));
  Promise.allSettled(ids.map((id) => api.get(`tasks/${encodeURIComponent(id)}`, { quiet: true })))
    .then((answers) => { for (const a of answers) if (a.status === "fulfilled") show(a.value, { atTop: false }); remember(); });
});
renderList();
