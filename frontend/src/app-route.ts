/**
 * Where the app is, kept in the URL's path so reload, back and forward work and a chat's link
 * can be opened in a new tab: `/` is a new chat, `/chats/<id>` an open one. The gateway serves
 * the page at both.
 */
export type AppRoute = { kind: "new-chat" } | { kind: "chat"; chatId: string };

const chatPath = /^\/chats\/([A-Za-z0-9_-]{1,64})$/;
const legacyChatHash = /^#\/chats\/([A-Za-z0-9_-]{1,64})\/?$/;

/**
 * The route a location's path names; anything unknown is the new-chat page.
 *
 * @example
 * parseRoute("/chats/abc"); // { kind: "chat", chatId: "abc" }
 */
export function parseRoute(path: string): AppRoute {
  const chatId = chatPath.exec(path)?.[1];
  return chatId ? { kind: "chat", chatId } : { kind: "new-chat" };
}

/** The path of a route, the inverse of `parseRoute`. */
export function routePath(route: AppRoute): string {
  return route.kind === "chat" ? `/chats/${encodeURIComponent(route.chatId)}` : "/";
}

/**
 * The route a hash from before routes were paths names (`#/`, `#/chats/<id>`; anything else
 * under `#/` was the new-chat page), or undefined when the hash is not one.
 *
 * @example
 * routeOfLegacyHash("#/chats/abc"); // { kind: "chat", chatId: "abc" }
 * routeOfLegacyHash("#message"); // undefined
 */
export function routeOfLegacyHash(hash: string): AppRoute | undefined {
  if (!hash.startsWith("#/")) return undefined;
  const chatId = legacyChatHash.exec(hash)?.[1];
  return chatId ? { kind: "chat", chatId } : { kind: "new-chat" };
}
