// Tiny DOM helpers. Text always goes in through textContent / text nodes, never as HTML.

export const $ = (id) => document.getElementById(id);

/** A new element with a class and (plain) text. */
export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

/** Set an element's text only when it changed (keeps CSS transitions and selection stable). */
export function setText(node, text) {
  if (!node) return;
  const value = text === undefined || text === null ? "" : String(text);
  if (node.textContent !== value) node.textContent = value;
}

/** Vote letter for a choice index: 0 -> "a". */
export const letter = (i) => String.fromCharCode(97 + (Number(i) || 0));

/** "!a, !b or !c" for n choices. */
export function commandList(n) {
  const cmds = Array.from({ length: Math.max(0, Math.min(n, 26)) }, (_, i) => `!${letter(i)}`);
  if (cmds.length <= 1) return cmds.join("");
  return `${cmds.slice(0, -1).join(", ")} or ${cmds[cmds.length - 1]}`;
}

/** "1 vote" / "3 votes": the word for a count (n itself is not included). */
export const plural = (n, one, many) => (Number(n) === 1 ? one : many);
