// The chapter prose in three modes. The text is only ever plain Text nodes (never HTML): in full and
// scroll modes three inline spans (before / the line being narrated / after), all clipped by the
// text box, so nothing scrolled out of view can poke outside the canvas.
//   full      the whole chapter; grows, then shrinks the font a little, then keeps the newest lines
//             visible; while narrated, the spoken line is kept in view and the rest slightly dimmed
//   sentence  only the current sentence (the one being written, or the last one), large; once the
//             chapter is narrated, the line being spoken
//   scroll    a teleprompter: the whole chapter, scrolled smoothly as it grows; while narrated, the
//             spoken line rides on a reading line a third of the way down

const MIN_FIT = { full: 0.76, scroll: 1, sentence: 0.55 };
const SENTENCE_END = /[.!?…。！？]+["'”’»)\]]*\s+|\n+/g;
const READING_LINE = 0.3; // scroll mode: where the spoken line sits (fraction of the box height)

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

const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Where a narrated line sits in the chapter text: [start, end) or null. Lines are exact substrings,
 * in order, so search from where the last one ended first; then anywhere; then with any whitespace.
 */
export function locate(text, line, from = 0) {
  const needle = String(line || "").trim();
  if (!needle || !text) return null;
  let at = text.indexOf(needle, Math.min(from, text.length));
  if (at < 0) at = text.indexOf(needle);
  if (at >= 0) return [at, at + needle.length];
  const words = needle.split(/\s+/).filter(Boolean);
  if (!words.length || words.length > 400) return null;
  const re = new RegExp(words.map(escapeRe).join("\\s+"), "g");
  re.lastIndex = Math.min(from, text.length);
  let m = re.exec(text);
  if (!m) {
    re.lastIndex = 0;
    m = re.exec(text);
  }
  return m ? [m.index, m.index + m[0].length] : null;
}

export function createTextView(el, mode) {
  const sentence = mode === "sentence";
  const before = document.createTextNode("");
  const spokenText = document.createTextNode("");
  const afterText = document.createTextNode("");
  const head = document.createElement("span");
  const spoken = document.createElement("span");
  const tail = document.createElement("span");
  head.className = "rest";
  spoken.className = "spoken";
  tail.className = "rest";
  head.append(before);
  spoken.append(spokenText);
  tail.append(afterText);
  if (sentence) el.replaceChildren(before);
  else el.replaceChildren(head, spoken, tail);

  let key = null; // which chapter (or sentence) is on screen
  let fit = 1;
  let pos = 0; // glide position (float; scrollTop rounds)
  let animating = false;
  let lastFrame = 0;
  let full = ""; // the chapter text (full / scroll)
  let range = null; // [start, end) of the spoken line, while narrated
  let spokenLine = null; // the line text that range was found for
  let cursor = 0; // where the last found line ended

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

  /** Where the text should be scrolled to now. */
  function target() {
    const max = Math.max(0, el.scrollHeight - el.clientHeight);
    if (!range || !spokenText.data) return max; // follow the newest line
    const top = spoken.offsetTop; // #chapter-text is the offset parent (position: relative)
    const height = spoken.offsetHeight;
    const box = el.clientHeight;
    const lead = Math.min(box * 0.3, parseFloat(getComputedStyle(el).fontSize) * 2.6 || 0);
    let want;
    if (mode === "scroll") want = top - box * READING_LINE;
    else if (top >= pos + lead - 1 && top + height <= pos + box + 1) want = pos; // in view: stay put
    else want = height > box - lead ? top - lead / 2 : top - lead;
    return Math.min(max, Math.max(0, want));
  }

  function step(time) {
    const dt = Math.min(0.1, Math.max(0.001, (time - lastFrame) / 1000 || 0.016));
    lastFrame = time;
    const goal = target();
    const gap = goal - pos;
    // glide toward the goal: faster when far off, but never a jump
    const speed = Math.min(mode === "scroll" ? 420 : 700, Math.max(36, Math.abs(gap) * 2.2)); // px per second
    pos += Math.sign(gap) * Math.min(Math.abs(gap), speed * dt);
    el.scrollTop = pos;
    markOverflow();
    if (Math.abs(goal - pos) > 0.5) requestAnimationFrame(step);
    else {
      pos = goal;
      el.scrollTop = pos;
      animating = false;
    }
  }

  function follow() {
    if (mode === "scroll" || (mode === "full" && range)) {
      if (!animating) {
        animating = true;
        pos = el.scrollTop;
        lastFrame = performance.now();
        requestAnimationFrame(step);
      }
      return;
    }
    el.scrollTop = el.scrollHeight;
    pos = el.scrollTop;
    markOverflow();
  }

  function setNode(node, text) {
    if (node.data === text) return false;
    if (text.startsWith(node.data) && node.data) node.appendData(text.slice(node.data.length));
    else node.data = text;
    return true;
  }

  /** Lay the chapter text out around the spoken range; true when anything changed. */
  function render() {
    const [a, b] = range || [full.length, full.length];
    const c1 = setNode(before, full.slice(0, a));
    const c2 = setNode(spokenText, full.slice(a, b));
    const c3 = setNode(afterText, full.slice(b));
    return c1 || c2 || c3;
  }

  function showSentence(chapterKey, text, streaming, line) {
    const shown = line && line.text.trim() ? line.text.trim() : currentSentence(text, streaming);
    const prev = before.data;
    const same = chapterKey === key && prev !== "" && shown.startsWith(prev.slice(0, 24));
    key = chapterKey;
    if (!setNode(before, shown)) return;
    if (!same) {
      setFit(1);
      el.classList.remove("fresh");
      void el.offsetWidth; // restart the fade-in
      el.classList.add("fresh");
    }
    shrinkToFit();
  }

  return {
    /**
     * Show a chapter's text so far; chapterKey changes mean a new chapter (reset size and scroll).
     * line: the narrated line to follow ({text, active}) or null.
     */
    show(chapterKey, content, streaming, line = null) {
      const text = String(content || "");
      el.classList.toggle("streaming", Boolean(streaming) && !sentence);
      if (sentence) {
        showSentence(chapterKey, text, streaming, line);
        return;
      }
      if (chapterKey !== key) {
        key = chapterKey;
        setFit(1);
        pos = 0;
        full = "";
        range = null;
        spokenLine = null;
        cursor = 0;
        before.data = spokenText.data = afterText.data = "";
        el.scrollTop = 0;
      }
      const follows = Boolean(line && line.active && line.text);
      const textChanged = text !== full;
      full = text;
      if (!follows) range = null;
      else if (textChanged || line.text !== spokenLine || !range) {
        const found = locate(full, line.text, line.text === spokenLine && range ? range[0] : cursor);
        range = found;
        spokenLine = line.text;
        if (found) cursor = found[1];
      }
      el.classList.toggle("narrating", Boolean(range));
      if (!render()) return;
      if (mode === "full") shrinkToFit();
      follow();
    },
    /** After a layout change (screen, image, resize): fit and follow again. */
    relayout() {
      shrinkToFit();
      if (!sentence) follow();
    },
    clear() {
      key = null;
      full = "";
      range = null;
      before.data = spokenText.data = afterText.data = "";
      setFit(1);
      el.classList.remove("streaming", "overflowing", "narrating");
    },
  };
}
