// The error banner (every failed request lands here, readable, dismissible) and a calm toast;
// also how errors reach it: reportBug() for bugs in this page, guard() for click handlers.
import { $ } from "./dom.js";

const banner = $("error-banner");
const text = $("error-text");
const count = $("error-count");
const toast = $("toast");
let repeats = 0;
let toastTimer = null;

export function error(message) {
  const msg = String(message || "Something went wrong");
  if (!banner.hidden && text.textContent === msg) {
    repeats += 1;  // the same failure again: count it instead of flickering
  } else {
    repeats = 1;
    text.textContent = msg;
  }
  count.hidden = repeats < 2;
  count.textContent = `×${repeats}`;
  banner.hidden = false;
  banner.classList.remove("flash");
  void banner.offsetWidth;  // restart the flash animation
  banner.classList.add("flash");
}

function dismiss() {
  banner.hidden = true;
  text.textContent = "";
  repeats = 0;
}

/** A short confirmation ("Saved", "Vote closed"); never used for errors. */
export function info(message, ms = 2600) {
  toast.textContent = String(message);
  toast.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { toast.hidden = true; }, ms);
}

/** A bug in this page must be visible, never silent. */
export function reportBug(err, where) {
  console.error(where, err);
  error(`Admin page error (${where}): ${err && err.message ? err.message : err}`);
}

/** A problem the streamer can fix, said in the banner: the returned error is marked shown (throw it). */
export function problem(message) {
  error(message);
  const err = new Error(message);
  err.shown = true;
  return err;
}

/** Run an async click handler; errors already shown by the API layer are not shown twice. */
export const guard = (fn, where) => async (...args) => {
  try { return await fn(...args); } catch (err) { if (!err || !err.shown) reportBug(err, where || "action"); }
};

/** A loader run in the background: its errors are already in the banner (or not worth one). */
export const quietly = (fn) => () => { fn().catch(() => {}); };

$("error-dismiss").addEventListener("click", dismiss);
document.addEventListener("keydown", (e) => { if (e.key === "Escape" && !banner.hidden) dismiss(); });

// Anything that escapes a handler is still shown.
window.addEventListener("error", (e) => { if (e.error) reportBug(e.error, "script"); });
window.addEventListener("unhandledrejection", (e) => {
  const err = e.reason;
  if (err && err.shown) return;
  reportBug(err, "async");
});
