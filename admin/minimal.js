// Minimal admin panel: sign in with the token, start/advance/end, send rehearsal chat.
(() => {
  const $ = (id) => document.getElementById(id);
  const fromHash = new URLSearchParams(location.hash.slice(1)).get("token");
  if (fromHash) { sessionStorage.setItem("storyToken", fromHash); history.replaceState(null, "", location.pathname); }
  $("token").value = sessionStorage.getItem("storyToken") || "";
  const token = () => $("token").value.trim();
  async function api(method, path, body) {
    const res = await fetch(`/api/interactive-story/${path}`, {
      method, headers: { "Content-Type": "application/json", Authorization: `Bearer ${token()}` },
      body: body ? JSON.stringify(body) : undefined,
    });
    const data = await res.json().catch(() => ({}));
    $("error").textContent = res.ok ? "" : (data.error ? data.error.message : `HTTP ${res.status}`);
    return data;
  }
  $("save").onclick = () => { sessionStorage.setItem("storyToken", token()); connect(); };
  $("start").onclick = () => api("POST", "start", { theme: $("theme").value });
  $("next").onclick = () => api("POST", "next-chapter", {});
  $("end").onclick = () => api("POST", "end", {});
  $("send").onclick = () => api("POST", "chat", { user_id: $("nick").value, nickname: $("nick").value, text: $("text").value });
  fetch("/api/interactive-story/themes").then((r) => r.json()).then((d) => {
    for (const t of d.themes) { const o = document.createElement("option"); o.value = t.id; o.textContent = t.name; $("theme").appendChild(o); }
  });
  let socket;
  function connect() {
    if (socket) socket.disconnect();
    socket = io("/admin", { auth: { token: token() } });
    socket.on("connect_error", (e) => { $("error").textContent = e.message; });
    socket.onAny((event, data) => { if (event === "story:state") $("state").textContent = JSON.stringify(data, null, 2); });
  }
  connect();
})();
