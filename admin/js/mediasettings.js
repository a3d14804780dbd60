// Settings → Pictures and Voice: the providers in use (from story:state.media, or GET status after a
// save), the size and narrator pickers (a select that fills a free-text field), a picker that adds
// voices to the character list, and the values of the sliders.
import { $, el, fill } from "./dom.js";
import { bus } from "./bus.js";
import * as api from "./api.js";
import { isSignedIn } from "./auth.js";
import { voiceWithId } from "./voices.js";

const imagesStatus = $("images-status"), ttsStatus = $("tts-status");
const sizeSelect = $("s-images-size-select"), sizeInput = $("s-images-size");
const narratorSelect = $("s-tts-narrator-select"), narratorInput = $("s-tts-narrator");
const charactersInput = $("s-tts-characters"), addVoice = $("s-tts-characters-add");
const speed = $("s-tts-speed"), speedOut = $("s-tts-speed-out");
const volume = $("s-tts-volume"), volumeOut = $("s-tts-volume-out");
const OTHER = "__other";
const SIZES = [
  { value: "1280x720", label: "1280×720 · landscape" },
  { value: "720x1280", label: "720×1280 · portrait" },
  { value: "1024x1024", label: "1024×1024 · square" },
];

/** Tell the settings form a field changed (it marks it unsaved). */
const changed = (input) => input.dispatchEvent(new Event("input", { bubbles: true }));

/**
 * A select of common values driving a free-text field (the one that is saved): the field shows
 * only for "Other…", and a saved value the select knows selects it.
 */
function picker(select, input, otherLabel) {
  let other = false;  // "Other…" picked: keep the field open while the streamer types
  let choices = [];
  function sync() {
    const v = input.value.trim();
    select.value = !other && choices.some((c) => c.value === v) ? v : OTHER;
    input.hidden = select.value !== OTHER;
  }
  function setChoices(list) {
    choices = list;
    fill(select, list.map((c) => el("option", { value: c.value, text: c.label })),
      el("option", { value: OTHER, text: otherLabel }));
    sync();
  }
  select.addEventListener("change", () => {
    other = select.value === OTHER;
    if (other) {
      input.hidden = false;
      input.focus();
      return;
    }
    input.value = select.value;
    input.hidden = true;
    changed(input);
  });
  return { setChoices, sync, reset() { other = false; sync(); } };
}

const size = picker(sizeSelect, sizeInput, "Custom…");
size.setChoices(SIZES);
const narrator = picker(narratorSelect, narratorInput, "Other voice id…");
narrator.setChoices([{ value: "", label: "provider default" }]);

/** Voices of the provider in use (from the Voices panel's GET tts/voices). */
function setVoices(data) {
  const voices = (data && data.voices) || [];
  const fallback = data && data.provider && data.provider.narrator;
  narrator.setChoices([{ value: "", label: fallback ? `provider default (${fallback})` : "provider default" },
    ...voices.map((v) => ({ value: v.id, label: voiceWithId(v) }))]);
  fill(addVoice, el("option", { value: "", text: voices.length ? "Add a voice…" : "no voices" }),
    voices.map((v) => el("option", { value: v.id, text: voiceWithId(v) })));
  addVoice.disabled = !voices.length;
}
setVoices(null);

addVoice.addEventListener("change", () => {
  const id = addVoice.value;
  addVoice.value = "";
  if (!id) return;
  const list = charactersInput.value.split(",").map((s) => s.trim()).filter(Boolean);
  if (!list.includes(id)) list.push(id);
  charactersInput.value = list.join(", ");
  changed(charactersInput);
});

function showRanges() {
  speedOut.textContent = `${Number(speed.value).toFixed(2).replace(/0$/, "")}×`;
  volumeOut.textContent = `${Math.round(Number(volume.value) * 100)}%`;
}
speed.addEventListener("input", showRanges);
volume.addEventListener("input", showRanges);

// Providers in use ----------------------------------------------------------------------------
function statusLine(node, words, lastError) {
  fill(node, el("span", { text: words }),
    lastError ? el("strong", { class: "status-error", text: ` · last error: ${lastError}` }) : null);
  node.dataset.kind = lastError ? "error" : "";
}

function showMedia(media) {
  if (!media) return;
  const img = media.images || {}, tts = media.tts || {};
  let words;
  if (img.provider === "off") words = "Pictures: off";
  else if (img.provider === "offline") words = `Pictures: ${img.label || "offline title card"}${img.size ? ` · ${img.size}` : ""}`;
  else words = `Pictures: ${img.label || img.model || img.provider || "…"} (images API)${img.size ? ` · ${img.size}` : ""}`;
  statusLine(imagesStatus, words, img.lastError);
  if (tts.provider === "off") words = "Voice: off (the overlay paces the text)";
  else {
    const what = tts.provider === "offline" ? tts.label || "offline voices" : `${tts.label || tts.provider || "…"} (speech API)`;
    words = `Voice: ${what}${tts.narrator ? `, narrator ${tts.narrator}` : ""}`;
  }
  statusLine(ttsStatus, words, tts.lastError);
  bus.emit("media:status", media);
}

let timer = null;
/** GET status (settings changes do not send story:state): soon, once for a burst of reasons. */
function refresh() {
  clearTimeout(timer);
  timer = setTimeout(() => {
    if (!isSignedIn()) return;
    api.get("status", { quiet: true }).then((s) => showMedia(s.media), () => {});
  }, 150);
}

bus.on("story:state", (p) => showMedia(p.media));
bus.on("config:loaded", refresh);
bus.on("story:image-failed", refresh);
bus.on("voices:loaded", setVoices);
bus.on("settings:populated", (p) => {
  // A reload or a save closes "Other…" unless the streamer is typing in it right now.
  for (const [pick, input] of [[size, sizeInput], [narrator, narratorInput]]) {
    if ((p && p.force) || document.activeElement !== input) pick.reset(); else pick.sync();
  }
  showRanges();
});
showRanges();
