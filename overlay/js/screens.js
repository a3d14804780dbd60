// Draws the chosen screen from the store: cards, chapter panel, votes, recap and the status line.
// Every model- or viewer-supplied string goes in as text (textContent / text nodes).

import { $, el, setText, plural } from "./dom.js";
import { int, str, isObj, creditsFor, castFeaturedIn, viewerName } from "./state.js";

/** An image URL the page may load: same origin only (the page loads nothing from other hosts). */
export function safeImageUrl(url) {
  if (typeof url !== "string" || !url.trim()) return null;
  try {
    const u = new URL(url, window.location.href);
    if (u.origin === window.location.origin && (u.protocol === "http:" || u.protocol === "https:")) return u.href;
    if (u.protocol === "data:" && /^data:image\/(png|jpe?g|webp|gif);/i.test(url)) return url;
  } catch {
    /* not a URL */
  }
  return null;
}

/** "1280x720" -> "1280 / 720" (a CSS aspect ratio), or null. */
export function aspectRatio(size) {
  const m = /^\s*(\d{2,5})\s*[x×]\s*(\d{2,5})\s*$/i.exec(typeof size === "string" ? size : "");
  if (!m) return null;
  const w = Number(m[1]);
  const h = Number(m[2]);
  return w > 0 && h > 0 && w / h > 0.3 && w / h < 4 ? `${w} / ${h}` : null;
}

const CAST_SHOWN = 12; // names on the end card; more are "+N more"
const RECAP_MIN_FIT = 0.6; // the end card's text shrinks this far at most to fit

/** Shrink the end card's text in steps until all of it fits the card (a long title, a big cast). */
function fitRecap() {
  const card = $("recap");
  let k = 1;
  card.style.setProperty("--recap-fit", "1");
  while (k > RECAP_MIN_FIT && card.scrollHeight > card.clientHeight + 1) {
    k = Math.max(RECAP_MIN_FIT, Math.round((k - 0.05) * 100) / 100);
    card.style.setProperty("--recap-fit", String(k));
  }
}

/**
 * A line of viewers' names, each in its own <bdi> (a right-to-left override in a nickname stays inside it):
 * `lead` then the names, then `tail` ("and 3 others"). Returns the nodes to put in the line.
 */
function namesLine(lead, names, tail = "") {
  const nodes = [document.createTextNode(lead)];
  names.forEach((name, i) => {
    if (i > 0) nodes.push(document.createTextNode(i === names.length - 1 && !tail ? " and " : ", "));
    nodes.push(el("bdi", "who", name));
  });
  if (tail) nodes.push(document.createTextNode(` and ${tail}`));
  return nodes;
}

/** "Idea by @nova_11" / "Idea by Nova and 3 others" / "Ideas by @a and @b" for the chapter's director's notes. */
function ideaLine(credits) {
  const notes = credits.filter((c) => c.usedAs === "note");
  if (!notes.length) return null;
  const shown = notes.slice(0, 3);
  const others = notes.length === 1 ? notes[0].others : notes.length - shown.length;
  const tail = others ? `${others} ${plural(others, "other", "others")}` : "";
  return namesLine(notes.length === 1 ? "Idea by " : "Ideas by ", shown.map((c) => c.who), tail);
}

/** A cast member as named on screen: "Nova (@nova_11)", or only one of them when that is all there is. */
function memberName(m) {
  if (!m.handle) return m.name;
  if (!m.name || m.name.toLowerCase() === m.handle.toLowerCase()) return `@${m.handle}`;
  return `${m.name} (@${m.handle})`;
}

/** "Joining the story: Nova (@nova_11) and Kiwi" for the chapter where they first appear. */
function castLine(members) {
  if (!members.length) return null;
  const shown = members.slice(0, 3);
  const more = members.length - shown.length;
  return namesLine("Joining the story: ", shown.map(memberName), more ? `${more} more` : "");
}

/** Put a line of nodes in `node` (hidden when null), redrawn only when its text changed; true when it did. */
function showLine(node, nodes) {
  const sig = nodes ? nodes.map((n) => n.textContent).join("\u0000") : "";
  if (node.dataset.sig === sig && node.hidden === !nodes) return false;
  node.dataset.sig = sig;
  node.replaceChildren(...(nodes || []));
  node.hidden = !nodes;
  return true;
}

/** Screens where a vote is on (open, or its result): the story shrinks to a line and the vote takes the room. */
const VOTE_SCREENS = ["voting", "result"];

export function createScreens({ store, textView, lineView, votes, theme, narration = null }) {
  const image = $("chapter-image");
  const frame = $("image-frame");
  const speakerTag = $("speaker-tag");
  let imageWanted = null; // URL the <img> is loading or showing
  let imageLoaded = null; // URL that loaded
  let imageBroken = null; // URL that failed to load
  let drawnChapter = null; // "session:number" of the chapter the story panel shows
  let ratio = null;

  // The frame shows only once its picture has loaded (then the picture fades in): no empty box while it is
  // being made or loaded, and nothing at all when it fails (never a broken-image icon).
  image.addEventListener("load", () => {
    if (image.getAttribute("src") !== imageWanted) return;
    imageLoaded = imageWanted;
    image.hidden = false;
    frame.hidden = false;
    frame.dataset.state = "ready";
  });
  image.addEventListener("error", () => {
    if (image.getAttribute("src") !== imageWanted) return;
    imageBroken = imageWanted;
    image.hidden = true;
    frame.hidden = true;
    frame.dataset.state = "failed";
  });

  function storyTitle() {
    const s = store.session;
    return isObj(s) ? str(s.title) : "";
  }

  function writingWhat() {
    const g = store.generation;
    const ch = store.chapter;
    if (store.state === "outlining" || (g && g.purpose === "outline")) return { kind: "outline", n: 0 };
    const final = (g && (g.purpose === "final" || g.isFinal)) || store.state === "final" || (ch && ch.isFinal);
    let n = g ? g.chapterNumber : ch ? ch.chapterNumber : 1;
    if (!g && ch && !ch.streaming && store.lastResult && int(store.lastResult.chapterNumber) === ch.chapterNumber) n += 1;
    const parent = g ? g.parentChoice : ch && ch.streaming ? ch.parentChoice : store.lastResult ? str(store.lastResult.winnerText) : "";
    return { kind: final ? "final" : "chapter", n: Math.max(1, n), parent };
  }

  function drawGenerating() {
    const w = writingWhat();
    const t = theme.info(isObj(store.session) ? store.session.theme : null);
    if (w.kind === "outline") {
      setText($("gen-title"), "Planning the story…");
      setText($("gen-sub"), t && t.name ? `A ${t.name.toLowerCase()} story, steered by chat` : "A new story, steered by chat");
      return;
    }
    setText($("gen-title"), w.kind === "final" ? "Writing the final chapter…" : `Writing chapter ${w.n}…`);
    setText($("gen-sub"), w.parent ? `Chosen: ${w.parent}` : storyTitle());
  }

  /** Pictures are made for chapters (the server said so in story:state.media). */
  function picturesExpected() {
    const provider = store.media && store.media.images;
    return typeof provider === "string" && provider !== "" && provider !== "off";
  }

  function drawImage(ch) {
    const want = aspectRatio(store.media && store.media.imageSize);
    if (want !== ratio) {
      ratio = want;
      if (want) frame.style.setProperty("--img-ratio", want);
      else frame.style.removeProperty("--img-ratio");
    }
    const url = ch ? safeImageUrl(store.images.get(ch.chapterNumber)) : null;
    const failed = Boolean(ch) && store.imageFailed.has(ch.chapterNumber);
    if (url !== imageWanted) {
      imageWanted = url;
      imageLoaded = null;
      imageBroken = null;
      image.hidden = true; // hidden (and transparent) until it has loaded: then it fades in
      if (url) image.setAttribute("src", url);
      else image.removeAttribute("src");
    }
    let state;
    if (url) state = imageLoaded === url ? "ready" : imageBroken === url ? "failed" : "loading";
    else if (failed) state = "failed";
    else state = ch && picturesExpected() ? "waiting" : "none";
    const hidden = state !== "ready";
    if (frame.hidden !== hidden) frame.hidden = hidden;
    if (frame.dataset.state !== state) frame.dataset.state = state;
  }

  function drawSpeaker(line) {
    const who = line && line.speaking && line.speaker ? line.speaker : "";
    if (who) setText(speakerTag, who); // keep the old name while it fades out
    speakerTag.classList.toggle("on", Boolean(who));
  }

  function drawChapter() {
    const ch = store.chapter;
    if (!ch) return;
    const title = ch.title.trim();
    setText($("chapter-title"), title ? `Chapter ${ch.chapterNumber} — ${title}` : `Chapter ${ch.chapterNumber}`);
    const parts = [];
    if (ch.isFinal) parts.push("Final chapter");
    if (ch.parentChoice) parts.push(`You chose: ${ch.parentChoice}`);
    setText($("story-kicker"), parts.join(" · "));
    $("story-head-row").classList.toggle("no-kicker", parts.length === 0);
    drawImage(ch);
    drawnChapter = `${store.sessionId}:${ch.chapterNumber}`;
    const line = narration && !ch.streaming ? narration.line(ch.chapterNumber) : null;
    textView.show(drawnChapter, ch.content, ch.streaming, line);
    lineView.show(drawnChapter, ch.content, ch.streaming, line);
    drawSpeaker(line);
    drawCredits(ch.chapterNumber);
  }

  /** The viewers behind chapter n: whose idea steered it, who joins the story in it. */
  function drawCredits(n) {
    const idea = ideaLine(creditsFor(store, n));
    const cast = castLine(castFeaturedIn(store, n));
    const changed = showLine($("idea-credit"), idea);
    if (!showLine($("cast-credit"), cast) && !changed) return;
    $("story-credits").hidden = !idea && !cast;
    textView.relayout(); // the text has a line more (or less) of room
  }

  /** The end card's cast: everyone who joined the story, as pills ("Nova @nova_11"). */
  function drawRecapCast(r) {
    const cast = (Array.isArray(r.cast) ? r.cast : []).filter(isObj)
      .map((m) => ({ name: str(m.name).trim(), handle: viewerName("", m.handle) }))
      .filter((m) => m.name || m.handle);
    const list = $("recap-cast");
    const sig = JSON.stringify(cast);
    if (list.dataset.sig !== sig) {
      list.dataset.sig = sig;
      const items = cast.slice(0, CAST_SHOWN).map((m) => {
        const li = el("li");
        li.append(el("bdi", "who", m.name || m.handle));
        const sameName = m.handle.slice(1).toLowerCase() === m.name.toLowerCase(); // "sage13 @sage13": once
        if (m.name && m.handle && !sameName) li.append(el("bdi", "at", m.handle));
        return li;
      });
      if (cast.length > CAST_SHOWN) items.push(el("li", "more", `+${cast.length - CAST_SHOWN} more`));
      list.replaceChildren(...items);
    }
    $("recap-cast-head").classList.toggle("none", cast.length === 0);
    $("recap").classList.toggle("with-cast", cast.length > 0);
  }

  function drawRecap() {
    const r = isObj(store.recap) ? store.recap : {};
    const before = $("recap").dataset.sig;
    setText($("recap-title"), str(r.title) || storyTitle());
    const chapters = int(r.chapters ?? (store.chapter ? store.chapter.chapterNumber : 0));
    const total = int(r.totalVotes);
    setText($("recap-chapters"), chapters);
    setText($("recap-chapters-label"), plural(chapters, "chapter", "chapters"));
    setText($("recap-votes"), total);
    setText($("recap-votes-label"), plural(total, "vote", "votes"));
    const voters = (Array.isArray(r.topVoters) ? r.topVoters : []).filter(isObj).slice(0, 5);
    const sig = JSON.stringify(voters.map((v) => [str(v.nickname || v.userId), int(v.votes)]));
    const list = $("top-voters");
    if (list.dataset.sig !== sig) {
      list.dataset.sig = sig;
      list.replaceChildren(...voters.map((v, i) => {
        const li = el("li");
        const n = int(v.votes);
        li.append(el("span", "rank", `${i + 1}`), el("span", "who", str(v.nickname).trim() || str(v.userId) || "Someone"),
          el("span", "n", `${n} ${plural(n, "vote", "votes")}`));
        return li;
      }));
    }
    $("top-voters-head").classList.toggle("none", voters.length === 0);
    $("recap").classList.toggle("with-voters", voters.length > 0);
    drawRecapCast(r);
    const drawn = [$("recap-title").textContent, sig, $("recap-cast").dataset.sig].join("\u0000");
    if (drawn !== before) {
      $("recap").dataset.sig = drawn;
      fitRecap();
    }
  }

  function drawStatus(screen) {
    const s = store.session;
    const title = storyTitle();
    const bits = [];
    if (title) bits.push(title); // no emoji: OBS on Linux often has no colour emoji font
    const ch = store.chapter;
    const max = isObj(s) ? int(s.maxChapters) : 0;
    if (screen === "generating") {
      const w = writingWhat();
      if (w.kind !== "outline" || title) bits.push(w.kind === "outline" ? "planning" : w.kind === "final" ? "final chapter" : max ? `chapter ${w.n} of ${max}` : `chapter ${w.n}`);
    } else if (screen === "result" && isObj(store.lastResult)) {
      const n = int(store.lastResult.chapterNumber);
      bits.push(max ? `chapter ${n} of ${max}` : `chapter ${n}`);
    } else if (ch && (screen === "chapter" || screen === "voting")) {
      bits.push(ch.isFinal ? "final chapter" : max ? `chapter ${ch.chapterNumber} of ${max}` : `chapter ${ch.chapterNumber}`);
    }
    if (screen === "voting") bits.push("vote now");
    setText($("status-text"), bits.join(" · "));
  }

  return {
    /** Draw everything the screen needs (cheap, idempotent). */
    draw(screen) {
      const body = document.body;
      if (body.dataset.screen !== screen) body.dataset.screen = screen;
      const story = VOTE_SCREENS.includes(screen) ? "line" : "full";
      if (body.dataset.story !== story) body.dataset.story = story;
      drawStatus(screen);
      if (screen === "generating") drawGenerating();
      // Hidden panels are kept up to date too, so a held screen hands over without a jump.
      if (screen === "result") {
        // keep the chapter that was voted on, even if the next one is already streaming in
        const ch = store.chapter;
        const voted = ch && store.lastResult && int(store.lastResult.chapterNumber) === ch.chapterNumber;
        if (voted || drawnChapter === null) drawChapter();
        votes.renderResult(store);
      } else {
        drawChapter();
        if (store.voting) votes.renderVoting(store);
      }
      if (screen === "ended" || store.recap) drawRecap();
    },
  };
}
