// Draws the chosen screen from the store: cards, chapter panel, votes, recap and the status line.
// Every model- or viewer-supplied string goes in as text (textContent / text nodes).

import { $, el, setText } from "./dom.js";
import { int, str, isObj } from "./state.js";

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

export function createScreens({ store, textView, votes, theme }) {
  const image = $("chapter-image");
  const frame = $("image-frame");
  let imageWanted = null;
  let drawnChapter = null; // "session:number" of the chapter the story panel shows

  image.addEventListener("load", () => {
    if (image.getAttribute("src") === imageWanted) frame.hidden = false;
  });
  image.addEventListener("error", () => {
    frame.hidden = true;
    image.hidden = true;
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

  function drawImage(ch) {
    const url = ch ? safeImageUrl(store.images.get(ch.chapterNumber)) : null;
    if (url === imageWanted) return;
    imageWanted = url;
    if (!url) {
      frame.hidden = true;
      image.hidden = true;
      image.removeAttribute("src");
      return;
    }
    image.hidden = false;
    frame.hidden = false;
    image.setAttribute("src", url);
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
    drawImage(ch);
    drawnChapter = `${store.sessionId}:${ch.chapterNumber}`;
    textView.show(drawnChapter, ch.content, ch.streaming);
  }

  function drawRecap() {
    const r = isObj(store.recap) ? store.recap : {};
    setText($("recap-title"), str(r.title) || storyTitle());
    setText($("recap-chapters"), int(r.chapters ?? (store.chapter ? store.chapter.chapterNumber : 0)));
    setText($("recap-votes"), int(r.totalVotes));
    const voters = (Array.isArray(r.topVoters) ? r.topVoters : []).filter(isObj).slice(0, 5);
    const sig = JSON.stringify(voters.map((v) => [str(v.nickname || v.userId), int(v.votes)]));
    const list = $("top-voters");
    if (list.dataset.sig !== sig) {
      list.dataset.sig = sig;
      list.replaceChildren(...voters.map((v, i) => {
        const li = el("li");
        const n = int(v.votes);
        li.append(el("span", "rank", `${i + 1}`), el("span", "who", str(v.nickname).trim() || str(v.userId) || "Someone"),
          el("span", "n", `${n} ${n === 1 ? "vote" : "votes"}`));
        return li;
      }));
    }
    $("top-voters-head").classList.toggle("none", voters.length === 0);
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
    setText($("status-line"), bits.join(" · "));
  }

  return {
    /** Draw everything the screen needs (cheap, idempotent). */
    draw(screen) {
      if (document.body.dataset.screen !== screen) document.body.dataset.screen = screen;
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
