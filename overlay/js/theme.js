// The story theme's look: accent colours from GET /api/interactive-story/themes (public),
// palette = [background, accent, accent2]. A `accent` URL parameter always wins.

import { setAccent } from "./params.js";

const THEMES_URL = "/api/interactive-story/themes";

export function createTheme(cfg) {
  let themes = null; // id -> {name, emoji, palette}
  let loading = null;
  let applied = null;
  let wanted = null;
  let failures = 0;

  async function load() {
    try {
      const res = await fetch(THEMES_URL, { headers: { Accept: "application/json" }, cache: "no-cache" });
      if (!res.ok) throw new Error(`themes: HTTP ${res.status}`);
      const body = await res.json();
      const map = new Map();
      for (const t of Array.isArray(body && body.themes) ? body.themes : []) {
        if (t && typeof t.id === "string") {
          map.set(t.id, {
            name: typeof t.name === "string" ? t.name : "",
            emoji: typeof t.emoji === "string" ? t.emoji : "",
            palette: Array.isArray(t.palette) ? t.palette.filter((c) => typeof c === "string") : [],
          });
        }
      }
      themes = map;
      apply(wanted);
    } catch (err) {
      failures += 1;
      console.warn("overlay: could not load themes", err);
      if (failures < 5) setTimeout(() => { loading = null; ensure(); }, 5000 * failures);
    }
  }

  function ensure() {
    if (!themes && !loading) loading = load();
  }

  function apply(themeId) {
    wanted = themeId || null;
    if (!themes) return ensure();
    if (cfg.accent || applied === wanted) return;
    applied = wanted;
    const t = wanted ? themes.get(wanted) : null;
    if (t && t.palette.length >= 2) setAccent(t.palette[1], t.palette[2] || null);
    else setAccent("#f4c95d", "#ee964b"); // the default gold
  }

  return {
    /** Use the session's theme (null: the default look). */
    use(themeId) {
      try {
        apply(typeof themeId === "string" ? themeId : null);
      } catch (err) {
        console.error("overlay: theme", err);
      }
    },
    /** The theme whose look is on (null: the default look, or none yet). */
    current: () => applied,
    /** Name and emoji of a theme, when known. */
    info(themeId) {
      return (themes && typeof themeId === "string" && themes.get(themeId)) || null;
    },
  };
}
