// The error banner (every failed request lands here, readable, dismissible) and a calm toast.
"use strict";
(() => {
  const A = window.Admin;
  const banner = A.$("error-banner");
  const text = A.$("error-text");
  const count = A.$("error-count");
  const toast = A.$("toast");
  let repeats = 0;
  let toastTimer = null;

  function error(message) {
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
  function info(message, ms = 2600) {
    toast.textContent = String(message);
    toast.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { toast.hidden = true; }, ms);
  }

  A.$("error-dismiss").addEventListener("click", dismiss);
  document.addEventListener("keydown", (e) => { if (e.key === "Escape" && !banner.hidden) dismiss(); });

  // Anything that escapes a handler is still shown.
  window.addEventListener("error", (e) => { if (e.error) A.reportBug(e.error, "script"); });
  window.addEventListener("unhandledrejection", (e) => {
    const err = e.reason;
    if (err && err.shown) return;
    A.reportBug(err, "async");
  });

  A.notify = { error, dismiss, info };
})();
