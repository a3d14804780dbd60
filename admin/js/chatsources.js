// Settings → Chat → "Where chat comes from": tick boxes for chat.sources (TikTok LIVE, Twitch, the simulated
// audience, several at once). The saved field is the hidden list input `chat.sources` (settings.js sends it as a
// list); the boxes fill it in the order the list had, new ones after, and say when Twitch has no channel.
import { $ } from "./dom.js";
import { bus } from "./bus.js";

const hidden = $("s-chat-sources"), picker = $("chat-sources-picker"), warn = $("chat-sources-warn");
const channel = $("s-twitch-channel");
const boxes = [...picker.querySelectorAll("input[type=checkbox]")];

const listed = () => hidden.value.split(",").map((s) => s.trim()).filter(Boolean);

/** The boxes from the field (after the form was filled or reset). */
function fromField() {
  const names = new Set(listed());
  for (const box of boxes) box.checked = names.has(box.value);
  mirror();
}

/** The field from the boxes: the names kept in their saved order, newly ticked ones after. */
function toField() {
  const ticked = boxes.filter((b) => b.checked).map((b) => b.value);
  const kept = listed().filter((n) => ticked.includes(n));
  hidden.value = [...kept, ...ticked.filter((n) => !kept.includes(n))].join(", ");
  hidden.dispatchEvent(new Event("input", { bubbles: true }));  // the form marks it unsaved
  mirror();
}

function mirror() {
  picker.classList.toggle("changed", hidden.classList.contains("changed"));
  for (const box of boxes) box.closest(".source-option").dataset.checked = String(box.checked);
  const twitch = boxes.some((b) => b.value === "twitch" && b.checked);
  warn.hidden = !(twitch && !channel.value.trim());
}

for (const box of boxes) box.addEventListener("change", toField);
channel.addEventListener("input", mirror);
bus.on("settings:populated", fromField);
