const longestTitle = 60;

/** A model's answer to "title this chat", made fit for the sidebar: one line, no quotes or markup. */
export function cleanTitle(text: string): string {
  const firstLine = text.trim().split("\n")[0] ?? "";
  const plain = firstLine
    .replace(/^(title|titel)\s*:\s*/i, "")
    .replace(/[*_`#>]/g, "")
    .replace(/^["'“”‘’«»]+|["'“”‘’«»]+$/g, "")
    .replace(/\s+/g, " ")
    .trim()
    .replace(/[.!?:;,]+$/, "");
  if (plain.length <= longestTitle) return plain;
  const cut = plain.slice(0, longestTitle - 1);
  const lastSpace = cut.lastIndexOf(" ");
  return `${(lastSpace > 20 ? cut.slice(0, lastSpace) : cut).trimEnd()}…`;
}

/** A title made from the question itself, when no model can write one (the demo model, a failure). */
export function titleFromQuestion(question: string): string {
  const words = question.replace(/\s+/g, " ").trim().split(" ").slice(0, 8).join(" ");
  return cleanTitle(words) || "Chat";
}

/** The instruction that asks a model for a title. */
export const titleInstruction =
  "You write titles for chat conversations. Answer with a title of 3 to 6 words that says what the " +
  "conversation is about, in the language of the question. Answer with the title only: no quotes, no " +
  "punctuation at the end.";
