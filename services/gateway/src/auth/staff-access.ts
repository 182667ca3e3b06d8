import type { StoreClient } from "@chat/bus";
import { type AdminEmails, AppError, type Role, type StaffActor, type StaffRole } from "@chat/contracts";
import type { Caller } from "./authenticator.ts";

/** What answers a caller who is not staff: the same 404 as a route that does not exist. */
export function noSuchRoute(): AppError {
  return new AppError("ROUTE_NOT_FOUND", "No such route", { retryable: false });
}

const rank: Record<Role, number> = { user: 0, agent: 1, admin: 2 };

/**
 * Decides whether a signed-in caller may take a staff action, by the role they have now, read from
 * the store at each staff request: a token's `role` claim may be a token lifetime old (and an
 * identity provider's user is cached for a minute), and a role taken away must stop at once. A user
 * gets ROUTE_NOT_FOUND (404, as for a route that does not exist, so the staff routes are not
 * revealed), an agent on an admin-only action FORBIDDEN (403: staff know the console exists, and
 * the answer tells them it is a matter of role). HTTP routes (`staffOnly`) and WebSocket frames
 * both ask it.
 *
 * @example
 * const actor = await access.check(caller, "admin", traceparent); // { id, email, role: "admin" }
 */
export class StaffAccess {
  constructor(
    private readonly options: {
      store: Pick<StoreClient, "call">;
      adminEmails: Pick<AdminEmails, "includes">;
      /**
       * Whether a stored email is its user's own (local accounts): then ADMIN_EMAILS is matched
       * against it. With an identity provider only the token's verified email counts (`listedAdmin`).
       */
      storedEmailsOwned: boolean;
    },
  ) {}

  /** The caller's role now; a user the store no longer has is a plain user. */
  async roleNow(caller: Pick<Caller, "user" | "listedAdmin">, traceparent: string): Promise<Role> {
    const { store, adminEmails, storedEmailsOwned } = this.options;
    const stored = await store.call("store.find_user_by_id", { userId: caller.user.id }, traceparent);
    if (!stored) return "user";
    const listed = caller.listedAdmin ?? (storedEmailsOwned && adminEmails.includes(stored.email));
    return listed ? "admin" : stored.role;
  }

  /** The staff member behind an action that needs `needed`; throws ROUTE_NOT_FOUND or FORBIDDEN. */
  async check(
    caller: Pick<Caller, "user" | "listedAdmin">,
    needed: StaffRole,
    traceparent: string,
  ): Promise<StaffActor> {
    const role = await this.roleNow(caller, traceparent);
    if (role === "user") throw noSuchRoute();
    if (rank[role] < rank[needed]) {
      throw new AppError("FORBIDDEN", `This needs the ${needed} role`, { retryable: false });
    }
    return { id: caller.user.id, email: caller.user.email, role };
  }
}
