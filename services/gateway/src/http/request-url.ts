/** One host name or address (IPv6 in brackets) and an optional port: what a Host header may hold. */
const hostAuthority = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(?::\d{1,5})?$/;

/**
 * The request's URL, or null when there is none: Bun builds `request.url` from the Host header,
 * and with a malformed or missing Host it holds only the path (`/healthz`), which `new URL` throws on.
 *
 * @example
 * requestUrl(request)?.protocol === "https:";
 */
export function requestUrl(request: Request): URL | null {
  return URL.parse(request.url);
}

/**
 * The request's path, whatever its Host header: the one way the gateway reads a path, so no
 * request can make reading it throw.
 *
 * @example
 * requestPath(request); // "/api/chats"
 */
export function requestPath(request: Request): string {
  return (requestUrl(request) ?? URL.parse(request.url, "http://host.invalid"))?.pathname ?? "/";
}

/**
 * Whether the request has a URL and at most one well-formed Host header. From a socket, a missing
 * Host leaves no URL; a Request built in code (`app.handle`) has its URL and may have no Host.
 */
export function hasValidHost(request: Request): boolean {
  const host = request.headers.get("host");
  return requestUrl(request) !== null && (host === null || hostAuthority.test(host));
}
