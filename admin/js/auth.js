// Sign-in: the form until a token is accepted (token.js keeps it), and again after a 401 or a
// refused socket (they say so with auth:rejected). Tells the page with auth:signed-in / signed-out.
import { $ } from "./dom.js";
import { bus } from "./bus.js";
import * as api from "./api.js";
import { token, setToken, takeFromFragment } from "./token.js";

const form = $("signin-form");
const input = $("signin-token");
const message = $("signin-message");
const button = $("signin-button");
let signedIn = false;
let verifying = false;

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
async function verify(value) {
  setToken(value);
  message.hidden = false;
  message.dataset.kind = "info";
  message.textContent = "Signing in…";
  button.disabled = true;
  let config;
  verifying = true;
  try {
    config = await api.get("config", { quiet: true });
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
  bus.emit("auth:signed-in", config);
}

/** A 401 (HTTP) or "unauthorized" (socket): forget the token and ask again. */
function rejected(text) {
  const wasIn = signedIn;
  if (!wasIn && !verifying) return;  // already signed out: keep the first, clearer message
  setToken("");
  bus.emit("auth:signed-out");
  showForm(wasIn ? text : "That admin token was not accepted. Check it and try again.");
}

form.addEventListener("submit", (e) => {
  e.preventDefault();
  const value = input.value.trim();
  if (!value) { showForm("Paste the admin token first."); return; }
  verify(value);
});

$("signout-button").addEventListener("click", () => {
  setToken("");
  bus.emit("auth:signed-out");
  showForm("Signed out. The token was forgotten by this tab.", "info");
});

bus.on("auth:rejected", rejected);

export const isSignedIn = () => signedIn;

/** At page load: fragment, then sessionStorage, else the form. */
export function start() {
  takeFromFragment();
  if (token()) verify(token());
  else showForm("");
}
