import { Elysia } from "elysia";
import type { RequestContext } from "../http/request-context.ts";
import type { Authenticator } from "./authenticator.ts";

/**
 * The signed-in caller of every route of the module that uses it, as `caller` (the user and the
 * sign-in of their token) and `user`; a request without a valid token answers 401 UNAUTHORIZED
 * before the handler runs. Named, so that Elysia registers it once per module.
 *
 * @example
 * new Elysia({ prefix: "/api/usage" })
 *   .use(signedIn({ requestContext, authenticator }))
 *   .get("", ({ user }) => usageOf(user.id));
 */
export function signedIn(dependencies: {
  requestContext: RequestContext;
  authenticator: Pick<Authenticator, "identify">;
}) {
  const { authenticator } = dependencies;
  return new Elysia({ name: "signed-in" })
    .use(dependencies.requestContext)
    .resolve({ as: "scoped" }, async ({ headers, traceparent }) => {
      const caller = await authenticator.identify(headers, traceparent);
      return { caller, user: caller.user };
    });
}

/** The `signedIn` plugin, for route modules that take it. */
export type SignedIn = ReturnType<typeof signedIn>;
