import {
  AppError,
  type ErrorBody,
  type GoChatErrorBody,
  type OpenAIErrorBody,
  type OpenAIErrorType,
} from "@chat/contracts";
import type { Logger } from "pino";
import { requestPath } from "./request-url.ts";

/**
 * Which error body a path answers: ours, OpenAI's under `/v1` (the OpenAI-compatible API), or
 * the Go Chat PRD's under `/api/projects` and at `/health` (the Go Chat compatible API).
 */
export type ErrorDialect = "chat" | "openai" | "go-chat";

const underPath = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}/`);

/**
 * The error dialect of a path.
 *
 * @example
 * errorDialectOf("/v1/chat/completions"); // "openai"
 * errorDialectOf("/api/projects/abc"); // "go-chat"
 */
export function errorDialectOf(path: string): ErrorDialect {
  if (underPath(path, "/v1")) return "openai";
  if (underPath(path, "/api/projects") || path === "/health") return "go-chat";
  return "chat";
}

/** Our error body as the Go Chat PRD gives it: the text in `error`, our code beside it. */
export function toGoChatErrorBody(body: ErrorBody): GoChatErrorBody {
  const { code, message, details } = body.error;
  return { error: message, code, ...(details && { details }) };
}

function openAIErrorType(status: number): OpenAIErrorType {
  if (status === 401) return "authentication_error";
  if (status === 429) return "rate_limit_error";
  if (status >= 500) return "api_error";
  return "invalid_request_error";
}

/**
 * Our error body in OpenAI's shape, keeping our code in `code` so callers can still tell errors
 * apart; validation details go into the message, since OpenAI's body has no place for a list.
 */
export function toOpenAIErrorBody(status: number, body: ErrorBody): OpenAIErrorBody {
  const details = (body.error.details ?? [])
    .slice(0, 5)
    .map((detail) => `${detail.path}: ${detail.message}`)
    .join("; ");
  return {
    error: {
      message: details ? `${body.error.message}: ${details}` : body.error.message,
      type: openAIErrorType(status),
      param: null,
      code: body.error.code,
    },
  };
}

/**
 * An error body in the dialect of the request's area: the one place that decides its shape, for
 * refusals answered before routing and for whatever a route threw.
 *
 * @example
 * set.status = 413;
 * return errorBodyFor(request, 413, bodyTooLarge(limit).toBody());
 */
export function errorBodyFor(
  request: Request,
  status: number,
  body: ErrorBody,
): ErrorBody | OpenAIErrorBody | GoChatErrorBody {
  switch (errorDialectOf(requestPath(request))) {
    case "openai":
      return toOpenAIErrorBody(status, body);
    case "go-chat":
      return toGoChatErrorBody(body);
    case "chat":
      return body;
  }
}

type ValidationIssue = { path?: string; message?: string; summary?: string };

function validationDetails(error: unknown): Array<{ path: string; message: string }> {
  const all = (error as { all?: ValidationIssue[] }).all ?? [];
  return all.slice(0, 20).map((issue) => ({
    path: issue.path || "/",
    message: issue.summary ?? issue.message ?? "is invalid",
  }));
}

/**
 * Turns whatever a route threw into an HTTP status and a typed error body in the dialect of the
 * request's area (see `errorBodyFor`).
 *
 * @example
 * app.onError(({ code, error, request, set }) => {
 *   const { status, body } = renderError(code, error, request, logger);
 *   set.status = status;
 *   return body;
 * });
 */
export function renderError(
  code: string | number,
  error: unknown,
  request: Request,
  logger: Logger,
): { status: number; body: ErrorBody | OpenAIErrorBody | GoChatErrorBody } {
  const { status, body } = chatErrorResponse(code, error, logger);
  return { status, body: errorBodyFor(request, status, body) };
}

function chatErrorResponse(
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
