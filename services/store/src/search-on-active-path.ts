import type { ChatSearchHit, Message } from "@chat/contracts";
import type { Page } from "./chat-repository.ts";
import type { SearchMatcher } from "./search-matcher.ts";
import { searchSnippet } from "./search-snippet.ts";

/**
 * Narrows a page of search hits to the chats' active paths: a hit on a message of another branch
 * becomes the newest message of the active path that `matcher` matches, and leaves the page when
 * none does (a hit on the title stays). The page may then hold fewer hits than asked for; its
 * cursor stays, so the next page follows on.
 *
 * @example
 * await hitsOnActivePath(page, searchMatcher("pasta", false), (chatId) => pathOf(chatId));
 */
export async function hitsOnActivePath(
  page: Page<ChatSearchHit>,
  matcher: SearchMatcher,
  activePathOf: (chatId: string) => Promise<Message[]>,
): Promise<Page<ChatSearchHit>> {
  const items: ChatSearchHit[] = [];
  for (const hit of page.items) {
    const { match } = hit;
    if (match.in === "title") {
      items.push(hit);
      continue;
    }
    const path = await activePathOf(hit.chat.id);
    if (path.some((message) => message.id === match.messageId)) {
      items.push(hit);
      continue;
    }
    const found = path.findLast((message) => matcher.matches(message.content));
    if (!found) continue;
    items.push({
      chat: hit.chat,
      match: {
        in: "message",
        messageId: found.id,
        role: found.role,
        createdAt: found.createdAt,
        snippet: searchSnippet(found.content, matcher.needle),
      },
    });
  }
  return { items, nextCursor: page.nextCursor };
}
