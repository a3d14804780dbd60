// Top voters (votes, and over all time the diamonds and likes each viewer gave).
// The story memory has its own module: memory.js.
import { $, el, fill, fmt } from "./dom.js";
import { bus } from "./bus.js";
import * as api from "./api.js";
import { guard, quietly } from "./notify.js";
import { live } from "./livemodel.js";

const topList = $("top-voters-list"), scope = $("top-voters-scope");

async function loadTopVoters() {
  const session = live.session;
  let path = "top-voters?limit=10";
  if (scope.value === "session") {
    if (!session) { fill(topList, el("li", { class: "muted", text: "No story yet: showing nothing for “this story”." })); return; }
    path += `&session=${encodeURIComponent(session.id)}`;
  }
  const data = await api.get(path, { label: "Loading top voters" });
  const voters = data.topVoters || [];
  if (!voters.length) { fill(topList, el("li", { class: "muted empty", text: "No votes yet" })); return; }
  const max = Math.max(...voters.map((v) => v.votes || 0), 1);
  // Gifts and likes are counted per viewer over all time (rows of one story do not carry them).
  const extras = voters.some((v) => "diamonds" in v || "likes" in v);
  const num = (n) => (typeof n === "number" ? n.toLocaleString() : "–");
  const head = el("li", { class: "top-voter top-voters-head muted small", attrs: { "aria-hidden": "true" } },
    el("span"), el("span", { text: "Viewer" }), el("span"), el("span"), el("span", { class: "votes", text: "Votes" }),
    extras ? el("span", { class: "num", text: "Diamonds" }) : null, extras ? el("span", { class: "num", text: "Likes" }) : null);
  topList.classList.toggle("with-gifts", extras);
  fill(topList, head, voters.map((v, i) => el("li", { class: "top-voter" },
    el("span", { class: "rank", text: `${i + 1}` }),
    el("span", { class: "nick", text: v.nickname || v.userId || "?" }),
    el("span", { class: "platform muted small", text: v.platform || "" }),
    el("span", { class: "meter" }, el("span", { style: { width: `${Math.round(((v.votes || 0) / max) * 100)}%` } })),
    el("span", { class: "votes", text: fmt.plural(v.votes || 0, "vote") }),
    extras ? el("span", { class: "num diamonds", text: num(v.diamonds),
      title: `${num(v.diamonds)} diamonds in ${fmt.plural(v.gifts || 0, "gift")}` }) : null,
    extras ? el("span", { class: "num likes", text: num(v.likes), title: `${num(v.likes)} likes` }) : null)));
}

$("top-voters-refresh").addEventListener("click", guard(loadTopVoters, "top-voters"));
scope.addEventListener("change", guard(loadTopVoters, "top-voters"));
bus.on("auth:signed-in", quietly(loadTopVoters));
bus.on("story:voting-ended", quietly(loadTopVoters));
bus.on("story:ended", quietly(loadTopVoters));
bus.on("socket:connected", (p) => { if (p.reconnect) quietly(loadTopVoters)(); });
