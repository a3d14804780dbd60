// History: past sessions (GET sessions); one session's chapters with vote charts and top voters.
"use strict";
(() => {
  const A = window.Admin;
  const { $, el, fill, fmt } = A;
  const list = $("history-list"), detail = $("history-detail");
  const STATES = { ended: "ended", error: "error", voting: "live", writing: "live", outlining: "live", waiting: "live", final: "live" };
  let selectedId = null;

  function themeLabel(s) {
    if (s.theme === "custom") return s.customTheme ? `Custom: ${s.customTheme}` : "Custom";
    return A.themeName(s.theme);
  }

  async function loadList() {
    const data = await A.api.get("sessions?limit=100", { label: "Loading history" });
    const sessions = data.sessions || [];
    if (!sessions.length) { fill(list, el("li", { class: "muted empty", text: "No stories yet." })); return; }
    fill(list, sessions.map((s) => el("li", {},
      el("button", {
        type: "button", class: `history-item${s.id === selectedId ? " selected" : ""}`, data: { id: String(s.id) },
        on: { click: A.guard(() => open(s.id), "history") },
      },
      el("span", { class: "h-title", text: s.title || `${A.themeName(s.theme)} story` }),
      el("span", { class: "h-meta muted small", text: `${clipText(themeLabel(s), 40)} · ${fmt.date(s.createdAt)}` }),
      el("span", { class: "h-meta small" },
        el("span", { class: `state-pill state-${STATES[s.state] || "other"}`, text: s.state }),
        ` ${fmt.plural(s.chapterCount || 0, "chapter")}`)))));
  }

  const clipText = (s, n) => (s && s.length > n ? `${s.slice(0, n - 1)}…` : s || "");

  async function open(id) {
    selectedId = id;
    for (const b of list.querySelectorAll(".history-item")) b.classList.toggle("selected", b.dataset.id === String(id));
    fill(detail, el("p", { class: "muted", text: "Loading…" }));
    let data;
    try {
      data = await A.api.get(`session/${encodeURIComponent(id)}`, { label: `Loading story #${id}` });
    } catch (err) {
      fill(detail, el("p", { class: "muted", text: `Story #${id} could not be loaded: ${err.message}` }));
      throw err;
    }
    render(data);
  }

  function render(data) {
    const s = data.session || {};
    const chapters = data.chapters || [];
    const facts = [themeLabel(s), `${s.mode} mode`, s.language, s.model ? `written by ${s.model}` : null,
      `started ${fmt.date(s.createdAt)}`, s.endedAt ? `ended ${fmt.date(s.endedAt)}` : `state: ${s.state}`].filter(Boolean);
    fill(detail,
      el("h3", { text: s.title || `${A.themeName(s.theme)} story` }),
      el("p", { class: "muted small", text: facts.join(" · ") }),
      s.error ? el("p", { class: "alert alert-warn", text: `Last error: ${s.error}` }) : null,
      s.outline ? el("details", { class: "outline" }, el("summary", { text: "Outline" }), el("p", { class: "prose", text: s.outline })) : null,
      chapters.length ? el("ol", { class: "history-chapters" }, chapters.map(chapterItem))
        : el("p", { class: "muted", text: "No chapters were written." }),
      voters(data.topVoters || []));
  }

  function chapterItem(c) {
    const choices = c.choices || [];
    const counts = choices.map((_, i) => {
      const row = (c.votes || []).find((v) => v.index === i);
      return row ? row.votes : 0;
    });
    const chosen = c.chosenIndex !== null && c.chosenIndex !== undefined && choices[c.chosenIndex] !== undefined
      ? `${fmt.letter(c.chosenIndex)} — ${choices[c.chosenIndex]}` : null;
    return el("li", { class: "history-chapter" },
      el("h4", { text: `Chapter ${c.chapterNumber}: ${c.title || "Untitled"}${c.isFinal ? " (final)" : ""}` }),
      c.parentChoice ? el("p", { class: "muted small", text: `Following: ${c.parentChoice}` }) : null,
      chosen ? el("p", { class: "chosen" }, el("span", { class: "muted", text: "Chosen: " }), el("strong", { text: chosen }))
        : el("p", { class: "muted small", text: c.isFinal ? "The story ends here." : "No choice was made." }),
      choices.length ? A.charts.voteChart({ choices, counts, winnerIndex: c.chosenIndex, title: `Chapter ${c.chapterNumber} votes` }) : null,
      el("details", { class: "chapter-text" },
        el("summary", { text: "Read the chapter" }),
        el("div", { class: "prose", text: c.content || "" })));
  }

  function voters(list_) {
    return el("div", { class: "history-voters" },
      el("h4", { text: "Top voters of this story" }),
      list_.length
        ? el("ol", {}, list_.map((v) => el("li", {}, el("span", { class: "nick", text: v.nickname || v.userId || "?" }),
          el("span", { class: "muted", text: ` — ${fmt.plural(v.votes || 0, "vote")}` }))))
        : el("p", { class: "muted small", text: "Nobody voted." }));
  }

  const quietly = (fn) => () => { fn().catch(() => {}); };
  const refreshOpen = () => {
    const live = A.live.model.session;
    if (selectedId !== null && live && live.id === selectedId) open(selectedId).catch(() => {});
  };
  $("history-refresh").addEventListener("click", A.guard(async () => {
    await loadList();
    if (selectedId !== null) await open(selectedId);
  }, "history"));
  A.bus.on("auth:signed-in", quietly(loadList));
  A.bus.on("story:ended", () => { quietly(loadList)(); refreshOpen(); });
  A.bus.on("story:generation-started", (p) => { if (p.purpose === "outline") quietly(loadList)(); });
  A.bus.on("story:voting-ended", () => { quietly(loadList)(); refreshOpen(); });
  A.bus.on("socket:connected", (p) => { if (p.reconnect) quietly(loadList)(); });
  A.history = { loadList, open };
})();
