// Minimal overlay: every string from the model or viewers is inserted with textContent, never as HTML.
(() => {
  const $ = (id) => document.getElementById(id);
  let voting = null, offset = 0;
  const socket = io("/overlay", { transports: ["websocket", "polling"] });
  function showChoices(choices, counts, total) {
    const box = $("choices");
    box.replaceChildren();
    choices.forEach((text, i) => {
      const row = document.createElement("div");
      row.className = "choice";
      const pct = total ? Math.round((counts[i] || 0) * 100 / total) : 0;
      row.textContent = `!${String.fromCharCode(97 + i)}  ${text}  ${counts[i] || 0} (${pct}%)`;
      const bar = document.createElement("div");
      bar.className = "bar";
      bar.style.width = pct + "%";
      row.appendChild(bar);
      box.appendChild(row);
    });
  }
  socket.on("story:state", (s) => {
    offset = s.serverTime - Date.now();
    $("status").textContent = s.state;
    const ch = s.chapter;
    $("title").textContent = ch ? `Chapter ${ch.chapterNumber}: ${ch.title}` : "";
    $("content").textContent = ch ? ch.content : "";
    voting = s.voting;
    if (voting) showChoices(voting.choices, voting.counts, voting.total); else $("choices").replaceChildren();
  });
  socket.on("story:generation-started", (e) => { $("status").textContent = "writing…"; $("content").textContent = ""; $("title").textContent = `Chapter ${e.chapterNumber}`; $("choices").replaceChildren(); });
  socket.on("story:chapter-token", (e) => { $("content").textContent += e.delta; });
  socket.on("story:chapter-reset", () => { $("content").textContent = ""; });
  socket.on("story:chapter-ready", (c) => { $("title").textContent = `Chapter ${c.chapterNumber}: ${c.title}`; $("content").textContent = c.content; });
  socket.on("story:voting-started", (v) => { offset = v.serverTime - Date.now(); voting = { ...v, counts: v.choices.map(() => 0), total: 0 }; $("status").textContent = "vote now"; showChoices(v.choices, voting.counts, 0); });
  socket.on("story:vote-update", (u) => { if (voting) { voting.counts = u.counts; voting.total = u.total; showChoices(voting.choices, u.counts, u.total); } });
  socket.on("story:voting-ended", (r) => { voting = null; $("status").textContent = `Chosen: ${r.winnerText}`; $("countdown").textContent = ""; });
  socket.on("story:ended", () => { $("status").textContent = "The End"; });
  setInterval(() => {
    if (!voting) return;
    const left = Math.max(0, Math.round((voting.endsAt - (Date.now() + offset)) / 1000));
    $("countdown").textContent = `${left}s`;
  }, 250);
})();
