// "Grade the writer": one sample chapter with the saved writer, the quality gate's verdict, and its speed.
import * as api from "./api.js";
import { $, el, fill, busy } from "./dom.js";
import { guard } from "./notify.js";

const button = $("grade-writer"), box = $("grade-result");

function show(reply) {
  box.hidden = false;
  const verdict = reply.verdict || "unknown";
  box.dataset.kind = verdict === "ready" ? "ok" : verdict.startsWith("works") ? "pending" : "error";
  $("grade-verdict").textContent = `${reply.model || "The writer"}: ${verdict}${reply.why ? ` (${reply.why})` : ""}`;
  const figures = [];
  if (typeof reply.firstTokenS === "number") figures.push(`first words after ${reply.firstTokenS} s`);
  if (typeof reply.tokensPerS === "number") figures.push(`${reply.tokensPerS} tokens/s`);
  if (typeof reply.seconds === "number") figures.push(`${reply.seconds} s in all`);
  if (reply.output) figures.push(`answers as ${reply.output === "text" ? "tagged text" : "JSON"}`);
  $("grade-figures").textContent = figures.join(" · ");
  const notes = [...(reply.problems || []).map((t) => ["problem", t]), ...(reply.repairs || []).map((t) => ["repair", t])];
  fill($("grade-notes"), notes.map(([kind, text]) => el("li", { class: kind, text })));
  $("grade-title").textContent = reply.title || "(no usable title)";
  $("grade-story").textContent = reply.story || "(no usable story)";
  fill($("grade-choices"), (reply.choices || []).map((c) => el("li", { text: c })));
}

button.addEventListener("click", guard(async () => {
  box.hidden = false;
  box.dataset.kind = "pending";
  $("grade-verdict").textContent = "Writing a sample chapter… (a slow local model can take a minute)";
  show(await busy(button, api.post("llm/grade", {}, { label: "Grade the writer" })));
}, "grade-writer"));
