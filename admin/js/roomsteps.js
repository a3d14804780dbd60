// Writer's room → one draft's steps (setup → premise → outline → opening → live): the phase stepper,
// each step's state and its Write / Accept buttons, and a step's text streamed into its textarea as
// it is written (POST stream {step, draftId}). The draft itself (fields, saving) is room.js's.
import { $ } from "./dom.js";
import * as api from "./api.js";

const PHASES = ["setup", "premise", "outline", "opening", "live"];
export const PHASE_NAMES = { setup: "Setup", premise: "Premise", outline: "Outline", opening: "Opening", live: "Live" };
export const STEP_WORDS = { premise: "the premise", outline: "the outline", opening: "the opening chapter" };
export const NEXT = { premise: "outline", outline: "opening", opening: null };

const editor = $("draft-editor"), phases = $("draft-phases");
export const writeBtns = { premise: $("draft-write-premise"), outline: $("draft-write-outline"), opening: $("draft-write-opening") };
export const acceptBtns = [...editor.querySelectorAll(".draft-accept")];
const stepStates = [...editor.querySelectorAll(".step-state")];

/** Where draft `d` is: steps done, current and being written (`writing`), and what Write / Accept do now. */
export function renderSteps(d, writing) {
  const live = d.phase === "live";
  const at = PHASES.indexOf(d.phase);
  for (const li of phases.querySelectorAll("li[data-phase]")) {
    const i = PHASES.indexOf(li.dataset.phase);
    li.classList.toggle("done", i < at);
    li.classList.toggle("current", i === at);
    li.classList.toggle("writing", li.dataset.phase === writing);
    if (i === at) li.setAttribute("aria-current", "step"); else li.removeAttribute("aria-current");
  }

  const has = { premise: Boolean(d.premise), outline: Boolean(d.outline), opening: Boolean(d.opening) };
  for (const [step, btn] of Object.entries(writeBtns)) {
    btn.textContent = writing === step ? "Writing…" : has[step] ? "Write again" : "Write";
    btn.disabled = Boolean(writing) || live;
    btn.classList.toggle("primary", !has[step] && !writing && PHASES.indexOf(step) === at + 1);
  }
  for (const node of stepStates) {
    const step = node.dataset.step;
    node.dataset.state = writing === step ? "writing" : has[step] ? "written" : "empty";
    node.textContent = writing === step ? "writing…" : has[step] ? "✓ written" : "not written yet";
  }
  for (const btn of acceptBtns) {
    const step = btn.dataset.step, next = NEXT[step];
    btn.textContent = !next ? "Accept · ready to go live" : has[next] ? "Accept · next" : `Accept · write ${STEP_WORDS[next]}`;
    btn.disabled = Boolean(writing) || live || !has[step];
  }
}

/**
 * Write one step of draft `draftId`, its text added to `target` as it arrives (while `stillOpen()`:
 * the streamer may open another draft meanwhile). Resolves with the stream's final data.
 */
export function streamStep(step, draftId, target, stillOpen) {
  return api.stream({ step, draftId }, {
    onDelta(delta) {
      if (!stillOpen()) return;
      target.value += delta;
      target.scrollTop = target.scrollHeight;
    },
    onStatus(s) { if (s.phase === "restart") target.value = ""; },  // the writer starts over
  }, { label: `Write ${STEP_WORDS[step]}` });
}

// The stepper's phases scroll to their step.
for (const btn of phases.querySelectorAll("button[data-goto]")) {
  btn.addEventListener("click", () => $(btn.dataset.goto).scrollIntoView({ behavior: "smooth", block: "start" }));
}
