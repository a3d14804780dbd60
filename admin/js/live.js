// Live → socket events into the model (livemodel.js), then the view (liveview.js) draws it; also the
// writer's health (GET llm/status) and a rewrite's answer shown at once.
import { bus } from "./bus.js";
import * as api from "./api.js";
import * as notify from "./notify.js";
import { isSignedIn } from "./auth.js";
import { socketConnected } from "./socket.js";
import { live as m, GENERATING, chapterFrom, keepCounts } from "./livemodel.js";
import { renderText, appendToken, renderStatus, renderMeta, render } from "./liveview.js";
import { setPrefetch, refreshPrefetch } from "./prefetch.js";

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
  m.beat = p.beat || null;
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
  m.chapter.quality = typeof p.quality === "string" ? p.quality : "clean";
  m.chapter.reason = typeof p.reason === "string" ? p.reason : "";
  if (m.chapter.reason) notify.info(`Chapter ${p.chapterNumber} was written by the offline writer: ${m.chapter.reason}.`);
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
  const { model, fellBack, quality, reason } = m.chapter;
  m.chapter = Object.assign(chapterFrom({ ...p, streaming: false }), { model, fellBack, quality, reason });
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
  // One flag for every reason the end moved (too few voters, +30 s, a moderator's !extend, the LIVE back): say what
  // is true of all of them, never a reason that may be wrong.
  if (p.paused) notify.info("The LIVE is down: the vote's countdown holds until it is back.");
  else if (p.extended && typeof p.endsAt === "number") {
    const at = new Date(p.endsAt - (m.offset || 0)).toLocaleTimeString();
    notify.info(`The vote now ends at ${at}.`);
  }
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
on("story:beat", (p) => {
  m.beat = p;
  // story:state right after a chapter still says it is being written (the beat moves on a moment later)
  if (p.beat !== "writing" && p.beat !== "idle") m.generating = false;
  render();
});
on("story:error", (p) => {
  m.error = p;
  m.errorAt = Date.now();
  render();
  refreshLlm();
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
