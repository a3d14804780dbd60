// Settings form: inputs named by dotted keys ("story.num_choices"), in groups (Show, Writer, Voice & pictures,
// Chat, Advanced folded away). Save (a bar that stays on screen) sends only changed fields; a 400 is shown next to
// the field it names, Advanced opened if it is there. "Test connection" tries unsaved llm values.
// Secrets (password inputs) come back masked ("abc…wxyz"): they are sent only when typed into.
// Checkboxes save true/false, sliders and number inputs numbers, list fields arrays of strings.
import { $, el, clear, fill, busy, secondClick } from "./dom.js";
import { bus } from "./bus.js";
import * as api from "./api.js";
import * as notify from "./notify.js";
import { guard } from "./notify.js";
import { restingModels, restingWords } from "./liveview.js";
import { setLlm } from "./live.js";

const form = $("settings-form"), status = $("settings-status"), saveBtn = $("settings-save");
const advanced = $("settings-advanced");
const langSelect = $("s-language-select"), langInput = $("s-language");
const testBtn = $("test-connection"), testBox = $("test-result"), testStatus = $("test-status");
const modelsList = $("models-list"), datalist = $("model-options");
// Saved by their own names (the server knows them, and English names and codes too).
const LANGUAGES = [
  ["English", "English"], ["Español", "Spanish"], ["Português", "Portuguese"], ["Français", "French"],
  ["Deutsch", "German"], ["Italiano", "Italian"], ["Nederlands", "Dutch"], ["Bahasa Indonesia", "Indonesian"],
  ["Türkçe", "Turkish"], ["Polski", "Polish"], ["Tiếng Việt", "Vietnamese"], ["Русский", "Russian"],
  ["Українська", "Ukrainian"], ["中文", "Chinese"], ["日本語", "Japanese"], ["한국어", "Korean"],
  ["العربية", "Arabic"], ["हिन्दी", "Hindi"], ["ไทย", "Thai"],
];
const OTHER = "__other";
const fields = () => [...form.querySelectorAll("[name]")];
let original = {};  // name -> string value as last loaded from the server
let otherChosen = false;  // language "Other…" picked: keep the text field open while the streamer types

const LIST_KEYS = new Set(["llm.fallback_models", "tiktok.moderators", "tts.character_voices", "chat.sources"]);
const HANDLE_KEYS = new Set(["tiktok.moderators"]);  // lists of TikTok @names: shown with @, saved without
const SECRET_KEYS = new Set(["llm.api_key", "tiktok.sign_api_key", "tiktok.session_id", "images.api_key", "tts.api_key"]);
// Checked before saving (the server would take any text and quietly fall back).
const CHECKS = {
  "images.size": (v) => (/^[1-9]\d{1,4}x[1-9]\d{1,4}$/.test(v) ? "" : "use WIDTHxHEIGHT, e.g. 1280x720"),
};
const secretInputs = () => fields().filter((input) => SECRET_KEYS.has(input.name));
const clearButtons = [...form.querySelectorAll(".clear-secret")];
const handle = (s) => s.replace(/^@+/, "");

function lookup(config, name) {
  const [section, key] = name.split(".", 2);
  return config && config[section] ? config[section][key] : undefined;
}
const asText = (name, value) => (LIST_KEYS.has(name)
  ? (value || []).map((v) => (HANDLE_KEYS.has(name) ? `@${handle(v)}` : v)).join(", ")
  : value === undefined || value === null ? "" : String(value));

/** A field's text as compared with what was loaded ("true"/"false" for a checkbox). */
const read = (input) => (input.type === "checkbox" ? String(input.checked) : input.value.trim());
function write(input, text) {
  if (input.type === "checkbox") input.checked = text === "true";
  else input.value = text;
}

/** Parse a field back to the type the server expects. */
function value(input) {
  if (input.type === "checkbox") return input.checked;
  const raw = input.value.trim();
  if (LIST_KEYS.has(input.name)) {
    const items = raw.split(",").map((s) => s.trim());
    return (HANDLE_KEYS.has(input.name) ? items.map(handle) : items).filter(Boolean);
  }
  if (input.type === "number" || input.type === "range") return raw === "" ? "" : Number(raw);
  return raw;
}

/** Fill the form from GET/POST config; fields the streamer is editing keep their edits.
 *  force: overwrite every field; cleared: secret fields to empty (they were just saved). */
function populate(config, { force = false, cleared = new Set() } = {}) {
  for (const input of fields()) {
    const name = input.name;
    const incoming = lookup(config, name);
    // A field the server does not know (an older server) is hidden and never sent.
    const optional = input.closest("[data-optional]");
    if (optional && Object.keys(config || {}).length) optional.hidden = incoming === undefined;
    if (incoming === undefined) continue;
    if (SECRET_KEYS.has(name)) {
      input.placeholder = incoming ? `saved: ${incoming}` : "not set";
      for (const b of clearButtons) if (b.dataset.for === name) b.hidden = !incoming;
      if (force || cleared.has(name)) input.value = "";
      original[name] = "";
      continue;
    }
    const text = asText(name, incoming);
    const dirty = original[name] !== undefined && read(input) !== original[name];
    if (force || !dirty) write(input, text);
    // A slider snaps to its step: what it shows then counts as unchanged.
    original[name] = input.type === "range" && (force || !dirty) ? read(input) : text;
  }
  syncLanguageSelect();
  markDirty();
  bus.emit("settings:populated", { force });
}

function changes() {
  const patch = {};
  for (const input of fields()) {
    if (SECRET_KEYS.has(input.name)) {
      if (input.value.trim()) patch[input.name] = input.value.trim();  // untouched: omitted, never overwritten
      continue;
    }
    if (original[input.name] === undefined) continue;  // never loaded: not a setting this server has
    if (read(input) !== original[input.name]) patch[input.name] = value(input);
  }
  return patch;
}

function markDirty() {
  const patch = changes();
  for (const input of fields()) input.classList.toggle("changed", input.name in patch);
  const n = Object.keys(patch).length;
  status.textContent = n ? `${n === 1 ? "1 unsaved change" : `${n} unsaved changes`}` : status.dataset.saved ? "Saved" : "";
  status.dataset.kind = n ? "dirty" : "ok";
}

function clearFieldErrors() {
  for (const node of form.querySelectorAll(".field-error")) node.remove();
  for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
}

/** Show a server message under the field it names (falls back to the banner alone). */
function showFieldError(name, message) {
  const input = name ? form.querySelector(`[name="${CSS.escape(name)}"]`) : null;
  if (!input) return false;
  input.setAttribute("aria-invalid", "true");
  const folded = input.closest("details");
  if (folded) folded.open = true;
  const box = input.closest(".field") || input.parentElement;
  box.append(el("p", { class: "field-error", text: message, attrs: { role: "alert" } }));
  input.focus();
  return true;
}

async function save(patch, label) {
  clearFieldErrors();
  delete status.dataset.saved;
  try {
    const reply = await api.post("config", patch, { label });
    original = {};
    otherChosen = false;
    populate(reply.config, { cleared: new Set(Object.keys(patch).filter((k) => SECRET_KEYS.has(k))) });
    status.dataset.saved = "1";
    markDirty();
    setLlm(reply.llm);
    bus.emit("config:loaded", reply);
    return reply;
  } catch (err) {
    if (err.field) showFieldError(err.field, err.message);
    status.textContent = "Not saved";
    status.dataset.kind = "error";
    throw err;
  }
}

form.addEventListener("submit", guard(async (e) => {
  e.preventDefault();
  const patch = changes();
  if (!Object.keys(patch).length) { status.textContent = "Nothing to save"; return; }
  clearFieldErrors();
  const bad = Object.keys(patch).find((k) => CHECKS[k] && CHECKS[k](String(patch[k])));
  if (bad) {
    const message = `${bad}: ${CHECKS[bad](String(patch[bad]))}`;
    showFieldError(bad, message);
    notify.error(`Save settings: ${message}`);
    status.textContent = "Not saved";
    status.dataset.kind = "error";
    return;
  }
  await busy(saveBtn, save(patch, "Save settings"));
  for (const input of secretInputs()) input.value = "";
  status.textContent = "Saved";
  notify.info("Settings saved");
}, "settings"));

form.addEventListener("input", (e) => {
  const t = e.target;
  if (t.getAttribute && t.getAttribute("aria-invalid")) {
    t.removeAttribute("aria-invalid");
    const box = t.closest(".field");
    if (box) for (const n of box.querySelectorAll(".field-error")) n.remove();
  }
  delete status.dataset.saved;
  markDirty();
});

$("settings-reset").addEventListener("click", () => {
  for (const input of fields()) write(input, original[input.name] || "");
  otherChosen = false;
  clearFieldErrors();
  syncLanguageSelect();
  markDirty();
  bus.emit("settings:populated", { force: true });
});

// The group links scroll (main.js); the one to Advanced unfolds it too.
for (const link of document.querySelectorAll('a[data-section="settings-advanced"]')) {
  link.addEventListener("click", () => { advanced.open = true; });
}

// Remove a saved secret: two clicks, so a stray click during a show cannot do it.
for (const button of clearButtons) {
  const name = button.dataset.for;
  const what = button.dataset.what
    || (name === "llm.api_key" ? "API key" : name === "tiktok.sign_api_key" ? "sign server key" : "session id");
  const confirmed = secondClick(button, "Click again to remove");
  button.addEventListener("click", guard(async () => {
    if (!confirmed()) return;
    await save({ [name]: "" }, `Remove ${what}`);
    notify.info(`${what[0].toUpperCase()}${what.slice(1)} removed`);
  }, "clear-secret"));
}

// Language: a select of common languages drives the text field (the one that is saved), which
// shows only for "Other…". A saved English name ("Spanish") selects its language too.
fill(langSelect, LANGUAGES.map(([native, english]) => el("option", {
  value: native, text: native === english ? native : `${native} · ${english}` })),
el("option", { value: OTHER, text: "Other…" }));
const known = (v) => {
  const k = v.trim().toLocaleLowerCase();
  const hit = LANGUAGES.find(([native, english]) => native.toLocaleLowerCase() === k || english.toLowerCase() === k);
  return hit ? hit[0] : null;
};
function syncLanguageSelect() {
  const match = known(langInput.value);
  if (match && !otherChosen) langSelect.value = match;
  else langSelect.value = OTHER;
  langInput.hidden = langSelect.value !== OTHER;
}
langSelect.addEventListener("change", () => {
  otherChosen = langSelect.value === OTHER;
  if (otherChosen) {
    langInput.hidden = false;
    if (known(langInput.value)) langInput.value = "";
    langInput.focus();
  } else {
    langInput.value = langSelect.value;
    langInput.hidden = true;
  }
  markDirty();
});
langInput.addEventListener("input", () => { langInput.hidden = false; });

// Test connection --------------------------------------------------------------------
function llmCandidate() {
  const llm = {};
  for (const input of fields()) {
    if (!input.name.startsWith("llm.")) continue;
    const key = input.name.slice(4);
    if (key === "api_key") { if (input.value.trim()) llm.api_key = input.value.trim(); continue; }
    llm[key] = value(input);
  }
  return llm;
}

function setModels(models) {
  fill(datalist, models.map((m) => el("option", { value: m })));
}

function showTest(reply) {
  testBox.hidden = false;
  testBox.dataset.kind = reply.ok ? "ok" : "error";
  const models = reply.models || [];
  if (reply.ok) {
    const where = reply.provider === "offline" ? `the offline writer${reply.reason ? ` (${reply.reason})` : ""}`
      : reply.baseUrl || "the provider";
    let text = `Connected to ${where}: ${models.length === 1 ? "1 model" : `${models.length} models`}.`;
    if (reply.model && reply.modelListed === false) text += ` Note: the model “${reply.model}” is not in its list.`;
    testStatus.textContent = text;
  } else {
    testStatus.textContent = `Connection failed: ${reply.error || "unknown error"}`;
  }
  fill(modelsList, models.map((m) => el("li", {},
    el("button", { type: "button", class: "model-chip", text: m, title: "Use this model",
      on: { click: () => { $("s-model").value = m; markDirty(); notify.info(`Model set to ${m} (not saved yet)`); } } }))));
  if (!reply.ok && models.length) modelsList.prepend(el("li", { class: "muted small", text: "Preset models (not verified):" }));
  if (models.length) setModels(models);
}

testBtn.addEventListener("click", guard(async () => {
  clearFieldErrors();
  testBox.hidden = false;
  testBox.dataset.kind = "pending";
  testStatus.textContent = "Testing the connection…";
  clear(modelsList);
  try {
    showTest(await busy(testBtn, api.post("llm/test", { llm: llmCandidate() }, { label: "Test connection" })));
  } catch (err) {
    if (err.field) showFieldError(err.field, err.message);
    testBox.dataset.kind = "error";
    testStatus.textContent = `Connection test failed: ${err.message}`;
    throw err;
  }
}, "test-connection"));

/** "In use: ..." line: what the writer resolves to right now, and why. */
function showWriter(llm) {
  if (!llm) return;
  const parts = [`In use: ${llm.label || llm.provider}`];
  if (llm.baseUrl) parts.push(`at ${llm.baseUrl}`);
  if (llm.reason) parts.push(`(${llm.reason})`);
  if (llm.fallbackModels && llm.fallbackModels.length) parts.push(`· fallbacks: ${llm.fallbackModels.join(", ")}`);
  if (llm.keyRejected) parts.push("· API key rejected");
  else if (llm.lastError) parts.push(`· last error: ${llm.lastError}`);
  $("writer-status").textContent = parts.join(" ");
  $("writer-status").dataset.kind = llm.keyRejected ? "error" : "";
  // Models resting after repeated failures (the circuit breaker): said next to the provider.
  const resting = $("writer-resting");
  resting.hidden = !restingModels(llm).length;
  resting.textContent = resting.hidden ? "" : restingWords(llm);
}
bus.on("llm:status", showWriter);

function onConfig(data) {
  if (!data || !data.config) return;
  populate(data.config);
  if (data.llm) {
    setLlm(data.llm);
    const known = [...(data.llm.presetModels || [])];
    if (data.llm.model && !known.includes(data.llm.model)) known.unshift(data.llm.model);
    if (!datalist.options.length && known.length) setModels(known);
  }
}

bus.on("auth:signed-in", (config) => { original = {}; populate((config || {}).config || {}, { force: true }); onConfig(config); bus.emit("config:loaded", config); });
bus.on("config:external", onConfig);
