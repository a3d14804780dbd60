// Writers' chat: talk with the writer about the current story (ideas, what-ifs). Kept apart from
// the story: nothing here reaches the overlay or the chapters. History from GET writers-chat; a
// reply streams in as it is written (POST stream {step: "chat", message, sessionId}).
import { $, el, fill, fmt } from "./dom.js";
import { bus } from "./bus.js";
import * as api from "./api.js";
import { guard } from "./notify.js";
import { isSignedIn } from "./auth.js";
import { live } from "./livemodel.js";

const about = $("chat-about"), messages = $("chat-messages"), emptyNote = $("chat-empty");
const form = $("writers-chat-form"), input = $("chat-input"), sendBtn = $("chat-send");
const win = messages.parentElement;

let sessionId = null;     // the story the chat is about (null: no story, general ideas)
let loadedFor;            // the live session id when the history was loaded (undefined: not loaded)
let sending = false;

const liveId = () => (live.session && live.session.id) || null;

function message(m) {
  const role = m.role === "user" ? "user" : "assistant";
  const text = el("div", { class: "msg-text", text: m.content || "" });
  const when = m.createdAt ? fmt.date(m.createdAt) : "";
  const node = el("li", { class: `chat-msg chat-${role}`, data: { role } },
    el("div", { class: "msg-head" },
      el("span", { class: "msg-role", text: role === "user" ? "You" : "Writer" }),
      el("span", { class: "muted small msg-meta", text: [role === "assistant" ? m.model : "", when].filter(Boolean).join(" · ") })),
    text);
  return { node, text };
}

function scrollDown() { win.scrollTop = win.scrollHeight; }

function renderAll(list) {
  fill(messages, (list || []).map((m) => message(m).node));
  emptyNote.hidden = messages.children.length > 0;
  scrollDown();
}

function renderAbout() {
  const s = live.session;
  if (!sessionId) {
    about.textContent = "No story yet: talk about ideas in general. Once a story runs, the chat is about it.";
    about.dataset.kind = "general";
    return;
  }
  const title = s && s.id === sessionId && s.title ? `“${s.title}”` : `story #${sessionId}`;
  about.textContent = `About ${title}. The writer knows its chapters and memory.`;
  about.dataset.kind = "story";
}

async function load() {
  const id = liveId();
  const reply = await api.get(id ? `writers-chat?session=${encodeURIComponent(id)}` : "writers-chat", { label: "Writers' chat" });
  loadedFor = id;
  sessionId = reply.sessionId || null;
  renderAll(reply.messages);
  renderAbout();
}

form.addEventListener("submit", guard(async (e) => {
  e.preventDefault();
  const text = input.value.trim();
  if (!text || sending) { if (!text) input.focus(); return; }
  sending = true;
  sendBtn.disabled = true;
  sendBtn.classList.add("is-busy");
  input.value = "";
  const mine = message({ role: "user", content: text, createdAt: Date.now() / 1000 });
  const reply = message({ role: "assistant", content: "" });
  reply.node.classList.add("streaming");
  messages.append(mine.node, reply.node);
  emptyNote.hidden = true;
  scrollDown();
  const body = { step: "chat", message: text };
  if (sessionId) body.sessionId = sessionId;
  try {
    const final = await api.stream(body, {
      onDelta(delta) { reply.text.append(document.createTextNode(delta)); scrollDown(); },
      onStatus(s) { if (s.phase === "restart") reply.text.textContent = ""; },
    }, { label: "Writers' chat" });
    if (Array.isArray(final.history)) renderAll(final.history);
    else { reply.node.classList.remove("streaming"); reply.text.textContent = final.reply || ""; }
  } catch (err) {
    mine.node.remove();  // not saved by the server: the question goes back to the box
    reply.node.remove();
    emptyNote.hidden = messages.children.length > 0;
    if (!input.value) input.value = text;
    throw err;
  } finally {
    sending = false;
    sendBtn.disabled = false;
    sendBtn.classList.remove("is-busy");
  }
}, "writers' chat"));

input.addEventListener("keydown", (e) => {
  if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    form.requestSubmit();
  }
});

// A new story: the chat is about it now.
bus.on("live:changed", () => {
  if (loadedFor === undefined || sending || !isSignedIn()) return;
  if (liveId() !== loadedFor) load().catch(() => {});
  else renderAbout();
});
bus.on("auth:signed-in", () => { load().catch(() => {}); });
renderAll([]);
