// The vote countdown, driven by the server's clock: offset = serverTime - Date.now() (taken from
// story:state / story:voting-started), remaining = endsAt - (Date.now() + offset). Ticks 4x a second.

import { $, setText } from "./dom.js";

const RING = 276.5; // circumference of the SVG ring (r = 44)
const URGENT_MS = 10_000;

/** Remaining milliseconds of the open vote, or null when there is none. */
export function remainingMs(store, now = Date.now()) {
  const v = store.voting;
  if (!v || typeof v.endsAt !== "number") return null;
  return Math.max(0, v.endsAt - (now + store.offset));
}

export function startCountdown(store) {
  const panel = $("vote-panel");
  const label = $("countdown");
  const ring = $("ring");

  function tick() {
    try {
      const left = remainingMs(store);
      if (left === null) {
        panel.classList.remove("urgent");
        return;
      }
      setText(label, Math.ceil(left / 1000));
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
