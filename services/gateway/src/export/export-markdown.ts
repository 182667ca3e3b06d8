import type { ExportedChat, ExportedMessage } from "@chat/contracts";

/** The messages of the chat's active path, first question first. */
export function activePathOf(chat: ExportedChat): ExportedMessage[] {
  const byId = new Map(chat.messages.map((message) => [message.id, message]));
  const path: ExportedMessage[] = [];
  let current = chat.activeLeafId ? byId.get(chat.activeLeafId) : undefined;
  while (current && path.length <= chat.messages.length) {
    path.push(current);
    current = current.parentId ? byId.get(current.parentId) : undefined;
  }
  return path.reverse();
}

function speaker(message: ExportedMessage): string {
  if (message.role === "user") return "You";
  if (message.author) return message.author.name;
  return message.model ? `Assistant (${message.model})` : "Assistant";
}

/**
 * The chat as Markdown, for people: its title, instructions and the active path, each message
 * under who wrote it and when; the answers' own markdown kept as it is, the questions as text.
 * Other versions stay in the JSON export.
 */
export function chatAsMarkdown(chat: ExportedChat): string {
  const lines = [
    `# ${chat.title.replace(/\n/g, " ")}`,
    "",
    `Model: ${chat.model}${chat.temperature === undefined ? "" : ` · temperature ${chat.temperature}`} · started ${chat.createdAt}`,
    "",
  ];
  if (chat.systemPrompt)
    lines.push("Instructions:", "", ...chat.systemPrompt.split("\n").map((line) => `> ${line}`), "");
  for (const message of activePathOf(chat)) {
    lines.push(`## ${speaker(message)} · ${message.createdAt}`, "");
    lines.push(message.role === "user" ? fencedIfNeeded(message.content) : message.content, "");
    for (const attachment of message.attachments ?? [])
      lines.push(`- attached: ${attachment.name} (${attachment.mediaType})`);
    if (message.attachments?.length) lines.push("");
  }
  return `${lines.join("\n").trimEnd()}\n`;
}

/** A question as plain text: markdown in it stays literal, in a fence longer than any inside. */
function fencedIfNeeded(text: string): string {
  if (!/[`*_#>[\]<|~\\-]/.test(text)) return text;
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((match) => match[0].length));
  const fence = "`".repeat(longest + 1);
  return `${fence}text\n${text}\n${fence}`;
}
