// History: past sessions (GET sessions); one session's chapters with vote charts, roads not taken
// (chapters written ahead for choices that lost), earlier versions (revisions from rewrites,
// regenerations and choice edits), director's notes, top voters, and the storybook downloads.
import { $, el, fill, fmt } from "./dom.js";
import { bus } from "./bus.js";
import * as api from "./api.js";
import { guard, quietly } from "./notify.js";
import { live } from "./livemodel.js";
import { themeName, themeLabel } from "./themes.js";
import { styleWords } from "./storystyle.js";
import { voteChart } from "./charts.js";
import { storybookButtons } from "./exports.js";

const list = $("history-list"), detail = $("history-detail");
const STATES = { ended: "ended", error: "error", voting: "live", writing: "live", outlining: "live", waiting: "live", final: "live" };
const REASONS = { rewrite: "Passage rewritten", regenerate: "Chapter regenerated", "choice-edit": "Choice edited" };
let selectedId = null;
let shownJson = "";  // the open story as last drawn: a refresh that changes nothing redraws nothing

async function loadList() {
  const data = await api.get("sessions?limit=100", { label: "Loading history" });
  const sessions = data.sessions || [];
  if (!sessions.length) { fill(list, el("li", { class: "muted empty", text: "No stories yet." })); return; }
  fill(list, sessions.map((s) => el("li", {},
    el("button", {
      type: "button", class: `history-item${s.id === selectedId ? " selected" : ""}`, data: { id: String(s.id) },
      on: { click: guard(() => open(s.id), "history") },
    },
    el("span", { class: "h-title", text: s.title || `${themeName(s.theme)} story` }),
    el("span", { class: "h-meta muted small", text: `${fmt.clip(themeLabel(s), 40)} · ${fmt.date(s.createdAt)}` }),
    el("span", { class: "h-meta small" },
      el("span", { class: `state-pill state-${STATES[s.state] || "other"}`, text: s.state }),
      ` ${fmt.plural(s.chapterCount || 0, "chapter")}`)))));
}

/** Show one story (History's detail); also from the Writer's room ("Open in History"). */
export async function open(id) {
  // A refresh of the open story keeps what the streamer expanded.
  const refreshing = id === selectedId && detail.querySelector(".history-chapters, h3");
  const keep = refreshing ? new Set([...detail.querySelectorAll("details[open][data-key]")].map((d) => d.dataset.key)) : new Set();
  selectedId = id;
  for (const b of list.querySelectorAll(".history-item")) b.classList.toggle("selected", b.dataset.id === String(id));
  if (!refreshing) fill(detail, el("p", { class: "muted", text: "Loading…" }));
  let data;
  try {
    data = await api.get(`session/${encodeURIComponent(id)}`, { label: `Loading story #${id}` });
  } catch (err) {
    fill(detail, el("p", { class: "muted", text: `Story #${id} could not be loaded: ${err.message}` }));
    throw err;
  }
  const json = JSON.stringify(data);
  if (refreshing && json === shownJson) return;
  shownJson = json;
  render(data);
  for (const d of detail.querySelectorAll("details[data-key]")) if (keep.has(d.dataset.key)) d.open = true;
}

function render(data) {
  const s = data.session || {};
  const chapters = data.chapters || [];
  const revisions = Array.isArray(data.revisions) ? data.revisions : [];
  const notes = Array.isArray(data.notes) ? data.notes : [];
  const roads = Array.isArray(data.roadsNotTaken) ? data.roadsNotTaken : [];
  const numbers = new Set(chapters.map((c) => c.chapterNumber));
  const strayRoads = roads.filter((r) => !numbers.has(r.chapterNumber - 1));  // its vote's chapter is gone
  const pendingNotes = notes.filter((n) => n.usedInChapter === null || n.usedInChapter === undefined);
  const facts = [themeLabel(s), `${s.mode} mode`, s.language, s.model ? `written by ${s.model}` : null,
    `started ${fmt.date(s.createdAt)}`, s.endedAt ? `ended ${fmt.date(s.endedAt)}` : `state: ${s.state}`].filter(Boolean);
  fill(detail,
    el("h3", { text: s.title || `${themeName(s.theme)} story` }),
    el("p", { class: "muted small", text: facts.join(" · ") }),
    s.id !== undefined && s.id !== null ? storybookButtons(s.id) : null,
    styleLine(s.style),
    s.error ? el("p", { class: "alert alert-warn", text: `Last error: ${s.error}` }) : null,
    s.outline ? el("details", { class: "outline", data: { key: "outline" } }, el("summary", { text: "Outline" }), el("p", { class: "prose", text: s.outline })) : null,
    chapters.length ? el("ol", { class: "history-chapters" }, chapters.map((c) => chapterItem(c,
      revisions.filter((r) => r.chapterNumber === c.chapterNumber),
      notes.filter((n) => n.usedInChapter === c.chapterNumber),
      roads.filter((r) => r.chapterNumber === c.chapterNumber + 1))))
      : el("p", { class: "muted", text: "No chapters were written." }),
    strayRoads.length ? roadsNotTaken(strayRoads) : null,
    pendingNotes.length ? el("div", { class: "history-notes" },
      el("h4", { text: "Director's notes not used yet" }),
      el("ul", {}, pendingNotes.map((n) => el("li", { text: n.note || "" })))) : null,
    voters(data.topVoters || []));
}

/** The story's style as it was started ({persona, style, tone, pov, audience, rating, ending}). */
function styleLine(style) {
  const words = styleWords(style);
  return words ? el("p", { class: "muted small history-style", text: `Style — ${words}` }) : null;
}

function chapterItem(c, revs, usedNotes, roads) {
  const choices = c.choices || [];
  const counts = choices.map((_, i) => {
    const row = (c.votes || []).find((v) => v.index === i);
    return row ? row.votes : 0;
  });
  const chosen = c.chosenIndex !== null && c.chosenIndex !== undefined && choices[c.chosenIndex] !== undefined
    ? `${fmt.letter(c.chosenIndex)} — ${choices[c.chosenIndex]}` : null;
  return el("li", { class: "history-chapter", data: { chapter: String(c.chapterNumber) } },
    el("h4", {}, `Chapter ${c.chapterNumber}: ${c.title || "Untitled"}${c.isFinal ? " (final)" : ""}`,
      el("span", { class: `revision-count${revs.length ? " has-revisions" : ""}`, text: fmt.plural(revs.length, "revision"),
        title: revs.length ? "Earlier versions kept when the chapter was edited" : "Never edited" })),
    c.parentChoice ? el("p", { class: "muted small", text: `Following: ${c.parentChoice}` }) : null,
    chosen ? el("p", { class: "chosen" }, el("span", { class: "muted", text: "Chosen: " }), el("strong", { text: chosen }))
      : el("p", { class: "muted small", text: c.isFinal ? "The story ends here." : "No choice was made." }),
    choices.length ? voteChart({ choices, counts, winnerIndex: c.chosenIndex, title: `Chapter ${c.chapterNumber} votes` }) : null,
    roads.length ? roadsNotTaken(roads) : null,
    usedNotes.length ? el("p", { class: "muted small used-notes" }, "Director's notes followed: ",
      usedNotes.map((n, i) => [i ? "; " : "", el("q", { text: n.note || "" })])) : null,
    el("details", { class: "chapter-text", data: { key: `text-${c.chapterNumber}` } },
      el("summary", { text: "Read the chapter" }),
      el("div", { class: "prose", text: c.content || "" })),
    revs.length ? el("details", { class: "revisions", data: { key: `revs-${c.chapterNumber}` } },
      el("summary", { text: `Earlier versions (${revs.length})` }),
      el("ol", { class: "revision-list" }, revs.map((r, i) => revisionItem(r, `rev-${c.chapterNumber}-${i}`)))) : null);
}

/** Chapters written ahead during a vote for choices that lost: what the story would have become. */
function roadsNotTaken(roads) {
  return el("div", { class: "roads-not-taken" },
    el("p", { class: "roads-head small", text: "Roads not taken" }),
    el("ul", { class: "road-list" }, roads.map((r) => {
      const choices = Array.isArray(r.choices) ? r.choices : [];
      const letter = typeof r.choiceIndex === "number" ? `${fmt.letter(r.choiceIndex)} ` : "";
      return el("li", { class: "road-not-taken", data: { chapter: String(r.chapterNumber), index: String(r.choiceIndex) } },
        el("p", { class: "road-head small" },
          el("span", { class: "muted", text: `If viewers had chosen ${letter}` }),
          el("q", { text: r.choice || "" }),
          el("span", { class: "muted", text: `, chapter ${r.chapterNumber} would have been ` }),
          el("strong", { class: "road-title", text: `“${r.title || "Untitled"}”` })),
        el("details", { class: "chapter-text", data: { key: `road-${r.chapterNumber}-${r.choiceIndex}` } },
          el("summary", { text: "Read the chapter that was not used" }),
          el("div", { class: "prose", text: r.content || "" }),
          choices.length ? el("ol", { class: "revision-choices small", attrs: { type: "A" } }, choices.map((t) => el("li", { text: t }))) : null));
    })));
}

/** One earlier version: why it was replaced, the instruction, and the text and choices it had. */
function revisionItem(r, key) {
  const choices = Array.isArray(r.choices) ? r.choices : [];
  return el("li", { class: "revision", data: { reason: r.reason || "" } },
    el("p", { class: "revision-head" },
      el("strong", { text: REASONS[r.reason] || r.reason || "Changed" }),
      el("span", { class: "muted small", text: ` · ${fmt.date(r.createdAt)}` })),
    r.instruction ? el("p", { class: "small" }, el("span", { class: "muted", text: r.reason === "choice-edit" ? "Changed to: " : "Instruction: " }),
      el("q", { text: r.instruction })) : null,
    el("details", { class: "chapter-text", data: { key } },
      el("summary", { text: `The version before${r.title ? `: “${r.title}”` : ""}` }),
      el("div", { class: "prose", text: r.content || "" }),
      choices.length ? el("ol", { class: "revision-choices small", attrs: { type: "A" } }, choices.map((t) => el("li", { text: t }))) : null));
}

function voters(list_) {
  return el("div", { class: "history-voters" },
    el("h4", { text: "Top voters of this story" }),
    list_.length
      ? el("ol", {}, list_.map((v) => el("li", {}, el("span", { class: "nick", text: v.nickname || v.userId || "?" }),
        el("span", { class: "muted", text: ` — ${fmt.plural(v.votes || 0, "vote")}` }),
        v.simulated ? el("span", { class: "rehearsal-tag", text: "rehearsal",
          title: "The simulated audience or the Rehearsal box" }) : null)))
      : el("p", { class: "muted small", text: "Nobody voted." }));
}

const refreshOpen = () => {
  const session = live.session;
  if (selectedId !== null && session && session.id === selectedId) open(selectedId).catch(() => {});
};
$("history-refresh").addEventListener("click", guard(async () => {
  await loadList();
  if (selectedId !== null) await open(selectedId);
}, "history"));
bus.on("auth:signed-in", quietly(loadList));
bus.on("story:ended", () => { quietly(loadList)(); refreshOpen(); });
bus.on("story:generation-started", (p) => { if (p.purpose === "outline") quietly(loadList)(); });
bus.on("story:voting-ended", () => { quietly(loadList)(); refreshOpen(); });
// A rewrite, a choice edit or a regeneration adds a revision to the open story.
let editTimer = null;
const refreshSoon = () => { clearTimeout(editTimer); editTimer = setTimeout(refreshOpen, 500); };
bus.on("story:chapter-updated", refreshSoon);
bus.on("story:chapter-ready", refreshSoon);
bus.on("socket:connected", (p) => { if (p.reconnect) quietly(loadList)(); });
