// The viewers' panel in Live, beside the vote console (#audience-panel): viewers' ideas (ideas.js) and the cast
// (cast.js). It docks beside the vote while viewers take part (ideas or !join on, or anything waiting), and shrinks to
// a line under it otherwise; the sidebar's "Ideas & cast" link counts what waits for the streamer. Also the keyed
// list both modules draw with: rows are updated in place, so a button keeps its focus while the list changes.
import { $ } from "./dom.js";
import { bus } from "./bus.js";

const top = $("live-top"), navCount = $("nav-audience-count"), navLink = $("nav-audience");
const parts = { ideas: { active: false, waiting: 0 }, cast: { active: false, waiting: 0 } };

function render() {
  const active = parts.ideas.active || parts.cast.active;
  top.dataset.audience = active ? "on" : "off";
  const ideas = parts.ideas.waiting, viewers = parts.cast.waiting, total = ideas + viewers;
  navCount.hidden = total === 0;
  navCount.textContent = String(total);
  const said = [];
  if (ideas) said.push(`${ideas} ${ideas === 1 ? "idea" : "ideas"}`);
  if (viewers) said.push(`${viewers} ${viewers === 1 ? "viewer" : "viewers"} to pick`);
  navLink.title = said.length ? `Waiting for you: ${said.join(" and ")}` : "Viewers' ideas and the viewers who joined the story";
}

/** ideas.js and cast.js say whether their part is in use and how much waits for the streamer. */
export function setPart(name, { active, waiting }) {
  parts[name] = { active: Boolean(active), waiting: Math.max(0, Number(waiting) || 0) };
  render();
}

/**
 * Make `list` show `items` in order, one <li> per key: `create(item)` builds a row (once per key), `update(li, item)`
 * refreshes it. Rows are moved only when the order changed, so focus and running animations survive an update.
 * Returns the keys that are new in this call.
 */
export function syncList(list, items, key, create, update) {
  const rows = new Map();
  for (const li of [...list.children]) {
    if (li.dataset.key) rows.set(li.dataset.key, li);
    else li.remove();  // a placeholder
  }
  const fresh = [];
  const wanted = items.map((item) => {
    const k = String(key(item));
    let li = rows.get(k);
    if (!li) {
      li = create(item);
      li.dataset.key = k;
      fresh.push(k);
    }
    rows.delete(k);
    update(li, item);
    return li;
  });
  for (const li of rows.values()) li.remove();
  wanted.forEach((li, i) => { if (list.children[i] !== li) list.insertBefore(li, list.children[i] || null); });
  return fresh;
}

bus.on("auth:signed-out", () => { setPart("ideas", { active: false, waiting: 0 }); setPart("cast", { active: false, waiting: 0 }); });
render();
