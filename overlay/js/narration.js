// Narration: plays the server's story:narration lines one at a time, strictly in order by
// (chapterNumber, chapter lines before the vote call, index). A line that arrives early waits for
// the ones before it; a line whose audio cannot play (no URL, autoplay blocked, 404, decode error,
// or ?narration=off) is "paced": it stays current for its durationMs, so the text keeps in step.
// The server's timeline is the truth: every line says when it is heard (startsAt, server ms). A line
// already over by then is skipped, a late one starts part-way in, and a vote call meant for now
// stops whatever of the chapter is still playing (the vote is open: the call must be heard now).
// Audio only ever comes from this server (same origin, /api/interactive-story/audio/...).

const AUDIO_PATH = "/api/interactive-story/audio/";
const STALL_MS = 5000; // a missing predecessor (a lost event) is given up on after this long
const MIN_MS = 250;
const MAX_MS = 90_000;
const FADE_MS = 300;
const PLAYED_KEEP = 300;
const KINDS = { chapter: 0, "vote-call": 1 };

const LATE_MS = 500; // a line this late by the server's clock starts part-way in
const int = (v) => (Number.isFinite(Number(v)) ? Math.max(0, Math.round(Number(v))) : 0);
const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));

/** A same-origin audio URL under the server's audio route, or null. */
export function safeAudioUrl(url) {
  if (typeof url !== "string" || !url.trim()) return null;
  try {
    const u = new URL(url, window.location.href);
    if (u.origin !== window.location.origin || !u.pathname.startsWith(AUDIO_PATH)) return null;
    return u.href;
  } catch {
    return null;
  }
}

/** A validated line, or null when the payload is unusable. */
export function lineFrom(e) {
  if (e === null || typeof e !== "object" || typeof e.text !== "string") return null;
  const kind = e.kind === "vote-call" ? "vote-call" : "chapter";
  const ms = Number(e.durationMs);
  const volume = Number(e.volume);
  return {
    chapterNumber: int(e.chapterNumber),
    index: kind === "vote-call" ? 0 : int(e.index),
    total: e.total === undefined || e.total === null ? null : int(e.total),
    text: e.text,
    audioUrl: safeAudioUrl(e.audioUrl),
    durationMs: Number.isFinite(ms) ? clamp(ms, MIN_MS, MAX_MS) : 3000,
    speaker: typeof e.speaker === "string" && e.speaker.trim() ? e.speaker.trim() : null,
    kind,
    volume: Number.isFinite(volume) ? clamp(volume, 0, 1) : 1,
    startsAt: Number.isFinite(Number(e.startsAt)) && e.startsAt !== null ? Number(e.startsAt) : null,
  };
}

const order = (a, b) => a.chapterNumber - b.chapterNumber || KINDS[a.kind] - KINDS[b.kind] || a.index - b.index;
const sameSlot = (a, b) => a.chapterNumber === b.chapterNumber && a.kind === b.kind && a.index === b.index;

/**
 * mode: "on" (audio), "off" (paced, silent) or "text" (narration ignored).
 * voteClosed(n): true once chapter n's vote is over (its vote call is then dropped).
 * onScreen(n): true while the story panel shows chapter n (its lines wait until then, so the voice never
 *   reads a chapter that is not on screen yet, e.g. during the winner's hold); call poke() when it changes.
 * onChange(): called whenever what is being narrated changes.
 * serverNow(): the server's clock in ms (lines are placed on it).
 */
export function createNarration({ mode = "on", volume = 1, voteClosed = () => false, onScreen = () => true,
  onChange = () => {}, serverNow = () => Date.now() } = {}) {
  const enabled = mode !== "text";
  let queue = []; // waiting lines, sorted
  let playing = null; // {line, token, audio: HTMLAudioElement|null, heard, timer, watchdog, startedAt}
  let token = 0;
  let minChapter = 0; // lines of older chapters are dropped
  const chapters = new Map(); // n -> {next: index|undefined, total: n|null, last: line|null}
  const played = []; // {chapterNumber, index, kind, audio}
  let waitTimer = null;
  let waitingFor = null; // "n:kind:index" of the head that waits for its predecessors
  let waitingSince = 0;
  let received = 0; // story:narration events taken (for debugging)
  let blocked = false; // the browser refused to autoplay: pace until someone interacts with the page
  const called = new Set(); // chapters whose vote call has been taken (a resumed state must not repeat it)

  if (enabled && mode === "on" && typeof document !== "undefined") {
    const unblock = () => { blocked = false; };
    document.addEventListener("pointerdown", unblock, true);
    document.addEventListener("keydown", unblock, true);
  }

  function info(n) {
    let c = chapters.get(n);
    if (!c) {
      c = { next: undefined, total: null, last: null };
      chapters.set(n, c);
    }
    return c;
  }

  function changed() {
    try {
      onChange();
    } catch (err) {
      console.error("overlay: narration change", err);
    }
  }

  function fadeOut(audio) {
    if (!audio) return;
    const start = audio.volume;
    const began = performance.now();
    const timer = setInterval(() => {
      const k = Math.min(1, (performance.now() - began) / FADE_MS);
      try {
        audio.volume = Math.max(0, start * (1 - k));
        if (k >= 1) {
          clearInterval(timer);
          audio.pause();
          audio.removeAttribute("src");
          audio.load();
        }
      } catch {
        clearInterval(timer);
      }
    }, 30);
  }

  /** Stop the current line without recording it (it was cut off). */
  function cut() {
    if (!playing) return;
    clearTimeout(playing.timer);
    clearTimeout(playing.watchdog);
    fadeOut(playing.audio);
    playing = null;
  }

  function finish(p, heard) {
    if (!playing || playing !== p) return;
    clearTimeout(p.timer);
    clearTimeout(p.watchdog);
    if (p.audio) {
      p.audio.onended = p.audio.onerror = p.audio.onplaying = null;
      try {
        p.audio.pause();
      } catch {
        /* gone */
      }
    }
    playing = null;
    played.push({ chapterNumber: p.line.chapterNumber, index: p.line.index, kind: p.line.kind, audio: Boolean(heard) });
    if (played.length > PLAYED_KEEP) played.splice(0, played.length - PLAYED_KEEP);
    pump();
    changed();
  }

  /** Show the line for the rest of its duration without sound. */
  function pace(p) {
    if (!playing || playing !== p || p.paced) return;
    p.paced = true;
    if (p.audio) {
      p.audio.onended = p.audio.onerror = p.audio.onplaying = null;
      try {
        p.audio.pause();
      } catch {
        /* gone */
      }
    }
    clearTimeout(p.watchdog);
    const left = Math.max(MIN_MS, p.line.durationMs - (performance.now() - p.startedAt));
    p.timer = setTimeout(() => finish(p, false), left);
  }

  /** How late a line is by the server's clock (ms; 0 when on time or not placed). */
  function lateness(line) {
    return line.startsAt === null ? 0 : Math.max(0, serverNow() - line.startsAt);
  }

  function start(line) {
    const late = lateness(line) > LATE_MS ? lateness(line) : 0;
    const p = { line, token: ++token, audio: null, heard: false, paced: false, timer: 0, watchdog: 0,
      startedAt: performance.now() - late };
    playing = p;
    if (line.kind === "chapter") {
      const c = info(line.chapterNumber);
      c.next = line.index + 1;
      c.last = line;
      if (line.total !== null) c.total = line.total;
    }
    if (mode !== "on" || blocked || !line.audioUrl || typeof Audio !== "function") {
      pace(p);
      return;
    }
    let audio;
    try {
      audio = new Audio();
      audio.preload = "auto";
      audio.volume = clamp(line.volume * volume, 0, 1);
      audio.onplaying = () => { p.heard = true; };
      audio.onended = () => finish(p, p.heard);
      audio.onerror = () => pace(p);
      if (late) audio.addEventListener("loadedmetadata", () => { audio.currentTime = late / 1000; }, { once: true });
      audio.src = line.audioUrl;
      p.audio = audio;
      // never stuck: if "ended" never comes (a stalled download), move on anyway
      p.watchdog = setTimeout(() => finish(p, p.heard), line.durationMs * 1.5 + 6000);
      const promise = audio.play();
      if (promise && typeof promise.catch === "function") {
        promise.catch((err) => {
          if (err && err.name === "NotAllowedError") blocked = true; // no sound without a click (not OBS)
          pace(p);
        });
      }
    } catch (err) {
      console.warn("overlay: narration audio", err);
      pace(p);
    }
  }

  function clearWait() {
    clearTimeout(waitTimer);
    waitTimer = null;
    waitingFor = null;
  }

  function wait(head) {
    const key = `${head.chapterNumber}:${head.kind}:${head.index}`;
    if (waitingFor !== key) {
      clearTimeout(waitTimer);
      waitingFor = key;
      waitingSince = performance.now();
      waitTimer = setTimeout(pump, STALL_MS + 20);
    }
    return performance.now() - waitingSince >= STALL_MS;
  }

  /** Start the next line when it is its turn. */
  function pump() {
    if (playing) return;
    while (queue.length) {
      const head = queue[0];
      if (head.chapterNumber < minChapter || (head.kind === "vote-call" && voteClosed(head.chapterNumber))) {
        queue.shift();
        continue;
      }
      const c = info(head.chapterNumber);
      if (head.kind === "chapter") {
        if (c.next === undefined) c.next = head.index; // joined mid-chapter (a reload): start here
        if (head.index < c.next || lateness(head) >= head.durationMs) {
          queue.shift(); // already played (a repeat), or over by the server's clock
          c.next = Math.max(c.next, head.index + 1);
          continue;
        }
        if (head.index > c.next && !wait(head)) return; // an earlier line is still to come
      } else if (!c.cut && c.next !== undefined && (c.total === null || c.next < c.total) && !wait(head)) {
        return; // the chapter's lines come first (seen from its start, they are still to come)
      }
      if (!onScreen(head.chapterNumber)) return; // poke() starts it once the chapter shows
      clearWait();
      queue.shift();
      start(head);
      changed();
      return;
    }
    clearWait();
  }

  function drop(keep) {
    const before = queue.length;
    queue = queue.filter(keep);
    if (playing && !keep(playing.line)) {
      cut();
      changed();
    } else if (queue.length !== before) changed();
    pump();
  }

  /** A story:narration payload (or a line): queue it; false when it is stale or a repeat. */
  function take(payload) {
    if (!enabled) return false;
    received += 1;
    const line = lineFrom(payload);
    if (!line || line.chapterNumber < minChapter) return false;
    if (line.kind === "chapter") {
      const c = info(line.chapterNumber);
      if (line.total !== null) c.total = line.total;
      if (c.next !== undefined && line.index < c.next) return false; // already played
    }
    if (playing && sameSlot(playing.line, line)) return false;
    if (line.kind === "vote-call") {
      if (called.has(line.chapterNumber)) return false;
      called.add(line.chapterNumber);
      if (line.startsAt === null || line.startsAt <= serverNow() + LATE_MS) {
        // the vote is open now: the rest of the chapter is not read (the server has stopped reading it)
        const c = info(line.chapterNumber);
        c.cut = true;
        if (c.total !== null) c.next = c.total;
        drop((l) => !(l.kind === "chapter" && l.chapterNumber === line.chapterNumber));
      }
    }
    queue = queue.filter((q) => !sameSlot(q, line));
    queue.push(line);
    queue.sort(order);
    pump();
    changed();
    return true;
  }

  return {
    enabled,

    /** A story:narration payload. */
    push: take,

    /** Chapter n is being written (generation-started): everything older, and any old take of n, goes. */
    newChapter(n) {
      if (!enabled) return;
      minChapter = Math.max(minChapter, n);
      for (const k of [...chapters.keys()]) if (k <= n) chapters.delete(k);
      chapters.set(n, { next: 0, total: null, last: null }); // seen from the start
      called.delete(n);
      drop((l) => l.chapterNumber > n);
    },

    /** Chapter n is ready (chapter-ready): older chapters are dropped; its lines start at 0. */
    chapterReady(n) {
      if (!enabled) return;
      minChapter = Math.max(minChapter, n);
      for (const k of [...chapters.keys()]) if (k < n) chapters.delete(k);
      if (!chapters.has(n)) chapters.set(n, { next: 0, total: null, last: null });
      drop((l) => l.chapterNumber >= n);
    },

    /** story:state shows chapter n: older chapters are dropped (a reload joins wherever it is). */
    chapterShown(n) {
      if (!enabled || n <= minChapter) return;
      minChapter = n;
      for (const k of [...chapters.keys()]) if (k < n) chapters.delete(k);
      drop((l) => l.chapterNumber >= n);
    },

    /**
     * story:state's lines for the chapter on screen (a reload or a reconnect): take up the reading where
     * a listener would be now, by the server's timeline (each line's startsAt).
     */
    resume(lines) {
      if (!enabled || !Array.isArray(lines)) return;
      const now = serverNow();
      const valid = lines.map(lineFrom).filter((l) => l).sort(order);
      const from = valid.findIndex((l) => l.startsAt === null || l.startsAt + l.durationMs > now);
      if (from < 0) return;
      for (const l of valid.slice(from)) take(l);
    },

    /** The vote on chapter n closed: its vote call is no longer wanted. */
    voteClosed(n) {
      if (!enabled) return;
      drop((l) => !(l.kind === "vote-call" && l.chapterNumber === n));
    },

    /** What is on screen changed: start the next line if it may start now. */
    poke() {
      if (enabled && !playing && queue.length) pump();
    },

    /** A new story: forget everything. */
    reset() {
      if (!enabled) return;
      minChapter = 0;
      chapters.clear();
      called.clear();
      clearWait();
      drop(() => false);
    },

    /**
     * What the text should follow for chapter n: {text, speaker, index, active, speaking} or null.
     * active: the chapter is being narrated (a line plays, or the next is still to come);
     * speaking: this line is playing right now.
     */
    line(n) {
      if (!enabled) return null;
      if (playing && playing.line.kind === "chapter" && playing.line.chapterNumber === n) {
        const l = playing.line;
        return { text: l.text, speaker: l.speaker, index: l.index, active: true, speaking: true };
      }
      const c = chapters.get(n);
      if (!c || !c.last) return null;
      const done = c.total !== null && c.next !== undefined && c.next >= c.total;
      return { text: c.last.text, speaker: c.last.speaker, index: c.last.index, active: !done, speaking: false };
    },

    /** For tests and debugging: window.__overlay.narration. */
    snapshot() {
      const l = playing && playing.line;
      return {
        mode,
        playing: l ? { chapterNumber: l.chapterNumber, index: l.index, total: l.total, kind: l.kind, text: l.text,
          speaker: l.speaker, audio: Boolean(playing.audio) && !playing.paced } : null,
        played: played.map((p) => ({ ...p })),
        received,
        autoplayBlocked: blocked,
        queued: queue.length,
      };
    },
  };
}
