// Writer's room: prepared stories (GET/POST drafts), and one draft's editor: its fields, edited by
// hand and saved (PATCH), each step written (or written again) in turn (the stepper and the
// streaming are roomsteps.js's), then "Go live" (POST drafts/{id}/start) hands the story to Live.
import { $, el, fill, fmt, busy, goTo, secondClick } from "./dom.js";
import { bus } from "./bus.js";
import * as api from "./api.js";
import * as notify from "./notify.js";
import { guard, problem } from "./notify.js";
import { isRunning } from "./livemodel.js";
import { themeName, themeLabel, fillThemeSelect } from "./themes.js";
import { styleFields, readStyle, styleWords } from "./storystyle.js";
import { open as openInHistory } from "./history.js";
import { PHASE_NAMES, STEP_WORDS, NEXT, writeBtns, acceptBtns, renderSteps, streamStep } from "./roomsteps.js";
import { confirmStart } from "./audience.js";

const list = $("drafts-list"), newForm = $("draft-new-form"), themeSel = $("draft-theme");
const customBox = $("draft-custom-box"), custom = $("draft-custom"), wishes = $("draft-wishes");
const styleBox = $("draft-style-box"), createBtn = $("draft-new");
const emptyNote = $("draft-empty"), editor = $("draft-editor"), titleIn = $("draft-title"), meta = $("draft-meta");
const wentLive = $("draft-went-live"), setupFacts = $("draft-setup-facts");
const editWishes = $("draft-edit-wishes"), premise = $("draft-premise"), outline = $("draft-outline");
const openTitle = $("draft-opening-title"), openContent = $("draft-opening-content"), choicesList = $("draft-choices");
const saveBtn = $("draft-save"), status = $("draft-status"), deleteBtn = $("draft-delete");
const goLive = $("draft-go-live"), goLiveHint = $("draft-go-live-hint");
const TARGET = { premise, outline, opening: openContent };
styleBox.append(styleFields("draft"));

let drafts = [];
let current = null;     // the draft as the server last sent it
let writing = null;     // the step being written ("premise" | "outline" | "opening") or null
let savedNote = false;  // "Saved" shows until the next edit

// Fields ---------------------------------------------------------------------------------------
const choiceInputs = () => [...choicesList.querySelectorAll(".draft-choice")];
/** The editor's text fields: how to read them and what the server has. */
const TEXT = {
  title: { input: titleIn, read: () => titleIn.value.trim() },
  wishes: { input: editWishes, read: () => editWishes.value },
  premise: { input: premise, read: () => premise.value },
  outline: { input: outline, read: () => outline.value },
};
const saved = (name) => (current && typeof current[name] === "string" ? current[name] : "");
const openingNow = () => ({ title: openTitle.value.trim(), content: openContent.value, choices: choiceInputs().map((i) => i.value.trim()) });
function openingDirty() {
  const now = openingNow();
  const o = current && current.opening;
  if (!o) return Boolean(now.title || now.content.trim() || now.choices.some(Boolean));
  return now.title !== (o.title || "") || now.content !== (o.content || "")
    || JSON.stringify(now.choices) !== JSON.stringify(o.choices || []);
}
/** Names of the fields edited since the last answer from the server. */
function dirtyFields() {
  const names = new Set();
  if (!current) return names;
  for (const [name, f] of Object.entries(TEXT)) if (f.read() !== saved(name)) names.add(name);
  if (openingDirty()) names.add("opening");
  return names;
}

function renderChoices(values) {
  const n = (current && current.numChoices) || values.length || 3;
  const items = [];
  for (let i = 0; i < n; i++) {
    items.push(el("li", {}, el("input", {
      type: "text", class: "draft-choice draft-field", value: values[i] || "", maxLength: 140,
      placeholder: "comes with the chapter", attrs: { "aria-label": `Choice ${fmt.letter(i)}` },
    })));
  }
  fill(choicesList, items);
}

/**
 * Show a draft from the server. keep: fields the streamer edited stay as typed (unless forced);
 * force: names overwritten whatever was typed (the step just written or saved).
 */
function applyDraft(draft, { keep = false, force = new Set() } = {}) {
  const switching = !current || current.id !== draft.id;
  const edited = keep && !switching ? dirtyFields() : new Set();
  const mine = (name) => edited.has(name) && !force.has(name);
  current = draft;
  for (const [name, f] of Object.entries(TEXT)) if (!mine(name)) f.input.value = saved(name);
  if (!mine("opening")) {
    const o = draft.opening || { title: "", content: "", choices: [] };
    openTitle.value = o.title || "";
    openContent.value = o.content || "";
    renderChoices(o.choices || []);
  }
  if (switching) savedNote = false;
  const i = drafts.findIndex((d) => d.id === draft.id);
  if (i >= 0) drafts[i] = draft; else drafts.unshift(draft);
  renderList();
  render();
}

// Rendering --------------------------------------------------------------------------------------
const draftTitle = (d) => d.title || `Untitled ${d.theme === "custom" ? "custom" : themeName(d.theme)} story`;

function renderList() {
  if (!drafts.length) { fill(list, el("li", { class: "muted small", text: "No prepared stories yet." })); return; }
  fill(list, drafts.map((d) => el("li", {}, el("button", {
    type: "button", class: `draft-item${current && current.id === d.id ? " selected" : ""}`,
    data: { id: String(d.id), phase: d.phase }, disabled: Boolean(writing) && !(current && current.id === d.id),
    on: { click: guard(() => open(d.id), "writer's room") },
  },
  el("span", { class: "d-title", text: draftTitle(d) }),
  el("span", { class: "d-meta muted small", text: `${fmt.clip(themeLabel(d), 40)} · ${fmt.ago(d.updatedAt)}` }),
  el("span", { class: `phase-pill phase-${d.phase}`, text: PHASE_NAMES[d.phase] || d.phase })))));
}

function render() {
  editor.hidden = !current;
  emptyNote.hidden = Boolean(current);
  createBtn.disabled = Boolean(writing);
  if (!current) { renderGoLive(); return; }
  const d = current;
  const live = d.phase === "live";
  meta.textContent = [themeLabel(d), fmt.plural(d.maxChapters, "chapter"), `${d.numChoices} choices`, d.language,
    `prepared ${fmt.date(d.createdAt)}`].filter(Boolean).join(" · ");
  setupFacts.textContent = [`Theme: ${themeLabel(d)}`, styleWords(d.style) ? `Style — ${styleWords(d.style)}` : ""]
    .filter(Boolean).join(". ");

  renderSteps(d, writing);
  wentLive.hidden = !live;
  if (live) {
    fill(wentLive, el("span", { text: d.sessionId ? `This story went live (story #${d.sessionId}). ` : "This story went live. " }),
      d.sessionId ? el("button", { type: "button", class: "small", text: "Open in History",
        on: { click: guard(async () => { goTo("history"); await openInHistory(d.sessionId); }, "history") } }) : null);
  }

  for (const input of editor.querySelectorAll(".draft-field")) {
    const streamingHere = writing && (input === TARGET[writing] || (writing === "opening" && (input === openTitle || input.classList.contains("draft-choice"))));
    input.readOnly = live || Boolean(streamingHere);
  }
  titleIn.readOnly = live;
  deleteBtn.disabled = Boolean(writing);
  renderDirty();
  renderGoLive();
}

function renderDirty() {
  if (!current) return;
  const n = dirtyFields().size;
  const live = current.phase === "live";
  saveBtn.disabled = !n || Boolean(writing) || live;
  if (n) savedNote = false;
  status.textContent = writing ? `Writing ${STEP_WORDS[writing]}…` : n ? (n === 1 ? "1 unsaved change" : `${n} unsaved changes`)
    : savedNote ? "Saved" : "";
  status.dataset.kind = writing ? "busy" : n ? "dirty" : savedNote ? "ok" : "";
  for (const input of editor.querySelectorAll(".draft-field, #draft-title")) input.classList.remove("changed");
  if (n) {
    const edited = dirtyFields();
    for (const name of edited) {
      if (name === "opening") for (const i of [openTitle, openContent, ...choiceInputs()]) i.classList.add("changed");
      else TEXT[name].input.classList.add("changed");
    }
  }
}

function renderGoLive() {
  const running = isRunning();
  const d = current;
  goLive.disabled = !d || d.phase === "live" || Boolean(writing) || running;
  goLive.textContent = d && d.phase === "live" ? "Gone live ✓" : "Go live";
  goLiveHint.textContent = !d ? "" : d.phase === "live" ? "This prepared story has been used."
    : running ? "A story is running. End it (Live → End story) before going live with this one."
      : writing ? "" : d.opening ? "Chapter 1 is shown the moment you go live; the first vote opens after it."
        : "No opening yet: the writer writes chapter 1 live.";
}

// Actions -----------------------------------------------------------------------------------------
/** The PATCH body for what was edited (skip: fields about to be written again anyway). */
function changes(skip = new Set()) {
  const patch = {};
  const edited = dirtyFields();
  for (const name of skip) edited.delete(name);
  for (const name of Object.keys(TEXT)) if (edited.has(name)) patch[name] = TEXT[name].read();
  if (edited.has("opening")) {
    const o = openingNow();
    if (!o.title || !o.content.trim()) throw problem("Save: the opening chapter needs a title and its text.");
    const empty = o.choices.findIndex((c) => !c);
    if (empty >= 0) throw problem(`Save: choice ${fmt.letter(empty)} of the opening is empty.`);
    patch.opening = o;
  }
  return patch;
}

/** PATCH what was edited (nothing to do when nothing was). */
async function save(skip) {
  if (!current) return null;
  const patch = changes(skip);
  if (!Object.keys(patch).length) return current;
  const id = current.id;
  const reply = await busy(saveBtn, api.patch(`drafts/${encodeURIComponent(id)}`, patch, { label: "Save the prepared story" }));
  if (current && current.id === id && reply.draft) {
    savedNote = true;
    applyDraft(reply.draft, { keep: true, force: new Set(Object.keys(patch)) });
  }
  return reply.draft;
}

/** Write (or write again) one step, its text streamed into its textarea as it is written. */
async function write(step) {
  if (!current || writing) return;
  if (current.phase === "live") throw problem("This story has already gone live.");
  await save(new Set([step]));  // the step builds on the streamer's edits (its own text is written anew)
  const id = current.id;
  const target = TARGET[step];
  const before = { value: target.value, title: openTitle.value, choices: choiceInputs().map((i) => i.value) };
  writing = step;
  target.value = "";
  if (step === "opening") { openTitle.value = ""; for (const i of choiceInputs()) i.value = ""; }
  target.classList.add("streaming");
  renderList();
  render();
  let final;
  try {
    final = await streamStep(step, id, target, () => Boolean(current && current.id === id));
  } catch (err) {
    if (current && current.id === id) {  // back to what was there
      target.value = before.value;
      if (step === "opening") { openTitle.value = before.title; choiceInputs().forEach((i, n) => { i.value = before.choices[n] || ""; }); }
    }
    throw err;
  } finally {
    writing = null;
    target.classList.remove("streaming");
    renderList();
    render();
  }
  if (final && final.draft && current && current.id === id) {
    const force = new Set(step === "opening" ? ["opening"] : [step, "title"]);
    applyDraft(final.draft, { keep: true, force });
    target.scrollTop = 0;  // read it from the start
    notify.info(`${STEP_WORDS[step][0].toUpperCase()}${STEP_WORDS[step].slice(1)} is written: read it, edit it, or write it again.`);
  }
}

async function accept(step) {
  await save();
  const next = NEXT[step];
  if (!next) {
    goLive.scrollIntoView({ behavior: "smooth", block: "center" });
    goLive.focus({ preventScroll: true });
    notify.info(isRunning() ? "Ready. Go live once the running story has ended." : "Ready: press Go live when you are.");
    return;
  }
  $(`draft-step-${next}`).scrollIntoView({ behavior: "smooth", block: "start" });
  if (!(next === "opening" ? current.opening : current[next])) await write(next);
}

async function open(id) {
  if (writing) { notify.error(`Wait until ${STEP_WORDS[writing]} is written.`); return; }
  if (current && current.id !== id && dirtyFields().size) await save();  // switching keeps the edits
  const reply = await api.get(`drafts/${encodeURIComponent(id)}`, { label: "Open the prepared story" });
  applyDraft(reply.draft, { keep: true });  // the same draft again keeps what is being typed
}

async function loadList() {
  const reply = await api.get("drafts", { label: "Loading prepared stories" });
  drafts = Array.isArray(reply.drafts) ? reply.drafts : [];
  if (current) {
    const fresh = drafts.find((d) => d.id === current.id);
    if (fresh) applyDraft(fresh, { keep: true }); else { current = null; render(); }
  }
  renderList();
}

// Events --------------------------------------------------------------------------------------------
bus.on("themes:loaded", (themes) => {
  fillThemeSelect(themeSel, themes);
  customBox.hidden = themeSel.value !== "custom";
});
themeSel.addEventListener("change", () => {
  customBox.hidden = themeSel.value !== "custom";
  if (!customBox.hidden) custom.focus();
});

newForm.addEventListener("submit", guard(async (e) => {
  e.preventDefault();
  const theme = themeSel.value;
  if (!theme) throw problem("Prepare a story: pick a theme first.");
  const body = { theme };
  if (theme === "custom") {
    const text = custom.value.trim();
    if (!text) { custom.focus(); throw problem("Prepare a story: describe your custom theme first."); }
    body.customTheme = text;
  }
  if (wishes.value.trim()) body.wishes = wishes.value.trim();
  const style = readStyle(styleBox);
  if (Object.keys(style).length) body.style = style;
  if (current && dirtyFields().size) await save();
  const reply = await busy(createBtn, api.post("drafts", body, { label: "Prepare a story" }));
  custom.value = "";
  wishes.value = "";
  for (const input of styleBox.querySelectorAll("[data-style]")) input.value = "";
  current = null;
  applyDraft(reply.draft);
  notify.info("Prepared. Next: write the premise.");
  editor.scrollIntoView({ behavior: "smooth", block: "start" });
  writeBtns.premise.focus({ preventScroll: true });
}, "writer's room"));

for (const [step, btn] of Object.entries(writeBtns)) btn.addEventListener("click", guard(() => write(step), "writer's room"));
for (const btn of acceptBtns) btn.addEventListener("click", guard(() => accept(btn.dataset.step), "writer's room"));
saveBtn.addEventListener("click", guard(async () => {
  await save();
  notify.info("Prepared story saved");
}, "writer's room"));
editor.addEventListener("input", () => renderDirty());

goLive.addEventListener("click", guard(async () => {
  if (!current) return;
  if (isRunning()) throw problem("Go live: a story is running. End it first (Live → End story).");
  if (!(await confirmStart())) return;
  await save();
  const id = current.id;
  let reply;
  try {
    reply = await busy(goLive, api.post(`drafts/${encodeURIComponent(id)}/start`, {}, { label: "Go live" }));
  } finally {
    renderGoLive();
  }
  const title = (reply.session && reply.session.title) || draftTitle(current);
  notify.info(`“${title}” is live`);
  goTo("live");
  const fresh = await api.get(`drafts/${encodeURIComponent(id)}`, { label: "Open the prepared story" });
  if (current && current.id === id) applyDraft(fresh.draft);
}, "go live"));

// Delete: two clicks, so a stray click cannot lose a prepared story.
const deleteConfirmed = secondClick(deleteBtn, "Click again to delete");
deleteBtn.addEventListener("click", guard(async () => {
  if (!current) return;
  if (!deleteConfirmed()) return;
  const id = current.id;
  await busy(deleteBtn, api.del(`drafts/${encodeURIComponent(id)}`, { label: "Delete the prepared story" }));
  drafts = drafts.filter((d) => d.id !== id);
  current = null;
  renderList();
  render();
  notify.info("Prepared story deleted");
}, "writer's room"));

$("drafts-refresh").addEventListener("click", guard(loadList, "writer's room"));
bus.on("live:changed", renderGoLive);
bus.on("auth:signed-in", () => { loadList().catch(() => {}); });
bus.on("socket:connected", (p) => { if (p.reconnect && !writing) loadList().catch(() => {}); });
render();
