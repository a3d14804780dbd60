// The overlay's picture of the story: a copy of the last story:state, moved forward by each event.
// story:state is the truth and replaces everything; events only patch it. Every reader guards
// against missing fields, because one bad payload must never break the page.

const SCREENS = ["waiting", "generating", "chapter", "voting", "result", "ended"];
const GENERATING_MIN_MS = 1800; // the writing animation stays up at least this long (no flashes)
const GENERATING_GRACE_MS = 400; // ... and only comes up when the chapter is not there this soon (written ahead)

export const isObj = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
export const str = (v) => (typeof v === "string" ? v : v === null || v === undefined ? "" : String(v));
export const int = (v) => (Number.isFinite(Number(v)) ? Math.max(0, Math.round(Number(v))) : 0);
const num = (v) => (typeof v === "number" && Number.isFinite(v) ? v : null);
const list = (v) => (Array.isArray(v) ? v : []);

export function createStore() {
  return {
    offset: 0, // serverTime - Date.now()
    state: "idle",
    session: null,
    chapter: null, // {chapterNumber, title, content, choices, isFinal, streaming, parentChoice}
    voting: null, // {chapterNumber, choices, counts, total, voters, endsAt, durationS, extended}
    recent: [],
    lastResult: null,
    lastChoices: [], // choices of the vote that just closed (lastResult has only the winner's text)
    recap: null,
    error: null,
    generation: null, // {purpose, chapterNumber, isFinal, parentChoice}
    generationAt: 0, // when the writing began (Date.now()): the writing animation waits a moment after it
    beat: null, // the show's beat from the server: {beat, chapterNumber, startedAt, endsAt (server ms), then}
    images: new Map(), // chapterNumber -> same-origin URL
    imageFailed: new Set(), // chapterNumbers whose picture failed (the frame keeps its place)
    media: { images: null, imageSize: null }, // from story:state.media: picture provider ("off", ...) and "WxH"
    ideaCredits: new Map(), // "session:chapter" -> [{who, others, usedAs, choiceIndex}]: viewers' ideas a chapter used
    cast: null, // {sessionId, members: [{name, handle, featuredIn}]}: viewers who joined the story (!join)
    sessionId: null,
    // presentation timing (the holds themselves are the server's beats)
    screen: "waiting",
    screenSince: 0,
  };
}

function chapterFrom(raw) {
  if (!isObj(raw)) return null;
  return {
    chapterNumber: int(raw.chapterNumber),
    title: str(raw.title),
    content: str(raw.content),
    choices: list(raw.choices).map(str),
    isFinal: Boolean(raw.isFinal),
    streaming: raw.streaming === undefined ? false : Boolean(raw.streaming),
    parentChoice: raw.parentChoice == null ? "" : str(raw.parentChoice),
  };
}

function votingFrom(raw, serverTime, now) {
  if (!isObj(raw)) return null;
  const choices = list(raw.choices).map(str);
  let endsAt = num(raw.endsAt);
  if (endsAt === null && num(raw.remainingMs) !== null && num(serverTime) !== null) endsAt = serverTime + raw.remainingMs;
  if (endsAt === null && num(raw.remainingMs) !== null) endsAt = now + raw.remainingMs;
  return {
    chapterNumber: int(raw.chapterNumber),
    choices,
    counts: choices.map((_, i) => int(list(raw.counts)[i])),
    total: raw.total === undefined ? null : int(raw.total),
    voters: int(raw.voters),
    endsAt,
    durationS: num(raw.durationS),
    extended: Boolean(raw.extended),
    keywords: choices.map((_, i) => keywordFrom(list(raw.keywords)[i])),
  };
}

/** A vote keyword as chat types it without its "!" ("sword"), or null when the choice has none. */
function keywordFrom(raw) {
  const word = typeof raw === "string" ? raw.trim().replace(/^[!#/]+/, "") : "";
  return word && word.length <= 24 ? word : null;
}

/** How a viewer is named on screen: their @handle when the platform gave one, else their nickname. */
export function viewerName(nickname, handle) {
  const at = str(handle).trim().replace(/^@+/, "");
  return at ? `@${at}` : str(nickname).trim();
}

const CREDITS_KEPT = 8; // chapters whose credits are remembered (the one on screen, the one just voted on, ...)

/** One credited idea as the screens need it: who proposed it first, how many more did, and where it went. */
function creditFrom(raw) {
  if (!isObj(raw)) return null;
  const by = list(raw.by);
  const handles = list(raw.handles);
  const who = viewerName(by[0], handles[0]);
  if (!who) return null;
  const usedAs = raw.usedAs === "choice" ? "choice" : "note";
  const choiceIndex = Number.isInteger(raw.choiceIndex) && raw.choiceIndex >= 0 ? raw.choiceIndex : null;
  if (usedAs === "choice" && choiceIndex === null) return null; // a choice credit names its choice
  return { who, others: Math.max(0, int(raw.proposers) - 1, by.length - 1), usedAs, choiceIndex };
}

/** story:idea-credit (or story:state.ideaCredits): remember the credits of that story's chapter. */
function noteCredits(store, raw) {
  if (!isObj(raw) || !Array.isArray(raw.credits)) return false;
  const session = raw.sessionId ?? store.sessionId;
  const key = `${session}:${int(raw.chapterNumber)}`;
  store.ideaCredits.delete(key);
  store.ideaCredits.set(key, raw.credits.map(creditFrom).filter(Boolean));
  while (store.ideaCredits.size > CREDITS_KEPT) store.ideaCredits.delete(store.ideaCredits.keys().next().value);
  return true;
}

/** The credited ideas of chapter n of the story on screen ([] when it used none). */
export function creditsFor(store, n) {
  return store.ideaCredits.get(`${store.sessionId}:${n}`) || [];
}

/** story:cast-updated (or story:state.cast): the viewers who joined the story. */
function castFrom(raw) {
  if (!isObj(raw)) return null;
  const members = list(raw.cast).filter((m) => isObj(m) && (m.status === undefined || m.status === "cast"))
    .map((m) => ({ name: str(m.name).trim(), handle: str(m.handle).trim().replace(/^@+/, ""),
      featuredIn: m.featuredIn == null ? null : int(m.featuredIn) }))
    .filter((m) => m.name || m.handle);
  return { sessionId: raw.sessionId ?? null, members };
}

/** Cast members who first appear in chapter n of the story on screen. */
export function castFeaturedIn(store, n) {
  const cast = store.cast;
  if (!cast || (cast.sessionId !== null && store.sessionId !== null && cast.sessionId !== store.sessionId)) return [];
  return cast.members.filter((m) => m.featuredIn === n);
}

function beatFrom(raw) {
  if (!isObj(raw) || typeof raw.beat !== "string") return null;
  return { beat: raw.beat, chapterNumber: int(raw.chapterNumber), startedAt: num(raw.startedAt),
    endsAt: num(raw.endsAt), then: str(raw.then) };
}

/** Milliseconds left in the current beat by the server's clock, or null when it has no set end. */
export function beatLeftMs(store, now = Date.now()) {
  const b = store.beat;
  if (!b || b.endsAt === null) return null;
  return Math.max(0, b.endsAt - (now + store.offset));
}

function noteSession(store, id) {
  if (id === undefined || id === null) return;
  if (store.sessionId !== null && store.sessionId !== id) {
    store.images.clear();
    store.imageFailed.clear();
  }
  store.sessionId = id;
}

function syncOffset(store, serverTime) {
  if (num(serverTime) !== null) store.offset = serverTime - Date.now();
}

/** A chapter payload's picture: its URL, or that it failed. */
function notePicture(store, n, raw) {
  const url = raw.imageUrl || raw.image;
  if (typeof url === "string" && url) {
    store.images.set(n, url);
    store.imageFailed.delete(n);
  } else if (raw.imageStatus === "failed") store.imageFailed.add(n);
}

/** An event about another story than the one shown? */
const otherSession = (store, e) => e.sessionId !== undefined && e.sessionId !== null && store.sessionId !== null
  && e.sessionId !== store.sessionId;

/** story:state: replace the picture (presentation timers stay, so a hold is not cut short). */
export function applyState(store, s) {
  if (!isObj(s)) return;
  syncOffset(store, s.serverTime);
  store.state = str(s.state) || "idle";
  store.session = isObj(s.session) ? s.session : null;
  noteSession(store, store.session ? store.session.id : null);
  store.chapter = chapterFrom(s.chapter);
  const voting = votingFrom(s.voting, s.serverTime, Date.now() + store.offset);
  if (!voting || !store.voting || voting.chapterNumber !== store.voting.chapterNumber) store.recent = [];
  store.voting = voting;
  store.lastResult = isObj(s.lastResult) ? s.lastResult : null;
  if (store.voting) store.lastChoices = store.voting.choices;
  store.recap = isObj(s.recap) ? s.recap : null;
  store.error = isObj(s.error) ? s.error : null;
  if (store.chapter && isObj(s.chapter)) notePicture(store, store.chapter.chapterNumber, s.chapter);
  if (isObj(s.media) && isObj(s.media.images)) {
    store.media = { images: str(s.media.images.provider) || null, imageSize: str(s.media.images.size) || null };
  }
  if (!["outlining", "writing", "final"].includes(store.state)) store.generation = null;
  store.beat = beatFrom(s.beat);
  if (isObj(s.ideaCredits)) noteCredits(store, s.ideaCredits);
  else if (store.chapter) store.ideaCredits.delete(`${store.sessionId}:${store.chapter.chapterNumber}`);
  store.cast = castFrom(s.cast);
}

/** Apply one server event; returns false when it was ignored (stale or malformed). */
export function applyEvent(store, name, e) {
  if (!isObj(e)) return false;
  const now = Date.now();
  switch (name) {
    case "story:generation-started": {
      noteSession(store, e.sessionId);
      const purpose = str(e.purpose) || "chapter";
      store.generation = { purpose, chapterNumber: int(e.chapterNumber), isFinal: Boolean(e.isFinal),
        parentChoice: e.parentChoice == null ? "" : str(e.parentChoice) };
      store.generationAt = now;
      store.state = purpose === "outline" ? "outlining" : purpose === "final" || e.isFinal ? "final" : "writing";
      store.voting = null;
      store.recent = [];
      if (purpose !== "outline") {
        store.chapter = { chapterNumber: int(e.chapterNumber), title: "", content: "", choices: [],
          isFinal: Boolean(e.isFinal), streaming: true, parentChoice: store.generation.parentChoice };
      }
      return true;
    }
    case "story:chapter-token": {
      const ch = store.chapter;
      if (!ch || !ch.streaming || int(e.chapterNumber) !== ch.chapterNumber || typeof e.delta !== "string") return false;
      ch.content += e.delta;
      return true;
    }
    case "story:chapter-reset": {
      const ch = store.chapter;
      if (!ch || int(e.chapterNumber) !== ch.chapterNumber) return false;
      ch.content = "";
      return true;
    }
    case "story:chapter-ready": {
      noteSession(store, e.sessionId);
      const ch = chapterFrom({ ...e, streaming: false });
      if (store.chapter && ch.chapterNumber < store.chapter.chapterNumber) return false;
      store.chapter = ch;
      store.generation = null;
      notePicture(store, ch.chapterNumber, e);
      return true;
    }
    case "story:voting-started": {
      syncOffset(store, e.serverTime);
      const v = votingFrom(e, e.serverTime, now + store.offset);
      if (!v) return false;
      if (!store.voting || store.voting.chapterNumber !== v.chapterNumber) store.recent = [];
      if (!v.choices.length && store.chapter) v.choices = store.chapter.choices.slice();
      store.voting = v;
      store.lastChoices = v.choices;
      store.state = "voting";
      store.generation = null;
      return true;
    }
    case "story:vote-update": {
      const v = store.voting;
      if (!v || int(e.chapterNumber) !== v.chapterNumber) return false;
      if (Array.isArray(e.counts)) v.counts = v.choices.map((_, i) => int(e.counts[i]));
      if (e.total !== undefined) v.total = int(e.total);
      if (e.voters !== undefined) v.voters = int(e.voters);
      if (Array.isArray(e.recent)) store.recent = e.recent.filter(isObj);
      return true;
    }
    case "story:voting-ended": {
      if (store.voting && store.voting.chapterNumber === int(e.chapterNumber)) store.lastChoices = store.voting.choices;
      else if (store.chapter && store.chapter.chapterNumber === int(e.chapterNumber)) store.lastChoices = store.chapter.choices;
      store.lastResult = e;
      store.voting = null;
      store.state = "resolving"; // local only: the next story:state or generation-started moves on
      return true;
    }
    case "story:beat": {
      const beat = beatFrom(e);
      if (!beat) return false;
      if (beat.beat === "writing" && (!store.beat || store.beat.beat !== "writing")) store.generationAt = now;
      store.beat = beat;
      return true;
    }
    case "story:ended": {
      store.state = "ended";
      store.voting = null;
      store.generation = null;
      if (isObj(e.recap)) store.recap = e.recap;
      if (store.chapter) store.chapter.streaming = false;
      return true;
    }
    case "story:chapter-updated": {
      // a passage rewritten, a choice edited or a new picture: patch the chapter on screen
      if (otherSession(store, e)) return false;
      const n = int(e.chapterNumber);
      notePicture(store, n, e);
      const ch = store.chapter;
      if (!ch || ch.chapterNumber !== n || ch.streaming) return true;
      if (typeof e.title === "string") ch.title = e.title;
      if (typeof e.content === "string" && e.content) ch.content = e.content;
      if (Array.isArray(e.choices) && e.choices.length) ch.choices = e.choices.map(str);
      return true;
    }
    case "story:idea-credit":
      return noteCredits(store, e);
    case "story:cast-updated": {
      const cast = castFrom(e);
      const stale = cast && cast.sessionId !== null && store.sessionId !== null && cast.sessionId < store.sessionId;
      if (!cast || stale) return false; // an earlier story's, late
      store.cast = cast;
      return true;
    }
    case "story:image-updated": {
      if (typeof e.url !== "string" || !e.url || otherSession(store, e)) return false;
      store.images.set(int(e.chapterNumber), e.url);
      store.imageFailed.delete(int(e.chapterNumber));
      return true;
    }
    case "story:image-failed": {
      if (otherSession(store, e)) return false;
      const n = int(e.chapterNumber);
      if (!store.images.has(n)) store.imageFailed.add(n); // a failed redo keeps the picture we have
      return true;
    }
    default:
      return false;
  }
}

/** The screen the data calls for, before presentation holds. */
export function deriveScreen(store, state = store.state) {
  const ch = store.chapter;
  const result = store.lastResult;
  const resultForShown = result && ch && int(result.chapterNumber) === ch.chapterNumber;
  const beat = store.beat;
  if (beat && (beat.beat === "result" || beat.beat === "waiting") && result
    && int(result.chapterNumber) === beat.chapterNumber && state !== "ended") return "result"; // the server's hold
  switch (state) {
    case "idle":
      return "waiting";
    case "ended":
      return "ended";
    case "outlining":
      return "generating";
    case "voting":
      return store.voting ? "voting" : ch ? "chapter" : "generating";
    case "waiting": // manual mode: the vote is closed, the streamer has not moved on yet
      return result ? "result" : ch ? "chapter" : "waiting";
    case "resolving":
      return result ? "result" : "generating";
    case "writing":
    case "final":
      if (!ch || resultForShown) return "generating";
      return ch.content || !ch.streaming ? "chapter" : "generating";
    case "error": {
      const step = isObj(store.error) ? str(store.error.step) : "";
      if (step && step !== "error") return deriveScreen(store, step);
      return ch ? "chapter" : store.session ? "generating" : "waiting";
    }
    default:
      return null;
  }
}

/** Can this screen be drawn from what we know? */
function drawable(store, screen) {
  if (screen === "voting") return Boolean(store.voting);
  if (screen === "result") return Boolean(store.lastResult);
  if (screen === "chapter") return Boolean(store.chapter);
  if (screen === "ended") return Boolean(store.recap) || store.state === "ended";
  return SCREENS.includes(screen);
}

/**
 * The screen to show now. The server holds the result and the final chapter (its beats); here the
 * writing animation is never a flash: it comes up only when the chapter is not there within a moment
 * (a chapter written ahead appears straight away) and then stays up a little while.
 * Returns {screen, recheckInMs}.
 */
export function chooseScreen(store, now = Date.now()) {
  const current = store.screen;
  let want = deriveScreen(store);
  if (store.state === "error" && current !== "waiting" && drawable(store, current)) want = current;
  if (!want || !drawable(store, want)) want = drawable(store, current) ? current : "waiting";
  let until = 0;
  if (want === "generating" && (current === "result" || current === "chapter")
    && now < store.generationAt + GENERATING_GRACE_MS) {
    until = store.generationAt + GENERATING_GRACE_MS;
  } else if (current === "generating" && (want === "chapter" || want === "voting") && now < store.screenSince + GENERATING_MIN_MS) {
    until = store.screenSince + GENERATING_MIN_MS;
  }
  if (until) return { screen: current, recheckInMs: until - now + 20 };
  return { screen: want, recheckInMs: 0 };
}

export function setScreen(store, screen, now = Date.now()) {
  if (store.screen !== screen) {
    store.screen = screen;
    store.screenSince = now;
  }
}
