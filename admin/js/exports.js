// Storybook export: GET export/{sessionId}?format=md|html|json fetched with the admin token and
// saved under the name the server gives (Content-Disposition). Used by History and by Live
// (#export-current: the running or just-ended story).
"use strict";
(() => {
  const A = window.Admin;
  const { $ } = A;
  const FORMATS = { html: "HTML", md: "Markdown", json: "JSON" };
  const box = $("export-current-box"), button = $("export-current"), format = $("export-current-format");

  /** Download one story's storybook; resolves with the file name. */
  async function exportStory(sessionId, fmt, btn) {
    if (!FORMATS[fmt]) throw new Error(`unknown storybook format ${fmt}`);
    const path = `export/${encodeURIComponent(sessionId)}?format=${fmt}`;
    const job = A.api.download(path, { label: `Storybook (${FORMATS[fmt]})`, fallbackName: `storybook-${sessionId}.${fmt}` });
    const name = await (btn ? A.busy(btn, job) : job);
    A.notify.info(`Downloaded ${name}`);
    return name;
  }

  /** The three download buttons for a story (History's session detail). */
  function buttons(sessionId) {
    return A.el("div", { class: "row export-row", attrs: { role: "group", "aria-label": "Download the storybook" } },
      A.el("span", { class: "muted small", text: "Storybook:" }),
      Object.entries(FORMATS).map(([fmt, label]) => {
        const btn = A.el("button", {
          type: "button", class: `small export-${fmt}`, text: label, data: { format: fmt },
          title: `Download this story as ${label}${fmt === "html" ? " (pictures included)" : ""}`,
        });
        btn.addEventListener("click", A.guard(() => exportStory(sessionId, fmt, btn), "export"));
        return btn;
      }));
  }

  function render(m) {
    const s = m && m.session;
    box.hidden = !(s && s.id && (A.live.isRunning() || m.state === "ended"));
    if (!box.hidden) button.title = `Download “${s.title || "this story"}” as a storybook file`;
  }

  button.addEventListener("click", A.guard(async () => {
    const s = A.live.model.session;
    if (!s || !s.id) { A.notify.error("No story to export yet."); return; }
    await exportStory(s.id, format.value, button);
  }, "export"));
  A.bus.on("live:changed", render);

  A.exports = { exportStory, buttons };
})();
