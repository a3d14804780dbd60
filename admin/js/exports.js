// Storybook export: GET export/{sessionId}?format=md|html|json fetched with the admin token and
// saved under the name the server gives (Content-Disposition). Used by History and by Live
// (#export-current: the running or just-ended story).
import { $, el, busy } from "./dom.js";
import { bus } from "./bus.js";
import * as api from "./api.js";
import * as notify from "./notify.js";
import { guard } from "./notify.js";
import { live, isRunning } from "./livemodel.js";

const FORMATS = { html: "HTML", md: "Markdown", json: "JSON" };
const box = $("export-current-box"), button = $("export-current"), format = $("export-current-format");

/** Download one story's storybook; resolves with the file name. */
async function exportStory(sessionId, fmt, btn) {
  if (!FORMATS[fmt]) throw new Error(`unknown storybook format ${fmt}`);
  const path = `export/${encodeURIComponent(sessionId)}?format=${fmt}`;
  const job = api.download(path, { label: `Storybook (${FORMATS[fmt]})`, fallbackName: `storybook-${sessionId}.${fmt}` });
  const name = await (btn ? busy(btn, job) : job);
  notify.info(`Downloaded ${name}`);
  return name;
}

/** The three download buttons for a story (History's session detail). */
export function storybookButtons(sessionId) {
  return el("div", { class: "row export-row", attrs: { role: "group", "aria-label": "Download the storybook" } },
    el("span", { class: "muted small", text: "Storybook:" }),
    Object.entries(FORMATS).map(([fmt, label]) => {
      const btn = el("button", {
        type: "button", class: `small export-${fmt}`, text: label, data: { format: fmt },
        title: `Download this story as ${label}${fmt === "html" ? " (pictures included)" : ""}`,
      });
      btn.addEventListener("click", guard(() => exportStory(sessionId, fmt, btn), "export"));
      return btn;
    }));
}

function render(m) {
  const s = m && m.session;
  box.hidden = !(s && s.id && (isRunning() || m.state === "ended"));
  if (!box.hidden) button.title = `Download “${s.title || "this story"}” as a storybook file`;
}

button.addEventListener("click", guard(async () => {
  const s = live.session;
  if (!s || !s.id) { notify.error("No story to export yet."); return; }
  await exportStory(s.id, format.value, button);
}, "export"));
bus.on("live:changed", render);
