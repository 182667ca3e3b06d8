import type { StoreClient } from "@chat/bus";
import type { AdminEmails } from "@chat/contracts";
import {
  AppError,
  AuthResponse,
  type ErrorBody,
  emailAddressProblem,
  LoginBody,
  normalizeEmail,
  RefreshBody,
  type RefreshRotation,
  RegisterBody,
  type StoredUser,
  User,
} from "@chat/contracts";
import { newId } from "@chat/runtime";
import { Type } from "@sinclair/typebox";
import { Elysia } from "elysia";
import type { Logger } from "pino";
import type { RequestContext } from "../http/request-context.ts";
import type { RateLimits } from "../limits/rate-limits.ts";
import { apiModels } from "../openai/api-models.ts";
import type { Authenticator } from "./authenticator.ts";
import { checkPasswordPolicy } from "./password-policy.ts";
import type { AccessTokens } from "./tokens/access-tokens.ts";
import { hashRefreshToken, type RefreshTokens } from "./tokens/refresh-tokens.ts";
import {
  clearedRefreshCookie,
  clearedSessionCookie,
  clearedSignInCookies,
  refreshCookie,
  refreshTokenFrom,
  sessionCookie,
} from "./tokens/session-cookie.ts";

/** A hash to verify against when the email is unknown, so both paths take the same time. */
const unknownUserHash = await Bun.password.hash("unknown user", { algorithm: "argon2id" });

/** What the auth routes are configured by. */
export type AuthRoutesSettings = {
  /** local: accounts here (register, login, refresh); jwks: only /api/me and logout. */
  mode: "local" | "jwks";
  /** Mark cookies Secure even when the request did not arrive over TLS (COOKIE_SECURE). */
  cookieSecure: boolean;
  /** PASSWORD_MIN_LENGTH. */
  passwordMinLength: number;
};

/** Why a refresh was refused, per outcome of the rotation. */
const refusedRefresh: Record<Exclude<RefreshRotation["outcome"], "rotated">, string> = {
  unknown: "The refresh token is unknown: sign in again",
  expired: "The refresh token has expired: sign in again",
  revoked: "The refresh token was revoked: sign in again",
  reused: "The refresh token was used before, so every session of that sign-in is revoked: sign in again",
};

function unauthorizedBody(message: string): ErrorBody {
  return { error: { code: "UNAUTHORIZED", message } };
}

/**
 * Throws VALIDATION_FAILED (400) with a detail at `/email` for an email no account may have; one
 * with an invisible character is refused rather than cleaned, so the user sees what they sent.
 */
function checkEmailAddress(email: string): void {
  const problem = emailAddressProblem(email);
  if (problem === null) return;
  throw new AppError("VALIDATION_FAILED", problem, {
    retryable: false,
    details: [{ path: "/email", message: problem }],
  });
}

/**
 * Accounts and sessions: register, sign in, refresh, sign out, who am I.
 *
 * Signing in sets two httpOnly cookies: `chat_session` (the access token, for every route) and
 * `chat_refresh` (a rotating refresh token, `Path=/api/auth`, `SameSite=Strict`); both are `Secure`,
 * and named `__Host-chat_session` and `__Secure-chat_refresh`, when COOKIE_SECURE is set or the
 * request came over TLS (see session-cookie.ts). `POST /api/auth/refresh` uses the refresh
 * token up and answers a new pair; presenting a used one again revokes its whole family. In
 * AUTH_MODE=jwks the identity provider signs users in: register, login and refresh do not exist
 * (404 ROUTE_NOT_FOUND).
 */
export function authRoutes(dependencies: {
  requestContext: RequestContext;
  store: StoreClient;
  tokens: AccessTokens;
  refreshTokens: RefreshTokens;
  authenticator: Authenticator;
  adminEmails: AdminEmails;
  rateLimits: Pick<RateLimits, "takeAccountSignIn">;
  logger: Logger;
  settings: AuthRoutesSettings;
}) {
  const { store, tokens, refreshTokens, authenticator, adminEmails, rateLimits, logger, settings } =
    dependencies;
  const secureFor = (overTls: boolean) => settings.cookieSecure || overTls;
  const cookieReading = { secureOnly: settings.cookieSecure };
  // Prefixed cookies replace plain ones: the plain ones a browser kept from before are cleared,
  // or it would send both names, which is refused as DUPLICATE_COOKIE.
  const clearedPlainCookies = (secure: boolean) =>
    secure ? [clearedSessionCookie(false), clearedRefreshCookie(false)] : [];

  const publicUser = (user: StoredUser): User => ({
    id: user.id,
    email: user.email,
    name: user.name,
    role: adminEmails.roleOf(user),
  });

  /** A new access token and refresh family for `user`, and the cookies that carry them. */
  async function startSession(user: StoredUser, secure: boolean, traceparent: string) {
    const refresh = refreshTokens.next();
    const familyId = newId();
    await store.call(
      "store.start_refresh_family",
      {
        token: {
          hash: refresh.hash,
          familyId,
          userId: user.id,
          createdAt: refresh.createdAt,
          expiresAt: refresh.expiresAt,
        },
      },
      traceparent,
    );
    return sessionResponse(publicUser(user), { familyId, token: refresh.token }, secure);
  }

  /** The access token of the sign-in (refresh family) `refresh.familyId`, and both cookies. */
  async function sessionResponse(user: User, refresh: { familyId: string; token: string }, secure: boolean) {
    const accessToken = await tokens.issue(user, refresh.familyId);
    const cookies = [
      sessionCookie(accessToken, { maxAgeSeconds: tokens.lifetimeSeconds, secure }),
      refreshCookie(refresh.token, { maxAgeSeconds: refreshTokens.lifetimeSeconds, secure }),
      ...clearedPlainCookies(secure),
    ];
    return { user, accessToken, refreshToken: refresh.token, cookies };
  }

  const localAccounts = new Elysia({ name: "local-account-routes" })
    .use(apiModels)
    .use(dependencies.requestContext)
    .post(
      "/auth/register",
      async ({ body, set, status, traceparent, overTls }) => {
        checkEmailAddress(body.email);
        const email = normalizeEmail(body.email);
        const name = body.name.trim();
        checkPasswordPolicy(body.password, { email, name }, { minLength: settings.passwordMinLength });
        // No lookup first: the store's unique key refuses a taken email (EMAIL_TAKEN) after the same
        // work, the password hashed, as a free one takes, so the time does not tell them apart.
        const user = await store.call(
          "store.create_user",
          {
            user: {
              id: newId(),
              email,
              name,
              role: "user",
              passwordHash: await Bun.password.hash(body.password, { algorithm: "argon2id" }),
              createdAt: new Date().toISOString(),
            },
            adminIfFirst: true,
          },
          traceparent,
        );
        const session = await startSession(user, secureFor(overTls), traceparent);
        set.headers["set-cookie"] = session.cookies;
        return status(201, {
          user: session.user,
          accessToken: session.accessToken,
          ...(body.refreshTokenInBody === true && { refreshToken: session.refreshToken }),
        });
      },
      {
        body: RegisterBody,
        response: { 201: AuthResponse, 400: "ErrorBody", 409: "ErrorBody" },
        detail: {
          tags: ["auth"],
          summary: "Create an account; also sets the httpOnly session and refresh cookies",
          description:
            "The first account is admin, and so is every email in ADMIN_EMAILS. The email is stored " +
            "normalized (NFKC, case folded, no trailing dot), so a look-alike of a taken one answers 409 " +
            "EMAIL_TAKEN; one with a control or invisible character answers 400 VALIDATION_FAILED with a " +
            "detail at /email. A password the policy refuses answers 400 VALIDATION_FAILED with a detail " +
            "at /password.",
          security: [],
        },
      },
    )
    .post(
      "/auth/login",
      async ({ body, set, traceparent, overTls }) => {
        const email = normalizeEmail(body.email);
        await rateLimits.takeAccountSignIn(email);
        const user = await store.call("store.find_user_by_email", { email }, traceparent);
        // A user of an identity provider has no password (an empty hash): it never signs in here.
        const valid = await Bun.password.verify(body.password, user?.passwordHash || unknownUserHash);
        if (!user?.passwordHash || !valid) {
          throw new AppError("INVALID_CREDENTIALS", "Wrong email or password", { retryable: false });
        }
        const session = await startSession(user, secureFor(overTls), traceparent);
        set.headers["set-cookie"] = session.cookies;
        return {
          user: session.user,
          accessToken: session.accessToken,
          ...(body.refreshTokenInBody === true && { refreshToken: session.refreshToken }),
        };
      },
      {
        body: LoginBody,
        response: { 200: AuthResponse, 400: "ErrorBody", 401: "ErrorBody", 429: "ErrorBody" },
        detail: {
          tags: ["auth"],
          summary: "Sign in; also sets the httpOnly session and refresh cookies",
          description:
            "Attempts are limited per account (RATE_LIMIT_ACCOUNT_PER_MINUTE), from any address, as well " +
            "as per address: past it 429 RATE_LIMITED with Retry-After.",
          security: [],
        },
      },
    )
    .post(
      "/auth/refresh",
      async ({ body, headers, set, status, traceparent, overTls, requestId, clientAddress }) => {
        const secure = secureFor(overTls);
        const fromBody = body?.refreshToken;
        const presented = fromBody ?? refreshTokenFrom(headers.cookie, cookieReading);
        if (!presented) {
          return status(401, unauthorizedBody("Send the refresh cookie, or the refresh token in the body"));
        }
        // A refused token is cleared, so the browser stops presenting it.
        if (!refreshTokens.isWellFormed(presented)) {
          set.headers["set-cookie"] = clearedSignInCookies(secure);
          return status(401, unauthorizedBody(refusedRefresh.unknown));
        }
        const successor = refreshTokens.next();
        const rotation = await store.call(
          "store.rotate_refresh_token",
          {
            hash: hashRefreshToken(presented),
            successor: {
              hash: successor.hash,
              createdAt: successor.createdAt,
              expiresAt: successor.expiresAt,
            },
          },
          traceparent,
        );
        if (rotation.outcome !== "rotated") {
          if (rotation.outcome === "reused") {
            logger.warn(
              { requestId, clientAddress },
              "a used refresh token was presented again: its family is revoked",
            );
            await tokens.endSignIn(rotation.familyId);
          }
          set.headers["set-cookie"] = clearedSignInCookies(secure);
          return status(401, unauthorizedBody(refusedRefresh[rotation.outcome]));
        }
        const session = await sessionResponse(
          publicUser(rotation.user),
          { familyId: rotation.familyId, token: successor.token },
          secure,
        );
        set.headers["set-cookie"] = session.cookies;
        return status(200, {
          user: session.user,
          accessToken: session.accessToken,
          ...(fromBody !== undefined && { refreshToken: session.refreshToken }),
        });
      },
      {
        body: Type.Optional(RefreshBody),
        response: { 200: AuthResponse, 400: "ErrorBody", 401: "ErrorBody" },
        detail: {
          tags: ["auth"],
          summary: "A new access token for the refresh token (cookie or body); the refresh token rotates",
          description:
            "Browsers send the httpOnly chat_refresh cookie and get both cookies anew. Other clients send " +
            "`{refreshToken}` and get the new one in the body. Each refresh token works once: presenting " +
            "a used one again revokes every token of its sign-in (401). The body is optional.",
          security: [],
        },
      },
    );

  return new Elysia({ name: "auth-routes", prefix: "/api" })
    .use(apiModels)
    .use(dependencies.requestContext)
    .use(settings.mode === "local" ? localAccounts : new Elysia({ name: "local-account-routes-off" }))
    .post(
      "/auth/logout",
      async ({ body, headers, set, status, traceparent, overTls }) => {
        const revokedAt = new Date().toISOString();
        const presented = body?.refreshToken ?? refreshTokenFrom(headers.cookie, cookieReading);
        if (presented && refreshTokens.isWellFormed(presented)) {
          const { familyId } = await store.call(
            "store.revoke_refresh_family",
            { hash: hashRefreshToken(presented), revokedAt },
            traceparent,
          );
          if (familyId) await tokens.endSignIn(familyId);
        }
        // A client that keeps only its access token (Bearer, or the session cookie) signs out with
        // it: its `sid` names the sign-in, whose refresh family goes too.
        const accessToken = authenticator.tokenOf(headers);
        const signIn = accessToken ? await tokens.signInOf(accessToken) : null;
        if (signIn) {
          await store.call(
            "store.revoke_refresh_family_by_id",
            { familyId: signIn.signInId, userId: signIn.userId, revokedAt },
            traceparent,
          );
          await tokens.endSignIn(signIn.signInId);
        }
        set.headers["set-cookie"] = clearedSignInCookies(secureFor(overTls));
        return status(204, undefined);
      },
      {
        body: Type.Optional(RefreshBody),
        response: { 204: Type.Void({ description: "Signed out; both cookies cleared" }), 400: "ErrorBody" },
        detail: {
          tags: ["auth"],
          summary:
            "Sign out: ends the sign-in (its refresh and access tokens stop working) and clears both cookies",
          description:
            "The refresh token comes from the chat_refresh cookie, or `{refreshToken}` for clients without " +
            "cookies; the body is optional. The sign-in of the access token sent (Bearer or session cookie) " +
            "ends too, so a client holding only its access token can sign out. Other sign-ins of the user " +
            "keep working.",
          security: [],
        },
      },
    )
    .get(
      "/me",
      async ({ headers, traceparent }) => {
        const caller = await authenticator.authenticate(headers, traceparent);
        // The stored user, so a name changed since the token was issued shows at once.
        const stored = await store.call("store.find_user_by_id", { userId: caller.id }, traceparent);
        return { user: stored ? { ...caller, name: stored.name } : caller };
      },
      {
        response: { 200: Type.Object({ user: User }), 401: "ErrorBody" },
        detail: { tags: ["auth"], summary: "The signed-in user" },
      },
    );
}
