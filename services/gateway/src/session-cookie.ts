/** Name of the httpOnly cookie that carries the access token for browsers (and EventSource). */
export const sessionCookieName = "chat_session";

/** Name of the httpOnly cookie that carries the refresh token; only sent to /api/auth. */
export const refreshCookieName = "chat_refresh";

/** Where the browser sends the refresh cookie: refresh, logout (and login, register). */
export const refreshCookiePath = "/api/auth";

export function sessionCookie(token: string, options: { maxAgeSeconds: number; secure: boolean }): string {
  const secure = options.secure ? "; Secure" : "";
  return `${sessionCookieName}=${token}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${options.maxAgeSeconds}${secure}`;
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
  return `${refreshCookieName}=${token}; Path=${refreshCookiePath}; HttpOnly; SameSite=Strict; Max-Age=${options.maxAgeSeconds}${secure}`;
}

export function clearedRefreshCookie(secure: boolean): string {
  return refreshCookie("", { maxAgeSeconds: 0, secure });
}

/** The value of the cookie `name` in a Cookie header, if any (empty counts as none). */
export function cookieValue(cookieHeader: string | null | undefined, name: string): string | null {
  if (!cookieHeader) return null;
  for (const part of cookieHeader.split(";")) {
    const [cookieName, ...value] = part.trim().split("=");
    if (cookieName === name) return value.join("=") || null;
  }
  return null;
}

/** The session token from a Cookie header, if any. */
export function sessionTokenFrom(cookieHeader: string | null | undefined): string | null {
  return cookieValue(cookieHeader, sessionCookieName);
}

/** The refresh token from a Cookie header, if any. */
export function refreshTokenFrom(cookieHeader: string | null | undefined): string | null {
  return cookieValue(cookieHeader, refreshCookieName);
}
