import type { StoreClient } from "@chat/clients";
import {
  AppError,
  AuthResponse,
  ErrorBody,
  LoginBody,
  RegisterBody,
  type StoredUser,
  User,
} from "@chat/contracts";
import { newId } from "@chat/runtime";
import { Type } from "@sinclair/typebox";
import { Elysia } from "elysia";
import type { AccessTokens } from "./access-tokens.ts";
import type { Authenticator } from "./authenticator.ts";
import type { RequestContext } from "./request-context.ts";
import { clearedSessionCookie, sessionCookie } from "./session-cookie.ts";

/** A hash to verify against when the email is unknown, so both paths take the same time. */
const unknownUserHash = await Bun.password.hash("unknown user", { algorithm: "argon2id" });

function publicUser(user: StoredUser): User {
  return { id: user.id, email: user.email, name: user.name, role: user.role };
}

/** Accounts: register, sign in, sign out, who am I. */
export function authRoutes(dependencies: {
  requestContext: RequestContext;
  store: StoreClient;
  tokens: AccessTokens;
  authenticator: Authenticator;
  cookieSecure: boolean;
}) {
  const { store, tokens, authenticator, cookieSecure } = dependencies;
  const cookieFor = (token: string) =>
    sessionCookie(token, { maxAgeSeconds: tokens.lifetimeSeconds, secure: cookieSecure });

  return new Elysia({ name: "auth-routes", prefix: "/api" })
    .use(dependencies.requestContext)
    .post(
      "/auth/register",
      async ({ body, set, status, traceparent }) => {
        const email = body.email.trim().toLowerCase();
        if (await store.call("store.find_user_by_email", { email }, traceparent)) {
          throw new AppError("EMAIL_TAKEN", "An account with this email exists", { retryable: false });
        }
        const user: StoredUser = {
          id: newId(),
          email,
          name: body.name.trim(),
          role: "user",
          passwordHash: await Bun.password.hash(body.password, { algorithm: "argon2id" }),
          createdAt: new Date().toISOString(),
        };
        await store.call("store.create_user", { user }, traceparent);
        const accessToken = await tokens.issue(publicUser(user));
        set.headers["set-cookie"] = cookieFor(accessToken);
        return status(201, { user: publicUser(user), accessToken });
      },
      {
        body: RegisterBody,
        response: { 201: AuthResponse, 400: ErrorBody, 409: ErrorBody },
        detail: { tags: ["auth"], summary: "Create an account", security: [] },
      },
    )
    .post(
      "/auth/login",
      async ({ body, set, traceparent }) => {
        const email = body.email.trim().toLowerCase();
        const user = await store.call("store.find_user_by_email", { email }, traceparent);
        const valid = await Bun.password.verify(body.password, user?.passwordHash ?? unknownUserHash);
        if (!user || !valid) {
          throw new AppError("INVALID_CREDENTIALS", "Wrong email or password", { retryable: false });
        }
        const accessToken = await tokens.issue(publicUser(user));
        set.headers["set-cookie"] = cookieFor(accessToken);
        return { user: publicUser(user), accessToken };
      },
      {
        body: LoginBody,
        response: { 200: AuthResponse, 400: ErrorBody, 401: ErrorBody },
        detail: { tags: ["auth"], summary: "Sign in; also sets the httpOnly session cookie", security: [] },
      },
    )
    .post(
      "/auth/logout",
      ({ set, status }) => {
        set.headers["set-cookie"] = clearedSessionCookie(cookieSecure);
        return status(204, undefined);
      },
      { detail: { tags: ["auth"], summary: "Sign out: clears the session cookie", security: [] } },
    )
    .get("/me", async ({ headers }) => ({ user: await authenticator.authenticate(headers) }), {
      response: { 200: Type.Object({ user: User }), 401: ErrorBody },
      detail: { tags: ["auth"], summary: "The signed-in user" },
    });
}
