/** Where a registered secret was found in a process's output. */
export type SecretLeak = { label: string; source: string; excerpt: string };

/**
 * Shortest value worth registering: anything shorter (a test password like "x", an empty env
 * variable) would match by chance and make the scan cry wolf.
 */
const minimumSecretLength = 8;
/** Fields of request and response bodies whose string values are secrets. */
const secretFieldNames = /^(password|accessToken|refreshToken|token|key|apiKey|ticket|secret)$/i;
/** Characters of context shown around a leak, with the secret itself masked. */
const excerptContext = 80;

function mask(secret: string): string {
  return `${secret.slice(0, 3)}…(${secret.length} chars)`;
}

/**
 * Every secret the tests create or see (passwords sent, tokens and keys received, secrets handed
 * to services in their environment, stream tickets), so the output of every service the test run
 * starts can be checked for them. `bun test` runs all files in one process, so this one registry
 * spans the whole run.
 *
 * @example
 * secretRegistry.add(response.body.accessToken, "access token of alice");
 * secretRegistry.assertAbsent(serviceOutput, "all-in-one"); // throws naming the leak
 */
export class SecretRegistry {
  private readonly secrets = new Map<string, string>();

  /** Registers `secret` (ignored when shorter than 8 characters); `label` says what it is. */
  add(secret: unknown, label: string): void {
    if (typeof secret !== "string" || secret.length < minimumSecretLength) return;
    if (!this.secrets.has(secret)) this.secrets.set(secret, label);
  }

  /** Registers the secret values of a service's environment: keys, secrets, passwords, tokens. */
  addEnvironment(environment: Record<string, string | undefined>, service: string): void {
    for (const [name, value] of Object.entries(environment)) {
      if (!value) continue;
      if (/SECRET|PASSWORD|TOKEN$|API_KEY|_KEYS?$/.test(name)) this.add(value, `${name} of ${service}`);
      if (/_URL$/.test(name)) this.add(passwordInUrl(value), `password in ${name} of ${service}`);
    }
  }

  /**
   * Registers the secrets a request or response body carries: string values of fields such as
   * `password`, `accessToken`, `refreshToken`, `key` or `ticket`, a few levels deep.
   */
  addFromBody(value: unknown, label: string, depth = 0): void {
    if (depth > 3 || typeof value !== "object" || value === null) return;
    for (const [field, inner] of Object.entries(value)) {
      if (typeof inner === "string" && secretFieldNames.test(field)) this.add(inner, `${field} ${label}`);
      else this.addFromBody(inner, label, depth + 1);
    }
  }

  /** Registers the value of every cookie a response sets (session and refresh tokens). */
  addFromSetCookies(headers: Headers, label: string): void {
    for (const cookie of headers.getSetCookie()) {
      const [name = "", ...value] = (cookie.split(";")[0] ?? "").split("=");
      this.add(value.join("="), `cookie ${name.trim()} ${label}`);
    }
  }

  get size(): number {
    return this.secrets.size;
  }

  /** Each registered secret found in `text`, raw or as it reads inside a JSON string. */
  findIn(text: string, source: string): SecretLeak[] {
    const leaks: SecretLeak[] = [];
    for (const [secret, label] of this.secrets) {
      for (const form of new Set([secret, JSON.stringify(secret).slice(1, -1)])) {
        const at = text.indexOf(form);
        if (at < 0) continue;
        const before = text.slice(Math.max(0, at - excerptContext), at);
        const after = text.slice(at + form.length, at + form.length + excerptContext);
        leaks.push({ label, source, excerpt: `${before}«${mask(secret)}»${after}`.replace(/\n/g, "⏎") });
        break;
      }
    }
    return leaks;
  }

  /** Throws an error listing every registered secret found in `text`. */
  assertAbsent(text: string, source: string): void {
    const leaks = this.findIn(text, source);
    if (leaks.length > 0) throw new SecretLeakError(leaks);
  }
}

/** A registered secret appeared in a service's output. */
export class SecretLeakError extends Error {
  override readonly name = "SecretLeakError";

  constructor(readonly leaks: SecretLeak[]) {
    super(
      `${leaks.length} secret(s) leaked into service output:\n${leaks
        .map((leak) => `  - ${leak.label} in ${leak.source}: ${leak.excerpt}`)
        .join("\n")}`,
    );
  }
}

function passwordInUrl(value: string): string | undefined {
  try {
    return decodeURIComponent(new URL(value).password) || undefined;
  } catch {
    return undefined;
  }
}

/** The one registry of the test run. */
export const secretRegistry = new SecretRegistry();
