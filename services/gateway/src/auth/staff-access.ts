import type { StoreClient } from "@chat/bus";
import {
  type AdminEmails,
  AppError,
  type Role,
  type StaffActor,
  type StaffRole,
  type User,
} from "@chat/contracts";

/** Where a caller's role is read on a staff route. */
export type RoleSource =
  /**
   * The store, at each staff request (local accounts): the token's `role` claim may be up to one
   * token lifetime old, and a role taken away must stop working at once.
   */
  | "store"
  /**
   * The caller as identified (AUTH_MODE=jwks): the identity provider's token was matched to its
   * stored user on this very request, and ADMIN_EMAILS counts only that token's verified email.
   */
  | "caller";

/** What answers a caller who is not staff: the same 404 as a route that does not exist. */
export function noSuchRoute(): AppError {
  return new AppError("ROUTE_NOT_FOUND", "No such route", { retryable: false });
}

const rank: Record<Role, number> = { user: 0, agent: 1, admin: 2 };

/**
 * Decides whether a signed-in caller may take a staff action, by the role they have now: a user
 * gets ROUTE_NOT_FOUND (404, as for a route that does not exist, so the staff routes are not
 * revealed), an agent on an admin-only action FORBIDDEN (403: staff know the console exists, and
 * the answer tells them it is a matter of role). HTTP routes (`staffOnly`) and WebSocket frames
 * both ask it.
 *
 * @example
 * const actor = await access.check(user, "admin", traceparent); // { id, email, role: "admin" }
 */
export class StaffAccess {
  constructor(
    private readonly options: {
      store: Pick<StoreClient, "call">;
      adminEmails: Pick<AdminEmails, "roleOf">;
      roleSource: RoleSource;
    },
  ) {}

  /** The caller's role now (see `RoleSource`); a user the store no longer has is a plain user. */
  async roleNow(user: User, traceparent: string): Promise<Role> {
    if (this.options.roleSource === "caller") return user.role;
    const stored = await this.options.store.call("store.find_user_by_id", { userId: user.id }, traceparent);
    return stored ? this.options.adminEmails.roleOf(stored) : "user";
  }

  /** The staff member behind an action that needs `needed`; throws ROUTE_NOT_FOUND or FORBIDDEN. */
  async check(user: User, needed: StaffRole, traceparent: string): Promise<StaffActor> {
    const role = await this.roleNow(user, traceparent);
    if (role === "user") throw noSuchRoute();
    if (rank[role] < rank[needed]) {
      throw new AppError("FORBIDDEN", `This needs the ${needed} role`, { retryable: false });
    }
    return { id: user.id, email: user.email, role };
  }
}
