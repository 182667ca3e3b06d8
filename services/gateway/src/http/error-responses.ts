import { AppError, type ErrorBody } from "@chat/contracts";
import type { Logger } from "pino";

type ValidationIssue = { path?: string; message?: string; summary?: string };

function validationDetails(error: unknown): Array<{ path: string; message: string }> {
  const all = (error as { all?: ValidationIssue[] }).all ?? [];
  return all.slice(0, 20).map((issue) => ({
    path: issue.path || "/",
    message: issue.summary ?? issue.message ?? "is invalid",
  }));
}

/** Turns whatever a route threw into an HTTP status and a typed error body. */
export function errorResponse(
  code: string | number,
  error: unknown,
  logger: Logger,
): { status: number; body: ErrorBody } {
  if (AppError.isInstance(error)) {
    if (error.code === "INTERNAL") logger.error({ err: error.cause ?? error }, "request failed");
    return { status: error.httpStatus, body: error.toBody() };
  }
  switch (code) {
    case "VALIDATION":
      return {
        status: 400,
        body: {
          error: {
            code: "VALIDATION_FAILED",
            message: "The request is invalid",
            details: validationDetails(error),
          },
        },
      };
    case "PARSE":
      return {
        status: 400,
        body: { error: { code: "MALFORMED_JSON", message: "The body is not valid JSON" } },
      };
    case "NOT_FOUND":
      return { status: 404, body: { error: { code: "ROUTE_NOT_FOUND", message: "No such route" } } };
    default:
      logger.error({ err: error }, "request failed");
      return { status: 500, body: { error: { code: "INTERNAL", message: "Internal error" } } };
  }
}
