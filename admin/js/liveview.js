// Live → the view: renders the model (livemodel.js) as the state line, the progress indicator, the
// streaming chapter, the countdown, errors, the writer's health and the recap. render() then tells
// the other panels with live:changed.
import { $, el, fill, fmt } from "./dom.js";
import { bus } from "./bus.js";
import { live as m, remainingMs, isRunning, beatLeftMs } from "./livemodel.js";
import { themeName } from "./themes.js";

const stateLine = $("live-state"), headerState = $("header-state");
const progress = $("progress"), progressText = $("progress-text");
// #live-text holds the chapter content verbatim (the editing tools map selections back to it).
const titleNode = $("live-title"), prose = $("live-text"), box = $("live-chapter");
const empty = $("live-empty"), recapBox = $("live-recap");
const sessionLine = $("live-session"), countdown = $("live-countdown"), countdownFill = $("countdown-fill");
const countdownLabel = $("countdown-label");
const errorBox = $("story-error"), keyBox = $("key-rejected"), headerKey = $("header-key-rejected");
const writer = $("writer-label");
// Built once, updated in place: the ticker re-renders 4x a second and must not replace the button.
const errParts = {
  what: el("strong"), message: el("span"), retry: el("span", { class: "retry" }),
};
fill(errorBox, errParts.what, errParts.message, errParts.retry,
  el("span", { class: "muted small", text: " (Next chapter retries at once.)" }));
function writingNumber() {
  if (m.gen && m.gen.purpose !== "outline") return m.gen.chapterNumber;
  if (!m.chapter) return 1;
  return m.chapter.streaming ? m.chapter.number : m.chapter.number + 1;
}

/** The show's beat in words ("Narrating 3/9 — vote opens in ~24 s"), or "" when the state says it all. */
function beatWords() {
  const b = m.beat, left = beatLeftMs();
  if (!b || m.state === "error" || m.state === "ended") return "";
  const secs = left === null ? "" : fmt.secs(left / 1000);
  if (b.beat === "narrating") {
    const h = m.heardLine && m.heardLine.chapterNumber === b.chapterNumber ? m.heardLine : null;
    const where = h && h.total ? ` ${h.index + 1}/${h.total}` : "";
    const next = b.then === "vote" ? "vote opens" : "The End";
    return `Narrating${where}${secs ? ` — ${next} in ~${secs}` : ""}`;
  }
  if (b.beat === "result") return `Result — next chapter${secs ? ` in ${secs}` : " next"}`;
  if (b.beat === "finale") return `The final chapter — The End${secs ? ` in ${secs}` : ""}`;
  return "";
}

function stateWords() {
  const beat = beatWords();
  if (beat) return beat;
  switch (m.state) {
    case "idle": return "No story running";
    case "outlining": return "Planning the story…";
    case "writing": return `Writing chapter ${writingNumber()}…`;
    case "final": return "Writing the final chapter…";
    case "voting": {
      const left = remainingMs();
      return left > 0 ? `Voting — ${fmt.secs(left / 1000)} left` : "Voting — closing…";
    }
    case "waiting": return "Vote closed — waiting for you: press Next chapter";
    case "ended": return "Story ended";
    case "error": return "Problem — " + retryWords();
    default: return m.state;
  }
}

function retryWords() {
  if (!m.error) return "waiting to retry";
  const left = (m.errorAt + (m.error.retryInS || 0) * 1000 - Date.now()) / 1000;
  return left > 0.5 ? `retrying in ${fmt.secs(left)}` : "retrying now…";
}

// Rendering ----------------------------------------------------------------------------
let shownNumber = null;  // the chapter in the box: another one is read from its start

export function renderText() {
  const c = m.chapter;
  titleNode.textContent = c ? (c.title || (c.streaming ? `Chapter ${c.number}` : "")) : "";
  // Only touch the text when it changed: replacing it would drop the streamer's selection.
  const content = c ? c.content : "";
  if (prose.textContent !== content) prose.textContent = content;
  else if (!(c && c.streaming) && prose.childNodes.length > 1) prose.normalize();  // streamed tokens -> one text run
  box.classList.toggle("streaming", Boolean(c && c.streaming));
  box.hidden = !c;
  empty.hidden = Boolean(c) || isRunning();
  if ((c ? c.number : null) !== shownNumber) {
    shownNumber = c ? c.number : null;
    box.scrollTop = 0;
  }
}

/** Is the reader at the end of text that already fills the box? Only then does new text pull the view down:
 *  anywhere else their place is kept, and a chapter that arrives whole (written ahead) shows from its start. */
function following() {
  const below = box.scrollHeight - box.clientHeight;
  return below > 0 && below - box.scrollTop < 40;
}

export function appendToken(delta) {
  const follow = following();
  prose.append(document.createTextNode(delta));
  if (follow) box.scrollTop = box.scrollHeight;
}

export function renderStatus() {
  const words = m.known ? stateWords() : "Waiting for the server…";
  stateLine.textContent = words;
  stateLine.dataset.state = m.state;
  stateLine.dataset.beat = m.beat ? m.beat.beat : "";
  headerState.textContent = words;
  headerState.dataset.state = m.state;

  const showProgress = m.generating || Boolean(m.gen);
  progress.hidden = !showProgress;
  if (showProgress) {
    const n = m.chapter && m.chapter.streaming ? m.chapter.content.split(/\s+/).filter(Boolean).length : 0;
    const what = m.state === "outlining" || (m.gen && m.gen.purpose === "outline") ? "Planning the story"
      : (m.gen ? m.gen.isFinal : m.state === "final") ? "Writing the final chapter" : `Writing chapter ${writingNumber()}`;
    progressText.textContent = n ? `${what}… ${fmt.plural(n, "word")} so far` : `${what}…`;
  }

  renderCountdown();

  const showError = Boolean(m.error) && (m.state === "error" || Date.now() - m.errorAt < 3000);
  errorBox.hidden = !showError;
  if (showError) {
    const step = m.error.step ? ` while ${stepWords(m.error.step)}` : "";
    errParts.what.textContent = `Something failed${step}: `;
    errParts.message.textContent = m.error.message || "unknown error";
    errParts.retry.textContent = ` — ${retryWords()}`;
  }
}

/** The countdown in the vote console: the vote's time left, else what the beat waits for ("Vote opens in ~24 s"). */
function renderCountdown() {
  let label = "Vote", text = "–", share = 0, urgent = false;
  if (m.state === "voting" && m.voting) {
    const left = remainingMs();
    text = fmt.secs(left / 1000);
    share = Math.min(100, (left / ((m.voting.durationS || 1) * 1000)) * 100);
    urgent = left < 10000;
  } else if (m.beat && beatLeftMs() !== null && m.state !== "error" && m.state !== "ended") {
    const b = m.beat, secs = fmt.secs(beatLeftMs() / 1000);
    const found = b.beat === "narrating" ? [b.then === "vote" ? "Vote opens in" : "The End in", `~${secs}`]
      : b.beat === "result" ? ["Next chapter in", secs] : b.beat === "finale" ? ["The End in", secs] : null;
    if (found) [label, text] = found;
  }
  countdownLabel.textContent = label;
  countdown.textContent = text;
  countdownFill.style.width = `${share}%`;
  countdown.classList.toggle("urgent", urgent);
}

function stepWords(step) {
  return { outlining: "planning the story", writing: "writing a chapter", final: "writing the final chapter",
    voting: "running the vote", waiting: "waiting" }[step] || step;
}

export function renderMeta() {
  const s = m.session;
  if (s && (isRunning() || m.state === "ended")) {
    const theme = themeName(s.theme);
    const n = m.chapter ? m.chapter.number : 0;
    const parts = [s.title || `${theme} story`, theme, n ? `chapter ${n} of ${s.maxChapters}` : `${s.maxChapters} chapters`,
      `${s.mode} mode`];
    if (m.chapter && m.chapter.model) parts.push(`written by ${m.chapter.model}${qualityWords(m.chapter)}`);
    sessionLine.textContent = parts.join(" · ");
  } else {
    sessionLine.textContent = "";
  }
  const llm = m.llm || {};
  const resting = restingModels(llm);
  writer.textContent = `Writer: ${llm.label || "…"}${resting.length ? ` · ${resting.length} resting` : ""}`;
  writer.dataset.state = resting.length ? "resting" : "";
  writer.title = [resting.length ? restingWords(llm) : "Which writer writes the story", countsWords(llm),
    llm.lastError ? `Last error: ${llm.lastError}` : ""].filter(Boolean).join("\n");
  keyBox.hidden = !llm.keyRejected;
  headerKey.hidden = !llm.keyRejected;
  if (llm.keyRejected) {
    // lastError is the latest failure, which may be another one: quote it only when it is about the key.
    const about = llm.lastError && /key|401|403|unauthori|forbidden/i.test(llm.lastError) ? `${llm.lastError}. ` : "";
    $("key-rejected-text").textContent = `${about}Chapters fall back to the offline writer until the key is fixed in Settings.`;
  }
  renderRecap();
}

/** " (repaired)", " (offline writer: why)" after "written by …". */
function qualityWords(chapter) {
  if (chapter.fellBack) return ` (the offline writer stood in${chapter.reason ? `: ${chapter.reason}` : ""})`;
  return chapter.quality === "repaired" ? " (after a retry or a choice repair)"
    : chapter.quality === "fallback" ? " (some choices by the offline writer)" : "";
}

/** "Chapters by gpt-4o-mini: 5 clean, 1 repaired, 0 fallen back" for each model that wrote this run. */
function countsWords(llm) {
  const counts = llm && typeof llm.chapters === "object" && llm.chapters ? llm.chapters : {};
  return Object.entries(counts).map(([model, c]) => `Chapters by ${model}: ${Number(c.clean) || 0} clean, `
    + `${Number(c.repaired) || 0} repaired, ${Number(c.fallback) || 0} fallen back`).join("\n");
}

/** Models resting after repeated failures (the circuit breaker), as the server lists them. */
export function restingModels(llm) {
  return Array.isArray(llm && llm.resting) ? llm.resting.filter((x) => typeof x === "string" && x) : [];
}

/** "gpt-4o is resting after repeated failures; its fallbacks are used." for each resting model. */
export function restingWords(llm) {
  const fallbacks = Array.isArray(llm.fallbackModels) ? llm.fallbackModels : [];
  return restingModels(llm).map((id) => {
    if (id !== llm.model && fallbacks.includes(id)) return `${id} (a fallback) is resting after repeated failures; it is skipped for now.`;
    return `${id} is resting after repeated failures; ${fallbacks.length ? "its fallbacks are used" : "it gets one more try when the rest is over"}.`;
  }).join(" ");
}

function renderRecap() {
  const r = m.recap;
  recapBox.hidden = !(r && m.state === "ended");
  if (recapBox.hidden) return;
  const voters = (r.topVoters || []).map((v) => `${v.nickname || v.userId} (${v.votes})`).join(", ");
  fill(recapBox,
    el("h4", { text: r.title ? `“${r.title}” has ended` : "The story has ended" }),
    el("p", { text: `${fmt.plural(r.chapters || 0, "chapter")} · ${fmt.plural(r.totalVotes || 0, "vote")}` }),
    voters ? el("p", { class: "muted", text: `Top voters: ${voters}` }) : null,
    el("p", {}, el("a", { href: "#new-story", data: { section: "new-story" }, text: "Start another story" })));
}

export function render() {
  renderStatus();
  renderMeta();
  bus.emit("live:changed", m);
}

bus.on("socket:disconnected", () => renderStatus());

setInterval(() => {
  if (m.state === "voting" || m.state === "error" || m.error || beatLeftMs() !== null) renderStatus();
}, 250);

renderText();
renderStatus();
