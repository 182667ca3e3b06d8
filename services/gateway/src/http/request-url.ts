import { AppError } from "@chat/contracts";
import { Elysia } from "elysia";
import { errorBodyFor } from "./error-renderer.ts";

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

/**
 * Refuses a request without one well-formed Host header (missing, empty, two of them, `a^b`, a
 * port past 65535) with 400 VALIDATION_FAILED before anything else reads it: its URL cannot be
 * built, and nothing after this has to cope with that.
 *
 * @example
 * app.use(securityHeaders(options)).use(hostValidation());
 */
export function hostValidation() {
  return new Elysia({ name: "host-validation" }).onRequest(({ request, set }) => {
    if (hasValidHost(request)) return;
    set.status = 400;
    const refusal = new AppError("VALIDATION_FAILED", "The request is invalid", {
      details: [
        { path: "/headers/host", message: "must be one host name or address, with an optional port" },
      ],
    });
    return errorBodyFor(request, 400, refusal.toBody());
  });
}
