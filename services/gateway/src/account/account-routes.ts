import type { StoreClient } from "@chat/bus";
import {
  AccountDeleted,
  type AdminEmails,
  AppError,
  ChangePasswordBody,
  DeleteAccountBody,
  normalizeEmail,
  type StoredUser,
  UpdateProfileBody,
  User,
} from "@chat/contracts";
import { Type } from "@sinclair/typebox";
import { Elysia } from "elysia";
import { checkPasswordPolicy } from "../auth/password-policy.ts";
import type { SignedIn } from "../auth/signed-in.ts";
import { clearedSignInCookies } from "../auth/tokens/session-cookie.ts";
import type { RequestContext } from "../http/request-context.ts";
import type { RateLimits } from "../limits/rate-limits.ts";
import { apiModels } from "../openai/api-models.ts";
import type { AccountDeletion, SignInEnder } from "./account-deletion.ts";

/** What the account routes are configured by. */
export type AccountRoutesSettings = {
  /** local: passwords here; jwks: the identity provider keeps them (no password route). */
  mode: "local" | "jwks";
  cookieSecure: boolean;
  passwordMinLength: number;
};

/**
 * The signed-in user's own account: display name, password, signing out on every device, and
 * deleting the account with everything in it. Changing the password and deleting the account ask
 * for the password again (the user of an identity provider confirms a deletion with the email),
 * limited like sign-ins (RATE_LIMIT_ACCOUNT_PER_MINUTE), so a stolen session cannot guess it.
 */
export function accountRoutes(dependencies: {
  requestContext: RequestContext;
  signedIn: SignedIn;
  store: StoreClient;
  deletion: AccountDeletion;
  signIns: SignInEnder | null;
  adminEmails: Pick<AdminEmails, "roleOf">;
  rateLimits: Pick<RateLimits, "takeAccountSignIn">;
  settings: AccountRoutesSettings;
}) {
  const { store, deletion, signIns, adminEmails, rateLimits, settings } = dependencies;
  const publicUser = (user: StoredUser): User => ({
    id: user.id,
    email: user.email,
    name: user.name,
    role: adminEmails.roleOf(user),
  });

  /** The stored user, once `proof` shows it is them; NOT_CONFIRMED otherwise. */
  async function confirmedUser(
    userId: string,
    proof: { password?: string; email?: string },
    traceparent: string,
  ): Promise<StoredUser> {
    const stored = await store.call("store.find_user_by_id", { userId }, traceparent);
    if (!stored) throw new AppError("USER_NOT_FOUND", "This account no longer exists", { retryable: false });
    await rateLimits.takeAccountSignIn(normalizeEmail(stored.email));
    const confirmed = stored.passwordHash
      ? proof.password !== undefined && (await Bun.password.verify(proof.password, stored.passwordHash))
      : proof.email !== undefined && normalizeEmail(proof.email) === normalizeEmail(stored.email);
    if (!confirmed) {
      const what = stored.passwordHash ? "the account's password" : "the account's email";
      throw new AppError("NOT_CONFIRMED", `Confirm with ${what}`, { retryable: false });
    }
    return stored;
  }

  const passwordRoute = new Elysia({ name: "account-password-route" })
    .use(apiModels)
    .use(dependencies.signedIn)
    .put(
      "/api/me/password",
      async ({ body, caller, traceparent, status }) => {
        const stored = await confirmedUser(caller.user.id, { password: body.currentPassword }, traceparent);
        if (!stored.passwordHash) {
          throw new AppError("NOT_CONFIRMED", "This account signs in with its identity provider", {
            retryable: false,
          });
        }
        checkPasswordPolicy(body.newPassword, stored, { minLength: settings.passwordMinLength });
        const passwordHash = await Bun.password.hash(body.newPassword, { algorithm: "argon2id" });
        await store.call("store.change_password_hash", { userId: stored.id, passwordHash }, traceparent);
        await endSignIns(stored.id, traceparent, caller.signIn.id ?? undefined);
        return status(204, undefined);
      },
      {
        body: ChangePasswordBody,
        response: {
          204: Type.Void({ description: "Changed; every other sign-in of the user has ended" }),
          400: "ErrorBody",
          401: "ErrorBody",
          403: "ErrorBody",
          429: "ErrorBody",
        },
        detail: {
          tags: ["account"],
          summary: "Change the password (the current one confirms it); signs out every other device",
          description:
            '403 NOT_CONFIRMED when `currentPassword` is wrong; 400 with `details[{path:"/password"}]` ' +
            "for a weak new one. The sign-in that asked stays; every other one ends at once.",
        },
      },
    );

  async function endSignIns(userId: string, traceparent: string, exceptFamilyId?: string) {
    const revokedAt = new Date().toISOString();
    const { familyIds } = await store.call(
      "store.revoke_user_sign_ins",
      { userId, revokedAt, ...(exceptFamilyId !== undefined && { exceptFamilyId }) },
      traceparent,
    );
    for (const familyId of familyIds) await signIns?.endSignIn(familyId);
  }

  return new Elysia({ name: "account-routes" })
    .use(apiModels)
    .use(dependencies.requestContext)
    .use(dependencies.signedIn)
    .patch(
      "/api/me",
      async ({ body, user, traceparent }) => {
        const renamed = await store.call(
          "store.rename_user",
          { userId: user.id, name: body.name.trim() },
          traceparent,
        );
        if (!renamed)
          throw new AppError("USER_NOT_FOUND", "This account no longer exists", { retryable: false });
        return { user: publicUser(renamed) };
      },
      {
        body: UpdateProfileBody,
        response: { 200: Type.Object({ user: User }), 400: "ErrorBody", 401: "ErrorBody" },
        detail: {
          tags: ["account"],
          summary: "Change the display name",
          description: "The name shows in the app, and to staff when an agent takes over a chat.",
        },
      },
    )
    .use(settings.mode === "local" ? passwordRoute : new Elysia({ name: "account-password-route-off" }))
    .post(
      "/api/me/sign-out-everywhere",
      async ({ user, traceparent, set, status, overTls }) => {
        await endSignIns(user.id, traceparent);
        set.headers["set-cookie"] = clearedSignInCookies(settings.cookieSecure || overTls);
        return status(204, undefined);
      },
      {
        response: {
          204: Type.Void({ description: "Every sign-in of the user has ended" }),
          401: "ErrorBody",
        },
        detail: {
          tags: ["account"],
          summary: "Sign out on every device, this one included",
          description:
            "Every refresh token of the user stops working and every access token with it, so open " +
            "streams and WebSockets of the user close. API keys keep working: revoke them at /api/keys.",
        },
      },
    )
    .delete(
      "/api/me",
      async ({ body, user, traceparent, set, overTls }) => {
        await confirmedUser(user.id, body, traceparent);
        const deleted = await deletion.delete(user.id, traceparent);
        set.headers["set-cookie"] = clearedSignInCookies(settings.cookieSecure || overTls);
        return deleted;
      },
      {
        body: DeleteAccountBody,
        response: {
          200: AccountDeleted,
          400: "ErrorBody",
          401: "ErrorBody",
          403: "ErrorBody",
          409: "ErrorBody",
          429: "ErrorBody",
        },
        detail: {
          tags: ["account"],
          summary: "Delete the account and everything in it",
          description:
            "Confirm with `{password}` (an identity provider's user: `{email}`); 403 NOT_CONFIRMED " +
            "otherwise. Ends every sign-in, deletes every chat with its messages, files and Redis " +
            "state, the API keys, the usage ledger and the staff alerts about the user, then the " +
            "user. 409 LAST_ADMIN for the last admin. The audit log of staff actions is kept.",
        },
      },
    );
}
