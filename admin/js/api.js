// REST calls to /api/interactive-story/*: Bearer token, JSON errors shown in the banner,
// a 401 sends the streamer back to the sign-in form. Failures throw an ApiError marked `shown`.
// Also: one step streamed as server-sent events (POST stream) and file downloads (the storybook).
import { el } from "./dom.js";
import { bus } from "./bus.js";
import * as notify from "./notify.js";
import { token } from "./token.js";

const BASE = "/api/interactive-story/";

class ApiError extends Error {
  constructor(message, { status = 0, code = "", field = null, data = null } = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
    this.data = data;
    this.shown = false;
  }
}

/**
 * request("POST", "start", body, {label, quiet}) -> parsed JSON.
 * label prefixes the banner message ("Start story: ..."); quiet skips the banner (caller shows it).
 */
async function request(method, path, body, opts = {}) {
  const headers = headersFor("application/json", body !== undefined);
  let res;
  try {
    res = await fetch(BASE + path, {
      method, headers, cache: "no-store",
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
  } catch (netErr) {
    throw fail(new ApiError("Cannot reach the server", { code: "network" }), opts);
  }
  let data = null;
  const raw = await res.text();
  if (raw) {
    try { data = JSON.parse(raw); } catch { data = null; }
  }
  if (res.ok) {
    if (data === null && raw) throw fail(new ApiError(`The server sent an unreadable answer (HTTP ${res.status})`, { status: res.status }), opts);
    return data || {};
  }
  throw httpError(res, data, opts);
}

function headersFor(accept, json) {
  const headers = { Accept: accept };
  const value = token();
  if (value) headers.Authorization = `Bearer ${value}`;
  if (json) headers["Content-Type"] = "application/json";
  return headers;
}

/** A non-2xx answer as an ApiError (shown unless quiet; a 401 goes back to sign-in). */
function httpError(res, data, opts) {
  const e = (data && data.error) || {};
  const message = e.message || `The server answered HTTP ${res.status} ${res.statusText || ""}`.trim();
  const err = new ApiError(message, { status: res.status, code: e.code || "", field: e.field || null, data });
  if (res.status === 401) {
    err.shown = true;
    // auth.js answers (it signs in through this module, so it is told through the bus).
    bus.emit("auth:rejected", "Your admin token was not accepted (it may have changed when the server restarted). Sign in again.");
    return err;
  }
  return fail(err, opts);
}

async function errorOf(res, opts) {
  let data = null;
  try { data = JSON.parse(await res.text()); } catch { data = null; }
  return httpError(res, data, opts);
}

/**
 * POST stream: one generation step as server-sent events, read as it arrives.
 * handlers: {onStatus(data), onDelta(text)}; resolves with the `final` event's data,
 * rejects with an ApiError for an `error` event, an HTTP error or a stream that stops early.
 */
export async function stream(body, handlers = {}, opts = {}) {
  let res;
  try {
    res = await fetch(`${BASE}stream`, {
      method: "POST", headers: headersFor("text/event-stream", true), cache: "no-store", body: JSON.stringify(body),
    });
  } catch {
    throw fail(new ApiError("Cannot reach the server", { code: "network" }), opts);
  }
  if (!res.ok) throw await errorOf(res, opts);
  if (!res.body || !res.body.getReader) throw fail(new ApiError("This browser cannot read a streamed answer"), opts);
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "", final = null, failure = null;

  const handle = (block) => {
    let name = "message";
    const data = [];
    for (const line of block.split("\n")) {
      if (!line || line.startsWith(":")) continue;  // a comment or keep-alive
      const colon = line.indexOf(":");
      const key = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (key === "event") name = value;
      else if (key === "data") data.push(value);
    }
    if (!data.length) return;
    let payload;
    try { payload = JSON.parse(data.join("\n")); } catch { return; }
    if (name === "stream") { if (handlers.onDelta && payload && typeof payload.delta === "string") handlers.onDelta(payload.delta); }
    else if (name === "status") { if (handlers.onStatus) handlers.onStatus(payload || {}); }
    else if (name === "final") final = payload || {};
    else if (name === "error") failure = payload || {};
  };

  for (;;) {
    let chunk;
    try {
      chunk = await reader.read();
    } catch {
      throw fail(new ApiError("The connection was lost before the step finished", { code: "network" }), opts);
    }
    if (chunk.done) break;
    buffer += decoder.decode(chunk.value, { stream: true }).replace(/\r/g, "");  // the server ends lines with \n
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      handle(buffer.slice(0, cut));
      buffer = buffer.slice(cut + 2);
    }
  }
  buffer += decoder.decode();
  if (buffer.trim()) handle(buffer);
  if (failure) {
    throw fail(new ApiError(failure.message || "the step failed", { code: failure.code || "", field: failure.field || null, data: failure }), opts);
  }
  if (!final) throw fail(new ApiError("The answer stopped before the step finished"), opts);
  return final;
}

/** The file name from a Content-Disposition header (filename*=UTF-8'' or filename="..."), or "". */
function fileName(header) {
  if (!header) return "";
  let name = "";
  const star = /filename\*\s*=\s*(?:UTF-8|utf-8)?'[^']*'([^;]+)/.exec(header);
  if (star) { try { name = decodeURIComponent(star[1].trim()); } catch { name = ""; } }
  if (!name) {
    const plain = /filename\s*=\s*(?:"([^"]*)"|([^;]+))/i.exec(header);
    if (plain) name = (plain[1] !== undefined ? plain[1] : plain[2]).trim();
  }
  return name.replace(/[\\/:*?"<>|\u0000-\u001f]+/g, "_").replace(/^\.+/, "").slice(0, 200);
}

/**
 * GET a file with the admin token and hand it to the browser as a download (an object URL and
 * an <a download>): the name comes from the server's Content-Disposition. Resolves with the name.
 */
export async function download(path, opts = {}) {
  let res;
  try {
    res = await fetch(BASE + path, { headers: headersFor("*/*", false), cache: "no-store" });
  } catch {
    throw fail(new ApiError("Cannot reach the server", { code: "network" }), opts);
  }
  if (!res.ok) throw await errorOf(res, opts);
  const blob = await res.blob();
  const name = fileName(res.headers.get("Content-Disposition")) || opts.fallbackName || "download";
  const url = URL.createObjectURL(blob);
  const link = el("a", { href: url, download: name, hidden: true, attrs: { rel: "noopener" } });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return name;
}

function fail(err, opts) {
  if (!opts.quiet) {
    notify.error(opts.label ? `${opts.label}: ${err.message}` : err.message);
    err.shown = true;
  }
  return err;
}

export const get = (path, opts) => request("GET", path, undefined, opts);
export const post = (path, body, opts) => request("POST", path, body === undefined ? {} : body, opts);
export const patch = (path, body, opts) => request("PATCH", path, body === undefined ? {} : body, opts);
export const del = (path, opts) => request("DELETE", path, undefined, opts);
