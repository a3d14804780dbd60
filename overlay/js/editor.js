// The layout editor (?edit=1): drag and resize the story and vote panels of this layout over a sample story, then
// save the boxes on the server for every overlay of this layout (admin token), or reset to the built-in layout.
// The editor page never joins the show: it draws a sample and sends nothing but these saves.

import { $ } from "./dom.js";
import { isObj } from "./state.js";
import { DEFAULT_BOXES, LAYOUT_URL, MIN_SIZE, applyPlacement, fetchPlacement } from "./placement.js";

const PANELS = { story: "story-panel", vote: "vote-panel" };
const STEP = 0.5; // boxes snap to half a percent of the canvas; an arrow key moves two steps
const TIKTOK = { top: 10, bottom: 75, right: 87 }; // what TikTok covers on a phone, in % of the portrait canvas
const SLACK = 0.3; // % a measured edge may stray over a zone's line (rounding) before it counts
const ZONES = { top: "TikTok's header (top 10%)", bottom: "TikTok's comments and gifts (bottom 25%)",
  right: "TikTok's buttons (right 13%)" };

const SAMPLE_CHOICES = ["Follow the lantern light into the flooded crypt", "Wake the sleeping ferryman and ask",
  "Turn back before the bells stop ringing"];
const SAMPLE_TEXT = "The fog rolled in off the river as Mara reached the old stone bridge. Somewhere below, a lantern "
  + "swung in the dark, though no one was holding it. \"You came back,\" whispered a voice from the water. Mara "
  + "gripped the brass key her grandmother had left her and stepped closer to the edge. The bells of the drowned "
  + "chapel began to ring, one for every year the town had kept its secret.";

/** A sample story:state for the preview: the chapter being read, or its vote open. */
export function sampleState(kind) {
  const chapter = { chapterNumber: 2, title: "The Lantern Below", content: SAMPLE_TEXT, choices: SAMPLE_CHOICES,
    isFinal: false, streaming: false };
  const voting = kind === "vote"
    ? { chapterNumber: 2, choices: SAMPLE_CHOICES, counts: [14, 9, 3], total: 26, voters: 26, remainingMs: 45_000,
      durationS: 60 }
    : null;
  return { state: "voting", serverTime: Date.now(), session: { id: -1, title: "The Drowned Chapel", theme: "mystery",
    chapterCount: 2, maxChapters: 5 }, chapter, voting };
}

const snap = (v) => Math.round(v / STEP) * STEP;
const clamp = (v, lo, hi) => Math.min(Math.max(v, lo), hi);

/** The admin token from the address (#token=…), taken out of the address bar at once. */
function tokenFromAddress() {
  const match = /(?:^#|&)token=([^&]+)/.exec(window.location.hash);
  if (!match) return "";
  history.replaceState(null, "", window.location.pathname + window.location.search);
  return decodeURIComponent(match[1]);
}

/** The TikTok zones a box reaches into (portrait only). */
export function coveredZones(box, layout) {
  if (layout !== "portrait") return [];
  const zones = [];
  if (box.y < TIKTOK.top - SLACK) zones.push("top");
  if (box.y + box.h > TIKTOK.bottom + SLACK) zones.push("bottom");
  if (box.x + box.w > TIKTOK.right + SLACK) zones.push("right");
  return zones;
}

export function startEditor({ cfg, preview, relayout }) {
  const bar = $("editor-bar");
  const layer = $("editor-layer");
  const status = $("editor-status");
  const tokenInput = $("editor-token");
  const frames = Object.fromEntries([...layer.querySelectorAll(".edit-frame")].map((f) => [f.dataset.panel, f]));
  let placed = null; // the boxes being edited, or null: the built-in layout
  let token = tokenFromAddress();
  let drag = null;
  let dirty = false; // a box moved since the last layout pass
  let unsaved = false;

  document.body.dataset.edit = "true";
  bar.hidden = false;
  layer.hidden = false;
  $("editor-title").textContent = `Layout editor · ${cfg.layout}`;
  tokenInput.hidden = Boolean(token);

  const say = (text, kind = "") => {
    status.textContent = text;
    status.dataset.kind = kind;
  };

  /** Where each frame is: the placed boxes, else where the built-in layout put the panels. */
  function frameBoxes() {
    if (placed) return placed;
    const canvas = $("canvas").getBoundingClientRect();
    const boxes = {};
    for (const [name, id] of Object.entries(PANELS)) {
      const r = $(id).getBoundingClientRect();
      boxes[name] = r.width > 1 && r.height > 1
        ? { x: ((r.left - canvas.left) / canvas.width) * 100, y: ((r.top - canvas.top) / canvas.height) * 100,
          w: (r.width / canvas.width) * 100, h: (r.height / canvas.height) * 100 }
        : { ...DEFAULT_BOXES[cfg.layout][name] };
    }
    return boxes;
  }

  /** Start placing from what is on screen now. */
  function ensurePlaced() {
    if (!placed) {
      const shown = frameBoxes();
      placed = {};
      for (const [name, box] of Object.entries(shown)) {
        // edges go outward to the grid (the panel keeps all the room it had) unless already on a line
        const x = Math.floor(box.x / STEP + 0.1) * STEP;
        const y = Math.floor(box.y / STEP + 0.1) * STEP;
        const w = clamp(Math.ceil((box.x + box.w) / STEP - 0.1) * STEP - x, MIN_SIZE, 100);
        const h = clamp(Math.ceil((box.y + box.h) / STEP - 0.1) * STEP - y, MIN_SIZE, 100);
        placed[name] = { x: clamp(x, 0, 100 - w), y: clamp(y, 0, 100 - h), w, h };
      }
    }
    return placed;
  }

  function place(name, box) {
    ensurePlaced()[name] = box;
    dirty = true;
    if (!unsaved) say("Not saved yet", "warn");
    unsaved = true;
  }

  /** Move (or, with `resize`, grow) a panel's box by dx, dy % from `from`, kept inside the canvas. */
  function shift(name, from, dx, dy, resize) {
    if (resize) {
      const w = clamp(snap(from.w + dx), MIN_SIZE, 100 - from.x);
      const h = clamp(snap(from.h + dy), MIN_SIZE, 100 - from.y);
      place(name, { ...from, w, h });
    } else {
      place(name, { ...from, x: clamp(snap(from.x + dx), 0, 100 - from.w), y: clamp(snap(from.y + dy), 0, 100 - from.h) });
    }
  }

  function drawFrames() {
    if (dirty) {
      dirty = false;
      applyPlacement(placed, cfg);
      relayout();
      warnAboutZones();
    }
    for (const [name, box] of Object.entries(frameBoxes())) {
      const frame = frames[name];
      frame.style.left = `${box.x}%`;
      frame.style.top = `${box.y}%`;
      frame.style.width = `${box.w}%`;
      frame.style.height = `${box.h}%`;
      frame.toggleAttribute("data-unsafe", coveredZones(box, cfg.layout).length > 0);
    }
    requestAnimationFrame(drawFrames);
  }

  /** While unsaved: say so, and which panels phones will not see all of (TikTok draws over them). */
  function warnAboutZones() {
    if (!unsaved) return;
    const notes = Object.entries(ensurePlaced()).flatMap(([name, box]) =>
      coveredZones(box, cfg.layout).map((zone) => `the ${name} panel reaches into ${ZONES[zone]}`));
    say(notes.length ? `Not saved yet: ${notes.join("; ")}: phones will not see all of it.` : "Not saved yet", "warn");
  }

  for (const [name, frame] of Object.entries(frames)) {
    frame.addEventListener("pointerdown", (e) => {
      if (e.button !== 0) return;
      e.preventDefault();
      const canvas = $("canvas").getBoundingClientRect();
      drag = { name, resize: e.target.dataset.grip === "true", x0: e.clientX, y0: e.clientY,
        from: { ...ensurePlaced()[name] }, kx: 100 / canvas.width, ky: 100 / canvas.height };
      frame.setPointerCapture(e.pointerId);
      frame.dataset.dragging = "true";
      frame.focus();
    });
    frame.addEventListener("pointermove", (e) => {
      if (!drag || drag.name !== name) return;
      shift(name, drag.from, (e.clientX - drag.x0) * drag.kx, (e.clientY - drag.y0) * drag.ky, drag.resize);
    });
    const end = () => {
      drag = null;
      delete frame.dataset.dragging;
    };
    frame.addEventListener("pointerup", end);
    frame.addEventListener("pointercancel", end);
    frame.addEventListener("keydown", (e) => {
      const arrows = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
      if (!arrows[e.key]) return;
      e.preventDefault();
      const [dx, dy] = arrows[e.key];
      shift(name, { ...ensurePlaced()[name] }, dx * STEP * 2, dy * STEP * 2, e.shiftKey);
    });
  }

  /** Send a save or a reset with the admin token; the server's answer, or null (said in the status). */
  async function send(method, body) {
    const key = token || tokenInput.value.trim();
    if (!key) {
      tokenInput.hidden = false;
      tokenInput.focus();
      say("Enter the admin token (or open the editor from the admin panel's Overlay section).", "warn");
      return null;
    }
    let answer;
    try {
      answer = await fetch(`${LAYOUT_URL}/${cfg.layout}`, { method, body: body ? JSON.stringify(body) : undefined,
        headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" } });
    } catch {
      say("The server could not be reached: nothing was saved.", "error");
      return null;
    }
    const data = await answer.json().catch(() => null);
    if (answer.status === 401 || answer.status === 403) {
      token = "";
      tokenInput.hidden = false;
      say("The admin token was refused: enter it again.", "error");
      return null;
    }
    if (!answer.ok) {
      const reason = isObj(data) && isObj(data.error) ? data.error.message : `HTTP ${answer.status}`;
      say(`Not saved: ${reason}`, "error");
      return null;
    }
    token = key;
    tokenInput.hidden = true;
    return data || {};
  }

  $("editor-save").addEventListener("click", async () => {
    if (await send("POST", ensurePlaced())) {
      unsaved = false;
      say(`Saved: every ${cfg.layout} overlay uses it now.`, "ok");
    }
  });
  $("editor-reset").addEventListener("click", async () => {
    if (!(await send("DELETE"))) return;
    placed = null;
    unsaved = false;
    applyPlacement(null, cfg);
    relayout();
    say(`Back to the built-in layout for every ${cfg.layout} overlay.`, "ok");
  });
  for (const kind of ["chapter", "vote"]) {
    $(`editor-preview-${kind}`).addEventListener("click", () => {
      for (const other of ["chapter", "vote"]) $(`editor-preview-${other}`).setAttribute("aria-pressed", String(other === kind));
      preview(sampleState(kind));
    });
  }

  preview(sampleState("vote"));
  fetchPlacement(cfg.layout).then((saved) => {
    if (saved && !placed) {
      placed = saved;
      dirty = true;
    }
    if (!unsaved) say(saved ? "The saved layout: drag a panel or its corner." : "The built-in layout: drag a panel or its corner to place it.");
  });
  requestAnimationFrame(drawFrames);
}
