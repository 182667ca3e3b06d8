import { exportJWK, exportSPKI, generateKeyPair, SignJWT } from "jose";
import { secretRegistry } from "./secret-registry.ts";

/** A stand-in for an external identity provider (AUTH_MODE=jwks): its JWKS on loopback, and tokens. */
export type IdentityProviderStub = {
  jwksUrl: string;
  issuer: string;
  audience: string;
  privateKey: CryptoKey;
  publicKeyPem: string;
  /** Requests the gateway made for the JWKS. */
  readonly jwksRequests: number;
  /** An RS256 access token for `subject`, valid for ten minutes, as the provider would issue it. */
  issue(subject: string, claims: { email: string; name: string }): Promise<string>;
  stop(): Promise<void>;
};

/**
 * Starts an identity provider stub: an RSA key whose public half is served as a JWKS, and tokens
 * signed with it for the configured issuer and audience. Issued tokens are registered as secrets.
 *
 * @example
 * const idp = await startIdentityProviderStub();
 * // AUTH_MODE=jwks JWKS_URL=idp.jwksUrl JWT_ISSUER=idp.issuer JWT_AUDIENCE=idp.audience
 * const token = await idp.issue("alice", { email: "alice@idp.test", name: "Alice" });
 */
export async function startIdentityProviderStub(): Promise<IdentityProviderStub> {
  const keys = await generateKeyPair("RS256", { extractable: true });
  const kid = "idp-key-1";
  const jwk = { ...(await exportJWK(keys.publicKey)), kid, alg: "RS256", use: "sig" };
  let jwksRequests = 0;
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch() {
      jwksRequests++;
      return Response.json({ keys: [jwk] });
    },
  });
  const issuer = `http://127.0.0.1:${server.port}/`;
  const audience = "chat-api-under-test";
  return {
    jwksUrl: `http://127.0.0.1:${server.port}/.well-known/jwks.json`,
    issuer,
    audience,
    privateKey: keys.privateKey,
    publicKeyPem: await exportSPKI(keys.publicKey),
    get jwksRequests() {
      return jwksRequests;
    },
    async issue(subject, claims) {
      const token = await new SignJWT({ ...claims, email_verified: true })
        .setProtectedHeader({ alg: "RS256", kid, typ: "JWT" })
        .setSubject(subject)
        .setIssuer(issuer)
        .setAudience(audience)
        .setIssuedAt()
        .setExpirationTime("10m")
        .sign(keys.privateKey);
      secretRegistry.add(token, `identity provider token of ${subject}`);
      return token;
    },
    stop: () => server.stop(true),
  };
}
