// New story: theme cards (from GET themes, coloured with each palette) plus "Custom",
// an optional outline and model, an optional style for this story, and the Start button.
"use strict";
(() => {
  const A = window.Admin;
  const { $, el, fill } = A;
  const cards = $("theme-cards"), customBox = $("custom-theme-box"), custom = $("custom-theme");
  const outline = $("outline"), model = $("start-model"), startBtn = $("start-button"), hint = $("start-hint");
  const styleBox = $("start-style-box"), styleCount = $("start-style-count");
  const styleFields = [...styleBox.querySelectorAll("[data-style]")];
  const STYLE_HINT = styleCount.textContent;
  const themes = new Map();
  let selected = "";
  let loaded = false;

  A.themeName = (id) => (id === "custom" ? "Custom" : themes.has(id) ? themes.get(id).name : id || "");
  A.themePalette = (id) => (themes.has(id) ? themes.get(id).palette : null);

  /** Relative luminance of "#rrggbb" (0 dark .. 1 light), to pick readable text. */
  function luminance(hex) {
    const m = /^#?([0-9a-f]{6})$/i.exec(hex || "");
    if (!m) return 0;
    const n = parseInt(m[1], 16);
    const ch = [(n >> 16) & 255, (n >> 8) & 255, n & 255].map((v) => {
      const c = v / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * ch[0] + 0.7152 * ch[1] + 0.0722 * ch[2];
  }
  const safeColour = (c, fallback) => (/^#[0-9a-f]{3,8}$/i.test(c || "") ? c : fallback);

  function card(theme) {
    const [bg, accent, third] = [0, 1, 2].map((i) => safeColour((theme.palette || [])[i], ["#1d1b2f", "#f4d35e", "#ee964b"][i]));
    const node = el("button", {
      type: "button", class: "theme-card", data: { theme: theme.id },
      attrs: { "aria-pressed": "false", title: theme.description || theme.name },
      on: { click: () => select(theme.id) },
    },
    el("span", { class: "theme-emoji", text: theme.emoji || "📖", attrs: { "aria-hidden": "true" } }),
    el("span", { class: "theme-name", text: theme.name || theme.id }),
    el("span", { class: "theme-desc", text: theme.description || "" }),
    el("span", { class: "theme-swatches", attrs: { "aria-hidden": "true" } },
      [bg, accent, third].map((c) => el("i", { style: { background: c } }))));
    node.style.setProperty("--card-bg", bg);
    node.style.setProperty("--card-accent", accent);
    node.style.setProperty("--card-third", third);
    node.style.setProperty("--card-fg", luminance(bg) > 0.45 ? "#14121f" : "#f5f3ff");
    return node;
  }

  function select(id) {
    selected = id;
    for (const node of cards.querySelectorAll(".theme-card")) {
      const on = node.dataset.theme === id;
      node.classList.toggle("selected", on);
      node.setAttribute("aria-pressed", String(on));
    }
    customBox.hidden = id !== "custom";
    if (id === "custom") custom.focus();
    renderHint(A.live.model);
  }

  async function load() {
    fill(cards, el("p", { class: "muted", text: "Loading themes…" }));
    let data;
    try {
      data = await A.api.get("themes", { label: "Loading themes" });
    } catch (err) {
      fill(cards, el("p", { class: "muted", text: "Themes could not be loaded. " },
        el("button", { type: "button", class: "small", text: "Try again", on: { click: A.guard(load, "themes") } })));
      throw err;
    }
    themes.clear();
    for (const t of data.themes || []) themes.set(t.id, t);
    const nodes = [...themes.values()].map(card);
    nodes.push(card({ id: "custom", name: "Custom", emoji: "✍️",
      description: "Describe your own world and tone.", palette: ["#24283b", "#9ece6a", "#7aa2f7"] }));
    fill(cards, nodes);
    loaded = true;
    A.bus.emit("themes:loaded", [...themes.values()]);
    select(selected && (themes.has(selected) || selected === "custom") ? selected : (themes.keys().next().value || "custom"));
    A.live.render();  // session line shows theme names now
  }

  function renderHint(m) {
    const running = A.live.isRunning();
    startBtn.disabled = running;
    const name = A.themeName(selected);
    startBtn.textContent = name ? `Start story: ${name}` : "Start story";
    hint.textContent = running ? "A story is running. End it (Live → End story) before starting another." : "";
  }

  startBtn.addEventListener("click", A.guard(async () => {
    if (!loaded || !selected) { A.notify.error("Pick a theme first."); return; }
    const body = { theme: selected };
    const o = outline.value.trim();
    const mdl = model.value.trim();
    if (o) body.outline = o;
    if (mdl) body.model = mdl;
    const style = chosenStyle();
    if (Object.keys(style).length) body.style = style;
    if (selected === "custom") {
      const text = custom.value.trim();
      if (!text) {
        A.notify.error("Start story: describe your custom theme first.");
        custom.focus();
        return;
      }
      body.customTheme = text;
    }
    let reply;
    try {
      reply = await A.busy(startBtn, A.api.post("start", body, { label: "Start story" }));
    } finally {
      renderHint(A.live.model);  // busy() restored the old state; the story may be running now
    }
    const title = reply.session && reply.session.title;
    A.notify.info(title ? `Started “${title}”` : `Started a ${A.themeName(selected)} story`);
    A.goTo("live");
  }, "start"));

  /** The style fields that were filled in ({} when none: theme and Settings defaults apply). */
  function chosenStyle() {
    const style = {};
    for (const input of styleFields) {
      const v = input.value.trim();
      if (v) style[input.dataset.style] = v;
    }
    return style;
  }
  function renderStyleCount() {
    const n = Object.keys(chosenStyle()).length;
    styleCount.textContent = n ? `(${n} set for this story)` : STYLE_HINT;
    styleBox.classList.toggle("has-style", n > 0);
  }
  styleBox.addEventListener("input", renderStyleCount);
  styleBox.addEventListener("change", renderStyleCount);

  /**
   * The same optional style fields for another form (Writer's room, background tasks): a copy of
   * this section's grid with its ids prefixed ("start-tone" -> "draft-tone"), read with readStyle().
   */
  A.styleFields = (prefix) => {
    const copy = styleBox.querySelector(".style-fields").cloneNode(true);
    for (const node of copy.querySelectorAll("[id]")) node.id = node.id.replace(/^start-/, `${prefix}-`);
    for (const node of copy.querySelectorAll("label[for]")) node.htmlFor = node.htmlFor.replace(/^start-/, `${prefix}-`);
    for (const node of copy.querySelectorAll("[data-style]")) node.value = "";
    return copy;
  };
  /** The style fields filled in under a container ({} when none). */
  A.readStyle = (container) => {
    const style = {};
    for (const input of container.querySelectorAll("[data-style]")) {
      const v = input.value.trim();
      if (v) style[input.dataset.style] = v;
    }
    return style;
  };
  /** Theme options for a <select>: every theme, then "Custom…". */
  A.themeOptions = (list) => [...list.map((t) => A.el("option", { value: t.id, text: `${t.emoji || "📖"} ${t.name || t.id}` })),
    A.el("option", { value: "custom", text: "✍️ Custom…" })];

  A.bus.on("live:changed", renderHint);
  A.bus.on("auth:signed-in", () => { load().catch(() => {}); });
  A.newStory = { reload: load, selected: () => selected };
})();
