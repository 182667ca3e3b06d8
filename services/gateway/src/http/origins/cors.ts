import { Elysia } from "elysia";

/** Request headers a listed origin may send. */
export const corsAllowedHeaders = "authorization, content-type, last-event-id, x-request-id";
export const corsAllowedMethods = "GET, POST, PATCH, DELETE";
/** Response headers a listed origin's script may read besides the CORS-safelisted ones. */
export const corsExposedHeaders = "x-request-id, retry-after";
/** How long a browser may reuse a preflight's answer. */
export const corsMaxAgeSeconds = 600;

/**
 * Origins allowed besides the gateway's own: `CORS_ORIGINS`, comma-separated, each normalised
 * to its serialised origin (`https://App.Example.com:443/` is `https://app.example.com`).
 *
 * @example
 * allowedOriginsFrom("https://app.example.com, http://localhost:5173");
 */
export function allowedOriginsFrom(list: string): Set<string> {
  const origins = new Set<string>();
  for (const entry of list.split(",")) {
    const trimmed = entry.trim();
    if (!trimmed) continue;
    let origin: string;
    try {
      origin = new URL(trimmed).origin;
    } catch {
      throw new Error(`CORS_ORIGINS: "${trimmed}" is not an origin such as https://app.example.com`);
    }
    // Only http(s) URLs have a tuple origin; `new URL("foo:bar").origin` is the string "null".
    if (origin === "null") {
      throw new Error(`CORS_ORIGINS: "${trimmed}" is not an origin such as https://app.example.com`);
    }
    origins.add(origin);
  }
  return origins;
}

/**
 * CORS for the origins in `allowedOrigins` only. A preflight (`OPTIONS` with
 * `Access-Control-Request-Method`) is answered 204 here, with the allowed methods, headers and
 * max-age when its Origin is listed and with no CORS header otherwise, so the browser blocks the
 * request. Other requests from a listed origin get `Access-Control-Allow-Origin: <origin>` and
 * `Access-Control-Allow-Credentials: true`; from any other origin, nothing. Same-origin requests
 * need no CORS and are left as they are. `Vary: Origin` is on every response once any origin is
 * listed, since the answer then depends on it.
 *
 * @example
 * app.use(cors({ allowedOrigins: allowedOriginsFrom(settings.CORS_ORIGINS ?? "") }));
 */
export function cors(options: { allowedOrigins: Set<string> }) {
  const { allowedOrigins } = options;
  return new Elysia({ name: "cors" }).onRequest(({ request, set }) => {
    if (allowedOrigins.size > 0) set.headers.vary = "Origin";
    const origin = request.headers.get("origin");
    const allowed = origin !== null && allowedOrigins.has(origin);
    const preflight = request.method === "OPTIONS" && request.headers.has("access-control-request-method");
    if (allowed) {
      set.headers["access-control-allow-origin"] = origin;
      set.headers["access-control-allow-credentials"] = "true";
    }
    if (!preflight) {
      if (allowed) set.headers["access-control-expose-headers"] = corsExposedHeaders;
      return;
    }
    if (allowed) {
      set.headers["access-control-allow-methods"] = corsAllowedMethods;
      set.headers["access-control-allow-headers"] = corsAllowedHeaders;
      set.headers["access-control-max-age"] = String(corsMaxAgeSeconds);
    }
    return new Response(null, { status: 204 });
  });
}
