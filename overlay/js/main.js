// Entry point: reads the URL parameters, fits the canvas, listens on Socket.IO /overlay and redraws.
// The overlay only listens; it never sends commands. On every (re)connect the server sends
// story:state, which fully restores the screen.

import { readParams, applyParams } from "./params.js";
import { createStore, applyState, applyEvent, chooseScreen, setScreen, int, isObj } from "./state.js";
import { createTextView } from "./text.js";
import { createVotes } from "./votes.js";
import { createTheme } from "./theme.js";
import { createScreens } from "./screens.js";
import { createNarration } from "./narration.js";
import { startCountdown } from "./countdown.js";
import { $ } from "./dom.js";
import { applyPlacement, cleanPanels, fetchPlacement } from "./placement.js";
import { startEditor } from "./editor.js";

const EVENTS = [
  "story:generation-started", "story:chapter-token", "story:chapter-reset", "story:chapter-ready",
  "story:voting-started", "story:vote-update", "story:voting-ended", "story:ended", "story:image-updated",
  "story:image-failed", "story:chapter-updated", "story:narration", "story:beat", "story:idea-credit", "story:cast-updated",
];

const cfg = readParams(window.location.search);
applyParams(cfg);

const store = createStore();
const debug = { state: store, screen: store.screen, config: cfg, lastState: null };
window.__overlay = debug;

/** The vote on chapter n is over (or a later chapter is on): its vote call is no longer wanted. */
function voteClosed(n) {
  const r = store.lastResult;
  if (isObj(r) && int(r.chapterNumber) >= n) return true;
  if (store.chapter && store.chapter.chapterNumber > n) return true;
  return Boolean(store.voting) && store.voting.chapterNumber > n;
}

/** Does the story panel show chapter n now (so its narration may play)? */
function onScreen(n) {
  const ch = store.chapter;
  const screen = store.screen;
  if (screen === "ended") return true; // the final chapter's last lines
  if (!ch || ch.chapterNumber !== n || ch.streaming) return false;
  if (screen === "chapter" || screen === "voting") return true;
  return screen === "result" && isObj(store.lastResult) && int(store.lastResult.chapterNumber) === n;
}

const narration = createNarration({ mode: cfg.narration, volume: cfg.volume, voteClosed, onScreen,
  onChange: () => schedule(), serverNow: () => Date.now() + (store.offset || 0) });
Object.defineProperty(debug, "narration", { enumerable: true, get: () => narration.snapshot() });

const textView = createTextView($("chapter-text"), cfg.mode);
const lineView = createTextView($("story-line"), "sentence"); // the story while a vote is on
const votes = createVotes();
const theme = createTheme(cfg);
const screens = createScreens({ store, textView, lineView, votes, theme, narration });
Object.defineProperty(debug, "theme", { enumerable: true, get: () => theme.current() });
theme.use(null);

/** Scale the fixed design canvas to fit the viewport exactly (centred, never cropped). */
function fitCanvas() {
  const canvas = $("canvas");
  const vw = window.innerWidth || cfg.width;
  const vh = window.innerHeight || cfg.height;
  const k = Math.min(vw / cfg.width, vh / cfg.height);
  const x = (vw - cfg.width * k) / 2;
  const y = (vh - cfg.height * k) / 2;
  canvas.style.transform = k === 1 && x === 0 && y === 0 ? "" : `translate(${x}px, ${y}px) scale(${k})`;
}

const countdown = startCountdown(store);
let recheck = null;
let queued = false;
let lastScreen = null;

/**
 * The vote comes first: when it leaves the story line too little room, the line makes way for the chapter's title
 * alone, and when even that does not fit, the story is not shown while the vote is on. Measured again only when
 * what decides it changed (or `force`, after a layout change): measuring means laying the page out.
 */
let squeezedFor = null;
function squeezeStory(force = false) {
  const body = document.body;
  const key = [body.dataset.story, body.dataset.screen, $("chapter-title").textContent, $("story-line").textContent,
    $("image-frame").hidden, ...[...document.querySelectorAll(".choice-text, .choice-meta")].map((c) => c.textContent)]
    .join("\u0000");
  if (key === squeezedFor && !force) return;
  squeezedFor = key;
  const main = $("main");
  const panel = $("story-panel");
  main.classList.remove("squeezed");
  panel.classList.remove("title-only");
  if (body.dataset.story !== "line") return;
  const over = () => panel.scrollHeight > panel.clientHeight + 1;
  if (over()) panel.classList.add("title-only");
  if (over()) main.classList.add("squeezed");
}

function afterLayout() {
  try {
    textView.relayout();
    lineView.relayout();
    votes.fit();
    squeezeStory(true);
  } catch (err) {
    console.error("overlay: layout", err);
  }
}

function render() {
  try {
    const { screen, recheckInMs } = chooseScreen(store);
    setScreen(store, screen);
    screens.draw(screen);
    squeezeStory();
    countdown.tick();
    debug.screen = screen;
    narration.poke();
    clearTimeout(recheck);
    if (recheckInMs > 0) recheck = setTimeout(schedule, recheckInMs);
    if (screen !== lastScreen) {
      lastScreen = screen;
      requestAnimationFrame(afterLayout);
      setTimeout(afterLayout, 500); // again once the fade has settled (rAF may be throttled)
    }
  } catch (err) {
    console.error("overlay: render", err);
  }
}

/** Redraw once per burst of events. */
function schedule() {
  if (queued) return;
  queued = true;
  queueMicrotask(() => {
    queued = false;
    render();
  });
}

/** Keep the narration queue in step with the story: new story, new chapter, closed vote. */
function steerNarration(name, payload, applied, sessionBefore) {
  if (store.sessionId !== sessionBefore && sessionBefore !== null) narration.reset();
  if (name === "story:state") {
    if (!store.chapter) return;
    narration.chapterShown(store.chapter.chapterNumber);
    const said = isObj(payload) && isObj(payload.narration) ? payload.narration.lines : null;
    if (Array.isArray(said)) {
      narration.resume(said.filter((l) => isObj(l) && l.chapterNumber === store.chapter.chapterNumber));
    }
  } else if (!applied || !isObj(payload)) {
    return;
  } else if (name === "story:generation-started" && store.generation && store.generation.purpose !== "outline") {
    narration.newChapter(int(payload.chapterNumber));
  } else if (name === "story:chapter-ready") {
    narration.chapterReady(int(payload.chapterNumber));
  } else if (name === "story:voting-ended") {
    narration.voteClosed(int(payload.chapterNumber));
  }
}

function handle(name, payload) {
  try {
    if (name === "story:narration") {
      narration.push(payload);
      return; // the queue redraws when what is spoken changes
    }
    const sessionBefore = store.sessionId;
    let applied = true;
    if (name === "story:state") {
      debug.lastState = payload;
      applyState(store, payload);
      theme.use(store.session && store.session.theme);
    } else {
      applied = applyEvent(store, name, payload);
    }
    steerNarration(name, payload, applied, sessionBefore);
  } catch (err) {
    console.error(`overlay: bad ${name} payload`, err, payload);
  }
  schedule();
}

/** Put the panels where the streamer placed them (null: the built-in layout) and fit their contents again. */
function place(panels) {
  applyPlacement(panels, cfg);
  afterLayout();
}

function connect() {
  if (typeof window.io !== "function") {
    console.error("overlay: the Socket.IO client did not load");
    return;
  }
  const socket = window.io("/overlay", { transports: ["websocket", "polling"] });
  socket.on("story:state", (payload) => handle("story:state", payload));
  for (const name of EVENTS) socket.on(name, (payload) => handle(name, payload));
  // Failures are for the streamer's panel, never for viewers: log only, keep the screen.
  socket.on("story:error", (e) => console.warn("overlay: story error", e));
  // The streamer's placement of the panels: read on every (re)connect, then pushed when it changes.
  socket.on("story:overlay-layout", (payload) => {
    if (isObj(payload) && payload.layout === cfg.layout) place(cleanPanels(payload.panels, cfg.layout));
  });
  socket.on("connect", () => {
    document.body.dataset.connected = "true";
    fetchPlacement(cfg.layout).then(place);
  });
  socket.on("disconnect", (reason) => {
    document.body.dataset.connected = "false";
    console.warn("overlay: disconnected", reason);
  });
  socket.on("connect_error", (err) => console.warn("overlay: connect error", err && err.message));
  debug.socket = socket;
}

fitCanvas();
window.addEventListener("resize", () => {
  fitCanvas();
  afterLayout();
});
$("chapter-image").addEventListener("load", afterLayout);
render();
if (cfg.edit) startEditor({ cfg, preview: (sample) => handle("story:state", sample), relayout: afterLayout });
else connect();
