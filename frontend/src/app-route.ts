/**
 * Where the app is, kept in the URL's hash so the gateway's single page serves every route and
 * reload, back and forward work: `#/` is a new chat, `#/chats/<id>` an open one.
 */
export type AppRoute = { kind: "new-chat" } | { kind: "chat"; chatId: string };

const chatPath = /^#\/chats\/([A-Za-z0-9_-]{1,64})\/?$/;

/**
 * The route a location hash names; anything unknown is the new-chat page.
 *
 * @example
 * parseRoute("#/chats/abc"); // { kind: "chat", chatId: "abc" }
 */
export function parseRoute(hash: string): AppRoute {
  const chatId = chatPath.exec(hash)?.[1];
  return chatId ? { kind: "chat", chatId } : { kind: "new-chat" };
}

/** The hash of a route, the inverse of `parseRoute`. */
export function routeHash(route: AppRoute): string {
  return route.kind === "chat" ? `#/chats/${encodeURIComponent(route.chatId)}` : "#/";
}
