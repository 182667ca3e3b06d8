import { createHmac, timingSafeEqual } from "node:crypto";

const secretPrefix = "whsec_";

/**
 * Signs a webhook as the Standard Webhooks spec does: HMAC-SHA256, keyed with the base64 part of a
 * `whsec_` secret, over `<id>.<timestamp>.<body>`; the header value is `v1,<base64 signature>`.
 *
 * @example
 * webhookSignature("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_1", 1_700_000_000, '{"a":1}'); // "v1,…"
 */
export function webhookSignature(secret: string, id: string, timestampSeconds: number, body: string): string {
  const digest = createHmac("sha256", webhookKey(secret))
    .update(`${id}.${timestampSeconds}.${body}`)
    .digest("base64");
  return `v1,${digest}`;
}

/**
 * Whether `header` (one or more space-separated `v1,<signature>`, as during a key rotation) holds
 * the signature of this id, timestamp and body; compared in constant time.
 */
export function verifyWebhookSignature(
  secret: string,
  header: string,
  message: { id: string; timestampSeconds: number; body: string },
): boolean {
  const expected = Buffer.from(webhookSignature(secret, message.id, message.timestampSeconds, message.body));
  return header.split(" ").some((candidate) => {
    const given = Buffer.from(candidate);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

/** The key of a `whsec_` secret (its base64 part); a secret without the prefix is taken as base64 whole. */
export function webhookKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith(secretPrefix) ? secret.slice(secretPrefix.length) : secret, "base64");
}
