// Who votes: TikTok LIVE chat or the simulated audience. While the simulated audience is the vote source the
// panel says so in amber on every section (the top bar's REHEARSAL badge, never the green of a live connection),
// and a story start asks first when a TikTok account is set: a streamer about to go live would otherwise run
// the show on simulated votes. Fed by the chat status (chat.js) and the saved config (chat.source, tiktok.unique_id).
import { $ } from "./dom.js";
import { bus } from "./bus.js";
import * as api from "./api.js";
import * as notify from "./notify.js";

const badge = $("rehearsal-badge"), chatBadge = $("chat-badge");
const dialog = $("start-confirm"), accountNode = $("start-confirm-account");
const known = { source: "", running: false, account: "" };

export const isRehearsal = () => known.source === "simulator";

function render() {
  const rehearsal = isRehearsal();
  badge.hidden = !rehearsal;
  badge.title = known.running
    ? "Votes come from the simulated audience, not your viewers. Click to change where votes come from."
    : "The simulated audience is the vote source (paused). Click to change where votes come from.";
  chatBadge.hidden = rehearsal;  // the badge says it instead of a green "Simulator: live"
  document.body.classList.toggle("rehearsal", rehearsal);
}

function fromConfig(data) {
  const c = data && data.config;
  if (!c) return;
  if (c.chat && c.chat.source) known.source = c.chat.source;
  if (c.tiktok) known.account = String(c.tiktok.unique_id || "").trim().replace(/^@+/, "");
  render();
}

bus.on("chat:status", (s) => {
  known.source = (s && s.source) || "";
  known.running = Boolean(s && s.running);
  render();
});
bus.on("config:loaded", fromConfig);
bus.on("config:external", fromConfig);
bus.on("auth:signed-out", () => { Object.assign(known, { source: "", running: false, account: "" }); render(); });

/** The streamer's answer from the dialog: "tiktok", "rehearsal" or "cancel" (Escape closes it as "cancel"). */
function ask() {
  accountNode.textContent = `@${known.account}`;
  dialog.returnValue = "cancel";
  dialog.showModal();
  return new Promise((resolve) => dialog.addEventListener("close", () => resolve(dialog.returnValue || "cancel"),
    { once: true }));
}

/**
 * Before a story starts (New story → Start, Writer's room → Go live): true to go on. With the simulated audience
 * as the vote source and a TikTok account set, the streamer picks: TikTok LIVE chat (switched now), the
 * rehearsal, or nothing.
 */
export async function confirmStart() {
  if (!isRehearsal() || !known.account) return true;
  const answer = await ask();
  if (answer === "tiktok") {
    const reply = await api.post("config", { "chat.source": "tiktok" }, { label: "Chat source: TikTok LIVE" });
    bus.emit("config:external", reply);
    notify.info(`Votes now come from the TikTok LIVE chat of @${known.account}`);
  }
  return answer === "tiktok" || answer === "rehearsal";
}

render();
