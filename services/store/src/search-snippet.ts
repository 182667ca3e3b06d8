import { SEARCH_SNIPPET_CHARS } from "@chat/contracts";

const ellipsis = "…";

/**
 * The part of a message that a chat search shows: the text around the first occurrence of `query`,
 * whitespace runs collapsed to one space, at most SEARCH_SNIPPET_CHARS characters with an ellipsis
 * where it is cut. The occurrence is kept whole and roughly centred; one too long for that starts the
 * snippet. Without an occurrence the snippet is the start of the text.
 *
 * Case is ignored as by a JavaScript `i` pattern: for every ASCII letter, as both adapters do, and
 * for the simple case pairs of other letters too, so that a match MongoDB found by folding those
 * is shown as well.
 *
 * @example
 * searchSnippet("Boil the water,\n\nthen add the PASTA.", "pasta"); // "Boil the water, then add the PASTA."
 */
export function searchSnippet(content: string, query: string): string {
  const text = collapseWhitespace(content).trim();
  if (text.length <= SEARCH_SNIPPET_CHARS) return text;
  // Trimmed, the query still occurs in the trimmed text whenever it occurred in the content.
  const needle = collapseWhitespace(query).trim();
  const occurrence = needle === "" ? null : new RegExp(escapeRegExp(needle), "i").exec(text);
  let start = windowStart(text.length, occurrence?.index ?? 0, occurrence ? needle.length : 0);
  if (cutsCharacter(text, start)) start += 1;
  const prefix = start > 0 ? ellipsis : "";
  const room = SEARCH_SNIPPET_CHARS - prefix.length;
  if (text.length - start <= room) return prefix + text.slice(start).trimStart();
  let end = start + room - ellipsis.length;
  if (cutsCharacter(text, end)) end -= 1;
  return prefix + text.slice(start, end).trim() + ellipsis;
}

/**
 * Escapes every regular-expression metacharacter, so that the pattern matches `text` literally; the
 * result means the same to JavaScript and to MongoDB's PCRE.
 *
 * @example
 * new RegExp(escapeRegExp("1+1=2?"), "i"); // matches only "1+1=2?"
 */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function collapseWhitespace(text: string): string {
  return text.replace(/\s+/g, " ");
}

/** Where the snippet of a text too long to keep whole starts, so that the match sits about in the middle. */
function windowStart(textLength: number, matchStart: number, matchLength: number): number {
  const slack = SEARCH_SNIPPET_CHARS - 2 * ellipsis.length - matchLength;
  const centred = slack > 0 ? Math.max(matchStart - Math.floor(slack / 2), 0) : matchStart;
  // A window that would run past the end takes its room from before the match instead.
  return Math.min(centred, textLength - (SEARCH_SNIPPET_CHARS - ellipsis.length));
}

/** Whether cutting before `index` splits a surrogate pair (an emoji, say), leaving half a character. */
function cutsCharacter(text: string, index: number): boolean {
  const code = text.charCodeAt(index);
  return code >= 0xdc00 && code <= 0xdfff;
}
