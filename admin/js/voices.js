// Voices: the speech provider's voices, each with "Play sample" (POST tts/sample, played here with
// one Audio element), and the current story's characters with the voice each speaks in
// (GET tts/voices → characters; a change is POST voices {"Name": "voice id"}).
import { $, el, fill, busy } from "./dom.js";
import { bus } from "./bus.js";
import * as api from "./api.js";
import * as notify from "./notify.js";
import { guard } from "./notify.js";
import { isSignedIn } from "./auth.js";
import { live } from "./livemodel.js";

const list = $("voices-list"), empty = $("voices-empty"), sampleText = $("sample-text");
const provider = $("voices-provider"), chars = $("character-voices"), charsEmpty = $("character-voices-empty");
const player = new Audio();
player.preload = "auto";

let voices = [];            // [{id, label, language, gender}]
let characters = {};        // {"Mara": "en-gb+f3"}
let speech = null;          // {provider, label, narrator, lastError}
let voicesSig = "";
let playing = null;         // {button, label} of the sample being played
const rows = new Map();     // character name -> {li, select}

/** The answer to the last "Play sample" (POST tts/sample); the browser tests read it. */
export let lastSample = null;

const voiceLabel = (v) => (v.label && v.label !== v.id ? v.label : v.id);
/** "Label · id" (or the id alone when the voice has no other name), for option lists. */
export const voiceWithId = (v) => (v.label && v.label !== v.id ? `${v.label} · ${v.id}` : v.id);
const labelOf = (id) => { const v = voices.find((x) => x.id === id); return v ? voiceLabel(v) : id; };

// Playing samples --------------------------------------------------------------------------
function stopPlaying() {
  player.pause();
  if (playing) {
    playing.button.textContent = playing.label;
    playing.button.classList.remove("is-playing");
    playing.button.closest("li")?.classList.remove("playing");
    playing = null;
  }
}
player.addEventListener("ended", stopPlaying);
player.addEventListener("error", () => {
  if (!playing) return;
  stopPlaying();
  notify.error("Play sample: the audio could not be played.");
});

/** Ask the server for a clip of `voice` and play it; clicking the playing button again stops it. */
async function playSample(button, voice) {
  if (playing && playing.button === button) { stopPlaying(); return; }
  stopPlaying();
  const text = sampleText.value.trim();
  const reply = await busy(button, api.post("tts/sample", text ? { voice, text } : { voice },
    { label: "Play sample" }));
  lastSample = reply;
  if (!reply.audioUrl) return;
  stopPlaying();
  playing = { button, label: button.textContent };
  button.textContent = "Stop";
  button.classList.add("is-playing");
  button.closest("li")?.classList.add("playing");
  player.src = reply.audioUrl;  // this server's /api/interactive-story/audio/... (public)
  try {
    await player.play();
  } catch (err) {
    stopPlaying();
    notify.error(`Play sample: the browser would not play it (${err && err.message ? err.message : err}).`);
  }
}

// The voices list ------------------------------------------------------------------------------
function renderVoices() {
  const off = speech && speech.provider === "off";
  empty.hidden = voices.length > 0;
  empty.textContent = off ? "Speech is off (Settings → Voice → provider): there are no voices to hear."
    : "No voices are available from the speech provider.";
  const users = {};
  for (const [name, id] of Object.entries(characters)) (users[id] = users[id] || []).push(name);
  stopPlaying();
  fill(list, voices.map((v) => {
    const meta = [v.language, v.gender].filter(Boolean).join(" · ");
    const tags = [];
    if (speech && speech.narrator === v.id) tags.push(el("span", { class: "voice-tag narrator", text: "narrator" }));
    for (const name of users[v.id] || []) tags.push(el("span", { class: "voice-tag", text: name }));
    const button = el("button", { type: "button", class: "small play-sample", text: "Play sample",
      data: { voice: v.id }, attrs: { "aria-label": `Play a sample of ${voiceLabel(v)}` } });
    button.addEventListener("click", guard(() => playSample(button, v.id), "play-sample"));
    return el("li", { class: "voice", data: { voice: v.id } },
      el("div", { class: "voice-main" },
        el("span", { class: "voice-label", text: voiceLabel(v) }),
        el("code", { class: "voice-id", text: v.id }),
        meta ? el("span", { class: "muted small", text: meta }) : null, ...tags),
      button);
  }));
}

// Characters -------------------------------------------------------------------------------------
function options(current) {
  const known = voices.some((v) => v.id === current);
  return [
    ...(current && !known ? [el("option", { value: current, text: `${current} (not offered now)` })] : []),
    ...voices.map((v) => el("option", { value: v.id, text: voiceWithId(v) })),
  ];
}

function characterRow(name) {
  const select = el("select", { attrs: { "aria-label": `Voice of ${name}` } });
  const play = el("button", { type: "button", class: "ghost small play-character", text: "Play",
    attrs: { "aria-label": `Play a sample in ${name}'s voice` } });
  const li = el("li", { class: "character-voice", data: { name } },
    el("span", { class: "character-name", text: name }), select, play);
  select.addEventListener("change", guard(async () => {
    const before = characters[name];
    const voice = select.value;
    select.disabled = true;
    try {
      const reply = await api.post("voices", { [name]: voice }, { label: `Voice of ${name}` });
      characters = reply.characters || { ...characters, [name]: voice };
      notify.info(`${name} now speaks as ${labelOf(voice)}`);
    } catch (err) {
      select.value = before || "";
      throw err;
    } finally {
      select.disabled = false;
    }
    renderCharacters();
    renderVoices();
  }, "character-voice"));
  play.addEventListener("click", guard(() => playSample(play, select.value), "play-character"));
  return { li, select };
}

function renderCharacters(rebuildOptions = false) {
  const names = Object.keys(characters);
  const session = live.session;
  charsEmpty.hidden = names.length > 0;
  charsEmpty.textContent = !session ? "No story yet."
    : speech && speech.provider === "off" ? "Speech is off: characters have no voices."
      : "No character has spoken yet: voices are given as the narration reaches their lines.";
  for (const [name, row] of rows) if (!(name in characters)) { row.li.remove(); rows.delete(name); }
  for (const name of names) {
    let row = rows.get(name);
    const fresh = !row;
    if (fresh) { row = characterRow(name); rows.set(name, row); }
    chars.append(row.li);  // keeps the server's order (order of appearance)
    // Updated in place: a select the streamer has open is left alone.
    if (fresh || rebuildOptions || ![...row.select.options].some((o) => o.value === characters[name])) {
      fill(row.select, options(characters[name]));
    }
    if (document.activeElement !== row.select && !row.select.disabled) row.select.value = characters[name];
  }
}

// Loading ----------------------------------------------------------------------------------------
function apply(data) {
  speech = data.provider || null;
  characters = data.characters || {};
  const next = data.voices || [];
  const sig = next.map((v) => `${v.id}|${v.label}`).join(",") + `|${speech ? speech.narrator : ""}`;
  const changedVoices = sig !== voicesSig;
  voices = next;
  voicesSig = sig;
  if (speech) {
    const parts = [speech.provider === "off" ? "Speech is off" : `Voices from ${speech.label || speech.provider}`];
    if (speech.narrator) parts.push(`narrator ${speech.narrator}`);
    provider.textContent = parts.join(" · ");
  }
  if (changedVoices || !playing) renderVoices();
  renderCharacters(changedVoices);
  bus.emit("voices:loaded", data);
}

async function load() {
  apply(await api.get("tts/voices", { label: "Loading voices" }));
}
let timer = null;
const loadSoon = (delay = 250) => {
  clearTimeout(timer);
  timer = setTimeout(() => { if (isSignedIn()) load().catch(() => {}); }, delay);
};

$("voices-refresh").addEventListener("click", guard(load, "voices"));
bus.on("auth:signed-in", () => loadSoon(0));
bus.on("config:loaded", () => loadSoon());  // the provider (and so the voices) may have changed
bus.on("socket:connected", (p) => { if (p.reconnect) loadSoon(); });
let sessionId = null;
bus.on("live:changed", (m) => {
  const sid = m.session ? m.session.id : null;
  if (sid !== sessionId) { sessionId = sid; loadSoon(); }
});
// Characters get voices when the narration reaches their first line.
bus.on("story:narration", (p) => {
  if (p.speaker && !(p.speaker in characters)) loadSoon();
  else if (p.index === 0) loadSoon(600);
});
bus.on("auth:signed-out", stopPlaying);
