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
  return {
    layout,
    voting,
    scale: number(q.get("scale"), 0.5, 2) ?? 1,
    font: safeFont(q.get("font")),
    color: safeColor(q.get("color")),
    accent: safeColor(q.get("accent")),
    panel: safeColor(q.get("panel")),
    position: pick(q.get("position"), POSITIONS) || "bottom",
    mode: pick(q.get("mode"), MODES) || "full",
    narration: pick(q.get("narration"), NARRATION) || "on",
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

/** Parse #rgb / #rrggbb into [r, g, b], or null. */
function hexRgb(color) {
  const m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(color || "");
  if (!m) return null;
  const h = m[1].length === 3 ? m[1].replace(/./g, "$&$&") : m[1];
  return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16));
}

function luminance([r, g, b]) {
  const lin = (c) => ((c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/** Lift a theme colour that would be too dark to read on a dark panel. */
function brighten(color) {
  const rgb = hexRgb(color);
  if (!rgb || luminance(rgb) >= 0.12) return color;
  const mixed = rgb.map((c) => Math.round(c + (255 - c) * 0.35));
  return `rgb(${mixed.join(", ")})`;
}

/** Set the accent colours (and a readable ink for text drawn on the accent). */
export function setAccent(accent, accent2, doc = document) {
  const a = safeColor(accent);
  if (!a) return;
  const root = doc.documentElement;
  root.style.setProperty("--accent", brighten(a));
  const b = safeColor(accent2);
  root.style.setProperty("--accent2", b ? brighten(b) : brighten(a));
  const rgb = hexRgb(a);
  root.style.setProperty("--accent-ink", rgb && luminance(rgb) < 0.3 ? "#ffffff" : "#17120a");
}
