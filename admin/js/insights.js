// Top voters (votes, and over all time the diamonds and likes each viewer gave). Viewers and rehearsal voters
// (the simulated audience, lines typed in the Rehearsal box) are listed apart: all time leaves rehearsal out
// unless asked (?simulated=1); one story's list marks each voter `simulated` or not.
// The story memory has its own module: memory.js.
import { $, el, fill, fmt } from "./dom.js";
import { bus } from "./bus.js";
import * as api from "./api.js";
import { guard, quietly } from "./notify.js";
import { live } from "./livemodel.js";

const topList = $("top-voters-list"), scope = $("top-voters-scope");
const withRehearsal = $("top-voters-rehearsal"), rehearsalLabel = $("top-voters-rehearsal-label");
const simBox = $("top-voters-simulated-box"), simList = $("top-voters-simulated");
const SHOWN = 10;

const num = (n) => (typeof n === "number" ? n.toLocaleString() : "–");

/** One ranked list, with the diamonds and likes columns when the rows carry them (all time). */
function renderList(list, voters, emptyText) {
  if (!voters.length) { fill(list, el("li", { class: "muted empty", text: emptyText })); return; }
  const max = Math.max(...voters.map((v) => v.votes || 0), 1);
  const extras = voters.some((v) => "diamonds" in v || "likes" in v);
  const head = el("li", { class: "top-voter top-voters-head muted small", attrs: { "aria-hidden": "true" } },
    el("span"), el("span", { text: "Viewer" }), el("span"), el("span"), el("span", { class: "votes", text: "Votes" }),
    extras ? el("span", { class: "num", text: "Diamonds" }) : null, extras ? el("span", { class: "num", text: "Likes" }) : null);
  list.classList.toggle("with-gifts", extras);
  fill(list, head, voters.map((v, i) => el("li", { class: "top-voter", data: { simulated: String(Boolean(v.simulated)) } },
    el("span", { class: "rank", text: `${i + 1}` }),
    el("span", { class: "nick", text: v.nickname || v.userId || "?" }),
    el("span", { class: "platform muted small", text: v.platform || "" }),
    el("span", { class: "meter" }, el("span", { style: { width: `${Math.round(((v.votes || 0) / max) * 100)}%` } })),
    el("span", { class: "votes", text: fmt.plural(v.votes || 0, "vote") }),
    extras ? el("span", { class: "num diamonds", text: num(v.diamonds),
      title: `${num(v.diamonds)} diamonds in ${fmt.plural(v.gifts || 0, "gift")}` }) : null,
    extras ? el("span", { class: "num likes", text: num(v.likes), title: `${num(v.likes)} likes` }) : null)));
}

async function loadTopVoters() {
  const story = scope.value === "session";
  rehearsalLabel.hidden = story;  // one story's list always shows both, apart
  const both = story || withRehearsal.checked;
  let path = `top-voters?limit=${both ? 50 : SHOWN}`;
  if (story) {
    const session = live.session;
    if (!session) {
      fill(topList, el("li", { class: "muted", text: "No story yet: showing nothing for “this story”." }));
      simBox.hidden = true;
      return;
    }
    path += `&session=${encodeURIComponent(session.id)}`;
  } else if (withRehearsal.checked) {
    path += "&simulated=1";
  }
  const voters = (await api.get(path, { label: "Loading top voters" })).topVoters || [];
  const simulated = voters.filter((v) => v.simulated);
  renderList(topList, voters.filter((v) => !v.simulated).slice(0, SHOWN), "No votes from viewers yet");
  simBox.hidden = !both || !simulated.length;
  renderList(simList, simulated.slice(0, SHOWN), "");
}

$("top-voters-refresh").addEventListener("click", guard(loadTopVoters, "top-voters"));
scope.addEventListener("change", guard(loadTopVoters, "top-voters"));
withRehearsal.addEventListener("change", guard(loadTopVoters, "top-voters"));
bus.on("auth:signed-in", quietly(loadTopVoters));
bus.on("story:voting-ended", quietly(loadTopVoters));
bus.on("story:ended", quietly(loadTopVoters));
bus.on("socket:connected", (p) => { if (p.reconnect) quietly(loadTopVoters)(); });
// This story's list follows the ballots as they are saved (at most once a second).
let ballotsTimer = null;
bus.on("story:ballots-saved", () => {
  if (scope.value !== "session" || ballotsTimer) return;
  ballotsTimer = setTimeout(() => { ballotsTimer = null; quietly(loadTopVoters)(); }, 1000);
});
