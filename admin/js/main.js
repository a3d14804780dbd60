// Boot: section navigation (with a highlight that follows scrolling), then sign-in.
"use strict";
(() => {
  const A = window.Admin;
  const nav = A.$("nav");
  const links = [...nav.querySelectorAll("a[data-section]")];

  // In-page links scroll without touching location.hash (the address bar stays clean).
  document.addEventListener("click", (e) => {
    const link = e.target.closest && e.target.closest("a[data-section]");
    if (!link) return;
    e.preventDefault();
    A.goTo(link.dataset.section);
    setActive(link.dataset.section);
  });

  function setActive(id) {
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

  A.auth.start();
})();
