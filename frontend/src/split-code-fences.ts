/** A run of message text: prose, or the inside of a fenced code block. */
export type MessageSegment =
  | { kind: "text"; text: string }
  | { kind: "code"; language: string; code: string; closed: boolean };

const openingFence = /^ {0,3}(`{3,}|~{3,})([^`]*)$/;
const closingFence = /^ {0,3}(`{3,}|~{3,})[ \t]*$/;

/**
 * Splits message text into prose and fenced code blocks (``` or ~~~), line by line. A fence
 * still open at the end (a streaming answer) yields a code block with `closed: false`.
 * The result is plain strings; callers render them as text, never as HTML.
 *
 * @example
 * splitCodeFences("Try:\n```js\nrun()\n```\n")
 * // [{ kind: "text", text: "Try:" }, { kind: "code", language: "js", code: "run()", closed: true }]
 */
export function splitCodeFences(content: string): MessageSegment[] {
  const segments: MessageSegment[] = [];
  const lines = content.split("\n");
  let prose: string[] = [];
  let code: string[] = [];
  let fence: { marker: string; language: string } | undefined;

  const flushProse = () => {
    const text = prose.join("\n").replace(/^\n+|\n+$/g, "");
    if (text.trim().length > 0) segments.push({ kind: "text", text });
    prose = [];
  };

  for (const line of lines) {
    if (fence === undefined) {
      const opening = openingFence.exec(line);
      if (opening?.[1]) {
        flushProse();
        fence = { marker: opening[1], language: (opening[2] ?? "").trim().split(/\s+/)[0] ?? "" };
        code = [];
      } else {
        prose.push(line);
      }
      continue;
    }
    const closing = closingFence.exec(line);
    const marker = closing?.[1];
    if (marker && marker[0] === fence.marker[0] && marker.length >= fence.marker.length) {
      segments.push({ kind: "code", language: fence.language, code: code.join("\n"), closed: true });
      fence = undefined;
    } else {
      code.push(line);
    }
  }

  if (fence !== undefined) {
    segments.push({ kind: "code", language: fence.language, code: code.join("\n"), closed: false });
  } else {
    flushProse();
  }
  return segments;
}
