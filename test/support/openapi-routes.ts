import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type ErrorDialect, errorDialectOfRoute } from "./error-dialects.ts";

/** The part of JSON Schema the gateway's OpenAPI document uses (TypeBox output). */
export type JsonSchema = {
  type?: string;
  $ref?: string;
  const?: unknown;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  minProperties?: number;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  default?: unknown;
  description?: string;
};

export type OpenApiParameter = {
  name: string;
  in: "path" | "query" | "header" | "cookie";
  required: boolean;
  schema: JsonSchema;
};

/** How an operation authenticates, from its `security` (the document's default when absent). */
export type OperationSecurity = "public" | "session" | "apiKey";

/** One operation of the OpenAPI document: a method on a path. */
export type OpenApiOperation = {
  /** `GET /api/chats/{id}`: method upper-case, the path as documented. */
  name: string;
  method: string;
  /** The documented path, `{param}` placeholders included. */
  path: string;
  parameters: OpenApiParameter[];
  /** The JSON request body's schema, when the operation takes one. */
  bodySchema: JsonSchema | undefined;
  /** The content types the body is documented for. */
  bodyContentTypes: string[];
  /** Every documented response status. */
  statuses: number[];
  security: OperationSecurity;
  /** Which error body the route answers with. */
  errorDialect: ErrorDialect;
};

type OpenApiDocument = {
  paths: Record<string, Record<string, RawOperation>>;
  components?: { schemas?: Record<string, JsonSchema>; securitySchemes?: Record<string, unknown> };
  security?: Array<Record<string, string[]>>;
};

type RawOperation = {
  parameters?: Array<{ name: string; in: OpenApiParameter["in"]; required?: boolean; schema?: JsonSchema }>;
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
  responses?: Record<string, unknown>;
  security?: Array<Record<string, string[]>>;
};

const httpMethods = new Set(["get", "post", "put", "patch", "delete", "head", "options"]);
const documentPath = join(import.meta.dir, "../../openapi/openapi.json");

function securityOf(requirements: Array<Record<string, string[]>> | undefined): OperationSecurity {
  if (!requirements || requirements.length === 0) return "public";
  const schemes = requirements.flatMap((requirement) => Object.keys(requirement));
  return schemes.includes("apiKey") && !schemes.includes("bearer") ? "apiKey" : "session";
}

/** Replaces `$ref`s to `#/components/schemas/...` with the schema they name. */
function resolveReferences(
  schema: JsonSchema,
  components: Record<string, JsonSchema>,
  depth = 0,
): JsonSchema {
  if (depth > 20) return schema;
  const resolve = (inner: JsonSchema) => resolveReferences(inner, components, depth + 1);
  if (schema.$ref) {
    const name = schema.$ref.replace("#/components/schemas/", "");
    const target = components[name];
    if (!target) throw new Error(`OpenAPI: unknown $ref ${schema.$ref}`);
    return resolve(target);
  }
  return {
    ...schema,
    ...(schema.properties && {
      properties: Object.fromEntries(
        Object.entries(schema.properties).map(([key, value]) => [key, resolve(value)]),
      ),
    }),
    ...(schema.items && { items: resolve(schema.items) }),
    ...(schema.anyOf && { anyOf: schema.anyOf.map(resolve) }),
    ...(schema.oneOf && { oneOf: schema.oneOf.map(resolve) }),
    ...(schema.allOf && { allOf: schema.allOf.map(resolve) }),
  };
}

/**
 * Every operation of `openapi/openapi.json`, read when called, so tests walk the routes the
 * gateway documents today (regenerate the file with `bun scripts/write-openapi.ts`).
 *
 * @example
 * for (const operation of readOpenApiOperations()) console.log(operation.name, operation.security);
 */
export function readOpenApiOperations(path = documentPath): OpenApiOperation[] {
  const document = JSON.parse(readFileSync(path, "utf8")) as OpenApiDocument;
  const components = document.components?.schemas ?? {};
  const operations: OpenApiOperation[] = [];
  for (const [route, methods] of Object.entries(document.paths)) {
    for (const [method, raw] of Object.entries(methods)) {
      if (!httpMethods.has(method)) continue;
      const content = raw.requestBody?.content ?? {};
      const bodySchema = content["application/json"]?.schema;
      operations.push({
        name: `${method.toUpperCase()} ${route}`,
        method: method.toUpperCase(),
        path: route,
        parameters: (raw.parameters ?? []).map((parameter) => ({
          name: parameter.name,
          in: parameter.in,
          required: parameter.required ?? parameter.in === "path",
          schema: resolveReferences(parameter.schema ?? {}, components),
        })),
        bodySchema: bodySchema && resolveReferences(bodySchema, components),
        bodyContentTypes: Object.keys(content),
        statuses: Object.keys(raw.responses ?? {})
          .map(Number)
          .filter((status) => Number.isInteger(status)),
        security: securityOf(raw.security ?? document.security),
        errorDialect: errorDialectOfRoute(route),
      });
    }
  }
  return operations;
}

/** What a path parameter names, so tests can put real ids of a user there. */
export type ResourceKind =
  | "attachment"
  | "chat"
  | "key"
  | "message"
  | "project"
  | "recipient"
  | "share"
  | "user";

/**
 * The kind of resource `{parameter}` of `path` names: `{chatId}`, `{messageId}`, `{keyId}`, or
 * `{id}` under /api/attachments, /api/chats, /api/projects, /api/chat-projects, /api/keys or /api/admin/users; undefined for one the
 * tests do not know yet.
 */
export function resourceOfPathParameter(path: string, parameter: string): ResourceKind | undefined {
  if (parameter === "chatId") return "chat";
  if (parameter === "messageId") return "message";
  if (parameter === "keyId") return "key";
  if (parameter === "id" && path.startsWith("/api/keys")) return "key";
  if (parameter === "id" && path.startsWith("/api/attachments")) return "attachment";
  if (parameter === "id" && (path.startsWith("/api/shares") || path.startsWith("/api/shared")))
    return "share";
  if (parameter === "id" && path.startsWith("/api/chats")) return "chat";
  // The Go Chat compatible API: a project is a chat.
  if (parameter === "id" && path.startsWith("/api/projects")) return "chat";
  if (parameter === "id" && path.startsWith("/api/chat-projects")) return "project";
  if (parameter === "id" && path.startsWith("/api/admin/chats")) return "chat";
  if (parameter === "id" && path.startsWith("/api/admin/console/chats")) return "chat";
  if (parameter === "id" && path.startsWith("/api/admin/recipients")) return "recipient";
  if (parameter === "id" && path.startsWith("/api/admin/users")) return "user";
  return undefined;
}

/** The names of a path's `{param}` placeholders, in order. */
export function pathParameterNames(path: string): string[] {
  return [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1] as string);
}

/**
 * The path with each `{param}` replaced by its value, percent-encoded unless `raw` (hostile
 * tests send some values as they are, such as `..%2f`).
 */
export function fillPath(
  path: string,
  values: Record<string, string>,
  options: { raw?: boolean } = {},
): string {
  return path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`no value for {${name}} in ${path}`);
    return options.raw ? value : encodeURIComponent(value);
  });
}
