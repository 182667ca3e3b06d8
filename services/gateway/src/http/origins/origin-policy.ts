import { AppError } from "@chat/contracts";
import { Elysia } from "elysia";
import { errorBodyFor } from "../error-renderer.ts";
import { requestOrigin } from "../request-context.ts";
import { requestPath } from "../request-url.ts";

/** Which pages may make a browser send its cookies to the gateway. */
export type OriginPolicySettings = {
  /** CORS_ORIGINS: origins allowed besides the gateway's own (see `allowedOriginsFrom`). */
  allowedOrigins: Set<string>;
  /** TRUST_PROXY: the scheme and host the browser used come from X-Forwarded-Proto / -Host. */
  trustProxy: boolean;
  /** COOKIE_SECURE: the gateway is served over https even when the request reached it over http. */
  cookieSecure: boolean;
  /**
   * POST paths that take `multipart/form-data` (uploads). A form can be sent from another site
   * without a preflight, but one with cookies still needs an allowed page and one without has no
   * credentials, so the rule above still holds for them.
   */
  multipartPaths?: ReadonlySet<string>;
};

const stateChangingMethods = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * The origins a page of the gateway itself has: the host the browser sent the request to
 * (`X-Forwarded-Host` behind a trusted proxy, else `Host`; a browser cannot forge either) with the
 * scheme it came over, and `https` too when COOKIE_SECURE says TLS ends in front of the gateway.
 */
export function ownOrigins(request: Request, settings: OriginPolicySettings): Set<string> {
  const forwardedHost = settings.trustProxy
    ? request.headers.get("x-forwarded-host")?.split(",")[0]?.trim()
    : undefined;
  const host = forwardedHost || request.headers.get("host");
  if (!host) return new Set();
  const { overTls } = requestOrigin(request, undefined, settings.trustProxy);
  const schemes = new Set([overTls ? "https" : "http", ...(settings.cookieSecure ? ["https"] : [])]);
  const origins = new Set<string>();
  for (const scheme of schemes) {
    try {
      origins.add(new URL(`${scheme}://${host}`).origin);
    } catch {
      // A Host that is no host: no page has that origin.
    }
  }
  return origins;
}

/**
 * Whether the page that made this request may act with the browser's credentials: the browser
 * says it is the gateway's own (`Sec-Fetch-Site: same-origin`), or its `Origin` is the gateway's
 * own or listed in CORS_ORIGINS. A request with neither header does not come from a browser page
 * (browsers send `Origin` on every POST, PUT, PATCH, DELETE and WebSocket upgrade): it is let
 * through unless `originRequired`, which a request carrying cookies is.
 *
 * @example
 * isAllowedInitiator(request, settings, { originRequired: request.headers.has("cookie") });
 */
export function isAllowedInitiator(
  request: Request,
  settings: OriginPolicySettings,
  options: { originRequired: boolean },
): boolean {
  const fetchSite = request.headers.get("sec-fetch-site");
  if (fetchSite === "same-origin") return true;
  const origin = request.headers.get("origin");
  if (origin === null) return !options.originRequired && fetchSite === null;
  return settings.allowedOrigins.has(origin) || ownOrigins(request, settings).has(origin);
}

/** A media type of `application/json`, parameters such as `charset` aside. */
function isJsonMediaType(contentType: string): boolean {
  return contentType.split(";")[0]?.trim().toLowerCase() === "application/json";
}

function isMultipartMediaType(contentType: string): boolean {
  return contentType.split(";")[0]?.trim().toLowerCase() === "multipart/form-data";
}

function hasBody(request: Request): boolean {
  return Number(request.headers.get("content-length") ?? 0) > 0 || request.headers.has("transfer-encoding");
}

/**
 * Why a state-changing request (POST, PUT, PATCH, DELETE) is refused, or null to let it through.
 * One that carries cookies, and any to `/api/auth/` (so another site cannot sign the browser in
 * as someone else, or out), must come from an allowed page (`isAllowedInitiator`): else 403
 * FORBIDDEN_ORIGIN. Requests signed by `Authorization` alone are left to it: a browser sends that
 * header only after a CORS preflight, which only CORS_ORIGINS pass. Every body must be
 * `application/json`, else 415 UNSUPPORTED_MEDIA_TYPE: a form or text body is what another page
 * can send without a preflight.
 */
export function crossSiteRefusal(request: Request, settings: OriginPolicySettings): AppError | null {
  if (!stateChangingMethods.has(request.method)) return null;
  const withCookies = request.headers.has("cookie");
  const signIn = requestPath(request).startsWith("/api/auth/");
  if ((withCookies || signIn) && !isAllowedInitiator(request, settings, { originRequired: withCookies })) {
    return new AppError(
      "FORBIDDEN_ORIGIN",
      "Requests with the browser's credentials are taken only from the gateway's own pages and CORS_ORIGINS",
      { retryable: false },
    );
  }
  const contentType = request.headers.get("content-type");
  const multipartAllowed =
    request.method === "POST" && (settings.multipartPaths?.has(requestPath(request)) ?? false);
  const accepted = (type: string) =>
    isJsonMediaType(type) || (multipartAllowed && isMultipartMediaType(type));
  if (contentType === null ? hasBody(request) : !accepted(contentType)) {
    return new AppError("UNSUPPORTED_MEDIA_TYPE", "Send the body as application/json", { retryable: false });
  }
  return null;
}

/**
 * Refuses cross-site request forgery before routing (see `crossSiteRefusal`), with the typed
 * error body (OpenAI's under `/v1`). The WebSocket upgrade applies `isAllowedInitiator` itself.
 *
 * @example
 * app.use(originPolicy({ allowedOrigins, trustProxy: false, cookieSecure: true }));
 */
export function originPolicy(settings: OriginPolicySettings) {
  return new Elysia({ name: "origin-policy" }).onRequest(({ request, set }) => {
    const refusal = crossSiteRefusal(request, settings);
    if (!refusal) return;
    set.status = refusal.httpStatus;
    return errorBodyFor(request, refusal.httpStatus, refusal.toBody());
  });
}
