// Overlay: the browser-source addresses, landscape (OBS) and portrait (TikTok LIVE Studio), each with its copy
// button, and a scaled live preview of either layout.
import { $, el } from "./dom.js";
import { bus } from "./bus.js";
import * as notify from "./notify.js";
import { guard } from "./notify.js";
import { token } from "./token.js";

const variants = $("overlay-variants");
const frameBox = $("overlay-frame"), frame = $("overlay-preview");
const VARIANTS = [
  { id: "landscape", label: "Landscape", query: "", w: 1920, h: 1080, input: $("overlay-url"), copy: $("copy-overlay-url") },
  { id: "portrait", label: "Portrait", query: "?layout=portrait", w: 1080, h: 1920,
    input: $("overlay-url-portrait"), copy: $("copy-overlay-portrait") },
];
let current = VARIANTS[0];

const urlFor = (v) => `${location.origin}/overlay${v.query}`;

function choose(v) {
  current = v;
  for (const input of variants.querySelectorAll("input")) input.checked = input.value === v.id;
  loadPreview();
}

function loadPreview() {
  frame.style.width = `${current.w}px`;
  frame.style.height = `${current.h}px`;
  frame.src = `/overlay${current.query}`;
  scale();
}

/** Fit the full-size overlay into a 16:9 box, centred. */
function scale() {
  const boxW = frameBox.clientWidth;
  const boxH = frameBox.clientHeight;
  if (!boxW || !boxH) return;
  const s = Math.min(boxW / current.w, boxH / current.h);
  const left = (boxW - current.w * s) / 2;
  const top = (boxH - current.h * s) / 2;
  frame.style.transform = `translate(${left}px, ${top}px) scale(${s})`;
}

/** Copy one layout's address (the Clipboard API, else a selection and execCommand on a plain-http LAN address). */
async function copy(v, label) {
  let ok = false;
  if (navigator.clipboard && window.isSecureContext) {
    try { await navigator.clipboard.writeText(v.input.value); ok = true; } catch { ok = false; }
  }
  if (!ok) {
    v.input.focus();
    v.input.select();
    try { ok = document.execCommand("copy"); } catch { ok = false; }
  }
  if (ok) {
    notify.info(`${v.label} overlay address copied`);
    v.copy.textContent = "Copied ✓";
    setTimeout(() => { v.copy.textContent = label; }, 1800);
  } else {
    v.input.select();
    notify.error("Could not copy automatically: the address is selected, press Ctrl+C (⌘C on a Mac).");
  }
}

variants.append(...VARIANTS.map((v) => el("label", { class: "variant" },
  el("input", { type: "radio", name: "overlay-variant", value: v.id, on: { change: () => choose(v) } }),
  el("span", { text: v.label }))));

for (const v of VARIANTS) {
  const label = v.copy.textContent;
  v.input.value = urlFor(v);
  v.copy.addEventListener("click", guard(() => copy(v, label), "copy"));
  v.input.addEventListener("focus", () => v.input.select());
}
$("overlay-reload").addEventListener("click", loadPreview);
// The layout editor of the previewed layout, in its own tab; the token goes in the fragment (never sent to the server
// in the address; the editor takes it out of its address bar at once). The preview follows each save live.
$("edit-overlay-layout").addEventListener("click", () => {
  const query = current.query ? `${current.query}&edit=1` : "?edit=1";
  window.open(`/overlay${query}#token=${encodeURIComponent(token())}`, "_blank", "noopener");
});
if (window.ResizeObserver) new ResizeObserver(scale).observe(frameBox);
window.addEventListener("resize", scale);

// Load the preview only once signed in (it opens its own read-only socket).
bus.on("auth:signed-in", () => { if (!frame.getAttribute("src")) choose(current); });
variants.querySelector("input").checked = true;
