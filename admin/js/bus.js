// A tiny event bus: modules talk through it instead of reaching into each other. Socket events
// (story:*) arrive here too. Handlers run in the order they were added, so main.js imports the
// modules in a fixed order; a handler that throws is reported, and the others still run.
import { reportBug } from "./notify.js";

const target = new EventTarget();

export const bus = {
  on(name, fn) { target.addEventListener(name, (e) => { try { fn(e.detail); } catch (err) { reportBug(err, name); } }); },
  emit(name, detail) { target.dispatchEvent(new CustomEvent(name, { detail })); },
};
