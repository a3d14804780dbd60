// The chapter prose in three modes. The text is always one plain Text node (never HTML), so
// nothing scrolled out of view is an element that could poke outside the canvas.
//   full      the whole chapter; grows, then shrinks the font a little, then keeps the newest lines visible
//   sentence  only the current sentence (the one being written, or the last one), large
//   scroll    a teleprompter: the whole chapter, scrolled smoothly as it grows

const MIN_FIT = { full: 0.76, scroll: 1, sentence: 0.55 };
const SENTENCE_END = /[.!?…。！？]+["'”’»)\]]*\s+|\n+/g;

/** The sentence being written, or the last finished one; a new sentence shows once it has a few words. */
export function currentSentence(text, streaming) {
  const t = String(text || "").replace(/\s+$/, "");
  if (!t) return "";
  const ends = [0];
  SENTENCE_END.lastIndex = 0;
  for (let m = SENTENCE_END.exec(t); m; m = SENTENCE_END.exec(t)) {
    const end = m.index + m[0].length;
    if (end < t.length) ends.push(end);
  }
  let start = ends[ends.length - 1];
  const tail = t.slice(start).trim();
  if (streaming && ends.length > 1 && tail.split(/\s+/).length < 3) {
    start = ends[ends.length - 2];
    return t.slice(start, ends[ends.length - 1]).trim();
  }
  return tail;
}

export function createTextView(el, mode) {
  const node = document.createTextNode("");
  el.replaceChildren(node);
  let key = null; // which chapter (or sentence) is on screen
  let fit = 1;
  let pos = 0; // teleprompter position (float; scrollTop rounds)
  let animating = false;
  let lastFrame = 0;

  function setFit(value) {
    fit = value;
    el.style.setProperty("--fit", String(Math.round(value * 1000) / 1000));
  }

  function shrinkToFit() {
    const min = MIN_FIT[mode] ?? 1;
    let guard = 12;
    while (guard-- > 0 && fit > min && el.scrollHeight > el.clientHeight + 1) setFit(Math.max(min, fit - 0.04));
  }

  function markOverflow() {
    el.classList.toggle("overflowing", el.scrollTop > 2);
  }

  function step(time) {
    const target = Math.max(0, el.scrollHeight - el.clientHeight);
    const dt = Math.min(0.1, Math.max(0.001, (time - lastFrame) / 1000 || 0.016));
    lastFrame = time;
    if (pos > target) pos = target;
    const gap = target - pos;
    // glide toward the newest line: faster when far behind, but never a jump
    const speed = Math.min(420, Math.max(36, gap * 2.2)); // px per second
    pos += Math.min(gap, speed * dt);
    el.scrollTop = pos;
    markOverflow();
    if (target - pos > 0.5) requestAnimationFrame(step);
    else {
      pos = target;
      el.scrollTop = pos;
      animating = false;
    }
  }

  function follow() {
    if (mode === "scroll") {
      if (!animating) {
        animating = true;
        lastFrame = performance.now();
        requestAnimationFrame(step);
      }
      return;
    }
    el.scrollTop = el.scrollHeight;
    markOverflow();
  }

  function setData(text) {
    if (node.data === text) return false;
    if (text.startsWith(node.data) && node.data) node.appendData(text.slice(node.data.length));
    else node.data = text;
    return true;
  }

  return {
    /** Show a chapter's text so far; chapterKey changes mean a new chapter (reset size and scroll). */
    show(chapterKey, content, streaming) {
      const text = String(content || "");
      el.classList.toggle("streaming", Boolean(streaming) && mode !== "sentence");
      if (mode === "sentence") {
        const sentence = currentSentence(text, streaming);
        const prev = node.data;
        const same = chapterKey === key && prev !== "" && sentence.startsWith(prev.slice(0, 24));
        key = chapterKey;
        if (!setData(sentence)) return;
        if (!same) {
          setFit(1);
          el.classList.remove("fresh");
          void el.offsetWidth; // restart the fade-in
          el.classList.add("fresh");
        }
        shrinkToFit();
        return;
      }
      if (chapterKey !== key) {
        key = chapterKey;
        setFit(1);
        pos = 0;
        node.data = "";
        el.scrollTop = 0;
      }
      if (!setData(text)) return;
      if (mode === "full") shrinkToFit();
      follow();
    },
    /** After a layout change (screen, image, resize): fit and follow again. */
    relayout() {
      shrinkToFit();
      if (mode !== "sentence") follow();
    },
    clear() {
      key = null;
      node.data = "";
      setFit(1);
      el.classList.remove("streaming", "overflowing");
    },
  };
}
