// Live view: one model of what is happening, fed by socket events; renders the state line,
// the progress indicator, the streaming chapter, the countdown, errors and the recap.
import { $, el, fill, fmt } from "./dom.js";
import { bus } from "./bus.js";
import * as api from "./api.js";
import * as notify from "./notify.js";
import { isSignedIn } from "./auth.js";
import { socketConnected } from "./socket.js";
import { themeName } from "./themes.js";

const stateLine = $("live-state"), headerState = $("header-state");
const progress = $("progress"), progressText = $("progress-text");
// #live-text holds the chapter content verbatim (the editing tools map selections back to it).
const titleNode = $("live-title"), prose = $("live-text"), box = $("live-chapter");
const empty = $("live-empty"), recapBox = $("live-recap");
const sessionLine = $("live-session"), countdown = $("live-countdown"), countdownFill = $("countdown-fill");
const errorBox = $("story-error"), keyBox = $("key-rejected"), headerKey = $("header-key-rejected");
const writer = $("writer-label");
// Built once, updated in place: the ticker re-renders 4x a second and must not replace the button.
const errParts = {
  what: el("strong"), message: el("span"), retry: el("span", { class: "retry" }),
};
fill(errorBox, errParts.what, errParts.message, errParts.retry,
  el("span", { class: "muted small", text: " (Next chapter retries at once.)" }));
const GENERATING = new Set(["outlining", "writing", "final"]);
const RUNNING = new Set(["outlining", "writing", "voting", "waiting", "final", "error"]);

const m = {
  known: false, state: "idle", session: null, chapter: null, voting: null, lastResult: null,
  error: null, errorAt: 0, recap: null, generating: false, gen: null, llm: null, offset: 0, recent: [],
  lastCounts: null,  // {chapterNumber, counts, voters}: the latest tally seen, kept after the vote closes
  // Chapters written ahead during the vote: {chapterNumber, branches: {choiceIndex: "writing" | "ready"}} or null.
  prefetch: null,
  branchTitles: {},  // "chapterNumber:choiceIndex" -> title, from story:branch-ready
  prefetchMode: "",  // story.prefetch as last loaded ("off": nothing to ask the server about)
  ballots: null,     // {roundId, chapterNumber, saved, partial}: ballots journaled in this round (seen by this page)
  voteOpenSeen: 0,   // the chapter whose vote this page saw open (its ballots-saved count is then complete)
};
const keepCounts = (v) => { if (v) m.lastCounts = { chapterNumber: v.chapterNumber, counts: [...(v.counts || [])], voters: v.voters || 0 }; };

const serverNow = () => Date.now() + m.offset;
const remainingMs = () => (m.voting ? Math.max(0, m.voting.endsAt - serverNow()) : 0);
const isRunning = () => RUNNING.has(m.state);

function chapterFrom(c) {
  return {
    number: c.chapterNumber, title: c.title || "", content: c.content || "", choices: c.choices || [],
    isFinal: Boolean(c.isFinal), streaming: Boolean(c.streaming), parentChoice: c.parentChoice || null,
  };
}

function writingNumber() {
  if (m.gen && m.gen.purpose !== "outline") return m.gen.chapterNumber;
  if (!m.chapter) return 1;
  return m.chapter.streaming ? m.chapter.number : m.chapter.number + 1;
}

function stateWords() {
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
function renderText() {
  const c = m.chapter;
  titleNode.textContent = c ? (c.title || (c.streaming ? `Chapter ${c.number}` : "")) : "";
  // Only touch the text when it changed: replacing it would drop the streamer's selection.
  const content = c ? c.content : "";
  if (prose.textContent !== content) prose.textContent = content;
  else if (!(c && c.streaming) && prose.childNodes.length > 1) prose.normalize();  // streamed tokens -> one text run
  box.classList.toggle("streaming", Boolean(c && c.streaming));
  box.hidden = !c;
  empty.hidden = Boolean(c) || isRunning();
}

function appendToken(delta) {
  const nearBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
  prose.append(document.createTextNode(delta));
  if (nearBottom) box.scrollTop = box.scrollHeight;
}

function renderStatus() {
  const words = m.known ? stateWords() : "Waiting for the server…";
  stateLine.textContent = words;
  stateLine.dataset.state = m.state;
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

  if (m.state === "voting" && m.voting) {
    const left = remainingMs();
    countdown.textContent = fmt.secs(left / 1000);
    const total = (m.voting.durationS || 1) * 1000;
    countdownFill.style.width = `${Math.min(100, (left / total) * 100)}%`;
    countdown.classList.toggle("urgent", left < 10000);
  } else {
    countdown.textContent = "–";
    countdown.classList.remove("urgent");
    countdownFill.style.width = "0%";
  }

  const showError = Boolean(m.error) && (m.state === "error" || Date.now() - m.errorAt < 3000);
  errorBox.hidden = !showError;
  if (showError) {
    const step = m.error.step ? ` while ${stepWords(m.error.step)}` : "";
    errParts.what.textContent = `Something failed${step}: `;
    errParts.message.textContent = m.error.message || "unknown error";
    errParts.retry.textContent = ` — ${retryWords()}`;
  }
}

function stepWords(step) {
  return { outlining: "planning the story", writing: "writing a chapter", final: "writing the final chapter",
    voting: "running the vote", waiting: "waiting" }[step] || step;
}

function renderMeta() {
  const s = m.session;
  if (s && (isRunning() || m.state === "ended")) {
    const theme = themeName(s.theme);
    const n = m.chapter ? m.chapter.number : 0;
    const parts = [s.title || `${theme} story`, theme, n ? `chapter ${n} of ${s.maxChapters}` : `${s.maxChapters} chapters`,
      `${s.mode} mode`];
    if (m.chapter && m.chapter.model) parts.push(`written by ${m.chapter.model}${m.chapter.fellBack ? " (fallback)" : ""}`);
    sessionLine.textContent = parts.join(" · ");
  } else {
    sessionLine.textContent = "";
  }
  const llm = m.llm || {};
  const resting = restingModels(llm);
  writer.textContent = `Writer: ${llm.label || "…"}${resting.length ? ` · ${resting.length} resting` : ""}`;
  writer.dataset.state = resting.length ? "resting" : "";
  writer.title = [resting.length ? restingWords(llm) : "Which writer writes the story",
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

/** Models resting after repeated failures (the circuit breaker), as the server lists them. */
function restingModels(llm) {
  return Array.isArray(llm && llm.resting) ? llm.resting.filter((x) => typeof x === "string" && x) : [];
}

/** "gpt-4o is resting after repeated failures; its fallbacks are used." for each resting model. */
function restingWords(llm) {
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

function render() {
  renderStatus();
  renderMeta();
  bus.emit("live:changed", m);
}

// Socket events -> model ---------------------------------------------------------------
const on = bus.on;
on("story:state", (p) => {
  m.known = true;
  m.state = p.state || "idle";
  if (typeof p.serverTime === "number") m.offset = p.serverTime - Date.now();
  m.session = p.session || null;
  m.chapter = p.chapter ? chapterFrom(p.chapter) : null;
  m.voting = p.voting ? { ...p.voting } : null;
  keepCounts(m.voting);
  if (m.voting && !(m.voting.total > 0)) m.voteOpenSeen = m.voting.chapterNumber;
  m.lastResult = p.lastResult || null;
  if (p.error && (!m.error || m.error.message !== p.error.message)) m.errorAt = Date.now();
  m.error = p.error || null;
  m.recap = p.recap || null;
  m.generating = Boolean(p.generating);
  if (!GENERATING.has(m.state)) m.gen = null;
  if (p.llm) m.llm = { ...(m.llm || {}), ...p.llm };
  if ("prefetch" in p) setPrefetch(p.prefetch);
  if (m.state === "voting" || m.state === "waiting") refreshPrefetch(800);  // branches start just after the vote opens
  renderText();
  render();
});
on("story:generation-started", (p) => {
  m.gen = p;
  m.generating = true;
  m.error = null;
  if (p.purpose === "outline") {
    m.state = "outlining";
    Object.assign(m, { recap: null, chapter: null, voting: null, lastResult: null, lastCounts: null, recent: [],
      prefetch: null, branchTitles: {}, ballots: null });
  } else {
    m.state = p.isFinal ? "final" : "writing";
    m.chapter = { number: p.chapterNumber, title: "", content: "", choices: [], isFinal: Boolean(p.isFinal),
      streaming: true, parentChoice: p.parentChoice || null };
    m.voting = null;
    m.recent = [];
    if (m.prefetch && m.prefetch.chapterNumber <= p.chapterNumber) m.prefetch = null;  // taken or dropped
  }
  renderText();
  render();
});
on("story:chapter-token", (p) => {
  if (!m.chapter || m.chapter.number !== p.chapterNumber || !m.chapter.streaming) {
    m.chapter = { number: p.chapterNumber, title: "", content: "", choices: [], isFinal: false, streaming: true };
    renderText();
  }
  m.chapter.content += p.delta || "";
  appendToken(p.delta || "");
  renderStatus();  // word count; cheap, no bus traffic per token
});
on("story:chapter-reset", (p) => {
  if (m.chapter && m.chapter.number === p.chapterNumber) {
    m.chapter.content = "";
    renderText();
    notify.info(`Chapter ${p.chapterNumber} is being rewritten from the start (a retry).`);
  }
});
on("story:chapter-ready", (p) => {
  m.chapter = chapterFrom({ ...p, streaming: false });
  m.chapter.model = p.model || "";
  m.chapter.fellBack = Boolean(p.fellBack);
  refreshLlm();  // the writer may have fallen back or had its key rejected mid-chapter
  m.gen = null;
  m.generating = false;
  if (m.session && p.title && p.chapterNumber === 1 && !m.session.title) m.session.title = p.title;
  renderText();
  render();
});
// A passage rewritten or a choice edited: the whole chapter payload again.
on("story:chapter-updated", (p) => {
  if (!m.chapter || m.chapter.number !== p.chapterNumber || m.chapter.streaming) return;
  const { model, fellBack } = m.chapter;
  m.chapter = Object.assign(chapterFrom({ ...p, streaming: false }), { model, fellBack });
  if (m.voting && m.voting.chapterNumber === p.chapterNumber && Array.isArray(p.choices) && p.choices.length) {
    m.voting.choices = p.choices;
  }
  renderText();
  render();
});
on("story:voting-started", (p) => {
  if (typeof p.serverTime === "number") m.offset = p.serverTime - Date.now();
  m.state = "voting";
  m.gen = null;
  m.generating = false;
  m.voting = { chapterNumber: p.chapterNumber, choices: p.choices || [], counts: p.counts || [],
    total: p.total || 0, voters: p.voters || 0, endsAt: p.endsAt, durationS: p.durationS };
  if (m.chapter && m.chapter.number === p.chapterNumber) m.chapter.choices = p.choices || m.chapter.choices;
  keepCounts(m.voting);
  if (p.extended) notify.info("Too few voters: the vote was extended.");
  if (!(p.total > 0)) m.voteOpenSeen = p.chapterNumber;  // no ballot yet: every save of this vote reaches this page
  refreshPrefetch(800);
  render();
});
on("story:vote-update", (p) => {
  if (!m.voting || m.voting.chapterNumber !== p.chapterNumber) return;
  Object.assign(m.voting, { counts: p.counts || m.voting.counts, total: p.total || 0, voters: p.voters || 0 });
  if (Array.isArray(p.recent)) m.recent = p.recent;
  keepCounts(m.voting);
  refreshPrefetch(1000);  // leader mode follows the leader: branches start and stop with the counts
  render();
});
on("story:voting-ended", (p) => {
  m.lastResult = p;
  m.voting = null;
  render();
});
on("story:ended", (p) => {
  m.state = "ended";
  m.recap = p.recap || null;
  m.gen = null;
  m.generating = false;
  m.voting = null;
  render();
});
on("story:error", (p) => {
  m.error = p;
  m.errorAt = Date.now();
  render();
  refreshLlm();
});

// Chapters written ahead ----------------------------------------------------------------
/** Take the server's prefetch status ({chapterNumber, branches: [{choiceIndex, state}]} or null). */
function setPrefetch(raw) {
  if (!raw || typeof raw !== "object" || !Array.isArray(raw.branches)) { m.prefetch = null; return; }
  const branches = {};
  for (const b of raw.branches) {
    if (!b || typeof b.choiceIndex !== "number") continue;
    branches[b.choiceIndex] = b.state === "ready" ? "ready" : "writing";
    // A branch written again (after a director's note or an edit) has no title until it is ready again.
    if (branches[b.choiceIndex] === "writing") delete m.branchTitles[`${raw.chapterNumber}:${b.choiceIndex}`];
  }
  m.prefetch = { chapterNumber: raw.chapterNumber, branches };
}

on("story:branch-ready", (p) => {
  if (m.session && p.sessionId !== undefined && p.sessionId !== m.session.id) return;
  pfSeq += 1;  // an answer to a status request sent before this event is older than it
  m.branchTitles[`${p.chapterNumber}:${p.choiceIndex}`] = p.title || "";
  if (!m.prefetch || m.prefetch.chapterNumber !== p.chapterNumber) m.prefetch = { chapterNumber: p.chapterNumber, branches: {} };
  m.prefetch.branches[p.choiceIndex] = "ready";
  render();
  refreshPrefetch(300);
});

/** story:state is not re-sent when a branch starts or stops: ask GET status for it (throttled). */
let pfTimer = null, pfDue = 0, pfInFlight = false, pfSeq = 0;
function refreshPrefetch(delay = 300) {
  const due = Date.now() + delay;
  if (pfTimer && pfDue <= due) return;
  clearTimeout(pfTimer);
  pfDue = due;
  pfTimer = setTimeout(fetchPrefetch, delay);
}
async function fetchPrefetch() {
  pfTimer = null;
  if (!isSignedIn()) return;
  if (pfInFlight) { refreshPrefetch(500); return; }
  pfInFlight = true;
  const seq = pfSeq;
  try {
    const s = await api.get("status", { quiet: true });
    if (seq !== pfSeq) refreshPrefetch(200);  // a branch finished meanwhile: this answer may be stale
    else if (s && "prefetch" in s) { setPrefetch(s.prefetch); render(); }
  } catch { /* the next vote update or tick asks again */ } finally { pfInFlight = false; }
}
const branchesWriting = () => Boolean(m.prefetch && Object.values(m.prefetch.branches).includes("writing"));
setInterval(() => {
  if (!socketConnected() || document.hidden) return;
  const open = m.state === "voting" && m.prefetchMode !== "off";
  if (open || branchesWriting()) refreshPrefetch(0);
}, 3000);
on("config:loaded", (reply) => {
  const mode = reply && reply.config && reply.config.story ? reply.config.story.prefetch : undefined;
  if (typeof mode === "string") m.prefetchMode = mode;
  if (m.state === "voting") refreshPrefetch(300);  // the mode or the concurrency may have changed
});

// Ballots journaled (admin only): summed per round ---------------------------------------
on("story:ballots-saved", (p) => {
  if (!m.ballots || m.ballots.roundId !== p.roundId) {
    // Opened mid-vote: the ballots saved before this page connected are not counted here.
    m.ballots = { roundId: p.roundId, chapterNumber: p.chapterNumber, saved: 0, partial: m.voteOpenSeen !== p.chapterNumber };
  }
  m.ballots.saved += Number(p.saved) || 0;
  render();
});

/** story:state carries the writer's health only when the state changes: ask for it too. */
let llmTimer = null;
function refreshLlm() {
  clearTimeout(llmTimer);
  llmTimer = setTimeout(() => {
    if (!isSignedIn()) return;
    api.get("llm/status", { label: "Writer status" }).then((s) => setLlm(s), () => {});
  }, 150);
}
setInterval(() => { if (socketConnected() && !document.hidden) refreshLlm(); }, 20000);
on("socket:disconnected", () => renderStatus());

setInterval(() => { if (m.state === "voting" || m.state === "error" || m.error) renderStatus(); }, 250);

/** Merge writer details from GET config / llm status (label, keyRejected, lastError). */
export function setLlm(llm) {
  if (llm) { m.llm = { ...(m.llm || {}), ...llm }; renderMeta(); bus.emit("llm:status", m.llm); }
}

/** A rewrite's answer: show the new content at once (the socket echo brings the same). */
export function setContent(number, content) {
  if (!m.chapter || m.chapter.number !== number || m.chapter.streaming || typeof content !== "string") return;
  m.chapter.content = content;
  renderText();
  render();
}

export { m as live, serverNow, isRunning, restingModels, restingWords, render };
renderText();
renderStatus();
