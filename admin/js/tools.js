// Editing tools for the live chapter: rewrite a selected passage, regenerate the chapter (after an
// inline confirmation), and director's notes that steer the next chapter.
// The passage sent is cut from the chapter content by offsets, so it is exactly a substring of it.
import { $, el, fill, fmt, busy } from "./dom.js";
import { bus } from "./bus.js";
import * as api from "./api.js";
import * as notify from "./notify.js";
import { guard, quietly } from "./notify.js";
import { isSignedIn } from "./auth.js";
import { live, isRunning } from "./livemodel.js";
import { setContent } from "./live.js";

const tools = $("edit-tools"), text = $("live-text");
const preview = $("rewrite-selection"), rwForm = $("rewrite-form"), rwInput = $("rewrite-instruction");
const rwBtn = $("rewrite-button");
const regenBtn = $("regenerate-button"), regenInput = $("regenerate-instruction"), regenBox = $("regenerate-confirm");
const regenQuestion = $("regenerate-question"), regenYes = $("regenerate-confirm-yes");
const noteForm = $("note-form"), noteInput = $("note-input"), noteBtn = $("note-button");
const notesList = $("notes-pending"), notesEmpty = $("notes-empty");
const MAX_PASSAGE = 5000;
const REGENERABLE = new Set(["writing", "voting", "waiting", "error", "final"]);
const NO_SELECTION = "Select a passage in the chapter text above, then say how to change it.";
const highlights = typeof CSS !== "undefined" && CSS.highlights && typeof window.Highlight === "function";

let picked = null;      // {number, start, end, passage}: the passage chosen in #live-text
let rewriting = false;
let notesSession = null;

// Selection -> offsets in the chapter content ------------------------------------------
const chapter = () => live.chapter;
const editable = () => { const c = chapter(); return Boolean(c && !c.streaming && c.content); };

/** Characters of #live-text before (node, offset): its text is the content, so this is a content index. */
function offsetOf(node, offset) {
  const r = document.createRange();
  r.setStart(text, 0);
  r.setEnd(node, offset);
  return r.toString().length;
}

/** A Range over content[start, end) (text may be several text nodes while it streamed in). */
function rangeOf(start, end) {
  const range = document.createRange();
  const walker = document.createTreeWalker(text, NodeFilter.SHOW_TEXT);
  let pos = 0, node, started = false;
  while ((node = walker.nextNode())) {
    const len = node.data.length;
    if (!started && start <= pos + len) { range.setStart(node, start - pos); started = true; }
    if (started && end <= pos + len) { range.setEnd(node, end - pos); return range; }
    pos += len;
  }
  return null;
}

/**
 * What the current document selection means here: a {start, end} inside the chapter text,
 * null when it is collapsed inside it (a click in the text: nothing chosen), undefined when the
 * selection is elsewhere (an input took focus): then the earlier pick stands.
 */
function readSelection() {
  const sel = document.getSelection();
  if (!sel || !sel.rangeCount || !editable()) return undefined;
  const range = sel.getRangeAt(0);
  if (!range.intersectsNode(text)) return undefined;
  const content = text.textContent;
  // An end outside #live-text (the title, the page) is clamped to the text's own start or end.
  const start = text.contains(range.startContainer) ? offsetOf(range.startContainer, range.startOffset) : 0;
  const end = text.contains(range.endContainer) ? offsetOf(range.endContainer, range.endOffset) : content.length;
  let s = Math.max(0, Math.min(start, content.length)), e = Math.max(s, Math.min(end, content.length));
  while (s < e && /\s/.test(content[s])) s += 1;   // trim the whitespace a drag picks up
  while (e > s && /\s/.test(content[e - 1])) e -= 1;
  return s < e ? { start: s, end: e } : null;
}

function setPicked(span) {
  const c = chapter();
  if (!span || !c) { picked = null; } else {
    picked = { number: c.number, start: span.start, end: span.end, passage: text.textContent.slice(span.start, span.end) };
  }
  showPicked();
}

let shownSig = "";
function showPicked(warn) {
  shownSig = signature();
  if (highlights) {
    const range = picked ? rangeOf(picked.start, picked.end) : null;
    if (range) CSS.highlights.set("rewrite-pick", new window.Highlight(range));
    else CSS.highlights.delete("rewrite-pick");
  }
  if (warn) {
    preview.dataset.state = "warn";
    preview.textContent = warn;
    return;
  }
  if (!picked) {
    preview.dataset.state = "none";
    preview.textContent = editable() ? NO_SELECTION : "Passages can be rewritten once the chapter is written.";
    return;
  }
  const p = picked.passage;
  const shown = p.length > 220 ? `${p.slice(0, 140)} … ${p.slice(-60)}` : p;
  preview.dataset.state = "picked";
  fill(preview, el("span", { class: "muted", text: `Selected (${fmt.plural(p.length, "character")}): ` }),
    el("q", { class: "picked-text", text: shown }),
    el("button", { type: "button", class: "ghost small", text: "Clear", on: { click: () => { clearSelection(); setPicked(null); } } }));
}

function clearSelection() {
  const sel = document.getSelection();
  if (sel && sel.rangeCount && sel.getRangeAt(0).intersectsNode(text)) sel.removeAllRanges();
}

document.addEventListener("selectionchange", () => {
  const span = readSelection();
  if (span === undefined) return;
  if (span === null) { if (picked) setPicked(null); return; }
  if (!picked || picked.start !== span.start || picked.end !== span.end) setPicked(span);
});

const signature = () => `${editable()}|${picked ? `${picked.number}:${picked.start}:${picked.end}` : "-"}`;

/** Drop a pick the chapter no longer has (a new chapter, a rewrite, a regenerate). */
function checkPicked() {
  const c = chapter();
  if (picked && (!c || c.streaming || c.number !== picked.number
    || text.textContent.slice(picked.start, picked.end) !== picked.passage)) {
    picked = null;
  }
  if (signature() !== shownSig) showPicked();  // vote updates re-render often: leave a warning be
}

// Rewrite ------------------------------------------------------------------------------
rwForm.addEventListener("submit", guard(async (e) => {
  e.preventDefault();
  const now = readSelection();  // a selection made just now, before selectionchange ran
  if (now) setPicked(now);
  const c = chapter();
  if (!editable()) { showPicked("Wait until the chapter is written, then select a passage of it."); return; }
  if (!picked) {
    showPicked("Nothing is selected: first select (drag over) a passage in the chapter text above.");
    return;
  }
  const content = c.content;
  if (content.slice(picked.start, picked.end) !== picked.passage) { setPicked(null); showPicked("The chapter changed: select the passage again."); return; }
  if (picked.passage.length > MAX_PASSAGE) { showPicked(`That selection is too long (${picked.passage.length} characters; at most ${MAX_PASSAGE}).`); return; }
  if (content.indexOf(picked.passage) !== picked.start) {
    showPicked("That text appears more than once in the chapter: select a longer passage so it is unique.");
    return;
  }
  const instruction = rwInput.value.trim();
  if (!instruction) {
    notify.error("Rewrite selection: say how to change the passage (e.g. “make it scarier”).");
    rwInput.focus();
    return;
  }
  rewriting = true;
  renderTools(live);
  preview.dataset.state = "busy";
  let reply;
  try {
    reply = await busy(rwBtn, api.post("chapter/rewrite",
      { passage: picked.passage, instruction, chapterNumber: picked.number }, { label: "Rewrite selection" }));
  } catch (err) {
    showPicked();
    throw err;
  } finally {
    rewriting = false;
    renderTools(live);
  }
  setContent(reply.chapterNumber, reply.content);
  picked = null;
  clearSelection();
  showPicked();
  rwInput.value = "";
  flashRewritten(reply);
  notify.info(`Chapter ${reply.chapterNumber}: passage rewritten`);
}, "rewrite"));

let flashTimer = null;
function flashRewritten(reply) {
  if (!highlights || typeof reply.passage !== "string" || !reply.passage) return;
  const at = text.textContent.indexOf(reply.passage);
  const range = at >= 0 ? rangeOf(at, at + reply.passage.length) : null;
  if (!range) return;
  CSS.highlights.set("rewrite-done", new window.Highlight(range));
  clearTimeout(flashTimer);
  flashTimer = setTimeout(() => CSS.highlights.delete("rewrite-done"), 5000);
}

// Regenerate ---------------------------------------------------------------------------
function hideRegen() {
  regenBox.hidden = true;
  regenBtn.setAttribute("aria-expanded", "false");
}
regenBtn.addEventListener("click", () => {
  regenBox.hidden = !regenBox.hidden;
  regenBtn.setAttribute("aria-expanded", String(!regenBox.hidden));
  if (regenBox.hidden) return;
  const m = live;
  const n = m.chapter ? m.chapter.number : 1;
  const instruction = regenInput.value.trim();
  fill(regenQuestion, el("strong", { text: `Write chapter ${n} again?` }),
    m.state === "voting" ? " The vote in progress is reset: votes cast so far are dropped." : "",
    m.state === "writing" || m.state === "final" ? " The chapter being written starts over." : "",
    instruction ? ` Instruction: “${instruction}”.` : "");
  regenYes.focus();
});
$("regenerate-cancel").addEventListener("click", hideRegen);
regenYes.addEventListener("click", guard(async () => {
  hideRegen();
  const instruction = regenInput.value.trim();
  const reply = await busy(regenBtn, api.post("chapter/regenerate", instruction ? { instruction } : {},
    { label: "Regenerate chapter" }));
  regenInput.value = "";
  notify.info(`Writing chapter ${reply.chapterNumber || ""} again`.replace("  ", " "));
  renderTools(live);
}, "regenerate"));

// Director's notes ---------------------------------------------------------------------
function renderNotes(pending) {
  const items = Array.isArray(pending) ? pending : [];
  fill(notesList, items.map((n) => el("li", { class: "note", text: String(n) })));
  notesEmpty.hidden = items.length > 0;
}

async function loadNotes() {
  const s = live.session;
  notesSession = s ? s.id : null;
  const data = await api.get("director-notes", { label: "Loading director's notes" });
  renderNotes(data.pending);
}
const quietNotes = quietly(loadNotes);

noteForm.addEventListener("submit", guard(async (e) => {
  e.preventDefault();
  const note = noteInput.value.trim();
  if (!note) { notify.error("Director's note: type the note first (e.g. “a talking cat appears”)."); noteInput.focus(); return; }
  const reply = await busy(noteBtn, api.post("director-note", { note }, { label: "Director's note" }));
  noteInput.value = "";
  renderNotes(reply.pending);
  notify.info("Note added: the next chapter will follow it");
}, "note"));

// State -> buttons ---------------------------------------------------------------------
function renderTools(m) {
  const running = isRunning();
  tools.hidden = !m.known || (!running && !m.chapter);
  rwBtn.disabled = !editable() || rewriting;  // enabled without a selection: a click says what to do
  regenBtn.disabled = !REGENERABLE.has(m.state);
  regenInput.disabled = regenBtn.disabled;
  if (regenBtn.disabled) hideRegen();
  noteBtn.disabled = !running;
  noteInput.disabled = !running;
  const sid = m.session ? m.session.id : null;
  if (sid !== notesSession && isSignedIn()) {
    notesSession = sid;
    if (sid === null) renderNotes([]); else quietNotes();
  }
}

bus.on("live:changed", (m) => { renderTools(m); checkPicked(); });
bus.on("story:notes-updated", (p) => {
  const s = live.session;
  if (!s || !p.sessionId || p.sessionId === s.id) renderNotes(p.pending);
});
// The chapter just written used the pending notes (the server marks them then).
bus.on("story:chapter-ready", quietNotes);
bus.on("auth:signed-in", quietNotes);
bus.on("socket:connected", (p) => { if (p.reconnect) quietNotes(); });
renderTools(live);
showPicked();
