import type { StaffActor, StaffRole, User } from "@chat/contracts";
import { Elysia } from "elysia";
import type { RequestContext } from "../http/request-context.ts";
import type { Authenticator, Caller } from "./authenticator.ts";
import type { StaffAccess } from "./staff-access.ts";

/** A staff caller: who signed in, and the staff member they act as. */
type StaffCaller = { caller: Caller; staff: StaffActor };

/**
 * The `staff` route option: `{ staff: "agent" }` or `{ staff: "admin" }` lets only callers with
 * that role or above run the route, checked by `StaffAccess` from the token's user and the role
 * they have now. Anonymous callers get 401; users 404 ROUTE_NOT_FOUND, the body of a route that
 * does not exist; agents on an admin route 403. The check runs before the query, params and body
 * are validated, so a user's malformed request is a 404 too, not a 400 that would reveal the
 * route. The handler gets `caller`, `user` and `staff` (the actor to put in commands).
 *
 * @example
 * new Elysia({ prefix: "/api/admin" })
 *   .use(staffOnly({ requestContext, authenticator, access }))
 *   .get("/users", ({ staff }) => listUsers(staff), { staff: "agent" });
 */
export function staffOnly(dependencies: {
  requestContext: RequestContext;
  authenticator: Pick<Authenticator, "identify">;
  access: Pick<StaffAccess, "check">;
}) {
  const { authenticator, access } = dependencies;
  // Checked once per request, in `transform` (before validation); `resolve` hands the result on.
  const checked = new WeakMap<Request, Promise<StaffCaller>>();
  const checkOnce = (
    request: Request,
    headers: Record<string, string | undefined>,
    needed: StaffRole,
    traceparent: string,
  ): Promise<StaffCaller> => {
    let check = checked.get(request);
    if (!check) {
      check = (async () => {
        const caller = await authenticator.identify(headers, traceparent);
        return { caller, staff: await access.check(caller, needed, traceparent) };
      })();
      checked.set(request, check);
    }
    return check;
  };

  return new Elysia({ name: "staff-only" }).use(dependencies.requestContext).macro({
    staff: (needed: StaffRole) => ({
      async transform({ request, headers, traceparent }) {
        await checkOnce(request, headers, needed, traceparent);
      },
      async resolve({ request, headers, traceparent }): Promise<StaffCaller & { user: User }> {
        const { caller, staff } = await checkOnce(request, headers, needed, traceparent);
        return { caller, staff, user: caller.user };
      },
    }),
  });
}

/** The `staffOnly` plugin, for route modules that take it. */
export type StaffOnly = ReturnType<typeof staffOnly>;
