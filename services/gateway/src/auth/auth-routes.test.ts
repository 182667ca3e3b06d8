import { describe, expect, spyOn, test } from "bun:test";
import type { StoreClient } from "@chat/bus";
import { AdminEmails, AppError, type StoredUser } from "@chat/contracts";
import { createLogger } from "@chat/runtime";
import { MemoryActorState } from "@chat/state";
import { Elysia } from "elysia";
import { renderError } from "../http/error-renderer.ts";
import { requestContext } from "../http/request-context.ts";
import { authRoutes } from "./auth-routes.ts";
import { Authenticator } from "./authenticator.ts";
import { AccessTokens } from "./tokens/access-tokens.ts";
import { RefreshTokens } from "./tokens/refresh-tokens.ts";

const password = "correct horse battery";

describe("registering a taken email", () => {
  /** A store that keeps users by email, and the requests it was sent. */
  function recordingStore() {
    const users = new Map<string, StoredUser>();
    const requests: string[] = [];
    const store = {
      async call(type: string, payload: { user: StoredUser }) {
        requests.push(type);
        if (type === "store.start_refresh_family") return {};
        if (type !== "store.create_user") throw new Error(`unexpected ${type}`);
        if (users.has(payload.user.email))
          throw new AppError("EMAIL_TAKEN", "This email is already registered");
        users.set(payload.user.email, payload.user);
        return payload.user;
      },
    };
    return { store: store as unknown as StoreClient, requests };
  }

  test("does the work a free one does, the password hashed and the user's creation tried, then answers 409", async () => {
    const logger = createLogger("auth-routes-test", "silent");
    const { store, requests } = recordingStore();
    const tokens = new AccessTokens(
      "auth-routes-test-secret-that-is-long-enough",
      900,
      new MemoryActorState({ ttlSeconds: 60, replayLogMaxLength: 10 }).revocations,
    );
    const app = new Elysia()
      .onError(({ code, error, set, request }) => {
        const { status, body } = renderError(code, error, request, logger);
        set.status = status;
        return body;
      })
      .use(
        authRoutes({
          requestContext: requestContext(logger, { trustProxy: false }),
          store,
          tokens,
          refreshTokens: new RefreshTokens(3_600),
          authenticator: new Authenticator(tokens, { sessionCookie: { secureOnly: false } }),
          adminEmails: new AdminEmails(undefined),
          rateLimits: { takeAccountSignIn: async () => {} },
          logger,
          settings: { mode: "local", cookieSecure: false, passwordMinLength: 10 },
        }),
      );
    const registration = (email: string) =>
      app.handle(
        new Request("http://localhost/api/auth/register", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ email, password, name: "Ada" }),
        }),
      );
    const hashes = spyOn(Bun.password, "hash");
    try {
      expect((await registration("ada@example.com")).status).toBe(201);
      expect(hashes).toHaveBeenCalledTimes(1);
      expect(requests).toEqual(["store.create_user", "store.start_refresh_family"]);

      requests.length = 0;
      const taken = await registration("ADA@example.com");
      expect(taken.status).toBe(409);
      expect(((await taken.json()) as any).error.code).toBe("EMAIL_TAKEN");
      expect(hashes).toHaveBeenCalledTimes(2);
      expect(requests).toEqual(["store.create_user"]);
    } finally {
      hashes.mockRestore();
    }
  });
});
