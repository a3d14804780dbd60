// Live → the chapter's picture: a thumbnail (made in the background, it follows the chapter),
// "New picture" with an optional prompt (POST chapter/image → 202; the picture arrives with
// story:image-updated), the prompt used, failures ("picture failed: …"), and "now narrating".
import { $, el, fill, busy } from "./dom.js";
import { bus } from "./bus.js";
import * as api from "./api.js";
import * as notify from "./notify.js";
import { guard } from "./notify.js";
import { live, serverNow } from "./livemodel.js";

const figure = $("live-picture"), frame = figure.querySelector(".picture-frame");
const img = $("live-image"), link = $("live-image-link"), note = $("live-image-note");
const caption = $("live-image-caption"), promptBox = $("image-prompt-box"), promptUsed = $("image-prompt-used");
const form = $("image-form"), promptInput = $("image-prompt"), button = $("regenerate-image");
const narrating = $("now-narrating");

// What is known of each chapter's picture in the current story: number -> {url, prompt, pending, error}.
let sessionId = null;
const pics = new Map();
let imagesOff = false;
let loadFailed = "";  // the URL the <img> could not load

const entry = (n) => { if (!pics.has(n)) pics.set(n, { url: null, prompt: "", pending: false, error: "" }); return pics.get(n); };

function forSession(id) {
  if (id === undefined || id === null || id === sessionId) return;
  sessionId = id;
  pics.clear();
}

/** The chapter whose picture the buttons act on: the one on screen (or the newest written). */
function targetNumber() {
  const c = live.chapter;
  if (c && !c.streaming) return c.number;
  const numbers = [...pics.keys()].filter((n) => !c || n < c.number);
  return numbers.length ? Math.max(...numbers) : null;
}

function render() {
  const m = live;
  figure.hidden = !m.session;  // no story: nothing to picture
  const current = m.chapter ? m.chapter.number : null;
  const own = current !== null && pics.has(current) ? pics.get(current) : null;
  // Until the current chapter has its own picture, the newest earlier one stays up (labelled).
  const withUrl = [...pics.entries()].filter(([n, p]) => p.url && (current === null || n <= current));
  const shownNumber = own && own.url ? current : withUrl.length ? Math.max(...withUrl.map(([n]) => n)) : null;
  const shown = shownNumber !== null ? pics.get(shownNumber) : null;

  if (shown && shown.url) {
    if (img.getAttribute("src") !== shown.url) { img.src = shown.url; loadFailed = ""; }
    img.alt = `Picture for chapter ${shownNumber}`;
    link.href = shown.url;
  }
  const visible = Boolean(shown && shown.url) && loadFailed !== shown.url;
  img.hidden = !visible;
  link.hidden = !visible;

  let text = "", kind = "none";
  if (own && own.error) { text = `picture failed: ${own.error}`; kind = "failed"; }
  else if (own && own.pending) { text = own.url ? "Making a new picture…" : "Making the picture…"; kind = "pending"; }
  else if (shown && loadFailed === shown.url) { text = "The picture could not be loaded."; kind = "failed"; }
  else if (!visible) {
    text = imagesOff ? "Pictures are off (Settings → Pictures)."
      : !m.session ? "No story running"
        : m.chapter && m.chapter.streaming ? "The picture follows once the chapter is written" : "No picture yet";
  }
  else kind = "ready";
  note.textContent = text;
  note.hidden = !text;
  note.dataset.kind = kind;
  frame.dataset.state = visible ? "picture" : kind;

  caption.textContent = shown && shown.url
    ? `Chapter ${shownNumber}${shownNumber !== current && current !== null ? " (the current chapter's picture is on its way)" : ""}`
    : "";
  promptBox.hidden = !(shown && shown.url && shown.prompt);
  promptUsed.textContent = shown && shown.prompt ? shown.prompt : "";

  const target = targetNumber();
  const busy = target !== null && pics.has(target) && pics.get(target).pending;
  button.disabled = !m.session || target === null || imagesOff || busy;
  promptInput.disabled = !m.session || imagesOff;
  button.title = imagesOff ? "Pictures are off (Settings → Pictures)"
    : target === null ? "Wait until a chapter is written" : `Make chapter ${target}'s picture again`;
}

img.addEventListener("error", () => { loadFailed = img.getAttribute("src") || ""; render(); });
img.addEventListener("load", () => { if (loadFailed) { loadFailed = ""; render(); } });

form.addEventListener("submit", guard(async (e) => {
  e.preventDefault();
  const number = targetNumber();
  if (number === null) return;
  const prompt = promptInput.value.trim();
  const reply = await busy(button, api.post("chapter/image",
    prompt ? { prompt, chapterNumber: number } : { chapterNumber: number }, { label: "New picture" }));
  const pic = entry(reply.chapterNumber || number);
  pic.pending = true;
  pic.error = "";
  promptInput.value = "";
  notify.info(`Making a new picture for chapter ${reply.chapterNumber || number}…`);
  render();
}, "new-picture"));

// Events -------------------------------------------------------------------------------------
const on = bus.on;
const mine = (p) => !p.sessionId || sessionId === null || p.sessionId === sessionId;

function fromChapter(c) {
  if (!c || typeof c.chapterNumber !== "number") return;
  forSession(c.sessionId);
  const pic = entry(c.chapterNumber);
  if (c.imageUrl && c.imageUrl !== pic.url) { pic.url = c.imageUrl; pic.prompt = ""; }
  if (c.imageStatus === "pending" && !pic.url) pic.pending = true;
  if (c.imageStatus === "failed" && !pic.error && !pic.url) pic.error = "no details";
}

on("story:state", (p) => {
  forSession(p.session ? p.session.id : null);
  if (p.chapter && !p.chapter.streaming) fromChapter({ ...p.chapter, sessionId: p.chapter.sessionId || (p.session || {}).id });
  render();
});
on("story:generation-started", (p) => {
  if (p.purpose === "outline") { forSession(p.sessionId); pics.clear(); narrating.hidden = true; lineChapter = null; }
  render();
});
on("story:chapter-ready", (p) => { fromChapter(p); render(); });
on("story:chapter-updated", (p) => { fromChapter(p); render(); });
on("story:image-updated", (p) => {
  if (!mine(p) || typeof p.chapterNumber !== "number") return;
  forSession(p.sessionId);
  const pic = entry(p.chapterNumber);
  Object.assign(pic, { url: p.url || pic.url, prompt: p.prompt || "", pending: false, error: "" });
  render();
});
on("story:image-failed", (p) => {
  if (!mine(p) || typeof p.chapterNumber !== "number") return;
  forSession(p.sessionId);
  Object.assign(entry(p.chapterNumber), { pending: false, error: p.error || "unknown error" });
  render();
});
on("media:status", (media) => {
  const off = Boolean(media && media.images && media.images.provider === "off");
  if (off !== imagesOff) { imagesOff = off; render(); }
});
on("live:changed", render);

// Now narrating: lines arrive as soon as they are synthesised, usually ahead of when they are heard; each
// carries when the server's timeline has it heard (startsAt), so it is shown then, for its own length.
// A vote call heard now stops the chapter's lines (the vote opened: the reading stops there).
const queue = [];
let lineTimer = null, lineChapter = null;
function showNext() {
  clearTimeout(lineTimer);
  lineTimer = null;
  const now = serverNow();
  while (queue.length && typeof queue[0].startsAt === "number" && queue[0].startsAt + (Number(queue[0].durationMs) || 0) < now) {
    queue.shift();  // over by the server's clock (this page joined late)
  }
  const p = queue[0];
  if (!p) { narrating.dataset.state = "done"; live.heardLine = null; return; }
  const wait = typeof p.startsAt === "number" ? p.startsAt - now : 0;
  if (wait > 50) { lineTimer = setTimeout(showNext, wait); return; }
  queue.shift();
  const who = p.kind === "vote-call" ? "Vote call" : p.speaker || "Narrator";
  const where = typeof p.total === "number" && p.total > 1 ? ` (${(p.index || 0) + 1}/${p.total})` : "";
  fill(narrating, el("span", { class: "muted", text: `Now narrating${where} · ` }),
    el("strong", { text: `${who}: ` }), el("span", { class: "narration-text", text: p.text }));
  narrating.hidden = false;
  narrating.dataset.state = "speaking";
  live.heardLine = p.kind === "chapter" ? { chapterNumber: p.chapterNumber, index: p.index || 0, total: p.total || 0 } : null;
  const left = typeof p.startsAt === "number" ? p.startsAt + (Number(p.durationMs) || 0) - now : Number(p.durationMs) || 0;
  lineTimer = setTimeout(showNext, Math.min(60000, Math.max(300, left)));
}
on("story:narration", (p) => {
  if (!p || !p.text) return;
  if (p.kind !== "vote-call" && p.chapterNumber !== lineChapter) {  // a new chapter: stop reading the old one
    lineChapter = p.chapterNumber;
    queue.length = 0;
  }
  if (p.kind === "vote-call" && !(p.startsAt > serverNow() + 500)) queue.length = 0;  // the vote opened now
  queue.push(p);
  queue.sort((a, b) => (a.startsAt || 0) - (b.startsAt || 0));
  if (queue.length > 200) queue.shift();
  if (!lineTimer || queue[0] === p) showNext();
});

render();
