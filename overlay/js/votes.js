// The vote panel: one row per choice (label, text, live bar, count, percentage), the total,
// the recent-voters ticker, and the winner highlight once the vote closes. Under a choice: its vote keyword
// ("!sword", voting.keywords) and whose idea it was (ideas.mode ballot). Choices are never cut: they wrap
// (three lines at most) and shrink until all of them fit the panel.

import { $, el, setText, letter, commandList, plural } from "./dom.js";
import { int, str, isObj, creditsFor } from "./state.js";

const TICKER_SIZE = 3;
const MAX_LINES = 3;
const FIT_STEP = 0.04;
const TEXT_MIN = 0.84; // the choices' text shrinks this far on its own...
const PANEL_MIN = 0.4; // ...then the whole panel, as far as this
const REASONS = {
  tie: "A tie, settled by fate",
  no_votes: "No votes this time, so fate decided",
  admin: "Picked by the streamer",
  "decided-early": "Decided early: a clear lead",
};

/** Choice index -> its credit for the vote on chapter n: {who, others} of the idea it came from. */
function choiceCredits(store, n) {
  const found = new Map();
  for (const c of creditsFor(store, n)) {
    if (c.usedAs === "choice" && !found.has(c.choiceIndex)) found.set(c.choiceIndex, c);
  }
  return found;
}

export function createVotes() {
  const box = $("choices");
  const panel = $("vote-panel");
  let shownKey = null;
  let notesKey = null; // keywords and credits under the choices, as drawn
  let rows = [];
  let tickerHead = "";

  function buildRows(choices) {
    const key = choices.join("\u0000");
    if (key === shownKey) return;
    shownKey = key;
    rows = choices.map((text, i) => {
      const row = el("div", "choice");
      row.dataset.index = String(i);
      const main = el("div", "choice-main");
      const bar = el("div", "bar");
      const fill = el("div", "bar-fill");
      bar.append(fill);
      const words = el("div", "choice-text", text);
      const meta = el("div", "choice-meta");
      meta.hidden = true;
      main.append(words, meta, bar);
      const stats = el("div", "choice-stats");
      const count = el("span", "choice-count", "0");
      const pct = el("span", "choice-pct", "0%");
      stats.append(count, pct);
      row.append(el("span", "choice-label", `!${letter(i)}`), main, stats);
      return { row, words, meta, fill, count, pct };
    });
    notesKey = null;
    box.replaceChildren(...rows.map((r) => r.row));
    const wide = document.body.dataset.voting === "bottom" && document.body.dataset.layout === "landscape";
    const n = choices.length;
    box.style.setProperty("--cols", String(wide ? (n <= 3 ? Math.max(1, n) : n === 4 ? 2 : 3) : 1));
    fit();
  }

  /** Lines a choice's text takes (its height over its line height). */
  function lines(node) {
    const style = getComputedStyle(node);
    const line = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.2;
    return line > 0 ? Math.round(node.offsetHeight / line) : 1;
  }

  const tooBig = () => panel.scrollHeight > panel.clientHeight + 1 || rows.some((r) => lines(r.words) > MAX_LINES);

  /** Shrink a size (the custom property `name`, from 1) in steps while the panel is too big. */
  function shrink(name, min) {
    let k = 1;
    while (k > min && tooBig()) {
      k = Math.max(min, Math.round((k - FIT_STEP) * 100) / 100);
      panel.style.setProperty(name, String(k));
    }
  }

  /** Make every choice fit, three lines at most, from full size: first their text shrinks, then the panel. */
  function fit() {
    if (!rows.length) return;
    panel.style.setProperty("--vfit", "1");
    panel.style.setProperty("--k", "1");
    shrink("--vfit", TEXT_MIN);
    shrink("--k", PANEL_MIN);
  }

  /** Under each choice: its keyword as a badge ("!sword") and whose idea it was ("idea by @nova_11"). */
  function annotate(keywords, credits) {
    const key = JSON.stringify([keywords, [...credits]]);
    if (key === notesKey) return;
    notesKey = key;
    rows.forEach((r, i) => {
      const parts = [];
      if (keywords[i]) parts.push(el("span", "choice-keyword", `!${keywords[i]}`));
      const credit = credits.get(i);
      if (credit) {
        const line = el("span", "choice-credit", "idea by ");
        line.append(el("bdi", "who", credit.who));
        if (credit.others) line.append(` and ${credit.others} ${plural(credit.others, "other", "others")}`);
        parts.push(line);
      }
      r.meta.replaceChildren(...parts);
      r.meta.hidden = parts.length === 0;
    });
    fit();
  }

  function fillCounts(counts, total, winner) {
    const sum = counts.reduce((a, b) => a + b, 0);
    const all = total === null || total === undefined ? sum : Math.max(int(total), sum);
    const best = Math.max(0, ...counts);
    rows.forEach((r, i) => {
      const c = int(counts[i]);
      const pct = all > 0 ? Math.round((c * 100) / all) : 0;
      setText(r.count, c);
      setText(r.pct, `${pct}%`);
      if (r.fill.style.width !== `${pct}%`) r.fill.style.width = `${pct}%`;
      r.row.classList.toggle("leading", winner === null && best > 0 && c === best);
      r.row.classList.toggle("winner", winner !== null && i === winner);
      r.row.classList.toggle("dimmed", winner !== null && i !== winner);
    });
    setText($("total-votes"), all);
    setText($("total-label"), plural(all, "vote", "votes"));
  }

  function renderTicker(recent, choicesCount) {
    const list = $("recent-voters");
    const items = (Array.isArray(recent) ? recent : [])
      .filter(isObj)
      .slice(-TICKER_SIZE)
      .reverse()
      .map((v) => {
        const raw = v.choice;
        const idx = typeof raw === "number" ? raw : /^[a-z]$/i.test(str(raw)) ? str(raw).toLowerCase().charCodeAt(0) - 97 : int(raw);
        return { who: str(v.nickname).trim() || "Someone", pick: idx >= 0 && idx < Math.max(choicesCount, 1) ? letter(idx).toUpperCase() : "?" };
      });
    const head = items.length ? `${items[0].who}\u0000${items[0].pick}\u0000${items.length}` : "";
    const signature = items.map((v) => `${v.who}\u0000${v.pick}`).join("\u0001");
    if (list.dataset.sig === signature) return;
    list.dataset.sig = signature;
    list.replaceChildren(...items.map((v, i) => {
      const li = el("li");
      li.append(el("span", "who", v.who), document.createTextNode(" voted "), el("span", "pick", v.pick));
      if (i === 0 && head !== tickerHead) li.classList.add("fresh");
      return li;
    }));
    tickerHead = head;
  }

  return {
    /** Live voting: bars, counts, ticker. */
    renderVoting(store) {
      const v = store.voting;
      if (!v) return;
      buildRows(v.choices);
      fillCounts(v.counts, v.total, null);
      renderTicker(store.recent, v.choices.length);
      const keywords = v.choices.map((_, i) => (v.keywords && v.keywords[i]) || null);
      setText($("vote-title"), v.extended ? "Vote extended!" : "Vote in chat!");
      const words = keywords.some(Boolean) ? " — or the word" : "";
      setText($("vote-hint"), v.choices.length ? `Type ${commandList(v.choices.length)}${words}` : "");
      annotate(keywords, choiceCredits(store, v.chapterNumber)); // after the hint: both change the room left
    },

    /** The closed vote: the winner highlighted, the others dimmed, "Chosen: ...". */
    renderResult(store) {
      const r = store.lastResult;
      if (!isObj(r)) return;
      const number = int(r.chapterNumber);
      let choices = store.lastChoices;
      if ((!choices || !choices.length) && store.chapter && store.chapter.chapterNumber === number) choices = store.chapter.choices;
      const winner = Number.isInteger(r.winnerIndex) ? r.winnerIndex : -1;
      if (!choices || !choices.length) choices = [str(r.winnerText)];
      buildRows(choices);
      annotate(choices.map(() => null), choiceCredits(store, number)); // the vote is closed: no keywords
      const counts = choices.map((_, i) => int(Array.isArray(r.counts) ? r.counts[i] : 0));
      fillCounts(counts, r.total, choices.length === 1 && winner >= 0 ? 0 : winner);
      const text = str(r.winnerText) || (winner >= 0 ? str(choices[winner]) : "");
      setText($("result-text"), `Chosen: ${text}`);
      setText($("result-note"), REASONS[str(r.reason)] || "");
      setText($("vote-title"), str(r.reason) === "admin" ? "The streamer decided!" : "The audience has chosen!");
      setText($("vote-hint"), "");
    },

    fit,
  };
}
