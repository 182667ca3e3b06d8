import { type JWTPayload, SignJWT } from "jose";

/** The gateway's JWT_SECRET in these tests. */
export const secret = `access-token-test-${crypto.randomUUID()}`;
/** The user the forged tokens name. */
export const user = { id: "u1", email: "ada@example.com", name: "Ada", role: "user" as const };

/** A JWT part: JSON, base64url-encoded. */
export function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

/** Now, in epoch seconds, as JWT times are. */
export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** The claims of a good access token of `sub`; `changes` replace or (undefined) remove some. */
export function claims(sub: string, changes: Record<string, unknown> = {}): JWTPayload {
  const all: Record<string, unknown> = {
    sub,
    email: user.email,
    name: user.name,
    role: "user",
    iss: "chat-gateway",
    aud: "chat-api",
    iat: nowSeconds(),
    exp: nowSeconds() + 600,
    jti: crypto.randomUUID(),
    sid: "sign-in-1",
    ...changes,
  };
  return Object.fromEntries(Object.entries(all).filter(([, value]) => value !== undefined));
}

/** Signs `payload` with HS256 and `key` (the gateway's secret unless another is given). */
export function hs256(
  payload: JWTPayload,
  header: Record<string, unknown> = {},
  key: string | Uint8Array = secret,
) {
  return new SignJWT(payload)
    .setProtectedHeader({ alg: "HS256", typ: "at+jwt", ...header })
    .sign(typeof key === "string" ? new TextEncoder().encode(key) : key);
}
