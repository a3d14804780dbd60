// A story's optional style (persona, tone, point of view…): the New story section's fields, copied
// into other forms (Writer's room, background tasks), read back, and said in words.
import { $ } from "./dom.js";

const grid = $("start-style-box").querySelector(".style-fields");

/** A copy of the New story style grid with its ids prefixed ("start-tone" -> "draft-tone"), emptied. */
export function styleFields(prefix) {
  const copy = grid.cloneNode(true);
  for (const node of copy.querySelectorAll("[id]")) node.id = node.id.replace(/^start-/, `${prefix}-`);
  for (const node of copy.querySelectorAll("label[for]")) node.htmlFor = node.htmlFor.replace(/^start-/, `${prefix}-`);
  for (const node of copy.querySelectorAll("[data-style]")) node.value = "";
  return copy;
}

/** The style fields filled in under a container ({} when none: theme and Settings defaults apply). */
export function readStyle(container) {
  const style = {};
  for (const input of container.querySelectorAll("[data-style]")) {
    const v = input.value.trim();
    if (v) style[input.dataset.style] = v;
  }
  return style;
}

/** A saved style in words: "tone: eerie · pov: first" ("" when none). */
export function styleWords(style) {
  if (!style || typeof style !== "object") return "";
  return Object.entries(style).filter(([, v]) => typeof v === "string" && v).map(([k, v]) => `${k}: ${v}`).join(" · ");
}
