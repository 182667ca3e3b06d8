import { STATUS_CODES } from "node:http";

type JsonObject = Record<string, unknown>;

/** What a Response Object may hold besides `x-` extensions (OpenAPI 3.1). */
const responseFields = new Set(["description", "headers", "content", "links"]);

/**
 * The OpenAPI document `@elysiajs/swagger` makes, made valid OpenAPI 3.1: the route schemas are
 * JSON Schema from TypeBox (`const`, `type: "null"`), which 3.0 does not allow and 3.1 does; their
 * `$id`s repeat wherever a shared schema is inlined, which 3.1 forbids (components are reached by
 * `$ref` to their name, never by `$id`); every response keeps only what a Response Object holds
 * (the plugin puts copies of its schema beside `content`) and gets the `description` it must have
 * (its schema's, else the status's reason phrase). Returns a new document.
 *
 * @example
 * openApi31(await (await app.handle(new Request("http://x/swagger/json"))).json()).openapi; // "3.1.0"
 */
export function openApi31(document: JsonObject): JsonObject {
  const normalized = withoutIds(structuredClone(document)) as JsonObject;
  normalized.openapi = "3.1.0";
  for (const operations of Object.values((normalized.paths ?? {}) as Record<string, JsonObject>)) {
    for (const operation of Object.values(operations) as JsonObject[]) {
      const responses = (operation.responses ?? {}) as Record<string, JsonObject>;
      for (const [status, response] of Object.entries(responses))
        responses[status] = validResponse(status, response);
    }
  }
  return normalized;
}

function validResponse(status: string, response: JsonObject): JsonObject {
  const valid: JsonObject = {};
  for (const [field, value] of Object.entries(response)) {
    if (responseFields.has(field) || field.startsWith("x-")) valid[field] = value;
  }
  if (typeof valid.description !== "string")
    valid.description = contentDescription(valid) ?? STATUS_CODES[Number(status)] ?? `Status ${status}`;
  return valid;
}

/** The description of the response's schema, under its first media type. */
function contentDescription(response: JsonObject): string | undefined {
  const [media] = Object.values((response.content ?? {}) as Record<string, { schema?: JsonObject }>);
  const description = media?.schema?.description;
  return typeof description === "string" ? description : undefined;
}

function withoutIds(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutIds);
  if (typeof node !== "object" || node === null) return node;
  const copy: JsonObject = {};
  for (const [key, value] of Object.entries(node)) if (key !== "$id") copy[key] = withoutIds(value);
  return copy;
}
