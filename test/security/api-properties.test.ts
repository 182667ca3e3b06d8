import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import fc from "fast-check";
import { ChatApiClient, defaultPassword } from "../support/chat-api-client.ts";
import { type EmbeddedServer, startEmbeddedServer } from "../support/embedded-server.ts";
import { errorDialectOfRoute, isTypedErrorBody } from "../support/error-dialects.ts";
import {
  headerSafe,
  hostileString,
  percentEncode,
  valueFromSchema,
  type WireBody,
  wireBody,
} from "../support/hostile-values.ts";
import {
  fillPath,
  type OpenApiOperation,
  pathParameterNames,
  type ResourceKind,
  readOpenApiOperations,
  resourceOfPathParameter,
} from "../support/openapi-routes.ts";
import { type RawResponse, sendRawRequest } from "../support/raw-request.ts";
import {
  idsIn,
  type SnapshotChat,
  type SnapshotKey,
  type SnapshotMessage,
  snapshotUserData,
  type UserDataSnapshot,
} from "../support/user-data-snapshot.ts";

/**
 * Property tests over the HTTP API, generated from openapi/openapi.json: random and hostile
 * bodies, query strings, path parameters and headers, sent as user B and as user A against the
 * real embedded server. No answer is a 5xx (but a documented 503/504), every 4xx has the typed
 * error body, B never changes or sees A's data, and A's own requests change A's data only as the
 * documented operation does.
 */

/** Fixed, so a failure reproduces; printed with every failure. */
/** Routes that end every sign-in of the caller or delete the account. */
const ownAccountOperations = ["DELETE /api/me", "POST /api/me/sign-out-everywhere", "PUT /api/me/password"];
const seed = 0x5ec0de;
/** Runs per property, per documented operation: enough that every operation is sent. */
const runsPerOperation = 8;
const maxBodyBytes = 64 * 1024;
/** `/v1/chat/completions` has a limit of its own, for images sent as data URLs. */
const completionMaxBodyBytes = 2 * maxBodyBytes;
const defaultChatTitle = "New chat";
const defaultHoldTtlMs = 120_000;
/** The model a chat gets when none is named (`defaultModel` of GET /api/models), read before the runs. */
let defaultModelId = "";

type Actor = {
  name: "A" | "B";
  client: ChatApiClient;
  apiKey: string;
  /**
   * The access token of another sign-in of the same user, sent to logout: logout ends the sign-in
   * of the token it is sent, and the other requests keep `client`'s.
   */
  signOutToken: string;
  /**
   * The access token of an account made for the routes that end every sign-in of the caller or
   * delete the account (`ownAccountOperations`), so those cannot sign the actor out.
   */
  ownAccountToken: string;
  /** Ids put in path parameters: mostly A's, whoever sends. */
  ids: (kind: ResourceKind, method: string) => fc.Arbitrary<string>;
};

/** One generated request, ready to send, and what it was made from (for reports). */
type GeneratedRequest = {
  operation: OpenApiOperation;
  method: string;
  path: string;
  pathValues: Record<string, string>;
  headers: Record<string, string>;
  body: WireBody | undefined;
};

type Exchange = { request: GeneratedRequest; response: RawResponse };

const malformedTraceparents = [
  "00-00000000000000000000000000000000-0000000000000000-01",
  "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
  "00-4bf92f3577b34da6a3ce929d0e0e4736",
  "garbage",
  "x".repeat(2_000),
];

/** Text with everything but printable ASCII escaped, so control characters show in reports. */
function printable(text: string): string {
  return `"${text.replace(/[^\u0020-\u007e]|"/g, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, "0")}`)}"`;
}

function describeRequest(request: GeneratedRequest): string {
  const body = request.body
    ? ` body(${request.body.form}, ${request.body.contentType ?? "no content type"}): ${String(
        typeof request.body.payload === "string"
          ? request.body.payload
          : `${request.body.payload.length} bytes`,
      ).slice(0, 200)}`
    : "";
  const headers = Object.entries(request.headers)
    .map(([name, value]) => `${name}: ${printable(value.slice(0, 60))}`)
    .join("; ");
  return `${request.operation.name} → ${request.method} ${request.path.slice(0, 200)} [${headers}]${body}`;
}

/** Hostile headers a client may add; fetch refuses control characters, so these are Latin-1. */
const extraHeaders: fc.Arbitrary<Record<string, string>> = fc.record(
  {
    "x-request-id": fc.oneof(hostileString.map(headerSafe), fc.constant("r".repeat(3_000))),
    traceparent: fc.constantFrom(...malformedTraceparents),
    "last-event-id": fc.oneof(
      hostileString.map(headerSafe),
      fc.constantFrom("0-0", "99999999999999-0", "-1", "1-1-1", "$gt"),
    ),
    accept: fc.constantFrom("text/event-stream", "*/*", "application/json", "garbage/\u00ff"),
    cookie: fc.oneof(
      hostileString.map((text) => `chat_session=${headerSafe(text)}`),
      fc.constantFrom("chat_session=", "=;;=;", `a=${"b".repeat(3_000)}`, "chat_session=a; chat_session=b"),
    ),
    origin: fc.constantFrom("https://evil.example", "null", "http://127.0.0.1"),
    "x-forwarded-for": fc.constantFrom("10.0.0.1", "1.2.3.4, 127.0.0.1", "not an address"),
    "x-forwarded-proto": fc.constantFrom("https", "gopher"),
    "content-encoding": fc.constantFrom("gzip", "br", "identity"),
  },
  { requiredKeys: [] },
);

/** A hostile `Authorization` header: wrong schemes, junk, two tokens, a huge one. */
function hostileAuthorization(token: string): fc.Arbitrary<string> {
  return fc.oneof(
    hostileString.map((text) => `Bearer ${headerSafe(text)}`),
    fc.constantFrom(
      "Bearer",
      "Bearer ",
      "Basic YWxhZGRpbjpvcGVuc2VzYW1l",
      `bearer ${token}`,
      `Bearer ${token}x`,
      `Bearer ${token} ${token}`,
      `Bearer ${token.split(".").slice(0, 2).join(".")}.`,
      `Token ${token}`,
      `Bearer ${"a".repeat(6_000)}`,
    ),
  );
}

function queryArbitrary(operation: OpenApiOperation, hostile: boolean): fc.Arbitrary<string> {
  const queryParameters = operation.parameters.filter(
    (parameter) => parameter.in === "query" && (hostile || parameter.name !== "ticket"),
  );
  const valid = (parameter: (typeof queryParameters)[number]) =>
    valueFromSchema(parameter.schema, { hostile }).map((value): [string, unknown] => [parameter.name, value]);
  const pairs = queryParameters.map((parameter) =>
    fc.option(
      hostile
        ? fc.oneof(
            { weight: 6, arbitrary: valid(parameter) },
            {
              weight: 1,
              arbitrary: fc
                .constantFrom(`${parameter.name}[$gt]`, `${parameter.name}[]`, `${parameter.name}.x`)
                .map((name): [string, unknown] => [name, ""]),
            },
          )
        : valid(parameter),
      { nil: null, freq: 3 },
    ),
  );
  const extra = hostile
    ? fc.option(
        fc.tuple(
          fc.constantFrom("__proto__[role]", "constructor[prototype][x]", "limit", "$where", "a"),
          hostileString,
        ),
        { nil: null, freq: 4 },
      )
    : fc.constant(null);
  const raw = hostile
    ? fc.constantFrom("", "&%zz", "&%E0%A4%A", "&%C0%AF", "&a=%00", "&&&")
    : fc.constant("");
  return fc
    .tuple(fc.tuple(...pairs), extra, hostile ? fc.boolean() : fc.constant(false), raw)
    .map(([chosen, added, duplicate, rawTail]) => {
      const entries = [...chosen, added].filter((pair): pair is [string, unknown] => pair !== null);
      const encoded = entries.map(([name, value]) => {
        const text = typeof value === "string" ? value : (JSON.stringify(value) ?? "");
        return `${percentEncode(name)}=${percentEncode(text.slice(0, 1_000))}`;
      });
      if (duplicate && encoded[0]) encoded.push(encoded[0]);
      const query = `${encoded.join("&")}${rawTail}`;
      return query ? `?${query}` : "";
    });
}

/** Path values: real ids (mostly A's), random valid ids, and when hostile, encoded junk and traversal. */
function pathValueArbitrary(
  kind: ResourceKind | undefined,
  method: string,
  actor: Actor,
  hostile: boolean,
): fc.Arbitrary<string> {
  const real = kind ? actor.ids(kind, method) : fc.constant("unknown");
  const randomId = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);
  if (!hostile) return fc.oneof({ weight: 9, arbitrary: real }, { weight: 1, arbitrary: randomId });
  return fc.oneof(
    { weight: 6, arbitrary: real },
    { weight: 1, arbitrary: randomId },
    { weight: 2, arbitrary: hostileString.map((text) => percentEncode(text.slice(0, 1_000))) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        "..%2f..%2fapi%2fme",
        "%2e%2e",
        "%00",
        "%",
        "a%2fb",
        "..;",
        "%252e%252e",
        ".",
      ),
    },
  );
}

/**
 * Requests for the documented operations, half of them well-formed (valid values, real ids, the
 * actor's credentials: they reach the logic behind validation, where ownership is checked) and
 * half hostile in every part: path, query, headers, credentials and body.
 */
function requestArbitrary(operations: OpenApiOperation[], actor: Actor): fc.Arbitrary<GeneratedRequest> {
  return fc.tuple(fc.constantFrom(...operations), fc.boolean()).chain(([operation, hostile]) => {
    const token =
      operation.security === "apiKey"
        ? actor.apiKey
        : operation.name === "POST /api/auth/logout"
          ? actor.signOutToken
          : ownAccountOperations.includes(operation.name)
            ? actor.ownAccountToken
            : (actor.client.token as string);
    const names = pathParameterNames(operation.path);
    const pathValues = fc.tuple(
      ...names.map((name) =>
        pathValueArbitrary(resourceOfPathParameter(operation.path, name), operation.method, actor, hostile),
      ),
    );
    const valid = fc.constant<string | null>(`Bearer ${token}`);
    const authorization = hostile
      ? fc.oneof(
          { weight: 12, arbitrary: valid },
          { weight: 1, arbitrary: fc.constant<string | null>(null) },
          { weight: 3, arbitrary: hostileAuthorization(token) },
        )
      : valid;
    const hints = {
      model: fc.constantFrom("demo", "gpt-9", "demo "),
      content: fc.oneof(fc.constantFrom("Hello", "What is 2+2?"), fc.string({ minLength: 1, maxLength: 20 })),
      chatId: actor.ids("chat", "POST"),
      email: fc.oneof(fc.emailAddress(), fc.constant(actor.client.baseUrl)),
      password: fc.oneof(fc.constant(defaultPassword), fc.string({ maxLength: 30 })),
    };
    const bodyless = operation.method === "GET" || operation.method === "HEAD";
    const json = (value: fc.Arbitrary<unknown>) =>
      value.map(
        (inner): WireBody => ({
          contentType: "application/json",
          payload: JSON.stringify(inner) ?? "null",
          form: "json",
        }),
      );
    let body: fc.Arbitrary<WireBody | undefined> = fc.constant(undefined);
    if (operation.bodySchema) {
      const value = valueFromSchema(operation.bodySchema, { hints, hostile });
      body = hostile ? wireBody(value, maxBodyBytes) : json(value);
    } else if (hostile && !bodyless) {
      body = fc.option(wireBody(valueFromSchema({}), maxBodyBytes), { nil: undefined, freq: 3 });
    }
    return fc
      .record({
        pathValues,
        query: queryArbitrary(operation, hostile),
        authorization,
        extra: hostile ? fc.option(extraHeaders, { nil: {}, freq: 2 }) : fc.constant({}),
        body,
      })
      .map(({ pathValues: values, query, authorization: auth, extra, body: wire }): GeneratedRequest => {
        const valueByName = Object.fromEntries(names.map((name, index) => [name, values[index] as string]));
        const headers: Record<string, string> = { ...extra };
        if (auth) headers.authorization = auth;
        if (wire?.contentType) headers["content-type"] = wire.contentType;
        return {
          operation,
          method: operation.method,
          path: `${fillPath(operation.path, valueByName, { raw: true })}${query}`,
          pathValues: valueByName,
          headers,
          body: wire,
        };
      });
  });
}

/** A broken property: `kind` groups alike failures (operation and what went wrong), `detail` is one case. */
type Violation = { kind: string; detail: string };

/** The checks every answer must pass, whoever sent the request; a list of what failed. */
function answerProblems(request: GeneratedRequest, response: RawResponse): Violation[] {
  const problems: Violation[] = [];
  const { operation } = request;
  const documentedUnavailable = [503, 504].filter((status) => operation.statuses.includes(status));
  if (response.status >= 500 && !documentedUnavailable.includes(response.status)) {
    problems.push({ kind: `answered ${response.status}`, detail: response.text.slice(0, 300) });
  }
  // Bun's HTTP server itself refuses headers past 16 KiB with a bare 431, before the gateway runs.
  if (response.status >= 400 && response.status < 500 && response.status !== 431) {
    // The area is the path as the server resolves it: `/api/projects/%2e%2e` is `/api/`, not a project.
    const dialect = errorDialectOfRoute(new URL(request.path, "http://gateway.invalid").pathname);
    if (!isTypedErrorBody(response.json, dialect)) {
      problems.push({
        kind: `answered ${response.status} without the ${dialect} error body`,
        detail: response.text.slice(0, 300),
      });
    }
  }
  return problems;
}

type CheckResult = {
  violations: Map<string, { count: number; examples: string[] }>;
  exchanges: Exchange[];
  unsendable: number;
};

/** Runs `runs` generated requests; collects every violated property instead of stopping at one. */
async function checkRequests(
  baseUrl: string,
  arbitrary: fc.Arbitrary<GeneratedRequest>,
  extraChecks: (exchange: Exchange) => Violation[],
  runs: number,
): Promise<CheckResult> {
  const result: CheckResult = { violations: new Map(), exchanges: [], unsendable: 0 };
  const record = (request: GeneratedRequest, violation: Violation) => {
    const kind = `${request.operation.name}: ${violation.kind}`;
    const entry = result.violations.get(kind) ?? { count: 0, examples: [] };
    entry.count++;
    if (entry.examples.length < 2)
      entry.examples.push(`${describeRequest(request)}\n      → ${violation.detail}`);
    result.violations.set(kind, entry);
  };
  await fc.assert(
    fc.asyncProperty(arbitrary, async (request) => {
      try {
        new Headers(request.headers);
      } catch {
        // fetch would refuse to send these headers: nothing reaches the server.
        result.unsendable++;
        return;
      }
      let response: RawResponse;
      try {
        response = await sendRawRequest(baseUrl, {
          method: request.method,
          path: request.path,
          headers: request.headers,
          body: request.body?.payload,
        });
      } catch (error) {
        record(request, { kind: "no answer", detail: (error as Error).message });
        return;
      }
      const exchange = { request, response };
      result.exchanges.push(exchange);
      for (const violation of [...answerProblems(request, response), ...extraChecks(exchange)]) {
        record(request, violation);
      }
    }),
    { numRuns: runs, seed, endOnFailure: true },
  );
  return result;
}

/** Each kind of violation with its count and examples, for one readable failure message. */
function violationSummary(result: CheckResult): string[] {
  return [...result.violations].map(
    ([kind, { count, examples }]) =>
      `${kind} (${count}× with seed ${seed}), e.g.\n    ${examples.join("\n    ")}`,
  );
}

/** Prints what the run covered; answers the documented operations it never sent. */
function report(name: string, operations: OpenApiOperation[], result: CheckResult): string[] {
  const byOperation = new Map<string, number>();
  for (const { request } of result.exchanges) {
    byOperation.set(request.operation.name, (byOperation.get(request.operation.name) ?? 0) + 1);
  }
  const statuses = new Map<number, number>();
  for (const { response } of result.exchanges) {
    statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
  }
  const violations = [...result.violations.values()].reduce((sum, entry) => sum + entry.count, 0);
  console.info(
    `${name}: ${result.exchanges.length} requests (seed ${seed}), ${byOperation.size} operations, ` +
      `statuses ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}, ` +
      `${result.unsendable} refused by fetch itself, ${violations} violations`,
  );
  return operations.map((operation) => operation.name).filter((operation) => !byOperation.has(operation));
}

function messagesById(messages: SnapshotMessage[]): Map<string, SnapshotMessage> {
  return new Map(messages.map((message) => [message.id, message]));
}

/**
 * What A's successful requests did, replayed on the snapshot taken before them: the chats and
 * keys A must have now. Fields that follow from running a turn (the answer's text, the activity
 * time, an automatic title) are checked loosely by `compareWithExpected`.
 */
function applyDocumentedEffects(before: UserDataSnapshot, exchanges: Exchange[]) {
  const chats = new Map(before.chats.map((chat) => [chat.id, structuredClone(chat)]));
  const keys = new Map(before.keys.map((key) => [key.id, structuredClone(key)]));
  const projects = new Map(before.projects.map((project) => [project.id, structuredClone(project)]));
  const usedChats = new Set<string>();
  const pendingAnswers = new Map<string, string>();
  for (const { request, response } of exchanges) {
    if (response.status < 200 || response.status >= 300) continue;
    const body = response.json as any;
    const id = decodeURIComponentSafe(request.pathValues.id ?? "");
    switch (request.operation.name) {
      case "POST /api/chats":
        chats.set(body.id, { ...body, messages: [] });
        break;
      case "PATCH /api/chats/{id}": {
        const chat = chats.get(id);
        if (chat) chats.set(id, { ...body, messages: chat.messages });
        usedChats.add(id);
        break;
      }
      // The Go Chat compatible API: a project is a chat with the deployment's default model.
      case "POST /api/projects":
        chats.set(body.id, {
          id: body.id,
          title: body.title,
          model: defaultModelId,
          createdAt: body.createdAt,
          lastActivityAt: body.updatedAt,
          needsHelp: false,
          assisted: false,
          heldBy: null,
          pinned: false,
          archived: false,
          messages: [],
        });
        break;
      // Renaming a project renames its chat; the rest of the chat stays.
      case "PATCH /api/projects/{id}": {
        const chat = chats.get(id);
        if (chat) chats.set(id, { ...chat, title: body.title, lastActivityAt: body.updatedAt });
        usedChats.add(id);
        break;
      }
      case "DELETE /api/chats/{id}":
      case "DELETE /api/projects/{id}":
        chats.delete(id);
        break;
      case "POST /api/chats/{id}/messages": {
        const chat = chats.get(id);
        usedChats.add(id);
        if (!chat || chat.messages.some((message) => message.id === body.userMessage.id)) break;
        chat.messages.push(body.userMessage);
        // While an agent holds the chat no answer is written.
        if (body.assistantMessageId === undefined) break;
        chat.messages.push({ id: body.assistantMessageId, role: "assistant", content: "" });
        pendingAnswers.set(body.assistantMessageId, id);
        break;
      }
      // Help requests and takeover answer the chat's marks as they are now.
      case "POST /api/chats/{id}/help":
      case "DELETE /api/chats/{id}/help":
      case "POST /api/admin/chats/{id}/takeover":
      case "DELETE /api/admin/chats/{id}/takeover": {
        const chat = chats.get(id);
        usedChats.add(id);
        if (chat)
          Object.assign(chat, { needsHelp: body.needsHelp, assisted: body.assisted, heldBy: body.heldBy });
        break;
      }
      case "POST /api/admin/chats/{id}/messages": {
        const chat = chats.get(id);
        usedChats.add(id);
        if (chat && !chat.messages.some((message) => message.id === body.message.id)) {
          chat.messages.push(body.message);
          // The agent's message renews the hold: HOLD_TTL_MS (the default) from the message.
          if (chat.heldBy) {
            const expiresAt = new Date(Date.parse(body.message.createdAt) + defaultHoldTtlMs).toISOString();
            chat.heldBy = { ...chat.heldBy, expiresAt };
          }
        }
        break;
      }
      case "POST /api/chats/{id}/cancel":
        usedChats.add(id);
        break;
      // A new version of a question replaces it and what followed it on the active path.
      case "POST /api/chats/{id}/messages/{messageId}/edit": {
        const chat = chats.get(id);
        usedChats.add(id);
        const edited = chat?.messages.findIndex((message) => message.id === body.editedMessageId) ?? -1;
        if (!chat || edited < 0) break;
        chat.messages.splice(edited, chat.messages.length, body.userMessage, {
          id: body.assistantMessageId,
          role: "assistant",
          content: "",
        });
        pendingAnswers.set(body.assistantMessageId, id);
        break;
      }
      // A switch to the path shown ends it at that message.
      case "POST /api/chats/{id}/branch": {
        const chat = chats.get(id);
        usedChats.add(id);
        const leaf = chat?.messages.findIndex((message) => message.id === body.activeLeafId) ?? -1;
        if (chat && leaf >= 0) chat.messages.splice(leaf + 1);
        break;
      }
      case "POST /api/keys": {
        const { key: _secret, ...listed } = body;
        keys.set(body.id, listed as SnapshotKey);
        break;
      }
      case "DELETE /api/keys/{id}":
        keys.delete(id);
        break;
      case "POST /api/chat-projects":
      case "PATCH /api/chat-projects/{id}":
        projects.set(body.id, body);
        break;
      // The project's chats stay, in no project, unless keepChats=false deletes them.
      case "DELETE /api/chat-projects/{id}": {
        projects.delete(id);
        const keepChats = new URL(request.path, "http://x").searchParams.get("keepChats") !== "false";
        for (const chat of [...chats.values()]) {
          if (chat.projectId !== id) continue;
          if (keepChats) delete chat.projectId;
          else chats.delete(chat.id);
        }
        break;
      }
    }
  }
  for (const chat of chats.values()) chat.messageCount = chat.messages.length;
  return { chats, keys, projects, usedChats, pendingAnswers };
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** How A's data differs from what the documented effects promise; empty when it does not. */
function compareWithExpected(
  after: UserDataSnapshot,
  expected: ReturnType<typeof applyDocumentedEffects>,
  usedKeyId: string,
): string[] {
  const problems: string[] = [];
  const actualChats = new Map(after.chats.map((chat) => [chat.id, chat]));
  for (const id of new Set([...actualChats.keys(), ...expected.chats.keys()])) {
    const actual = actualChats.get(id);
    const wanted = expected.chats.get(id);
    if (!actual || !wanted) {
      problems.push(`chat ${id} ${actual ? "exists but should not" : "is missing"}`);
      continue;
    }
    problems.push(...compareChat(actual, wanted, expected.usedChats.has(id)));
  }
  const actualProjects = new Map(after.projects.map((project) => [project.id, project]));
  for (const id of new Set([...actualProjects.keys(), ...expected.projects.keys()])) {
    const actual = actualProjects.get(id);
    const wanted = expected.projects.get(id);
    if (!Bun.deepEquals(actual, wanted)) {
      problems.push(`project ${id} changed: ${JSON.stringify(wanted)} → ${JSON.stringify(actual)}`);
    }
  }
  const actualKeys = new Map(after.keys.map((key) => [key.id, key]));
  for (const id of new Set([...actualKeys.keys(), ...expected.keys.keys()])) {
    const actual = actualKeys.get(id);
    const wanted = expected.keys.get(id);
    if (!actual || !wanted) {
      problems.push(`API key ${id} ${actual ? "exists but should not" : "is missing"}`);
      continue;
    }
    // Using a key on /v1 records when: only the key A authenticates with may move, and only forward.
    const lastUsedMoved = id === usedKeyId && (actual.lastUsedAt ?? "") >= (wanted.lastUsedAt ?? "");
    const comparable = lastUsedMoved ? { ...actual, lastUsedAt: wanted.lastUsedAt } : actual;
    if (!Bun.deepEquals(comparable, wanted)) {
      problems.push(`API key ${id} changed: ${JSON.stringify(wanted)} → ${JSON.stringify(actual)}`);
    }
  }
  return problems;
}

/**
 * One chat against its expected state. A chat no successful request touched must be identical; a
 * used one may differ only where a turn legitimately changes it: activity time, an automatic
 * title, and the text of answers (which must exist, as the assistant's, in order).
 */
function compareChat(actual: SnapshotChat, wanted: SnapshotChat, used: boolean): string[] {
  const { messages: actualMessages, ...actualMeta } = actual;
  const { messages: wantedMessages, ...wantedMeta } = wanted;
  if (!used) {
    return Bun.deepEquals(actual, wanted)
      ? []
      : [
          `chat ${actual.id} changed though no request of A touched it: ${JSON.stringify(wanted).slice(0, 400)} → ${JSON.stringify(actual).slice(0, 400)}`,
        ];
  }
  const problems: string[] = [];
  const looseMeta = {
    ...actualMeta,
    lastActivityAt: wantedMeta.lastActivityAt,
    title: wantedMeta.title === defaultChatTitle ? defaultChatTitle : actualMeta.title,
  };
  if (!Bun.deepEquals(looseMeta, wantedMeta)) {
    problems.push(`chat ${actual.id}: ${JSON.stringify(wantedMeta)} → ${JSON.stringify(actualMeta)}`);
  }
  if (actualMeta.lastActivityAt < wantedMeta.lastActivityAt) {
    problems.push(`chat ${actual.id}: lastActivityAt went back`);
  }
  const actualIds = actualMessages.map((message) => message.id);
  const wantedIds = wantedMessages.map((message) => message.id);
  if (!Bun.deepEquals(actualIds, wantedIds)) {
    problems.push(`chat ${actual.id}: messages ${JSON.stringify(wantedIds)} → ${JSON.stringify(actualIds)}`);
    return problems;
  }
  const actualById = messagesById(actualMessages);
  for (const message of wantedMessages) {
    const stored = actualById.get(message.id);
    // An answer's text is the model's; that it exists, as the assistant's, is what was promised.
    if (message.role === "assistant" && message.content === "" && stored?.role === "assistant") continue;
    if (!Bun.deepEquals(stored, message)) {
      problems.push(
        `chat ${actual.id}: message ${message.id} ${JSON.stringify(message).slice(0, 300)} → ${JSON.stringify(stored).slice(0, 300)}`,
      );
    }
  }
  return problems;
}

describe("API properties: hostile requests generated from the OpenAPI schemas", () => {
  let server: EmbeddedServer;
  let alice: ChatApiClient;
  let bob: ChatApiClient;
  let aliceEmail: string;
  let bobEmail: string;
  let aliceApiKey: { id: string; key: string };
  let bobApiKey: string;
  /** A's chats and keys that requests may use; DELETE requests get ones kept for deleting. */
  const aliceIds = {
    chats: [] as string[],
    keys: [] as string[],
    projects: [] as string[],
    messages: [] as string[],
  };
  const disposable = { chats: [] as string[], keys: [] as string[], projects: [] as string[] };
  const bobIds = { chats: [] as string[], keys: [] as string[], projects: [] as string[] };
  const operations = readOpenApiOperations();
  const runsPerProperty = Math.max(200, operations.length * runsPerOperation);

  /** A fresh sign-in of A, so a logout among the hostile requests cannot blind the snapshot. */
  async function snapshotOfAlice(): Promise<UserDataSnapshot> {
    const reader = new ChatApiClient(server.baseUrl);
    const login = await reader.login(aliceEmail, defaultPassword);
    if (login.status !== 200) throw new Error(`A could not sign in for the snapshot: ${login.status}`);
    return snapshotUserData(reader);
  }

  /** The access token of a new sign-in of the user of `email`. */
  async function anotherSignIn(email: string): Promise<string> {
    const session = new ChatApiClient(server.baseUrl);
    const login = await session.login(email, defaultPassword);
    if (login.status !== 200) throw new Error(`${email} could not sign in again: ${login.status}`);
    return session.token as string;
  }

  /** Waits until every answer the requests started is stored, then snapshots A. */
  async function settledSnapshotOfAlice(pendingAnswers: Map<string, string>): Promise<UserDataSnapshot> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const snapshot = await snapshotOfAlice();
      const stored = new Set(snapshot.chats.flatMap((chat) => chat.messages.map((message) => message.id)));
      const waiting = [...pendingAnswers].filter(
        ([messageId, chatId]) => !stored.has(messageId) && snapshot.chats.some((chat) => chat.id === chatId),
      );
      if (waiting.length === 0 || Date.now() > deadline) return snapshot;
      await Bun.sleep(100);
    }
  }

  beforeAll(async () => {
    server = await startEmbeddedServer({
      MAX_BODY_BYTES: String(maxBodyBytes),
      COMPLETION_MAX_BODY_BYTES: String(completionMaxBodyBytes),
    });
    alice = new ChatApiClient(server.baseUrl);
    bob = new ChatApiClient(server.baseUrl);
    const registered = await alice.register("Alice");
    aliceEmail = registered.body.user.email;
    bobEmail = (await bob.register("Bob")).body.user.email;
    defaultModelId = (await alice.request("GET", "/api/models")).body.defaultModel;

    // A's history: two finished turns in one chat, and chats with explicit titles.
    for (const title of ["History", "Second", "Third", "Fourth"]) {
      const chat = await alice.request("POST", "/api/chats", { title, systemPrompt: `Prompt of ${title}` });
      aliceIds.chats.push(chat.body.id);
    }
    const historyChat = aliceIds.chats[0] as string;
    for (const content of ["First question", "Second question"]) {
      const stream = await alice.events(`/api/chats/${historyChat}/events`);
      const sent = await alice.request("POST", `/api/chats/${historyChat}/messages`, { content });
      aliceIds.messages.push(sent.body.userMessage.id, sent.body.assistantMessageId);
      await stream.waitFor((event) => event.event === "message_complete");
      stream.close();
    }
    for (let index = 0; index < 4; index++) {
      disposable.chats.push(
        (await alice.request("POST", "/api/chats", { title: `Disposable ${index}` })).body.id,
      );
      disposable.keys.push(
        (await alice.request("POST", "/api/keys", { name: `Disposable ${index}` })).body.id,
      );
    }
    for (let index = 0; index < 2; index++) {
      aliceIds.keys.push((await alice.request("POST", "/api/keys", { name: `Kept ${index}` })).body.id);
      const project = { name: `Project ${index}`, instructions: `Instructions ${index}` };
      aliceIds.projects.push((await alice.request("POST", "/api/chat-projects", project)).body.id);
      disposable.projects.push(
        (await alice.request("POST", "/api/chat-projects", { name: `Disposable ${index}` })).body.id,
      );
    }
    await alice.request("PATCH", `/api/chats/${aliceIds.chats[1]}`, { projectId: aliceIds.projects[0] });
    await alice.request("PATCH", `/api/chats/${disposable.chats[0]}`, { projectId: disposable.projects[0] });
    const key = await alice.request("POST", "/api/keys", { name: "A's key for /v1" });
    aliceApiKey = { id: key.body.id, key: key.body.key };
    bobApiKey = (await bob.request("POST", "/api/keys", { name: "B's key" })).body.key;
    bobIds.chats.push((await bob.request("POST", "/api/chats", { title: "B's chat" })).body.id);
    bobIds.keys.push((await bob.request("POST", "/api/keys", { name: "B's other key" })).body.id);
    bobIds.projects.push((await bob.request("POST", "/api/chat-projects", { name: "B's project" })).body.id);
  });

  afterAll(async () => {
    await server?.stop();
  });

  /** The collection of `ids` that holds ids of this kind. */
  const collectionOf = (kind: ResourceKind) =>
    kind === "chat" ? "chats" : kind === "project" ? "projects" : "keys";

  function idsOfAlice(kind: ResourceKind, method: string): fc.Arbitrary<string> {
    if (kind === "message") return fc.constantFrom(...aliceIds.messages);
    const collection = collectionOf(kind);
    return fc.constantFrom(...(method === "DELETE" ? disposable[collection] : aliceIds[collection]));
  }

  test(`as user B (${runsPerProperty} runs): no 5xx, typed errors, and A's data neither changes nor shows`, async () => {
    const before = await snapshotOfAlice();
    const secretsOfA = [...idsIn(before), aliceEmail];
    const idsOfA = new Set(idsIn(before));
    const actor: Actor = {
      name: "B",
      client: bob,
      apiKey: bobApiKey,
      signOutToken: await anotherSignIn(bobEmail),
      ownAccountToken: (await ChatApiClient.signUp(server.baseUrl, "Own")).token as string,
      ids: (kind, method) =>
        fc.oneof(
          { weight: 4, arbitrary: idsOfAlice(kind, method) },
          {
            weight: 1,
            arbitrary: fc.constantFrom(...bobIds[collectionOf(kind === "message" ? "chat" : kind)]),
          },
        ),
    };
    const result = await checkRequests(
      server.baseUrl,
      requestArbitrary(operations, actor),
      ({ request, response }) => {
        if (response.status < 200 || response.status >= 300) return [];
        const problems: Violation[] = [];
        const leaked = secretsOfA.filter((secret) => response.text.includes(secret));
        if (leaked.length > 0) {
          problems.push({
            kind: "B's answer shows A's data",
            detail: `${response.status}: ${leaked.join(", ")}`,
          });
        }
        const named = Object.values(request.pathValues).filter((value) => idsOfA.has(value));
        if (named.length > 0) {
          problems.push({
            kind: `B's request on an id of A answered ${response.status}, not 404`,
            detail: `${named.join(", ")}: ${response.text.slice(0, 200)}`,
          });
        }
        return problems;
      },
      runsPerProperty,
    );
    const unexercised = report("user B", operations, result);
    // Nothing B did may show in A's data: every chat, message and key as it was.
    const dataProblems = compareWithExpected(await snapshotOfAlice(), applyDocumentedEffects(before, []), "");
    expect({ violations: violationSummary(result), unexercised, dataProblems }).toEqual({
      violations: [],
      unexercised: [],
      dataProblems: [],
    });
  }, 60_000);

  test(`as user A (${runsPerProperty} runs): no 5xx, typed errors, and A's data changes only as documented`, async () => {
    const before = await snapshotOfAlice();
    const actor: Actor = {
      name: "A",
      client: alice,
      apiKey: aliceApiKey.key,
      signOutToken: await anotherSignIn(aliceEmail),
      ownAccountToken: (await ChatApiClient.signUp(server.baseUrl, "Own")).token as string,
      ids: (kind, method) => idsOfAlice(kind, method),
    };
    const result = await checkRequests(
      server.baseUrl,
      requestArbitrary(operations, actor),
      () => [],
      runsPerProperty,
    );
    const unexercised = report("user A", operations, result);
    const expected = applyDocumentedEffects(before, result.exchanges);
    const after = await settledSnapshotOfAlice(expected.pendingAnswers);
    const dataProblems = compareWithExpected(after, expected, aliceApiKey.id);
    expect({ violations: violationSummary(result), unexercised, dataProblems }).toEqual({
      violations: [],
      unexercised: [],
      dataProblems: [],
    });
  }, 60_000);

  // Cases the properties found, pinned so that they run every time, whatever the seed draws.
  describe("pinned cases", () => {
    // Found by the properties while the gateway echoed the caller's `x-request-id` unchecked: a
    // DEL (0x7f) in it made the whole response malformed HTTP, so the client got no answer at all.
    test("an x-request-id with a control character still gets a well-formed answer", async () => {
      const answer = await sendRawRequest(server.baseUrl, {
        method: "GET",
        path: "/api/me",
        headers: { authorization: `Bearer ${alice.token}`, "x-request-id": "trace\u007fid" },
      });
      expect(answer.status).toBe(200);
    });

    // Found by the properties while the body limit answered this API's own error body on /v1:
    // OpenAI clients expect theirs (`{"error":{"message","type","param","code"}}`) on every error.
    test("a /v1 body over its size limit answers 413 with OpenAI's error body", async () => {
      const answer = await sendRawRequest(server.baseUrl, {
        method: "POST",
        path: "/v1/chat/completions",
        headers: { authorization: `Bearer ${aliceApiKey.key}`, "content-type": "application/json" },
        body: JSON.stringify({
          model: "demo",
          messages: [{ role: "user", content: "a".repeat(completionMaxBodyBytes) }],
        }),
      });
      expect(answer.status).toBe(413);
      expect(answer.json).toMatchObject({
        error: {
          message: expect.any(String),
          type: "invalid_request_error",
          param: null,
          code: "PAYLOAD_TOO_LARGE",
        },
      });
    });
  });
});
