// REST calls to /api/interactive-story/*: Bearer token, JSON errors shown in the banner,
// a 401 sends the streamer back to the sign-in form. Failures throw an ApiError marked `shown`.
"use strict";
(() => {
  const A = window.Admin;
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
    const headers = { Accept: "application/json" };
    const token = A.auth ? A.auth.token() : "";
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
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
    const e = (data && data.error) || {};
    const message = e.message || `The server answered HTTP ${res.status} ${res.statusText || ""}`.trim();
    const err = new ApiError(message, { status: res.status, code: e.code || "", field: e.field || null, data });
    if (res.status === 401 && A.auth) {
      err.shown = true;
      A.auth.rejected("Your admin token was not accepted (it may have changed when the server restarted). Sign in again.");
      throw err;
    }
    throw fail(err, opts);
  }

  function fail(err, opts) {
    if (!opts.quiet) {
      A.notify.error(opts.label ? `${opts.label}: ${err.message}` : err.message);
      err.shown = true;
    }
    return err;
  }

  A.ApiError = ApiError;
  A.api = {
    request,
    get: (path, opts) => request("GET", path, undefined, opts),
    post: (path, body, opts) => request("POST", path, body === undefined ? {} : body, opts),
  };
})();
