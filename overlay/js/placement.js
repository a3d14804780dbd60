// The streamer's placement of the story and vote panels (made in the layout editor, ?edit=1), per layout: read from
// the server (public GET), pushed live (story:overlay-layout), applied as boxes in % of the canvas. Without one the
// built-in layout (the URL's position and voting) places the panels.

import { $ } from "./dom.js";
import { isObj } from "./state.js";

export const LAYOUT_URL = "/api/interactive-story/overlay-layout";
export const MIN_SIZE = 5; // % of the canvas: as small as the server accepts
const HOLDERS = { story: "main", vote: "vote-col" }; // panel -> the element that holds it

/** Where a panel goes when only the other one was placed: inside the safe area of each layout. */
export const DEFAULT_BOXES = {
  landscape: { story: { x: 5, y: 55, w: 57, h: 40 }, vote: { x: 64, y: 30, w: 31, h: 65 } },
  portrait: { story: { x: 5, y: 10, w: 82, h: 28 }, vote: { x: 5, y: 40, w: 82, h: 35 } },
};

/** A box {x, y, w, h} in % of the canvas, or null when it is not one the server would have saved. */
export function cleanBox(raw) {
  if (!isObj(raw)) return null;
  const box = {};
  for (const key of ["x", "y", "w", "h"]) {
    if (typeof raw[key] !== "number" || !Number.isFinite(raw[key])) return null;
    box[key] = raw[key];
  }
  const inside = box.x >= 0 && box.y >= 0 && box.x + box.w <= 100.01 && box.y + box.h <= 100.01;
  return inside && box.w >= MIN_SIZE && box.h >= MIN_SIZE ? box : null;
}

/** Both panels' boxes from a saved placement (a panel left out gets its default), or null: the built-in layout. */
export function cleanPanels(raw, layout) {
  if (!isObj(raw)) return null;
  const story = cleanBox(raw.story);
  const vote = cleanBox(raw.vote);
  if (!story && !vote) return null;
  const fallback = DEFAULT_BOXES[layout] || DEFAULT_BOXES.landscape;
  return { story: story || { ...fallback.story }, vote: vote || { ...fallback.vote } };
}

/** Put each panel in its box (in design pixels of the canvas), or back in the built-in layout (null). */
export function applyPlacement(panels, cfg) {
  const stage = $("stage");
  for (const [name, id] of Object.entries(HOLDERS)) {
    const holder = $(id);
    const box = panels && panels[name];
    if (!box) {
      holder.removeAttribute("style");
      continue;
    }
    const px = (pct, size) => `${((pct / 100) * size).toFixed(1)}px`;
    holder.style.left = `calc(${px(box.x, cfg.width)} - ${stage.offsetLeft}px)`;
    holder.style.top = `calc(${px(box.y, cfg.height)} - ${stage.offsetTop}px)`;
    holder.style.width = px(box.w, cfg.width);
    holder.style.height = px(box.h, cfg.height);
  }
  if (panels) document.body.dataset.placed = "true";
  else delete document.body.dataset.placed;
}

/** The saved placement for this layout (null: none, or the server could not be asked). */
export async function fetchPlacement(layout) {
  try {
    const answer = await fetch(LAYOUT_URL, { cache: "no-store" });
    if (!answer.ok) return null;
    const body = await answer.json();
    return cleanPanels(isObj(body) && isObj(body.layouts) ? body.layouts[layout] : null, layout);
  } catch (err) {
    console.warn("overlay: could not read the saved layout", err);
    return null;
  }
}
