// Themes (GET themes, loaded by the New story section): their names, and the theme <select>s of
// the other forms (Writer's room, background tasks).
import { el, fill } from "./dom.js";

/** id -> {id, name, emoji, description, palette}, in the order GET themes listed them. */
export const themes = new Map();

export function setThemes(list) {
  themes.clear();
  for (const t of list) themes.set(t.id, t);
}

export const themeName = (id) => (id === "custom" ? "Custom" : themes.has(id) ? themes.get(id).name : id || "");

/** A story's (or draft's, task's) theme in words: "Custom: <its own words>" or the theme's name. */
export function themeLabel(s) {
  if (s.theme === "custom") return s.customTheme ? `Custom: ${s.customTheme}` : "Custom";
  return themeName(s.theme);
}

/** Refill a theme <select> (every theme, then "Custom…"), keeping its choice while it is offered. */
export function fillThemeSelect(select, list) {
  const was = select.value;
  fill(select, list.map((t) => el("option", { value: t.id, text: `${t.emoji || "📖"} ${t.name || t.id}` })),
    el("option", { value: "custom", text: "✍️ Custom…" }));
  if (was && [...select.options].some((o) => o.value === was)) select.value = was;
}
