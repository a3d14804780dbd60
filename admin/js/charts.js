// Vote charts drawn locally as inline SVG: one bar per choice, the winner highlighted, counts labelled.
// Choice texts go in through textContent (SVG <text>/<title>), never markup.
import { fmt } from "./dom.js";

const NS = "http://www.w3.org/2000/svg";

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = String(text);
  return node;
}

/**
 * voteChart({choices: [text], counts: [n], winnerIndex, title}) -> <svg class="vote-chart">.
 * Bars scale to the largest count; a chart with no votes still shows every choice at zero.
 */
export function voteChart({ choices = [], counts = [], winnerIndex = null, title = "Votes" }) {
  const W = 520, ROW = 36, PAD = 6, LABEL = 26, BAR_MAX = W - LABEL - 70;
  const H = PAD * 2 + Math.max(1, choices.length) * ROW;
  const total = counts.reduce((a, b) => a + (b || 0), 0);
  const max = Math.max(1, ...counts.map((c) => c || 0));
  const root = svg("svg", { class: "vote-chart", viewBox: `0 0 ${W} ${H}`, width: "100%", role: "img",
    preserveAspectRatio: "xMinYMin meet", "aria-label": `${title}: ${total} votes` });
  root.append(svg("title", {}, `${title}: ${total} votes`));
  if (!choices.length) {
    root.append(svg("text", { x: 0, y: 20, class: "vc-empty" }, "No choices (final chapter)"));
    return root;
  }
  choices.forEach((text, i) => {
    const y = PAD + i * ROW;
    const n = counts[i] || 0;
    const w = n ? Math.max(3, (n / max) * BAR_MAX) : 0;
    const win = i === winnerIndex;
    const g = svg("g", { class: win ? "vc-row vc-winner" : "vc-row", transform: `translate(0 ${y})` });
    g.append(svg("title", {}, `${fmt.letter(i)}: ${text} — ${n} ${n === 1 ? "vote" : "votes"}${win ? " (chosen)" : ""}`));
    g.append(svg("rect", { x: 0, y: 4, width: 20, height: 24, rx: 4, class: "vc-badge" }));
    g.append(svg("text", { x: 10, y: 21, "text-anchor": "middle", class: "vc-letter" }, fmt.letter(i)));
    g.append(svg("text", { x: LABEL, y: 12, class: "vc-label" }, fmt.clip(`${text}${win ? "  ✓ chosen" : ""}`, 78)));
    g.append(svg("rect", { x: LABEL, y: 17, width: BAR_MAX, height: 12, rx: 3, class: "vc-track" }));
    g.append(svg("rect", { x: LABEL, y: 17, width: w, height: 12, rx: 3, class: "vc-bar" }));
    const pct = total ? ` (${Math.round((n / total) * 100)}%)` : "";
    g.append(svg("text", { x: LABEL + BAR_MAX + 6, y: 27, class: "vc-count" }, `${n}${pct}`));
    root.append(g);
  });
  return root;
}
