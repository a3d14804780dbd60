// DOM and formatting helpers shared by every module. Untrusted text (model output, viewer nicknames,
// titles) only ever goes in through textContent / text nodes: `el()` has no way to set innerHTML.

/** Element by id (throws early if the page and the script disagree). */
export function $(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`admin page is missing #${id}`);
  return node;
}

/**
 * Build an element: el("li", {class: "x", text: "safe text", data: {k: v}, attrs: {...}, on: {click}}, ...children).
 * Children may be nodes or strings (strings become text nodes).
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = String(value);
    else if (key === "data") Object.assign(node.dataset, value);
    else if (key === "attrs") for (const [a, v] of Object.entries(value)) { if (v !== null && v !== undefined && v !== false) node.setAttribute(a, String(v)); }
    else if (key === "on") for (const [ev, fn] of Object.entries(value)) node.addEventListener(ev, fn);
    else if (key === "style") Object.assign(node.style, value);
    else if (/html/i.test(key)) throw new Error(`el(): refusing to set ${key}; use text`);
    else node[key] = value;  // type, disabled, value, title, hidden...
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Remove every child. */
export function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }

/** Replace a node's children. */
export function fill(node, ...children) { clear(node); for (const c of children.flat()) if (c) node.append(c); return node; }

// Formatting -------------------------------------------------------------------------
export const fmt = {
  letter: (i) => String.fromCharCode(65 + i),
  plural: (n, word, many) => `${n} ${n === 1 ? word : (many || word + "s")}`,
  pct: (part, total) => (total > 0 ? Math.round((part / total) * 100) : 0),
  /** A text cut to n characters, with "…" when it was longer ("" for none). */
  clip: (s, n) => (s && s.length > n ? `${s.slice(0, n - 1)}…` : s || ""),
  /** Seconds as "42 s" or "2:05". */
  secs(s) {
    s = Math.max(0, Math.ceil(s));
    return s < 60 ? `${s} s` : `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
  },
  /** Epoch seconds (server) as a local date and time. */
  date(epochS) {
    if (!epochS) return "";
    const d = new Date(epochS * 1000);
    return d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
  },
  ago(epochS) {
    if (!epochS) return "";
    const s = Date.now() / 1000 - epochS;
    if (s < 60) return "just now";
    if (s < 3600) return `${Math.floor(s / 60)} min ago`;
    if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
    return fmt.date(epochS);
  },
};

/** Disable a button while its promise runs (prevents double submits). */
export async function busy(button, promise) {
  const was = button.disabled;
  button.disabled = true;
  button.classList.add("is-busy");
  try { return await promise; } finally { button.classList.remove("is-busy"); button.disabled = was; }
}

/**
 * For buttons that remove something: the first click only arms the button (it says `prompt` for
 * 4 s); the returned check is true on a second click while armed, so a stray click does nothing.
 */
export function secondClick(button, prompt) {
  const label = button.textContent;
  let armed = null;
  return () => {
    if (!armed) {
      button.textContent = prompt;
      armed = setTimeout(() => { armed = null; button.textContent = label; }, 4000);
      return false;
    }
    clearTimeout(armed);
    armed = null;
    button.textContent = label;
    return true;
  };
}

/** Smoothly bring a section into view (no location.hash change: the URL stays clean). */
export function goTo(sectionId) {
  const node = document.getElementById(sectionId);
  if (node) node.scrollIntoView({ behavior: "smooth", block: "start" });
}
