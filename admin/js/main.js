// Boot: every panel module, section navigation (with a highlight that follows scrolling), then sign-in.
// The order matters: bus handlers run in the order the modules added them (live.js updates the live
// model before the panels that read it hear the same socket event), as the old script tags did.
import { $, goTo } from "./dom.js";
import "./notify.js";
import { bus } from "./bus.js";
import "./api.js";
import { start } from "./auth.js";
import "./socket.js";
import "./charts.js";
import "./live.js";
import "./controls.js";
import "./tools.js";
import "./picture.js";
import "./newstory.js";
import "./settings.js";
import "./grade.js";
import "./voices.js";
import "./mediasettings.js";
import "./chat.js";
import "./chatsources.js";
import "./audience.js";
import "./audiencepanel.js";
import "./ideas.js";
import "./cast.js";
import "./overlaylink.js";
import "./rehearsal.js";
import "./memory.js";
import "./insights.js";
import "./history.js";
import "./exports.js";
import "./room.js";
import "./tasks.js";
import "./writerschat.js";
import { live } from "./livemodel.js";
import { lastSample } from "./voices.js";

const nav = $("nav");
const links = [...nav.querySelectorAll("a[data-section]")];

// In-page links scroll without touching location.hash (the address bar stays clean).
document.addEventListener("click", (e) => {
  const link = e.target.closest && e.target.closest("a[data-section]");
  if (!link) return;
  e.preventDefault();
  goTo(link.dataset.section);
  setActive(link.dataset.section);
});

function setActive(id) {
  if (!links.some((a) => a.dataset.section === id)) return;  // a link inside a section (Settings → Writer)
  for (const a of links) a.classList.toggle("active", a.dataset.section === id);
}

if (window.IntersectionObserver) {
  const visible = new Map();
  const observer = new IntersectionObserver((entries) => {
    for (const entry of entries) visible.set(entry.target.id, entry.isIntersecting ? entry.intersectionRatio : 0);
    // The top-most section that is on screen wins.
    const first = links.map((a) => a.dataset.section).find((id) => (visible.get(id) || 0) > 0);
    if (first) setActive(first);
  }, { rootMargin: "-64px 0px -55% 0px", threshold: [0, 0.01] });
  for (const a of links) {
    const section = document.getElementById(a.dataset.section);
    if (section) observer.observe(section);
  }
}
setActive("live");

// For the browser tests only (tests/test_admin_browser.py, through page.evaluate; the overlay has
// window.__overlay the same way): the last sample played, and the bus and the live model to replay a
// server event (story:image-failed) the test server cannot be made to send. The page never reads it.
window.__admin = Object.freeze({ bus, live: { model: live }, voices: { get lastSample() { return lastSample; } } });

start();
