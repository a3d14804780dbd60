// Live → the model: one object with what is happening in the story, kept up to date from socket
// events by live.js and read by every panel that follows the story (they get it with live:changed).
export const GENERATING = new Set(["outlining", "writing", "final"]);
const RUNNING = new Set(["outlining", "writing", "voting", "waiting", "final", "error"]);

export const live = {
  known: false, state: "idle", session: null, chapter: null, voting: null, lastResult: null,
  error: null, errorAt: 0, recap: null, generating: false, gen: null, llm: null, offset: 0, recent: [],
  lastCounts: null,  // {chapterNumber, counts, voters}: the latest tally seen, kept after the vote closes
  // Chapters written ahead during the vote: {chapterNumber, branches: {choiceIndex: "writing" | "ready"}} or null.
  prefetch: null,
  branchTitles: {},  // "chapterNumber:choiceIndex" -> title, from story:branch-ready
  prefetchMode: "",  // story.prefetch as last loaded ("off": nothing to ask the server about)
  ballots: null,     // {roundId, chapterNumber, saved, partial}: ballots journaled in this round (seen by this page)
  voteOpenSeen: 0,   // the chapter whose vote this page saw open (its ballots-saved count is then complete)
  beat: null,        // the show's beat (story:beat): {beat, chapterNumber, startedAt, endsAt, then}
  heardLine: null,   // the narrated line heard now by the server's timeline: {chapterNumber, index, total}
};

/** The server's clock (ms), from the offset story:state and story:voting-started carry. */
export const serverNow = () => Date.now() + live.offset;
export const remainingMs = () => (live.voting ? Math.max(0, live.voting.endsAt - serverNow()) : 0);
export const isRunning = () => RUNNING.has(live.state);
/** Milliseconds left in the current beat by the server's clock, or null when it has no set end. */
export const beatLeftMs = () => (live.beat && typeof live.beat.endsAt === "number"
  ? Math.max(0, live.beat.endsAt - serverNow()) : null);

/** Keep the latest tally (it stays on screen after the vote closes). */
export function keepCounts(v) {
  if (v) live.lastCounts = { chapterNumber: v.chapterNumber, counts: [...(v.counts || [])], voters: v.voters || 0 };
}

/** A chapter payload from the server as the model keeps it. */
export function chapterFrom(c) {
  return {
    number: c.chapterNumber, title: c.title || "", content: c.content || "", choices: c.choices || [],
    isFinal: Boolean(c.isFinal), streaming: Boolean(c.streaming), parentChoice: c.parentChoice || null,
  };
}
