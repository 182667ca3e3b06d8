import type { Chat, Message, Project, ProjectMessage, ProjectSummary } from "@chat/contracts";
import { codeBlockLines } from "./code-block-lines.ts";

/** A chat as the Go Chat compatible API shows it: a project titled by the chat's title. */
export function toProject(chat: Chat): Project {
  return { id: chat.id, title: chat.title, createdAt: chat.createdAt, updatedAt: chat.lastActivityAt };
}

/** A chat of the user's list, as a project of `GET /api/projects`. */
export function toProjectSummary(chat: Chat): ProjectSummary {
  return { ...toProject(chat), messageCount: chat.messageCount ?? 0 };
}

/** A message of a project; an answer's code blocks by line. */
export function toProjectMessage(message: Message): ProjectMessage {
  return {
    id: message.id,
    role: message.role,
    content: message.content,
    ...(message.role === "assistant" && {
      codeBlocks: codeBlockLines(message.content, message.codeBlocks ?? []).map(
        ({ language, code, startLine, endLine }) => ({ language, code, startLine, endLine }),
      ),
    }),
    createdAt: message.createdAt,
  };
}
