import { Elysia } from "elysia";
import { requestOrigin } from "./request-context.ts";
import { requestPath } from "./request-url.ts";

/**
 * The policy of every response but the Swagger UI page. Scripts and styles only from the
 * gateway's own files (no inline script or style: the Lit build needs neither, its styles are
 * constructed stylesheets), images only from itself and data URLs, so a model's answer cannot
 * leak data through a remote image; `blob:` images and media only for what the page made itself
 * (the thumbnail of a file being uploaded, speech read aloud; a blob URL is of this origin only),
 * no plugins, no `<base>`, no framing, forms only to itself.
 * It is on JSON and error bodies too: one rendered as HTML runs nothing.
 */
export const strictContentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join("; ");

export const strictTransportSecurity = "max-age=31536000; includeSubDomains";

/** Paths whose responses are per-user data, never to be kept by a browser or a proxy. */
export function isApiPath(path: string): boolean {
  return path === "/api" || path.startsWith("/api/") || path === "/v1" || path.startsWith("/v1/");
}

/**
 * Security headers on every response, errors and early refusals included: `nosniff`, no
 * referrer, no framing (`X-Frame-Options` for old browsers, `frame-ancestors` for the rest),
 * `strictContentSecurityPolicy` (a route may answer its own, as the Swagger UI page does),
 * `Cache-Control: no-store` under /api and /v1, and HSTS when the request came over TLS, as
 * `requestOrigin` sees it (X-Forwarded-Proto counts only with `trustProxy`).
 *
 * @example
 * app.use(securityHeaders({ trustProxy: settings.TRUST_PROXY }));
 */
export function securityHeaders(options: { trustProxy: boolean }) {
  return new Elysia({ name: "security-headers" }).onRequest(({ request, set }) => {
    const headers = set.headers;
    headers["x-content-type-options"] = "nosniff";
    headers["referrer-policy"] = "no-referrer";
    headers["x-frame-options"] = "DENY";
    headers["content-security-policy"] = strictContentSecurityPolicy;
    if (isApiPath(requestPath(request))) headers["cache-control"] = "no-store";
    if (requestOrigin(request, undefined, options.trustProxy).overTls) {
      headers["strict-transport-security"] = strictTransportSecurity;
    }
  });
}
