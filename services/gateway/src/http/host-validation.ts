import { AppError } from "@chat/contracts";
import { Elysia } from "elysia";
import { errorBodyFor } from "./error-renderer.ts";
import { hasValidHost } from "./request-url.ts";

/**
 * Refuses a request without one well-formed Host header (missing, empty, two of them, `a^b`, a
 * port past 65535) with 400 VALIDATION_FAILED before anything else reads it: its URL cannot be
 * built, and nothing after this has to cope with that.
 *
 * @example
 * app.use(securityHeaders(options)).use(hostValidation());
 */
export function hostValidation() {
  return new Elysia({ name: "host-validation" }).onRequest(({ request, set }) => {
    if (hasValidHost(request)) return;
    set.status = 400;
    const refusal = new AppError("VALIDATION_FAILED", "The request is invalid", {
      details: [
        { path: "/headers/host", message: "must be one host name or address, with an optional port" },
      ],
    });
    return errorBodyFor(request, 400, refusal.toBody());
  });
}
