import type { ExternalIdentity } from "./bus/store-records.ts";

/** Longest email address accepted (RFC 5321's path limit less the angle brackets). */
const MAX_EMAIL_LENGTH = 254;

/**
 * Controls (C0, DEL, C1) and every character that shows nothing: zero-width spaces and joiners,
 * bidi overrides, the soft hyphen, the BOM, variation selectors, fillers. Such an email looks like
 * another one on screen, so it is refused rather than silently cleaned.
 */
const invisibleCharacter = /[\p{Cc}\p{Default_Ignorable_Code_Point}]/u;
const emailShape = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * The one form of an email that accounts are stored and compared under, so that look-alikes are
 * one email: Unicode compatibility forms folded (NFKC: fullwidth `ａ`, the Kelvin sign, ligatures),
 * case folded (upper then lower case, so `ß` and `ss`, `ς` and `σ` meet too), trimmed, without the
 * trailing dot of a fully qualified domain. Idempotent.
 *
 * @example
 * normalizeEmail(" ＡＤＡ@Example.COM. "); // "ada@example.com"
 */
export function normalizeEmail(email: string): string {
  const compatible = email.normalize("NFKC").trim();
  return compatible.toUpperCase().toLowerCase().normalize("NFKC").replace(/\.+$/, "");
}

/**
 * Why `email` cannot be an account's email, or null when it can: it holds a control or invisible
 * character, or its normalized form (see `normalizeEmail`) is not `local@domain.tld` within
 * MAX_EMAIL_LENGTH characters.
 *
 * @example
 * emailAddressProblem("a\u200Bda@example.com"); // "The email must not contain control or invisible characters"
 */
export function emailAddressProblem(email: string): string | null {
  if (invisibleCharacter.test(email)) return "The email must not contain control or invisible characters";
  const normalized = normalizeEmail(email);
  if (normalized.length > MAX_EMAIL_LENGTH)
    return `The email must have at most ${MAX_EMAIL_LENGTH} characters`;
  if (!emailShape.test(normalized)) return "The email must look like name@example.com";
  return null;
}

/**
 * What an external user holds in the store's unique email key: never a valid email (it has
 * spaces), so it neither takes an email from local accounts nor collides with another identity's.
 */
export function externalEmailKey(identity: ExternalIdentity): string {
  return `external ${identity.issuer} ${identity.subject}`;
}
