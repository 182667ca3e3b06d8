import { splitAtMatches } from "./split-at-matches.ts";

/**
 * Wraps every occurrence of `query` in the text under `root` in a `<mark>` (matched as the search
 * matches: case and runs of whitespace ignored), leaving the elements as they are. Answers its
 * first mark, to scroll to.
 */
export function markMatches(root: Element, query: string): HTMLElement | null {
  const walker = root.ownerDocument.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const texts: Text[] = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!(node.parentElement?.closest("mark") ?? null)) texts.push(node as Text);
  }
  let first: HTMLElement | null = null;
  for (const text of texts) {
    const parts = splitAtMatches(text.data, query);
    if (!parts.some((part) => part.matched)) continue;
    const fragment = root.ownerDocument.createDocumentFragment();
    for (const part of parts) {
      if (!part.matched) {
        fragment.append(part.text);
        continue;
      }
      const mark = root.ownerDocument.createElement("mark");
      mark.textContent = part.text;
      first ??= mark;
      fragment.append(mark);
    }
    text.replaceWith(fragment);
  }
  return first;
}
