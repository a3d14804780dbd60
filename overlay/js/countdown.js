// The vote countdown and the show's beat line, driven by the server's clock: offset = serverTime -
// Date.now() (taken from story:state / story:voting-started), remaining = endsAt - (Date.now() + offset).
// Ticks 4x a second.

import { $, setText } from "./dom.js";
import { beatLeftMs } from "./state.js";

const RING = 276.5; // circumference of the SVG ring (r = 44)
const URGENT_MS = 10_000;

/** Remaining milliseconds of the open vote, or null when there is none. */
export function remainingMs(store, now = Date.now()) {
  const v = store.voting;
  if (!v || typeof v.endsAt !== "number") return null;
  return Math.max(0, v.endsAt - (now + store.offset));
}

/** What the beat line says now: "vote opens in ~24 s", "next chapter in 4 s", or "". */
export function beatLabel(store, now = Date.now()) {
  const b = store.beat;
  const left = beatLeftMs(store, now);
  if (!b || left === null) return "";
  const s = Math.max(1, Math.ceil(left / 1000));
  if (b.beat === "narrating" && b.then === "vote") return `vote opens in ~${s} s`;
  if (b.beat === "result") return `next chapter in ${s} s`;
  return "";
}

export function startCountdown(store) {
  const panel = $("vote-panel");
  const label = $("countdown");
  const ring = $("ring");
  const beatLine = $("beat-line");
  const statusLine = $("status-line");
  const statusText = $("status-text");

  function tickBeat() {
    const text = beatLabel(store);
    setText(beatLine, text);
    beatLine.hidden = !text;
    statusLine.classList.toggle("blank", !text && !statusText.textContent);
    const beat = store.beat ? store.beat.beat : "idle";
    if (document.body.dataset.beat !== beat) document.body.dataset.beat = beat;
  }

  function tick() {
    try {
      tickBeat();
      const left = remainingMs(store);
      if (left === null) {
        panel.classList.remove("urgent");
        return;
      }
      const seconds = String(Math.ceil(left / 1000));
      setText(label, seconds);
      if (label.dataset.digits !== String(seconds.length)) label.dataset.digits = String(seconds.length);
      const duration = (store.voting.durationS || 0) * 1000;
      const fraction = duration > 0 ? Math.min(1, left / duration) : 0;
      ring.style.strokeDashoffset = String(Math.round(RING * (1 - fraction) * 10) / 10);
      panel.classList.toggle("urgent", left <= URGENT_MS);
    } catch (err) {
      console.error("overlay: countdown", err);
    }
  }

  tick();
  const timer = setInterval(tick, 250);
  return { tick, stop: () => clearInterval(timer) };
}
