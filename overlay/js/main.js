// Entry point: reads the URL parameters, fits the canvas, listens on Socket.IO /overlay and redraws.
// The overlay only listens; it never sends commands. On every (re)connect the server sends
// story:state, which fully restores the screen.

import { readParams, applyParams } from "./params.js";
import { createStore, applyState, applyEvent, chooseScreen, setScreen } from "./state.js";
import { createTextView } from "./text.js";
import { createVotes } from "./votes.js";
import { createTheme } from "./theme.js";
import { createScreens } from "./screens.js";
import { startCountdown } from "./countdown.js";
import { $ } from "./dom.js";

const EVENTS = [
  "story:generation-started", "story:chapter-token", "story:chapter-reset", "story:chapter-ready",
  "story:voting-started", "story:vote-update", "story:voting-ended", "story:ended", "story:image-updated",
];

const cfg = readParams(window.location.search);
applyParams(cfg);

const store = createStore(cfg.holdMs);
const debug = { state: store, screen: store.screen, config: cfg, lastState: null };
window.__overlay = debug;

const textView = createTextView($("chapter-text"), cfg.mode);
const votes = createVotes();
const theme = createTheme(cfg);
const screens = createScreens({ store, textView, votes, theme });
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

function afterLayout() {
  try {
    textView.relayout();
    votes.fit();
  } catch (err) {
    console.error("overlay: layout", err);
  }
}

function render() {
  try {
    const { screen, recheckInMs } = chooseScreen(store);
    setScreen(store, screen);
    screens.draw(screen);
    countdown.tick();
    debug.screen = screen;
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

function handle(name, payload) {
  try {
    if (name === "story:state") {
      debug.lastState = payload;
      applyState(store, payload);
      theme.use(store.session && store.session.theme);
    } else {
      applyEvent(store, name, payload);
    }
  } catch (err) {
    console.error(`overlay: bad ${name} payload`, err, payload);
  }
  schedule();
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
  socket.on("story:image-failed", (e) => console.warn("overlay: image failed", e));
  socket.on("connect", () => { document.body.dataset.connected = "true"; });
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
connect();
