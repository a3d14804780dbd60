// Live → chapters written ahead during the vote (story.prefetch): which branches are being written
// or are ready, kept in the model from story:state, story:branch-ready and GET status (asked for
// when a branch may have started or stopped, since no event says so).
import { bus } from "./bus.js";
import * as api from "./api.js";
import { isSignedIn } from "./auth.js";
import { socketConnected } from "./socket.js";
import { live as m } from "./livemodel.js";
import { render } from "./liveview.js";

/** Take the server's prefetch status ({chapterNumber, branches: [{choiceIndex, state}]} or null). */
export function setPrefetch(raw) {
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

bus.on("story:branch-ready", (p) => {
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
export function refreshPrefetch(delay = 300) {
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
bus.on("config:loaded", (reply) => {
  const mode = reply && reply.config && reply.config.story ? reply.config.story.prefetch : undefined;
  if (typeof mode === "string") m.prefetchMode = mode;
  if (m.state === "voting") refreshPrefetch(300);  // the mode or the concurrency may have changed
});
