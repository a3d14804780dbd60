// URL parameters: parsed, validated, and applied as data attributes and CSS custom properties.
// A bad value is ignored (the default stays). Nothing from the URL is ever parsed as HTML; colours
// and fonts reach CSS only through style.setProperty, after a strict character check and CSS.supports.

const LAYOUTS = ["landscape", "portrait"];
const POSITIONS = ["bottom", "top", "center", "left", "right"];
const MODES = ["full", "sentence", "scroll"];
const VOTING = ["bottom", "side"];
const NARRATION = ["on", "off", "text"];
const COLOR_CHARS = /^[#a-zA-Z0-9(),.%\s/+-]{1,64}$/;
const FONT_CHARS = /^[a-zA-Z0-9 ,'"-]{1,120}$/;

const supports = (property, value) => {
  try {
    return typeof CSS !== "undefined" && CSS.supports(property, value);
  } catch {
    return false;
  }
};

/** A CSS colour, or null when the value is not a plain colour. */
export function safeColor(value) {
  if (typeof value !== "string") return null;
  const v = value.trim();
  if (!COLOR_CHARS.test(v) || /url|expression|var\(|attr\(/i.test(v)) return null;
  return supports("color", v) ? v : null;
}

/** A CSS font-family list, or null. */
export function safeFont(value) {
  if (typeof value !== "string") return null;
  const v = value.trim();
  if (!FONT_CHARS.test(v)) return null;
  return supports("font-family", v) ? v : null;
}

function pick(value, allowed) {
  const v = (value || "").trim().toLowerCase();
  return allowed.includes(v) ? v : null;
}

function number(value, min, max) {
  if (value === null || value === undefined || String(value).trim() === "") return null;
  const n = Number(value);
  return Number.isFinite(n) && n >= min && n <= max ? n : null;
}

/** Read the overlay's settings from a query string. */
export function readParams(search) {
  let q;
  try {
    q = new URLSearchParams(search || "");
  } catch {
    q = new URLSearchParams();
  }
  const layout = pick(q.get("layout"), LAYOUTS) || "landscape";
  const voting = layout === "portrait" ? "bottom" : pick(q.get("voting"), VOTING) || "side";
  const edit = q.get("edit") === "1"; // the layout editor: a silent sample story, never the show
  return {
    edit,
    layout,
    voting,
    scale: number(q.get("scale"), 0.5, 2) ?? 1,
    font: safeFont(q.get("font")),
    color: safeColor(q.get("color")),
    accent: safeColor(q.get("accent")),
    panel: safeColor(q.get("panel")),
    position: pick(q.get("position"), POSITIONS) || "bottom",
    mode: pick(q.get("mode"), MODES) || "full",
    narration: edit ? "text" : pick(q.get("narration"), NARRATION) || "on",
    volume: number(q.get("volume"), 0, 1) ?? 1,
    width: layout === "portrait" ? 1080 : 1920,
    height: layout === "portrait" ? 1920 : 1080,
  };
}

/** Put the settings on the page: data attributes for layout rules, custom properties for looks. */
export function applyParams(cfg, doc = document) {
  const body = doc.body;
  const root = doc.documentElement;
  body.dataset.layout = cfg.layout;
  body.dataset.voting = cfg.voting;
  body.dataset.position = cfg.position;
  body.dataset.mode = cfg.mode;
  body.dataset.narration = cfg.narration;
  root.style.setProperty("--s", String(cfg.scale));
  root.style.setProperty("--W", `${cfg.width}px`);
  root.style.setProperty("--H", `${cfg.height}px`);
  if (cfg.font) {
    root.style.setProperty("--font", cfg.font);
    root.style.setProperty("--font-title", cfg.font);
  }
  if (cfg.color) root.style.setProperty("--text", cfg.color);
  if (cfg.panel) root.style.setProperty("--panel", cfg.panel);
  if (cfg.accent) setAccent(cfg.accent, null, doc);
}

/** Any CSS colour as [r, g, b] (the browser parses it), or null; translucent colours count as opaque. */
function toRgb(color) {
  let probe;
  try {
    probe = document.createElement("canvas").getContext("2d");
  } catch {
    return null;
  }
  if (!probe) return null;
  probe.fillStyle = "#000";
  probe.fillStyle = color;
  const norm = String(probe.fillStyle);
  const hex = /^#([0-9a-f]{6})$/i.exec(norm);
  if (hex) return [0, 2, 4].map((i) => parseInt(hex[1].slice(i, i + 2), 16));
  const rgb = /^rgba?\((\d+),\s*(\d+),\s*(\d+)/i.exec(norm);
  return rgb ? rgb.slice(1, 4).map(Number) : null;
}

function luminance([r, g, b]) {
  const lin = (c) => ((c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

const mixWhite = (rgb, k) => rgb.map((c) => Math.round(c + (255 - c) * k));
const css = (rgb) => `rgb(${rgb.join(", ")})`;

/** Lift a theme colour that would be too dark to see on a dark panel (bars, badges, rings). */
function brighten(rgb) {
  return luminance(rgb) >= 0.12 ? rgb : mixWhite(rgb, 0.35);
}

/** The colour lifted toward white until, as text, it reads on the panel over white footage (4.5:1). */
function readable(rgb) {
  let k = 0;
  while (k < 1 && luminance(mixWhite(rgb, k)) < 0.5) k += 0.05;
  return mixWhite(rgb, Math.min(k, 1));
}

/** Set the accent colours, the accent as text, and the ink for text drawn on the accent. */
export function setAccent(accent, accent2, doc = document) {
  const a = safeColor(accent);
  const rgb = a && toRgb(a);
  if (!rgb) return;
  const root = doc.documentElement;
  const fill = brighten(rgb);
  root.style.setProperty("--accent", css(fill));
  const b = safeColor(accent2);
  const rgb2 = b && toRgb(b);
  root.style.setProperty("--accent2", css(rgb2 ? brighten(rgb2) : fill));
  root.style.setProperty("--accent-text", css(readable(rgb)));
  // white or near-black ink on the badge, whichever has more contrast with it
  const l = luminance(fill);
  root.style.setProperty("--accent-ink", 1.05 / (l + 0.05) > (l + 0.05) / 0.056 ? "#ffffff" : "#17120a");
}
