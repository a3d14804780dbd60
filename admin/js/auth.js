// Sign-in: the admin token lives in sessionStorage ("storyToken"). A link "/admin#token=XYZ"
// signs in once (the fragment is then removed from the address bar). A 401 shows the form again.
"use strict";
(() => {
  const A = window.Admin;
  const KEY = "storyToken";
  const form = A.$("signin-form");
  const input = A.$("signin-token");
  const message = A.$("signin-message");
  const button = A.$("signin-button");
  let signedIn = false;
  let verifying = false;

  function read() {
    try { return sessionStorage.getItem(KEY) || ""; } catch { return ""; }
  }
  function write(value) {
    try {
      if (value) sessionStorage.setItem(KEY, value); else sessionStorage.removeItem(KEY);
    } catch { /* storage disabled: the token lives for this page only */ }
    current = value;
  }
  let current = read();

  /** Take a token from "#token=..." once, then clean the address bar. */
  function takeFromFragment() {
    const hash = location.hash.startsWith("#") ? location.hash.slice(1) : "";
    if (!hash) return;
    const params = new URLSearchParams(hash);
    const token = (params.get("token") || "").trim();
    if (!token) return;
    write(token);
    history.replaceState(null, "", location.pathname + location.search);
  }

  function showForm(text, kind = "error") {
    signedIn = false;
    document.body.classList.add("signed-out");
    document.body.classList.remove("signed-in");
    message.hidden = !text;
    message.textContent = text || "";
    message.dataset.kind = kind;
    button.disabled = false;
    input.value = "";
    setTimeout(() => input.focus(), 0);
  }

  /** Check a token against an admin-only route, then open the panel. */
  async function verify(token) {
    write(token);
    message.hidden = false;
    message.dataset.kind = "info";
    message.textContent = "Signing in…";
    button.disabled = true;
    let config;
    verifying = true;
    try {
      config = await A.api.get("config", { quiet: true });
    } catch (err) {
      if (err.status === 401) return;  // rejected() already showed the form
      button.disabled = false;
      message.dataset.kind = "error";
      message.textContent = err.code === "network" ? "Cannot reach the server. Is it running?" : err.message;
      return;
    } finally {
      verifying = false;
    }
    signedIn = true;
    message.hidden = true;
    button.disabled = false;
    document.body.classList.remove("signed-out");
    document.body.classList.add("signed-in");
    A.bus.emit("auth:signed-in", config);
  }

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const token = input.value.trim();
    if (!token) { showForm("Paste the admin token first."); return; }
    verify(token);
  });

  A.$("signout-button").addEventListener("click", () => {
    write("");
    A.bus.emit("auth:signed-out");
    showForm("Signed out. The token was forgotten by this tab.", "info");
  });

  A.auth = {
    token: () => current,
    isSignedIn: () => signedIn,
    /** Called on a 401 (HTTP) or "unauthorized" (socket): forget the token and ask again. */
    rejected(text) {
      const wasIn = signedIn;
      if (!wasIn && !verifying) return;  // already signed out: keep the first, clearer message
      write("");
      A.bus.emit("auth:signed-out");
      showForm(wasIn ? text : "That admin token was not accepted. Check it and try again.");
    },
    /** At page load: fragment, then sessionStorage, else the form. */
    start() {
      takeFromFragment();
      if (current) verify(current);
      else showForm("");
    },
  };
})();
