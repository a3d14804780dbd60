// Overlay: the browser-source address (with layout variants), a copy button and a scaled live preview.
import { $, el, fill } from "./dom.js";
import { bus } from "./bus.js";
import * as notify from "./notify.js";
import { guard } from "./notify.js";

const urlInput = $("overlay-url"), copyBtn = $("copy-overlay-url"), variants = $("overlay-variants");
const frameBox = $("overlay-frame"), frame = $("overlay-preview");
const VARIANTS = [
  { id: "landscape", label: "Landscape 16:9 (default)", query: "", w: 1920, h: 1080 },
  { id: "portrait", label: "Portrait 9:16 (TikTok LIVE Studio, phone)", query: "?layout=portrait", w: 1080, h: 1920 },
];
let current = VARIANTS[0];

const urlFor = (v) => `${location.origin}/overlay${v.query}`;

function choose(v) {
  current = v;
  urlInput.value = urlFor(v);
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

async function copy() {
  const text = urlInput.value;
  let ok = false;
  if (navigator.clipboard && window.isSecureContext) {
    try { await navigator.clipboard.writeText(text); ok = true; } catch { ok = false; }
  }
  if (!ok) {
    // Fallback for plain-http LAN addresses where the Clipboard API is unavailable.
    urlInput.focus();
    urlInput.select();
    try { ok = document.execCommand("copy"); } catch { ok = false; }
  }
  if (ok) {
    notify.info("Overlay address copied");
    copyBtn.textContent = "Copied ✓";
    setTimeout(() => { copyBtn.textContent = "Copy"; }, 1800);
  } else {
    urlInput.select();
    notify.error("Could not copy automatically: the address is selected, press Ctrl+C (⌘C on a Mac).");
  }
}

fill(variants, VARIANTS.map((v) => el("label", { class: "variant" },
  el("input", { type: "radio", name: "overlay-variant", value: v.id, on: { change: () => choose(v) } }),
  el("span", { text: v.label }),
  el("code", { text: `/overlay${v.query}` }))));

copyBtn.addEventListener("click", guard(copy, "copy"));
urlInput.addEventListener("focus", () => urlInput.select());
$("overlay-reload").addEventListener("click", loadPreview);
if (window.ResizeObserver) new ResizeObserver(scale).observe(frameBox);
window.addEventListener("resize", scale);

// Load the preview only once signed in (it opens its own read-only socket).
bus.on("auth:signed-in", () => { if (!frame.getAttribute("src")) choose(current); });
urlInput.value = urlFor(current);
variants.querySelector("input").checked = true;
