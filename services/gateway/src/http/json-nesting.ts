const openBrace = 0x7b;
const closeBrace = 0x7d;
const openBracket = 0x5b;
const closeBracket = 0x5d;
const quote = 0x22;
const backslash = 0x5c;

/** The deepest nesting of objects and arrays that a JSON body may have: far past any real request. */
export const maxJsonNestingDepth = 64;

/**
 * Whether JSON text nests objects and arrays deeper than `maxDepth`, found by one pass over the
 * raw bytes (brackets inside strings do not count) without parsing: a body a thousand levels deep
 * is refused before a parser, a validator or an error message ever walks it. Text that is not
 * valid JSON is answered as the parser sees it; this only measures depth.
 *
 * @example
 * nestsDeeperThan('{"a":[[1]]}', 2); // true
 */
export function nestsDeeperThan(json: string | Uint8Array, maxDepth: number = maxJsonNestingDepth): boolean {
  const bytes = typeof json === "string" ? new TextEncoder().encode(json) : json;
  let depth = 0;
  let inString = false;
  for (let index = 0; index < bytes.length; index++) {
    const byte = bytes[index];
    if (inString) {
      if (byte === backslash) index++;
      else if (byte === quote) inString = false;
    } else if (byte === quote) {
      inString = true;
    } else if (byte === openBrace || byte === openBracket) {
      if (++depth > maxDepth) return true;
    } else if (byte === closeBrace || byte === closeBracket) {
      depth--;
    }
  }
  return false;
}
