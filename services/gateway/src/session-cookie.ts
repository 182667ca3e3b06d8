/** Name of the httpOnly cookie that carries the access token for browsers (and EventSource). */
export const sessionCookieName = "chat_session";

export function sessionCookie(token: string, options: { maxAgeSeconds: number; secure: boolean }): string {
  const secure = options.secure ? "; Secure" : "";
  return `${sessionCookieName}=${token}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${options.maxAgeSeconds}${secure}`;
}

export function clearedSessionCookie(secure: boolean): string {
  return sessionCookie("", { maxAgeSeconds: 0, secure });
}

/** The session token from a Cookie header, if any. */
export function sessionTokenFrom(cookieHeader: string | null | undefined): string | null {
  if (!cookieHeader) return null;
  for (const part of cookieHeader.split(";")) {
    const [name, ...value] = part.trim().split("=");
    if (name === sessionCookieName) return value.join("=") || null;
  }
  return null;
}
