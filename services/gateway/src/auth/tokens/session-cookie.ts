import { AppError } from "@chat/contracts";

const sessionCookieBaseName = "chat_session";
const refreshCookieBaseName = "chat_refresh";

/** Where the browser sends the refresh cookie: refresh, logout (and login, register). */
export const refreshCookiePath = "/api/auth";

/**
 * Name of the httpOnly cookie that carries the access token for browsers (and EventSource):
 * `__Host-chat_session` when Secure, so that only this host, over TLS, with `Path=/` and no
 * `Domain`, can set it (a sibling subdomain cannot plant one); `chat_session` on plain http.
 */
export function sessionCookieName(secure: boolean): string {
  return secure ? `__Host-${sessionCookieBaseName}` : sessionCookieBaseName;
}

/**
 * Name of the httpOnly cookie that carries the refresh token: `__Secure-chat_refresh` when
 * Secure (its `Path=/api/auth` rules out `__Host-`), `chat_refresh` on plain http.
 */
export function refreshCookieName(secure: boolean): string {
  return secure ? `__Secure-${refreshCookieBaseName}` : refreshCookieBaseName;
}

export function sessionCookie(token: string, options: { maxAgeSeconds: number; secure: boolean }): string {
  const secure = options.secure ? "; Secure" : "";
  return `${sessionCookieName(options.secure)}=${token}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${options.maxAgeSeconds}${secure}`;
}

export function clearedSessionCookie(secure: boolean): string {
  return sessionCookie("", { maxAgeSeconds: 0, secure });
}

/**
 * The refresh cookie: httpOnly, `SameSite=Strict` (a cross-site request never carries it) and scoped
 * to `/api/auth`, so no other route, and no script, ever sees the refresh token.
 */
export function refreshCookie(token: string, options: { maxAgeSeconds: number; secure: boolean }): string {
  const secure = options.secure ? "; Secure" : "";
  return `${refreshCookieName(options.secure)}=${token}; Path=${refreshCookiePath}; HttpOnly; SameSite=Strict; Max-Age=${options.maxAgeSeconds}${secure}`;
}

export function clearedRefreshCookie(secure: boolean): string {
  return refreshCookie("", { maxAgeSeconds: 0, secure });
}

/** Every non-empty value of the cookie `name` in a Cookie header, in order. */
function cookieValues(cookieHeader: string | null | undefined, name: string): string[] {
  if (!cookieHeader) return [];
  const values: string[] = [];
  for (const part of cookieHeader.split(";")) {
    const [cookieName, ...value] = part.trim().split("=");
    if (cookieName === name && value.join("=")) values.push(value.join("="));
  }
  return values;
}

/** How the gateway reads its cookies: COOKIE_SECURE reads only the prefixed names. */
/**
 * The headers that clear both cookies. When the prefixed (secure) names are in use, the plain ones
 * a browser kept from before go too, or it would send both names (refused as DUPLICATE_COOKIE).
 */
export function clearedSignInCookies(secure: boolean): string[] {
  const plain = secure ? [clearedSessionCookie(false), clearedRefreshCookie(false)] : [];
  return [clearedSessionCookie(secure), clearedRefreshCookie(secure), ...plain];
}

export type CookieReading = { secureOnly: boolean };

/**
 * The one token among the cookies named `baseName`, prefixed or not. Two of them (two values of
 * one name, as a sibling subdomain's `Domain` cookie or one of another `Path` adds, or both the
 * plain and the prefixed name) answer 400 DUPLICATE_COOKIE instead of guessing which is meant.
 * With `secureOnly` a plain name alone counts as none: on a TLS deployment only this host can
 * have set the prefixed one.
 */
function tokenFrom(
  cookieHeader: string | null | undefined,
  names: { plain: string; prefixed: string },
  reading: CookieReading,
): string | null {
  const plain = cookieValues(cookieHeader, names.plain);
  const prefixed = cookieValues(cookieHeader, names.prefixed);
  if (plain.length + prefixed.length > 1) {
    throw new AppError(
      "DUPLICATE_COOKIE",
      `The request carries more than one ${names.plain} cookie: sign out and in again`,
      { retryable: false },
    );
  }
  return prefixed[0] ?? (reading.secureOnly ? null : (plain[0] ?? null));
}

/** The session token from a Cookie header, if any; throws DUPLICATE_COOKIE for two. */
export function sessionTokenFrom(
  cookieHeader: string | null | undefined,
  reading: CookieReading,
): string | null {
  return tokenFrom(
    cookieHeader,
    { plain: sessionCookieName(false), prefixed: sessionCookieName(true) },
    reading,
  );
}

/** The refresh token from a Cookie header, if any; throws DUPLICATE_COOKIE for two. */
export function refreshTokenFrom(
  cookieHeader: string | null | undefined,
  reading: CookieReading,
): string | null {
  return tokenFrom(
    cookieHeader,
    { plain: refreshCookieName(false), prefixed: refreshCookieName(true) },
    reading,
  );
}
