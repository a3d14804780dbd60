// DOM helpers shared by every module. Untrusted text (model output, viewer nicknames, titles)
// only ever goes in through textContent / text nodes: `el()` has no way to set innerHTML.
"use strict";
window.Admin = window.Admin || {};

(() => {
  const A = window.Admin;

  /** Element by id (throws early if the page and the script disagree). */
  A.$ = (id) => {
    const node = document.getElementById(id);
    if (!node) throw new Error(`admin page is missing #${id}`);
    return node;
  };

  /**
   * Build an element: el("li", {class: "x", text: "safe text", data: {k: v}, attrs: {...}, on: {click}}, ...children).
   * Children may be nodes or strings (strings become text nodes).
   */
  A.el = (tag, props = {}, ...children) => {
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
  };

  /** Remove every child. */
  A.clear = (node) => { while (node.firstChild) node.removeChild(node.firstChild); return node; };

  /** Replace a node's children. */
  A.fill = (node, ...children) => { A.clear(node); for (const c of children.flat()) if (c) node.append(c); return node; };

  /** A tiny event bus: modules talk through it instead of reaching into each other. */
  const target = new EventTarget();
  A.bus = {
    on(name, fn) { target.addEventListener(name, (e) => { try { fn(e.detail); } catch (err) { A.reportBug(err, name); } }); },
    emit(name, detail) { target.dispatchEvent(new CustomEvent(name, { detail })); },
  };

  /** A bug in this page must be visible, never silent. */
  A.reportBug = (err, where) => {
    console.error(where, err);
    if (A.notify) A.notify.error(`Admin page error (${where}): ${err && err.message ? err.message : err}`);
  };

  // Formatting -------------------------------------------------------------------------
  A.fmt = {
    letter: (i) => String.fromCharCode(65 + i),
    plural: (n, word, many) => `${n} ${n === 1 ? word : (many || word + "s")}`,
    pct: (part, total) => (total > 0 ? Math.round((part / total) * 100) : 0),
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
      return A.fmt.date(epochS);
    },
  };

  /** Run an async click handler; errors already shown by the API layer are not shown twice. */
  A.guard = (fn, where) => async (...args) => {
    try { return await fn(...args); } catch (err) { if (!err || !err.shown) A.reportBug(err, where || "action"); }
  };

  /** Disable a button while its promise runs (prevents double submits). */
  A.busy = async (button, promise) => {
    const was = button.disabled;
    button.disabled = true;
    button.classList.add("is-busy");
    try { return await promise; } finally { button.classList.remove("is-busy"); button.disabled = was; }
  };

  /** Smoothly bring a section into view (no location.hash change: the URL stays clean). */
  A.goTo = (sectionId) => {
    const node = document.getElementById(sectionId);
    if (node) node.scrollIntoView({ behavior: "smooth", block: "start" });
  };
})();
