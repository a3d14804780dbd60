// The /admin Socket.IO connection: forwards story:* events to the bus and shows a connection badge.
// Commands go over REST (api.js); the server's story:force-vote-end stays for other clients.
import { $ } from "./dom.js";
import { bus } from "./bus.js";
import * as notify from "./notify.js";
import { token } from "./token.js";

const badge = $("conn-badge");
const EVENTS = [
  "story:state", "story:generation-started", "story:chapter-token", "story:chapter-reset",
  "story:chapter-ready", "story:voting-started", "story:vote-update", "story:voting-ended",
  "story:ended", "story:error", "story:image-updated", "story:chat-status",
  "story:chapter-updated", "story:notes-updated", "story:memory-updated", "story:image-failed",
  "story:narration", "story:beat", "story:branch-ready", "story:ballots-saved", "story:task-progress",
  "story:ideas-updated", "story:cast-updated",
];
let socket = null;
let wasConnected = false;

function setBadge(state, text) {
  badge.dataset.state = state;
  badge.textContent = text;
  badge.title = state === "live" ? "Live updates are connected" : "Live updates are not connected; they resume by themselves";
}

function connect() {
  disconnect();
  if (typeof window.io !== "function") {
    setBadge("down", "No live updates");
    notify.error("The Socket.IO client did not load (/overlay/vendor/socket.io.min.js): live updates are off.");
    return;
  }
  setBadge("connecting", "Connecting…");
  socket = window.io("/admin", {
    auth: { token: token() },
    reconnectionDelay: 500,
    reconnectionDelayMax: 4000,
  });
  socket.on("connect", () => {
    setBadge("live", "Connected");
    bus.emit("socket:connected", { reconnect: wasConnected });
    wasConnected = true;
  });
  socket.on("disconnect", (reason) => {
    setBadge("reconnecting", "Reconnecting…");
    bus.emit("socket:disconnected", { reason });
    // A server-side disconnect is not retried by the client on its own.
    if (reason === "io server disconnect" && socket) socket.connect();
  });
  socket.on("connect_error", (err) => {
    const msg = (err && err.message) || "connection failed";
    if (/unauthori[sz]ed/i.test(msg)) {
      disconnect();
      bus.emit("auth:rejected", "The live connection refused your admin token. Sign in again.");
      return;
    }
    setBadge("reconnecting", "Reconnecting…");
    // socket.io keeps retrying transport errors; if it gave up (not active), try again soon.
    if (socket && !socket.active) setTimeout(() => { if (socket && !socket.connected) socket.connect(); }, 2000);
  });
  for (const name of EVENTS) socket.on(name, (payload) => bus.emit(name, payload || {}));
}

function disconnect() {
  if (socket) {
    socket.removeAllListeners();
    socket.disconnect();
    socket = null;
  }
  setBadge("down", "Offline");
}

bus.on("auth:signed-in", connect);
bus.on("auth:signed-out", disconnect);

/** Whether live updates are connected right now. */
export const socketConnected = () => Boolean(socket && socket.connected);
