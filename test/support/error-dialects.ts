/** The error bodies of the API's areas, as README documents them. */
export type ErrorDialect = "chat" | "openai" | "go-chat";

/**
 * The error body a documented route answers with: OpenAI's under `/v1`, the Go Chat PRD's under
 * `/api/projects` and at `/health`, ours everywhere else.
 */
export function errorDialectOfRoute(route: string): ErrorDialect {
  if (route.startsWith("/v1/")) return "openai";
  if (route === "/health" || route === "/api/projects" || route.startsWith("/api/projects/"))
    return "go-chat";
  return "chat";
}

/**
 * Whether `body` is a typed error body of the dialect: ours `{error: {code, message}}`, OpenAI's
 * `{error: {message, type, param, code}}`, the Go Chat PRD's `{error: "…", code}`.
 */
export function isTypedErrorBody(body: unknown, dialect: ErrorDialect): boolean {
  const error = (body as { error?: unknown } | null | undefined)?.error;
  if (dialect === "go-chat")
    return typeof error === "string" && typeof (body as { code?: unknown }).code === "string";
  if (typeof error !== "object" || error === null) return false;
  const fields = error as Record<string, unknown>;
  if (typeof fields.message !== "string") return false;
  return dialect === "openai"
    ? typeof fields.type === "string" && "param" in fields && "code" in fields
    : typeof fields.code === "string";
}

/** The error code of a body of any dialect, if it has one. */
export function errorCodeOf(body: unknown): string | undefined {
  const fields = body as { error?: { code?: unknown } | string; code?: unknown } | null | undefined;
  const code = typeof fields?.error === "object" ? fields.error?.code : fields?.code;
  return typeof code === "string" ? code : undefined;
}
