// New story: theme cards (from GET themes, coloured with each palette) plus "Custom",
// an optional outline and model, an optional style for this story, and the Start button.
import { $, el, fill, busy, goTo } from "./dom.js";
import { bus } from "./bus.js";
import * as api from "./api.js";
import * as notify from "./notify.js";
import { guard } from "./notify.js";
import { live, isRunning } from "./livemodel.js";
import { render } from "./liveview.js";
import { themes, setThemes, themeName } from "./themes.js";
import { readStyle } from "./storystyle.js";
import { confirmStart } from "./audience.js";

const cards = $("theme-cards"), customBox = $("custom-theme-box"), custom = $("custom-theme");
const outline = $("outline"), modelInput = $("start-model"), startBtn = $("start-button"), hint = $("start-hint");
const styleBox = $("start-style-box"), styleCount = $("start-style-count");
const STYLE_HINT = styleCount.textContent;
let selected = "";
let loaded = false;

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
  renderHint(live);
}

async function load() {
  fill(cards, el("p", { class: "muted", text: "Loading themes…" }));
  let data;
  try {
    data = await api.get("themes", { label: "Loading themes" });
  } catch (err) {
    fill(cards, el("p", { class: "muted", text: "Themes could not be loaded. " },
      el("button", { type: "button", class: "small", text: "Try again", on: { click: guard(load, "themes") } })));
    throw err;
  }
  setThemes(data.themes || []);
  const nodes = [...themes.values()].map(card);
  nodes.push(card({ id: "custom", name: "Custom", emoji: "✍️",
    description: "Describe your own world and tone.", palette: ["#24283b", "#9ece6a", "#7aa2f7"] }));
  fill(cards, nodes);
  loaded = true;
  bus.emit("themes:loaded", [...themes.values()]);
  select(selected && (themes.has(selected) || selected === "custom") ? selected : (themes.keys().next().value || "custom"));
  render();  // session line shows theme names now
}

function renderHint(m) {
  const running = isRunning();
  startBtn.disabled = running;
  const name = themeName(selected);
  startBtn.textContent = name ? `Start story: ${name}` : "Start story";
  hint.textContent = running ? "A story is running. End it (Live → End story) before starting another." : "";
}

startBtn.addEventListener("click", guard(async () => {
  if (!loaded || !selected) { notify.error("Pick a theme first."); return; }
  const body = { theme: selected };
  const o = outline.value.trim();
  const mdl = modelInput.value.trim();
  if (o) body.outline = o;
  if (mdl) body.model = mdl;
  const style = chosenStyle();
  if (Object.keys(style).length) body.style = style;
  if (selected === "custom") {
    const text = custom.value.trim();
    if (!text) {
      notify.error("Start story: describe your custom theme first.");
      custom.focus();
      return;
    }
    body.customTheme = text;
  }
  if (!(await confirmStart())) return;
  let reply;
  try {
    reply = await busy(startBtn, api.post("start", body, { label: "Start story" }));
  } finally {
    renderHint(live);  // busy() restored the old state; the story may be running now
  }
  const title = reply.session && reply.session.title;
  notify.info(title ? `Started “${title}”` : `Started a ${themeName(selected)} story`);
  goTo("live");
}, "start"));

/** The style fields that were filled in ({} when none: theme and Settings defaults apply). */
const chosenStyle = () => readStyle(styleBox);
function renderStyleCount() {
  const n = Object.keys(chosenStyle()).length;
  styleCount.textContent = n ? `(${n} set for this story)` : STYLE_HINT;
  styleBox.classList.toggle("has-style", n > 0);
}
styleBox.addEventListener("input", renderStyleCount);
styleBox.addEventListener("change", renderStyleCount);

bus.on("live:changed", renderHint);
bus.on("auth:signed-in", () => { load().catch(() => {}); });
