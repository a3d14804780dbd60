// The admin token: kept in sessionStorage ("storyToken"); a link "/admin#token=XYZ" brings it once
// (the fragment is then removed from the address bar). Read by api.js and socket.js, set by auth.js.
const KEY = "storyToken";

function read() {
  try { return sessionStorage.getItem(KEY) || ""; } catch { return ""; }
}
let current = read();

/** The token in use ("" when there is none). */
export const token = () => current;

/** Keep a token for this tab ("" forgets it). */
export function setToken(value) {
  try {
    if (value) sessionStorage.setItem(KEY, value); else sessionStorage.removeItem(KEY);
  } catch { /* storage disabled: the token lives for this page only */ }
  current = value;
}

/** Take a token from "#token=..." once, then clean the address bar. */
export function takeFromFragment() {
  const hash = location.hash.startsWith("#") ? location.hash.slice(1) : "";
  if (!hash) return;
  const params = new URLSearchParams(hash);
  const value = (params.get("token") || "").trim();
  if (!value) return;
  setToken(value);
  history.replaceState(null, "", location.pathname + location.search);
}
