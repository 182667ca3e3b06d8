import { afterAll, beforeAll, expect, test } from "bun:test";
import { clientFrameSchemas, ErrorCode, goChatClientFrameSchemas } from "@chat/contracts";
import { Value } from "@sinclair/typebox/value";
import fc from "fast-check";
import { ChatApiClient } from "../support/chat-api-client.ts";
import { type EmbeddedServer, startEmbeddedServer } from "../support/embedded-server.ts";
import { hostileString, valueFromSchema } from "../support/hostile-values.ts";
import type { JsonSchema } from "../support/openapi-routes.ts";
import { type ServerFrame, WebSocketReader } from "../support/websocket-reader.ts";

/**
 * The WebSocket half of the property tests: batches of random frames (random bytes as binary and
 * as text, random JSON of random nesting and size, frames of every type with wrong fields) sent
 * over a real signed-in socket to the embedded server. After each batch the socket (or, when the
 * server closed it as documented, a fresh one) still answers `ping` with `pong`, `/healthz`
 * answers, and every frame the server sent was a typed frame, never an INTERNAL error.
 */

/** Fixed, so a failure reproduces; printed with every failure. */
const seed = 0x5eb50c;
const batches = 100;
const maxFramesPerBatch = 8;
/** MAX_BODY_BYTES of this server: small, so frames around and past it stay cheap to send. */
const maxFrameBytes = 32 * 1024;
/** Past this the server closes the socket (1009) instead of answering: documented, not a failure. */
const closingFrameBytes = maxFrameBytes * 4;

type Outgoing = { kind: "text"; text: string } | { kind: "binary"; bytes: Uint8Array };

let server: EmbeddedServer;
let client: ChatApiClient;
let ownChatId: string;

beforeAll(async () => {
  server = await startEmbeddedServer({ MAX_BODY_BYTES: String(maxFrameBytes) });
  client = new ChatApiClient(server.baseUrl);
  expect((await client.register("Robust")).status).toBe(201);
  const chat = await client.request("POST", "/api/chats", {});
  expect(chat.status).toBe(201);
  ownChatId = chat.body.id;
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

const text = (value: string): Outgoing => ({ kind: "text", text: value });

const randomBytes = fc.uint8Array({ maxLength: 2_048 });

/** Shallow, around the limit of 64, or as deep as fits under the closing size. */
const depth = (deepest: number) =>
  fc.oneof(fc.integer({ min: 1, max: 100 }), fc.integer({ min: Math.floor(deepest / 2), max: deepest }));

/** Objects or arrays nested deep, alone or as a field of an otherwise valid ping. */
const deepJson = fc
  .boolean()
  .chain((asObjects) =>
    fc.tuple(
      // Six bytes a level for objects, two for arrays.
      depth(Math.floor(closingFrameBytes / (asObjects ? 6 : 2)) - 100),
      fc.constant(asObjects),
      fc.boolean(),
    ),
  )
  .map(([depth, asObjects, insidePing]) => {
    const nested = asObjects
      ? `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`
      : `${"[".repeat(depth)}${"]".repeat(depth)}`;
    return text(insidePing ? `{"type":"ping","requestId":"deep","a":${nested}}` : nested);
  });

/** A ping padded to about `size` bytes: around the limit, and now and then past four times it. */
const sizedFrame = fc
  .oneof(
    { weight: 8, arbitrary: fc.integer({ min: maxFrameBytes - 64, max: maxFrameBytes + 64 }) },
    { weight: 1, arbitrary: fc.constant(closingFrameBytes + 1) },
  )
  .map((size) => {
    const head = '{"type":"ping","requestId":"sized","padding":"';
    return text(`${head}${"x".repeat(Math.max(0, size - head.length - 2))}"}`);
  });

/** One WebSocket endpoint under test: how to open it, its client frame schemas, its ping and pong. */
type Endpoint = {
  name: string;
  open(): Promise<WebSocketReader>;
  frameSchemas: Record<string, unknown>;
  ping(probe: string): Record<string, unknown>;
  isPong(frame: ServerFrame, probe: string): boolean;
};

const sessionSocket: Endpoint = {
  name: "/ws",
  open: () => client.socket(),
  frameSchemas: clientFrameSchemas,
  ping: (probe) => ({ type: "ping", requestId: probe }),
  isPong: (frame, probe) => frame.type === "pong" && frame.requestId === probe,
};

const goChatSocket: Endpoint = {
  name: "/ws/chat?projectId=",
  open: () =>
    WebSocketReader.open(`${server.baseUrl.replace(/^http/, "ws")}/ws/chat?projectId=${ownChatId}`, {
      authorization: `Bearer ${client.token}`,
    }),
  frameSchemas: goChatClientFrameSchemas,
  // Its pong echoes the ping's timestamp.
  ping: (probe) => ({ type: "ping", timestamp: probe }),
  isPong: (frame, probe) => frame.type === "pong" && frame.timestamp === probe,
};

/** Frames of every type of the endpoint, shaped by their schema, with hostile values swapped in now and then. */
function validLookingFrame(endpoint: Endpoint): fc.Arbitrary<Outgoing> {
  return fc.constantFrom(...Object.keys(endpoint.frameSchemas)).chain((type) =>
    valueFromSchema(endpoint.frameSchemas[type] as JsonSchema, {
      hints: {
        type: fc.constant(type),
        chatId: fc.oneof(fc.constant(ownChatId), fc.uuid(), hostileString),
        requestId: fc.oneof(fc.string({ maxLength: 20 }), hostileString),
      },
    }).map((value) => text(JSON.stringify(value))),
  );
}

function outgoing(endpoint: Endpoint): fc.Arbitrary<Outgoing> {
  return fc.oneof(
    { weight: 2, arbitrary: randomBytes.map((bytes): Outgoing => ({ kind: "binary", bytes })) },
    { weight: 2, arbitrary: randomBytes.map((bytes) => text(new TextDecoder().decode(bytes))) },
    { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 200 }).map(text) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 8 }).map((value) => text(JSON.stringify(value))) },
    { weight: 2, arbitrary: deepJson },
    { weight: 1, arbitrary: sizedFrame },
    { weight: 5, arbitrary: validLookingFrame(endpoint) },
  );
}

function describeFrame(frame: Outgoing): string {
  const shown = frame.kind === "binary" ? `${frame.bytes.byteLength} bytes` : frame.text.slice(0, 120);
  const size = frame.kind === "binary" ? frame.bytes.byteLength : frame.text.length;
  return `${frame.kind} (${size}): ${JSON.stringify(shown)}`;
}

/** What is wrong with a frame the server sent; null when it is a typed frame. */
function problemOf(frame: ServerFrame): string | null {
  if (typeof frame !== "object" || frame === null || typeof frame.type !== "string") return "untyped frame";
  if (frame.type !== "error") return null;
  if (!Value.Check(ErrorCode, frame.code)) return `unknown error code ${frame.code}`;
  if (frame.code === "INTERNAL") return `INTERNAL error: ${frame.error}`;
  return null;
}

function problemsSince(socket: WebSocketReader, from: number): string[] {
  return socket.frames
    .slice(from)
    .map(problemOf)
    .filter((problem) => problem !== null);
}

test.each([sessionSocket, goChatSocket])(
  "random frames never take down the socket's ability to answer, nor the process: $name",
  async (endpoint) => {
    let socket = await endpoint.open();
    let probes = 0;
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(outgoing(endpoint), { minLength: 1, maxLength: maxFramesPerBatch }),
          async (batch) => {
            const seenBefore = socket.frames.length;
            for (const frame of batch) {
              if (socket.socket.readyState !== WebSocket.OPEN) break;
              socket.socket.send(frame.kind === "binary" ? frame.bytes : frame.text);
            }
            const probe = `probe-${++probes}`;
            socket.send(endpoint.ping(probe));
            try {
              await socket.waitFor((frame) => endpoint.isPong(frame, probe));
              expect(problemsSince(socket, seenBefore)).toEqual([]);
            } catch (error) {
              // Only a frame past four times the limit may end the socket, with 1009.
              const oversized = batch.some(
                (frame) => frame.kind === "text" && Buffer.byteLength(frame.text) > closingFrameBytes,
              );
              if (!oversized || socket.closeEvent?.code !== 1009) throw error;
              expect(problemsSince(socket, seenBefore)).toEqual([]);
              socket = await endpoint.open();
              socket.send(endpoint.ping(probe));
              await socket.waitFor((frame) => endpoint.isPong(frame, probe));
            }
            expect((await fetch(`${server.baseUrl}/healthz`)).status).toBe(200);
          },
        ),
        {
          seed,
          numRuns: batches,
          endOnFailure: true,
          reporter: (details) => {
            if (!details.failed) return;
            const frames = (details.counterexample?.[0] ?? []) as Outgoing[];
            throw new Error(
              `seed ${seed}, run ${details.numRuns}: ${String(details.errorInstance)}\n` +
                frames.map(describeFrame).join("\n"),
            );
          },
        },
      );
    } finally {
      socket.close();
    }
    // A fresh socket is answered as well.
    const fresh = await endpoint.open();
    fresh.send(endpoint.ping("fresh"));
    await fresh.waitFor((frame) => endpoint.isPong(frame, "fresh"));
    fresh.close();
  },
  300_000,
);
