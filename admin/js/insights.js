// Memory (what the story remembers: characters, locations, items, events) and top voters
// (votes, and over all time the diamonds and likes each viewer gave).
"use strict";
(() => {
  const A = window.Admin;
  const { $, el, fill, fmt } = A;
  const memoryView = $("memory-view"), topList = $("top-voters-list"), scope = $("top-voters-scope");
  const GROUPS = [["characters", "Characters"], ["locations", "Locations"], ["items", "Items"], ["events", "Events"]];

  /** One memory entry: a string, or an object with a name and details. */
  function entry(item) {
    if (item === null || item === undefined) return null;
    if (typeof item !== "object") return el("li", { text: String(item) });
    const name = item.name || item.title || item.id || "";
    const details = Object.entries(item)
      .filter(([k, v]) => !["name", "title", "id"].includes(k) && v !== null && v !== "" && v !== undefined)
      .map(([k, v]) => `${k}: ${typeof v === "object" ? JSON.stringify(v) : v}`);
    return el("li", {}, name ? el("strong", { text: String(name) }) : null,
      details.length ? el("span", { class: "muted", text: `${name ? " — " : ""}${details.join(" · ")}` }) : null);
  }

  async function loadMemory() {
    const data = await A.api.get("memory", { label: "Loading memory" });
    const memory = data.memory || {};
    const keys = [...GROUPS, ...Object.keys(memory).filter((k) => !GROUPS.some(([g]) => g === k) && Array.isArray(memory[k]))
      .map((k) => [k, k[0].toUpperCase() + k.slice(1)])];
    const total = keys.reduce((n, [k]) => n + (Array.isArray(memory[k]) ? memory[k].length : 0), 0);
    const header = data.sessionId
      ? el("p", { class: "muted small", text: `Story #${data.sessionId}${data.chapter ? `, after chapter ${data.chapter}` : ""}` })
      : null;
    if (!total) {
      fill(memoryView, header, el("p", { class: "empty", text: "Nothing remembered yet" }));
      return;
    }
    fill(memoryView, header, el("div", { class: "memory-grid" }, keys.map(([k, label]) => {
      const items = Array.isArray(memory[k]) ? memory[k] : [];
      return el("div", { class: "memory-group" },
        el("h4", { text: `${label} (${items.length})` }),
        items.length ? el("ul", {}, items.map(entry)) : el("p", { class: "muted small", text: "none yet" }));
    })));
  }

  async function loadTopVoters() {
    const session = A.live.model.session;
    let path = "top-voters?limit=10";
    if (scope.value === "session") {
      if (!session) { fill(topList, el("li", { class: "muted", text: "No story yet: showing nothing for “this story”." })); return; }
      path += `&session=${encodeURIComponent(session.id)}`;
    }
    const data = await A.api.get(path, { label: "Loading top voters" });
    const voters = data.topVoters || [];
    if (!voters.length) { fill(topList, el("li", { class: "muted empty", text: "No votes yet" })); return; }
    const max = Math.max(...voters.map((v) => v.votes || 0), 1);
    // Gifts and likes are counted per viewer over all time (rows of one story do not carry them).
    const extras = voters.some((v) => "diamonds" in v || "likes" in v);
    const num = (n) => (typeof n === "number" ? n.toLocaleString() : "–");
    const head = el("li", { class: "top-voter top-voters-head muted small", attrs: { "aria-hidden": "true" } },
      el("span"), el("span", { text: "Viewer" }), el("span"), el("span"), el("span", { class: "votes", text: "Votes" }),
      extras ? el("span", { class: "num", text: "Diamonds" }) : null, extras ? el("span", { class: "num", text: "Likes" }) : null);
    topList.classList.toggle("with-gifts", extras);
    fill(topList, head, voters.map((v, i) => el("li", { class: "top-voter" },
      el("span", { class: "rank", text: `${i + 1}` }),
      el("span", { class: "nick", text: v.nickname || v.userId || "?" }),
      el("span", { class: "platform muted small", text: v.platform || "" }),
      el("span", { class: "meter" }, el("span", { style: { width: `${Math.round(((v.votes || 0) / max) * 100)}%` } })),
      el("span", { class: "votes", text: fmt.plural(v.votes || 0, "vote") }),
      extras ? el("span", { class: "num diamonds", text: num(v.diamonds),
        title: `${num(v.diamonds)} diamonds in ${fmt.plural(v.gifts || 0, "gift")}` }) : null,
      extras ? el("span", { class: "num likes", text: num(v.likes), title: `${num(v.likes)} likes` }) : null)));
  }

  const quietly = (fn) => () => { fn().catch(() => {}); };  // errors are already in the banner
  $("memory-refresh").addEventListener("click", A.guard(loadMemory, "memory"));
  $("top-voters-refresh").addEventListener("click", A.guard(loadTopVoters, "top-voters"));
  scope.addEventListener("change", A.guard(loadTopVoters, "top-voters"));
  A.bus.on("auth:signed-in", () => { quietly(loadMemory)(); quietly(loadTopVoters)(); });
  // The memory snapshot is stored right after the chapter: give it a moment.
  A.bus.on("story:chapter-ready", () => setTimeout(quietly(loadMemory), 400));
  A.bus.on("story:voting-ended", quietly(loadTopVoters));
  A.bus.on("story:ended", quietly(loadTopVoters));
  A.bus.on("story:generation-started", (p) => { if (p.purpose === "outline") quietly(loadMemory)(); });
  A.bus.on("socket:connected", (p) => { if (p.reconnect) { quietly(loadMemory)(); quietly(loadTopVoters)(); } });
  A.insights = { loadMemory, loadTopVoters };
})();
