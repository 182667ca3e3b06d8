import type { Chat, Message, Project, ProjectMessage } from "@chat/contracts";
import { codeBlockLines } from "./code-block-lines.ts";

/** A chat as the Go Chat compatible API shows it: a project named by the chat's title. */
export function toProject(chat: Chat): Project {
  return { id: chat.id, name: chat.title, createdAt: chat.createdAt, updatedAt: chat.lastActivityAt };
}

/** A message of a project, its code blocks by line. */
export function toProjectMessage(message: Message): ProjectMessage {
  return {
    id: message.id,
    role: message.role,
    content: message.content,
    codeBlocks: codeBlockLines(message.content, message.codeBlocks ?? []),
    createdAt: message.createdAt,
  };
}
