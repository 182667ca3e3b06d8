import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ChatApiClient } from "../support/chat-api-client.ts";
import { type EmbeddedServer, startEmbeddedServer } from "../support/embedded-server.ts";
import { type ServerFrame, WebSocketReader } from "../support/websocket-reader.ts";

/**
 * Hostile WebSocket frames sent by a signed-in user to the real embedded server: each is answered
 * with an `error` frame, and the socket and the process stay up.
 */

let server: EmbeddedServer;
let client: ChatApiClient;

beforeAll(async () => {
  server = await startEmbeddedServer();
  client = new ChatApiClient(server.baseUrl);
  expect((await client.register("Frames")).status).toBe(201);
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

/** `{"type":"ping", …, "a": [[[…]]]}` nested `depth` arrays deep. */
function deepPing(depth: number, requestId: string): string {
  return `{"type":"ping","requestId":"${requestId}","a":${"[".repeat(depth)}${"]".repeat(depth)}}`;
}

async function expectAlive(socket: WebSocketReader, requestId: string): Promise<void> {
  socket.send({ type: "ping", requestId });
  await socket.waitFor((frame) => frame.type === "pong" && frame.requestId === requestId);
  expect((await fetch(`${server.baseUrl}/healthz`)).status).toBe(200);
}

test("a frame nested 40 000 deep is refused with an error frame; the socket and the process stay up", async () => {
  const socket = await client.socket();
  socket.send(deepPing(40_000, "deep"));
  const refusal = await socket.waitFor((frame) => frame.type === "error");
  expect(refusal).toMatchObject({ code: "VALIDATION_FAILED", retryable: false });
  expect(refusal.error).toContain("64");
  await expectAlive(socket, "after-deep");
  socket.close();
});

test("nesting is bounded at 64 levels: 63 arrays inside the frame pass, 64 are refused", async () => {
  const socket = await client.socket();
  // The frame object itself is the first level.
  socket.send(deepPing(63, "at-limit"));
  const atLimit = await socket.waitFor((frame) => frame.requestId === "at-limit");
  expect(atLimit.type).toBe("error");
  expect(atLimit.code).toBe("VALIDATION_FAILED");
  expect(atLimit.error).not.toContain("64");

  socket.send(deepPing(64, "past-limit"));
  const pastLimit = await socket.waitFor(
    (frame) => frame.type === "error" && frame.requestId === undefined && frame.error.includes("64"),
  );
  expect(pastLimit.code).toBe("VALIDATION_FAILED");
  await expectAlive(socket, "after-limit");
  socket.close();
});

test("an oversized frame is measured on its raw text, and still answered with its requestId", async () => {
  const socket = await client.socket();
  const maxBodyBytes = 256 * 1024;
  socket.send(`{"type":"ping","requestId":"big","padding":"${"x".repeat(maxBodyBytes)}"}`);
  const refusal = await socket.waitFor((frame) => frame.requestId === "big");
  expect(refusal).toMatchObject({ type: "error", code: "PAYLOAD_TOO_LARGE" });
  await expectAlive(socket, "after-big");
  socket.close();
});

test("text that Elysia would have turned into a number or a boolean is refused as not an object", async () => {
  const socket = await client.socket();
  for (const text of ["42", "true", "null", '"ping"']) {
    const before = socket.frames.length;
    socket.send(text);
    await socket.waitFor((frame) => socket.frames.indexOf(frame) >= before && frame.type === "error");
  }
  const codes = socket.frames.filter((frame) => frame.type === "error").map((frame) => frame.code);
  expect(codes).toEqual(["VALIDATION_FAILED", "VALIDATION_FAILED", "VALIDATION_FAILED", "VALIDATION_FAILED"]);
  socket.socket.send(new Uint8Array([0x7b, 0x7d]));
  const binary = await socket.waitFor((frame) => frame.type === "error" && frame.code === "MALFORMED_JSON");
  expect(binary.error).toContain("text");
  await expectAlive(socket, "after-scalars");
  socket.close();
});

describe("the Go Chat compatible socket, /ws/chat?projectId=, reads frames by the same measures", () => {
  let goChat: WebSocketReader;

  beforeAll(async () => {
    const project = await client.request("POST", "/api/projects", { name: "Frames" });
    goChat = await WebSocketReader.open(
      `${server.baseUrl.replace(/^http/, "ws")}/ws/chat?projectId=${project.body.id}`,
      { authorization: `Bearer ${client.token}` },
    );
  });

  afterAll(() => {
    goChat?.close();
  });

  /** The next error frame after what the socket has received so far, for `text`. */
  async function refusalOf(text: string | Uint8Array): Promise<ServerFrame> {
    const before = goChat.frames.length;
    goChat.socket.send(text);
    return goChat.waitFor((frame) => goChat.frames.indexOf(frame) >= before && frame.type === "error");
  }

  async function expectGoChatAlive(timestamp: string): Promise<void> {
    goChat.send({ type: "ping", timestamp });
    await goChat.waitFor((frame) => frame.type === "pong" && frame.timestamp === timestamp);
    expect((await fetch(`${server.baseUrl}/health`)).status).toBe(200);
  }

  test("nesting: 40 000 levels and 64 are refused by depth, before parsing; 63 by the schema", async () => {
    const pingWith = (depth: number) =>
      `{"type":"ping","timestamp":${"[".repeat(depth)}${"]".repeat(depth)}}`;
    const deep = await refusalOf(pingWith(40_000));
    expect(deep.code).toBe("VALIDATION_FAILED");
    expect(deep.error).toContain("64");
    const pastLimit = await refusalOf(pingWith(64));
    expect(pastLimit.error).toContain("64");
    const atLimit = await refusalOf(pingWith(63));
    expect(atLimit.code).toBe("VALIDATION_FAILED");
    expect(atLimit.error).not.toContain("64");
    await expectGoChatAlive("after-nesting");
  });

  test("an oversized frame, scalars and binary frames are refused; the socket stays", async () => {
    const big = await refusalOf(`{"type":"ping","timestamp":"${"x".repeat(256 * 1024)}"}`);
    expect(big.code).toBe("PAYLOAD_TOO_LARGE");
    for (const text of ["42", "true", "null", '"ping"'])
      expect((await refusalOf(text)).code).toBe("VALIDATION_FAILED");
    expect((await refusalOf(new Uint8Array([0x7b, 0x7d]))).code).toBe("MALFORMED_JSON");
    await expectGoChatAlive("after-scalars");
  });
});
