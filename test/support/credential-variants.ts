import {
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  type JWTPayload,
  SignJWT,
  UnsecuredJWT,
} from "jose";

/** What a request carries to prove who it is; `ticket` goes in the query string (`?ticket=`). */
export type Credentials = { authorization?: string; cookie?: string; ticket?: string };

/** Mints single-use stream tickets (POST /api/stream-tickets) and spends them. */
export type StreamTickets = {
  ofA(): Promise<string>;
  ofB(): Promise<string>;
  /** Redeems a ticket once, so it is spent. */
  spend(ticket: string): Promise<void>;
};

/** The stream-ticket variants: each cell gets a ticket of its own, since a ticket works once. */
export const ticketVariants = ["ticket-of-a", "ticket-of-b", "spent-ticket", "forged-ticket"] as const;

/** A way of (mis)authenticating a request, named for the matrix. */
export type CredentialVariantName =
  | "none"
  | "garbage"
  | "expired"
  | "not-yet-valid"
  | "other-hmac-key"
  | "alg-none"
  | "alg-none-in-cookie"
  | "hs256-with-public-key-pem"
  | "rs256-unknown-key"
  | "wrong-audience"
  | "wrong-issuer"
  | "wrong-typ"
  | "jku-attacker"
  | "x5u-attacker"
  | "jwk-attacker"
  | "other-hmac-key-in-cookie"
  | "unknown-api-key"
  | "other-credential-type"
  | "user-b"
  | "agent"
  | "unknown-id"
  | (typeof ticketVariants)[number]
  | "resigned-control"
  | "control";

/** A key and the URLs an attacker would point `jku` / `x5u` at, and whether anyone fetched them. */
export type AttackerKeyServer = {
  readonly jwksUrl: string;
  readonly certificateUrl: string;
  /** Requests the gateway made to the attacker's server: must stay empty. */
  readonly hits: string[];
  stop(): Promise<void>;
};

type RsaKeyPair = Awaited<ReturnType<typeof generateKeyPair>>;

/** Seconds since the epoch. */
const now = () => Math.floor(Date.now() / 1000);

/**
 * Builds every credential variant of the authorization matrix from one real access token of
 * user A: forged tokens copy its claims and header, so the only thing wrong with each is the
 * thing it tests (issuer and audience are read from the real token, not assumed).
 *
 * @example
 * const variants = await CredentialVariants.create({ tokenOfA, tokenOfB, apiKeyOfA, apiKeyOfB, signingKey, ... });
 * const credentials = await variants.for("expired", "session"); // { authorization: "Bearer ey..." }
 */
export class CredentialVariants {
  private constructor(
    private readonly tokens: Record<
      Exclude<CredentialVariantName, (typeof ticketVariants)[number]>,
      Credentials
    >,
    private readonly apiKeys: { a: string; b: string; tokenOfA: string },
    private readonly tickets: StreamTickets | undefined,
  ) {}

  static async create(options: {
    tokenOfA: string;
    tokenOfB: string;
    /** A third user's, who has the agent role (staff, not admin). */
    tokenOfAgent: string;
    apiKeyOfA: string;
    apiKeyOfB: string;
    /**
     * The key valid tokens are signed with (JWT_SECRET's bytes, or an identity provider's
     * private key), to forge tokens that are wrong in exactly one way.
     */
    signingKey: CryptoKey | Uint8Array;
    /**
     * A public key the gateway trusts (the identity provider's), whose PEM signs the HS256 key
     * confusion token; without one, a key the gateway never saw.
     */
    trustedPublicKeyPem?: string;
    attacker: AttackerKeyServer;
    attackerKeys: RsaKeyPair;
    /** Absent while the gateway has no stream tickets. */
    tickets?: StreamTickets;
  }): Promise<CredentialVariants> {
    const { tokenOfA, signingKey: secret, attacker, attackerKeys } = options;
    const header = decodeProtectedHeader(tokenOfA);
    const claims = decodeJwt(tokenOfA);
    const attackerSecret = new TextEncoder().encode(`attacker-${"k".repeat(40)}`);
    const alg = header.alg ?? "HS256";
    const sign = (
      payload: JWTPayload,
      key: CryptoKey | Uint8Array,
      extraHeader: Record<string, unknown> = {},
      algorithm = alg,
    ) => new SignJWT(payload).setProtectedHeader({ ...header, alg: algorithm, ...extraHeader }).sign(key);
    const publicKeyPem = options.trustedPublicKeyPem ?? (await exportSPKI(attackerKeys.publicKey));
    const publicJwk = await exportJWK(attackerKeys.publicKey);
    const fresh = { iat: now(), exp: now() + 600 };
    const bearer = (token: string): Credentials => ({ authorization: `Bearer ${token}` });
    const sessionCookieName = "chat_session";

    const algNone = new UnsecuredJWT({ ...claims, ...fresh }).encode();
    const otherKey = await sign({ ...claims, ...fresh }, attackerSecret, {}, "HS256");
    const tokens: Record<Exclude<CredentialVariantName, (typeof ticketVariants)[number]>, Credentials> = {
      none: {},
      garbage: bearer("not.a.jwt"),
      expired: bearer(await sign({ ...claims, iat: now() - 7_200, exp: now() - 3_600 }, secret)),
      "not-yet-valid": bearer(
        await sign({ ...claims, ...fresh, nbf: now() + 3_600, exp: now() + 7_200 }, secret),
      ),
      "other-hmac-key": bearer(otherKey),
      "alg-none": bearer(algNone),
      "alg-none-in-cookie": { cookie: `${sessionCookieName}=${algNone}` },
      "hs256-with-public-key-pem": bearer(
        await sign({ ...claims, ...fresh }, new TextEncoder().encode(publicKeyPem), {}, "HS256"),
      ),
      "rs256-unknown-key": bearer(
        await sign({ ...claims, ...fresh }, attackerKeys.privateKey, { kid: "attacker" }, "RS256"),
      ),
      "wrong-audience": bearer(
        await sign({ ...claims, ...fresh, aud: `evil-${String(claims.aud)}` }, secret),
      ),
      "wrong-issuer": bearer(await sign({ ...claims, ...fresh, iss: `evil-${String(claims.iss)}` }, secret)),
      // Another kind of JWT (an ID token, say) signed with the same key: not an access token.
      "wrong-typ": bearer(await sign({ ...claims, ...fresh }, secret, { typ: "JWT" })),
      "jku-attacker": bearer(
        await sign(
          { ...claims, ...fresh },
          attackerKeys.privateKey,
          { kid: "attacker", jku: attacker.jwksUrl },
          "RS256",
        ),
      ),
      "x5u-attacker": bearer(
        await sign(
          { ...claims, ...fresh },
          attackerKeys.privateKey,
          { kid: "attacker", x5u: attacker.certificateUrl },
          "RS256",
        ),
      ),
      "jwk-attacker": bearer(
        await sign({ ...claims, ...fresh }, attackerKeys.privateKey, { jwk: publicJwk }, "RS256"),
      ),
      "other-hmac-key-in-cookie": { cookie: `${sessionCookieName}=${otherKey}` },
      "unknown-api-key": bearer(`sk-chat-${"A".repeat(43)}`),
      // Filled per operation: the API key on session routes, the session token on /v1.
      "other-credential-type": {},
      "user-b": bearer(options.tokenOfB),
      agent: bearer(options.tokenOfAgent),
      // A's own token: the cell swaps A's ids for ids that do not exist.
      "unknown-id": bearer(tokenOfA),
      "resigned-control": bearer(await sign({ ...claims, ...fresh }, secret)),
      control: bearer(tokenOfA),
    };
    return new CredentialVariants(
      tokens,
      { a: options.apiKeyOfA, b: options.apiKeyOfB, tokenOfA },
      options.tickets,
    );
  }

  /** The variants there are: the ticket ones only when the gateway issues tickets. */
  get names(): CredentialVariantName[] {
    return [
      ...(Object.keys(this.tokens) as CredentialVariantName[]),
      ...(this.tickets ? ticketVariants : []),
    ];
  }

  /** The credentials of `variant` for an operation that takes `security` credentials. */
  async for(variant: CredentialVariantName, security: "public" | "session" | "apiKey"): Promise<Credentials> {
    switch (variant) {
      case "ticket-of-a":
        return { ticket: await this.mint().ofA() };
      case "ticket-of-b":
        return { ticket: await this.mint().ofB() };
      case "spent-ticket": {
        const ticket = await this.mint().ofA();
        await this.mint().spend(ticket);
        return { ticket };
      }
      case "forged-ticket":
        return { ticket: Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url") };
    }
    if (security === "apiKey") {
      if (variant === "control" || variant === "unknown-id")
        return { authorization: `Bearer ${this.apiKeys.a}` };
      if (variant === "user-b") return { authorization: `Bearer ${this.apiKeys.b}` };
      if (variant === "other-credential-type") return { authorization: `Bearer ${this.apiKeys.tokenOfA}` };
    } else if (variant === "other-credential-type") {
      return { authorization: `Bearer ${this.apiKeys.a}` };
    }
    return this.tokens[variant];
  }

  private mint(): StreamTickets {
    if (!this.tickets) throw new Error("this gateway issues no stream tickets");
    return this.tickets;
  }
}

/**
 * A server on loopback holding an attacker's public key as a JWKS and as a "certificate", so
 * tokens can point `jku` / `x5u` at it; any request it receives means the gateway followed a URL
 * from a token header.
 */
export async function startAttackerKeyServer(keys: RsaKeyPair): Promise<AttackerKeyServer> {
  const jwk = { ...(await exportJWK(keys.publicKey)), kid: "attacker", alg: "RS256", use: "sig" };
  const pem = await exportSPKI(keys.publicKey);
  const hits: string[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(request) {
      const path = new URL(request.url).pathname;
      hits.push(`${request.method} ${path}`);
      return path === "/jwks.json" ? Response.json({ keys: [jwk] }) : new Response(pem);
    },
  });
  const base = `http://127.0.0.1:${server.port}`;
  return {
    jwksUrl: `${base}/jwks.json`,
    certificateUrl: `${base}/cert.pem`,
    hits,
    stop: () => server.stop(true),
  };
}

/** An RSA key pair the gateway has never seen. */
export function newAttackerKeys(): Promise<RsaKeyPair> {
  return generateKeyPair("RS256", { extractable: true });
}
