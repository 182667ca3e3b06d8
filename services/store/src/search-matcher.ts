import { wordsOf } from "./encryption/field-cipher.ts";
import { escapeRegExp } from "./search-snippet.ts";

/**
 * How a chat search matches decrypted text, as its adapter's query did: `needle` is what the
 * snippet centres on.
 */
export type SearchMatcher = { matches(text: string): boolean; needle: string };

/**
 * The matcher of a search: with encryption off, text containing the query (ASCII case ignored);
 * with it on, text holding every word of the query as a whole word, as the blind index finds.
 *
 * @example
 * searchMatcher("pasta night", true).matches("Night of pasta"); // true
 */
export function searchMatcher(query: string, byWords: boolean): SearchMatcher {
  if (!byWords) {
    const pattern = new RegExp(escapeRegExp(query), "i");
    return { matches: (text) => pattern.test(text), needle: query };
  }
  const wanted = [...new Set(wordsOf(query))];
  return {
    matches(text) {
      const words = new Set(wordsOf(text));
      return wanted.length > 0 && wanted.every((word) => words.has(word));
    },
    needle: wanted[0] ?? query,
  };
}
