// Live controls: choices with vote bars (and "pick" buttons), chapters written ahead, the last result,
// recent voters, ballots saved, and the buttons of the show: one main action that fits the beat (Open vote now /
// Close vote now / Next chapter), +30 s and End story.
import { $, el, fill, fmt, busy } from "./dom.js";
import { bus } from "./bus.js";
import * as api from "./api.js";
import * as notify from "./notify.js";
import { guard } from "./notify.js";
import { live, isRunning } from "./livemodel.js";
import { render } from "./liveview.js";

const list = $("live-choices"), totals = $("live-totals"), lastResult = $("last-result");
const recent = $("recent-votes"), ack = $("vote-ack"), ballots = $("ballots-saved");
const nextBtn = $("next-button"), closeBtn = $("close-vote-button"), endBtn = $("end-button");
const openBtn = $("open-vote-button"), extendBtn = $("extend-button"), voteBox = $("vote-console");
const SKIPPABLE = new Set(["narrating", "result", "finale"]);  // beats "Next chapter" cuts short
const confirmBox = $("end-confirm");
let signature = "";
let rows = [];
let pending = false;  // a command is in flight: keep buttons disabled until it answers
let editing = null;   // {number, index}: the choice whose text is being edited

const REASONS = { votes: "most votes", tie: "a tie, broken by the tie rule", no_votes: "no votes, picked by the no-votes rule",
  admin: "picked by you" };

function view(m) {
  const c = m.chapter;
  const choices = (m.voting && m.voting.choices) || (c && c.choices) || [];
  const number = m.voting ? m.voting.chapterNumber : c ? c.number : 0;
  const result = m.lastResult && m.lastResult.chapterNumber === number ? m.lastResult : null;
  const kept = m.lastCounts && m.lastCounts.chapterNumber === number ? m.lastCounts : null;
  const counts = (m.voting && m.voting.counts) || (result && result.counts) || (kept && kept.counts) || choices.map(() => 0);
  const total = counts.reduce((a, b) => a + (b || 0), 0);
  const voters = m.voting ? m.voting.voters : result ? result.voters : kept ? kept.voters : 0;
  return { choices, number, counts, total, result, voters };
}

function build(v) {
  if (editing && editing.number !== v.number) editing = null;
  rows = v.choices.map((text, i) => {
    const count = el("span", { class: "count", text: "0" });
    const unit = el("span", { class: "unit", text: " votes · " });
    const pct = el("span", { class: "pct", text: "0%" });
    const bar = el("span", { class: "bar-fill" });
    const pick = el("button", { type: "button", class: "pick-choice small ghost", text: "Pick",
      title: `Close the vote and continue with ${fmt.letter(i)}`, data: { index: String(i) },
      on: { click: guard(() => command(pick, "next-chapter", { choiceIndex: i }, `Pick ${fmt.letter(i)}`,
        `Continuing with ${fmt.letter(i)}`), "pick") } });
    const edit = el("button", { type: "button", class: "edit-choice small ghost", text: "Edit",
      title: `Change the wording of ${fmt.letter(i)} while the vote is open`, attrs: { "aria-label": `Edit choice ${fmt.letter(i)}` },
      on: { click: () => startEdit(v.number, i) } });
    const textNode = el("span", { class: "choice-text", text });
    const ahead = el("span", { class: "ahead", hidden: true, attrs: { "aria-live": "polite" } });
    const head = el("div", { class: "choice-head" },
      el("span", { class: "letter", text: fmt.letter(i), title: `Viewers vote !${fmt.letter(i).toLowerCase()}` }),
      textNode, el("span", { class: "choice-nums" }, count, unit, pct), edit, pick);
    const li = el("li", { class: "live-choice", data: { index: String(i) } }, head, el("div", { class: "bar" }, bar), ahead);
    const row = { li, count, unit, pct, bar, pick, edit, head, textNode, text, ahead, editor: null };
    return row;
  });
  if (editing) openEditor(rows[editing.index], editing.index, v.number, editing.value);
  if (rows.length) fill(list, rows.map((r) => r.li));
  else {
    const final = live.chapter && live.chapter.isFinal;
    fill(list, el("li", { class: "muted empty-choices",
      text: final ? "The final chapter: no vote." : "Choices appear when the chapter is written." }));
  }
}

function update(m) {
  const v = view(m);
  const sig = `${v.number}\u0000${v.choices.join("\u0000")}`;
  if (sig !== signature) { signature = sig; build(v); }
  const max = Math.max(0, ...v.counts);
  const winner = v.result ? v.result.winnerIndex : null;
  rows.forEach((r, i) => {
    const n = v.counts[i] || 0;
    const p = fmt.pct(n, v.total);
    r.count.textContent = String(n);
    r.unit.textContent = n === 1 ? " vote · " : " votes · ";
    r.pct.textContent = `${p}%`;
    r.bar.style.width = `${p}%`;
    r.li.classList.toggle("leading", m.state === "voting" && n > 0 && n === max);
    r.li.classList.toggle("winner", winner === i);
    r.pick.disabled = pending || !(m.state === "voting" || m.state === "waiting");
    r.pick.hidden = !(m.state === "voting" || m.state === "waiting") || Boolean(r.editor);
    r.edit.hidden = m.state !== "voting" || Boolean(r.editor);  // choices change only while the vote is open
    renderAhead(r, i, v.number, m);
  });
  totals.textContent = v.choices.length
    ? `${fmt.plural(v.total, "vote")} from ${fmt.plural(v.voters || 0, "viewer")}${m.state === "voting" ? " so far" : ""}`
    : "";
  const saved = m.ballots && m.ballots.chapterNumber === v.number && v.choices.length ? m.ballots.saved : null;
  ballots.hidden = saved === null;
  if (saved !== null) {
    ballots.textContent = m.ballots.partial ? `${saved}+ ballots saved` : `${fmt.plural(saved, "ballot")} saved`;
    ballots.title = m.ballots.partial
      ? "Ballots of this vote written to the database since this page opened (earlier ones were saved too): a crash or restart keeps them"
      : "Ballots of this vote written to the database: a crash or restart keeps them (a changed vote is saved again)";
  }
  renderLastResult(m.lastResult);
  renderRecent(m.recent || []);
  renderButtons(m);
}

/** "writing ahead…" / "next chapter ready ✓ “Title”": the next chapter for this choice, written during the vote. */
function renderAhead(r, i, number, m) {
  const p = m.prefetch;
  const state = p && p.chapterNumber === number + 1 && (m.state === "voting" || m.state === "waiting") ? p.branches[i] : undefined;
  r.ahead.hidden = !state;
  r.li.dataset.ahead = state || "";
  if (!state) return;
  r.ahead.dataset.state = state;
  if (state === "ready") {
    const title = m.branchTitles[`${p.chapterNumber}:${i}`];
    r.ahead.textContent = title ? `next chapter ready ✓ “${title}”` : "next chapter ready ✓";
    r.ahead.title = `Chapter ${p.chapterNumber} for ${fmt.letter(i)} is already written: if it wins, it shows at once.`;
  } else {
    r.ahead.textContent = "writing ahead…";
    r.ahead.title = `Chapter ${p.chapterNumber} for ${fmt.letter(i)} is being written while viewers vote.`;
  }
}

// Edit a choice: its text becomes an input with Save / Cancel ----------------------------
function startEdit(number, index) {
  const row = rows[index];
  if (!row) return;
  editing = { number, index, value: row.text };
  openEditor(row, index, number, row.text);
  update(live);
  row.editor.input.focus();
  row.editor.input.select();
}

function openEditor(row, index, number, value) {
  if (!row) { editing = null; return; }
  const input = el("input", { type: "text", class: "edit-choice-input", value, maxLength: 140,
    attrs: { "aria-label": `New text for choice ${fmt.letter(index)}` },
    on: {
      input: () => { if (editing) editing.value = input.value; },
      keydown: (e) => {
        if (e.key === "Enter") { e.preventDefault(); save.click(); }
        if (e.key === "Escape") { e.preventDefault(); closeEditor(); }
      },
    } });
  const save = el("button", { type: "button", class: "save-choice small primary", text: "Save",
    on: { click: guard(() => saveEdit(row, index, number, input, save), "edit-choice") } });
  const cancel = el("button", { type: "button", class: "cancel-choice small ghost", text: "Cancel", on: { click: () => closeEditor() } });
  const box = el("span", { class: "choice-editor" }, input, save, cancel);
  row.textNode.replaceWith(box);
  row.editor = { box, input };
}

function closeEditor() {
  const row = editing ? rows[editing.index] : null;
  editing = null;
  if (row && row.editor) { row.editor.box.replaceWith(row.textNode); row.editor = null; }
  update(live);
}

async function saveEdit(row, index, number, input, button) {
  const text = input.value.trim();
  if (!text) { notify.error(`Edit choice ${fmt.letter(index)}: the text is empty.`); input.focus(); return; }
  if (text === row.text) { closeEditor(); return; }
  const reply = await busy(button, api.post("choice", { index, text, chapterNumber: number },
    { label: `Edit choice ${fmt.letter(index)}` }));
  // The server re-sends story:voting-started with the new choices; the rows are rebuilt from it.
  if (editing && editing.index === index && editing.number === number) closeEditor();
  if (Array.isArray(reply.choices)) {
    if (live.voting && live.voting.chapterNumber === number) live.voting.choices = reply.choices;
    if (live.chapter && live.chapter.number === number) live.chapter.choices = reply.choices;
    render();
  }
  notify.info(`Choice ${fmt.letter(index)} changed`);
}

function renderLastResult(r) {
  lastResult.hidden = !r;
  if (!r) return;
  const counts = r.counts || [];
  const n = counts[r.winnerIndex] || 0;
  fill(lastResult,
    el("span", { class: "muted", text: `Chapter ${r.chapterNumber} result: ` }),
    el("strong", { text: `${fmt.letter(r.winnerIndex)} — ${r.winnerText || ""}` }),
    el("span", { class: "muted", text: ` · ${n} of ${fmt.plural(r.total || 0, "vote")} · ${REASONS[r.reason] || r.reason}` }));
}

function renderRecent(items) {
  if (!items.length) { fill(recent, el("li", { class: "muted", text: "No votes yet" })); return; }
  fill(recent, items.slice(-8).reverse().map((r) =>
    el("li", {}, el("span", { class: "nick", text: r.nickname || "?" }), " → ",
      el("strong", { text: fmt.letter(r.choice || 0) }))));
}

/** The main action fits the beat: Open vote now while the chapter is read, Close vote now while viewers vote,
 *  else Next chapter (Retry now after a failure, Skip to the end during the finale). */
function renderButtons(m) {
  const known = m.known;
  const running = isRunning();
  const beat = m.beat ? m.beat.beat : "";
  const reading = beat === "narrating" && m.beat.then === "vote";
  const voting = m.state === "voting";
  voteBox.hidden = known && !running && !m.chapter;  // nothing to vote on: the empty note says what to do
  openBtn.hidden = !reading;
  openBtn.disabled = pending || !reading;
  closeBtn.hidden = reading || !voting;
  closeBtn.disabled = pending || !voting;
  nextBtn.hidden = reading || voting;
  nextBtn.disabled = pending || (known && !["waiting", "error"].includes(m.state) && !SKIPPABLE.has(beat));
  nextBtn.textContent = m.state === "error" ? "Retry now" : beat === "finale" || beat === "narrating" ? "Skip to the end"
    : "Next chapter";
  extendBtn.disabled = pending || (known && !voting);
  endBtn.disabled = pending || (known && !running);
  if (known && !running) hideConfirm();
}

/** POST a story command; the button is disabled until the server answers. */
async function command(button, path, body, label, success) {
  pending = true;
  renderButtons(live);
  try {
    await busy(button, api.post(path, body, { label }));
    notify.info(success);
  } finally {
    pending = false;
    update(live);
  }
}

function hideConfirm() {
  confirmBox.hidden = true;
  endBtn.setAttribute("aria-expanded", "false");
}

nextBtn.addEventListener("click", guard(() =>
  command(nextBtn, "next-chapter", {}, "Next chapter", "Moving on to the next chapter"), "next"));

openBtn.addEventListener("click", guard(() =>
  command(openBtn, "vote/open", {}, "Open vote", "The vote is open"), "open-vote"));
extendBtn.addEventListener("click", guard(() =>
  command(extendBtn, "vote/extend", { seconds: 30 }, "Extend vote", "30 more seconds to vote"), "extend"));

endBtn.addEventListener("click", () => {
  confirmBox.hidden = !confirmBox.hidden;
  endBtn.setAttribute("aria-expanded", String(!confirmBox.hidden));
  if (!confirmBox.hidden) $("end-confirm-final").focus();
});
$("end-cancel").addEventListener("click", hideConfirm);
$("end-confirm-final").addEventListener("click", guard(async () => {
  hideConfirm();
  await command(endBtn, "end", { final: true }, "End story", "Ending: writing a short final chapter");
}, "end"));
$("end-confirm-now").addEventListener("click", guard(async () => {
  hideConfirm();
  await command(endBtn, "end", { final: false }, "End story now", "Story ended");
}, "end-now"));

// Close the vote now: the winner is counted as usual. A vote that ran out a moment earlier is no failure.
closeBtn.addEventListener("click", guard(async () => {
  ack.textContent = "Closing the vote…";
  ack.dataset.kind = "";
  pending = true;
  renderButtons(live);
  try {
    await busy(closeBtn, api.post("vote/close", {}, { label: "Close vote", quiet: true }));
    ack.textContent = `Vote closed (${new Date().toLocaleTimeString()}).`;
    ack.dataset.kind = "ok";
  } catch (err) {
    if (err.code !== "no_vote") {
      ack.textContent = "";
      throw err.shown ? err : notify.problem(`Close vote: ${err.message}`);
    }
    ack.textContent = `The vote had already closed (${new Date().toLocaleTimeString()}).`;
    ack.dataset.kind = "warn";
  } finally {
    pending = false;
    update(live);
  }
}, "close-vote"));

bus.on("story:voting-started", () => { ack.textContent = ""; ack.dataset.kind = ""; });
bus.on("live:changed", update);
update(live);
