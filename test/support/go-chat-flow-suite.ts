import { beforeAll, describe, expect, test } from "bun:test";
import { ChatApiClient } from "./chat-api-client.ts";
import { webSocketHandshake } from "./websocket-handshake.ts";

const isoTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

type Frame = Record<string, unknown>;

/** The key set and the type of each key of every frame the protocol defines. */
const frameShapes: Record<string, Record<string, string>> = {
  message_start: { type: "string", messageId: "string", timestamp: "time" },
  message_chunk: { type: "string", messageId: "string", content: "string", timestamp: "time" },
  message_complete: {
    type: "string",
    messageId: "string",
    fullContent: "string",
    codeBlocks: "array",
    timestamp: "time",
  },
  error: { type: "string", code: "string", error: "string", timestamp: "time" },
};
/** A finished answer's code block on the socket: the PRD's offsets, and the lines the issue asks for. */
const codeBlockShape = {
  language: "string",
  code: "string",
  startIndex: "offset",
  endIndex: "offset",
  startLine: "line",
  endLine: "line",
};
/** A code block of a stored answer (`GET /api/projects/:id`): by lines, as the PRD's example. */
const storedCodeBlockShape = { language: "string", code: "string", startLine: "line", endLine: "line" };
const projectShape = { id: "string", title: "string", createdAt: "time", updatedAt: "time" };
const listedProjectShape = { ...projectShape, messageCount: "count" };
const errorBodyShape = { error: "string", code: "string" };

/** What is wrong with `value` against a shape (exact keys, a type each); empty when nothing. */
function shapeProblems(value: Frame, shape: Record<string, string>, where: string): string[] {
  const problems: string[] = [];
  const keys = Object.keys(value).sort();
  const expected = Object.keys(shape).sort();
  if (JSON.stringify(keys) !== JSON.stringify(expected)) {
    problems.push(`${where}: keys ${keys.join(",")}, expected ${expected.join(",")}`);
  }
  for (const [key, kind] of Object.entries(shape)) {
    const field = value[key];
    const fits =
      kind === "time"
        ? typeof field === "string" && isoTime.test(field)
        : kind === "line"
          ? Number.isInteger(field) && (field as number) >= 1
          : kind === "offset" || kind === "count"
            ? Number.isInteger(field) && (field as number) >= 0
            : kind === "array"
              ? Array.isArray(field)
              : typeof field === kind;
    if (!fits) problems.push(`${where}: ${key} = ${JSON.stringify(field)} is not a ${kind}`);
  }
  return problems;
}

/** The frame's problems against the protocol: an unknown type, other keys, other types. */
function frameProblems(frame: Frame): string[] {
  if (frame.type === "pong") {
    const keys = Object.keys(frame).sort().join(",");
    return keys === "type" || keys === "timestamp,type" ? [] : [`pong: keys ${keys}`];
  }
  const shape = frameShapes[String(frame.type)];
  if (!shape) return [`unknown frame type ${String(frame.type)}`];
  const problems = shapeProblems(frame, shape, String(frame.type));
  if (frame.type === "message_complete" && Array.isArray(frame.codeBlocks)) {
    frame.codeBlocks.forEach((block, index) => {
      problems.push(...shapeProblems(block as Frame, codeBlockShape, `codeBlocks[${index}]`));
    });
  }
  return problems;
}

/** A WebSocket client of the Go Chat protocol: raw JSON text out, every text frame in, as received. */
class GoChatSocket {
  readonly raw: string[] = [];
  closeCode: number | null = null;
  private waiters: Array<() => void> = [];

  private constructor(private readonly socket: WebSocket) {
    socket.addEventListener("message", (event) => {
      this.raw.push(String(event.data));
      this.wake();
    });
    socket.addEventListener("close", (event) => {
      this.closeCode = event.code;
      this.wake();
    });
  }

  static open(url: string, headers: Record<string, string>): Promise<GoChatSocket> {
    // tsconfig's DOM lib declares the browser constructor, which hides Bun's overload with headers.
    const options: Bun.WebSocketOptions = { headers };
    const socket = new WebSocket(url, options as unknown as string[]);
    const client = new GoChatSocket(socket);
    return new Promise((resolve, reject) => {
      socket.addEventListener("open", () => resolve(client), { once: true });
      socket.addEventListener("close", (event) => reject(new Error(`closed before open: ${event.code}`)), {
        once: true,
      });
    });
  }

  get frames(): Frame[] {
    return this.raw.map((text) => JSON.parse(text) as Frame);
  }

  write(text: string): void {
    this.socket.send(text);
  }

  /** The first frame from index `from` on that `predicate` accepts; fails if the socket closes first. */
  async waitFor(predicate: (frame: Frame) => boolean, from = 0, timeoutMs = 20_000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.slice(from).find(predicate);
      if (found) return found;
      if (this.closeCode !== null) throw new Error(`closed (${this.closeCode}); got ${this.raw.join("\n")}`);
      if (Date.now() > deadline) throw new Error(`timed out; got ${this.raw.join("\n")}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, deadline - Date.now());
      });
    }
  }

  close(): void {
    this.socket.close();
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }
}

/**
 * The Go Chat compatible API (issue 13, item 7) as the Go Chat PRD (PRD-002) writes it and its
 * frontend uses it: `/api/projects`, `GET /health` and `WS /ws/chat?projectId=`. The socket client
 * knows nothing of the gateway's own protocol: it writes each frame as a raw JSON string and
 * checks every frame and body it receives for its exact set of keys and their types. Runs against any deployment whose demo model streams at
 * its configured speed (an answer is still streaming when the next frame is sent).
 */
export function goChatFlowSuite(baseUrl: () => string): void {
  let alice: ChatApiClient;
  let bob: ChatApiClient;

  function socketUrl(query: string): string {
    return `${baseUrl().replace(/^http/, "ws")}/ws/chat?${query}`;
  }

  async function projectOf(client: ChatApiClient, title: string): Promise<string> {
    const created = await client.request("POST", "/api/projects", { title });
    expect(created.status).toBe(201);
    return created.body.id as string;
  }

  function openAs(client: ChatApiClient, projectId: string): Promise<GoChatSocket> {
    return GoChatSocket.open(socketUrl(`projectId=${projectId}`), {
      authorization: `Bearer ${client.token}`,
    });
  }

  /** Sends a chat_message and collects the turn's frames up to its message_complete. */
  async function turn(socket: GoChatSocket, content: string): Promise<Frame[]> {
    const from = socket.raw.length;
    socket.write(
      `{"type":"chat_message","content":${JSON.stringify(content)},"timestamp":"${new Date().toISOString()}"}`,
    );
    await socket.waitFor((frame) => frame.type === "message_complete" || frame.type === "error", from);
    return socket.frames.slice(from);
  }

  beforeAll(async () => {
    alice = await ChatApiClient.signUp(baseUrl(), "Alice");
    bob = await ChatApiClient.signUp(baseUrl(), "Bob");
  });

  describe("REST: projects are the user's chats", () => {
    test("create, list, read and delete a project; each answer has exactly the project's keys", async () => {
      const created = await alice.request("POST", "/api/projects", {
        title: "  Go port  ",
        description: "ignored",
      });
      expect(created.status).toBe(201);
      expect(shapeProblems(created.body, projectShape, "created")).toEqual([]);
      expect(created.body.title).toBe("Go port");
      const id = created.body.id as string;

      const listed = await alice.request("GET", "/api/projects");
      expect(listed.status).toBe(200);
      expect(Object.keys(listed.body)).toEqual(["projects"]);
      expect(listed.body.projects).toContainEqual({ ...created.body, messageCount: 0 });
      for (const project of listed.body.projects)
        expect(shapeProblems(project, listedProjectShape, "listed")).toEqual([]);

      const renamed = await alice.request("PATCH", `/api/projects/${id}`, { title: "Go port, renamed" });
      expect(renamed.status).toBe(200);
      expect(shapeProblems(renamed.body, projectShape, "renamed")).toEqual([]);
      expect(renamed.body).toMatchObject({
        id,
        title: "Go port, renamed",
        createdAt: created.body.createdAt,
      });

      // The same chat, through the native API.
      const chat = await alice.request("GET", `/api/chats/${id}`);
      expect(chat.body).toMatchObject({ id, title: "Go port, renamed", createdAt: created.body.createdAt });

      const read = await alice.request("GET", `/api/projects/${id}`);
      expect(read.status).toBe(200);
      expect(read.body).toEqual({ ...renamed.body, messages: [] });

      expect((await alice.request("DELETE", `/api/projects/${id}`)).status).toBe(204);
      const gone = await alice.request("GET", `/api/projects/${id}`);
      expect(gone.status).toBe(404);
      // The PRD's error body: `{"error": "project not found"}`, with our code beside it.
      expect(shapeProblems(gone.body, errorBodyShape, "404")).toEqual([]);
      expect(gone.body).toEqual({ error: "Chat not found", code: "CHAT_NOT_FOUND" });
      expect((await alice.request("GET", `/api/chats/${id}`)).status).toBe(404);
    });

    test("without a title (or a body) the project is the default new chat; bad input is a typed 400", async () => {
      const untitled = await alice.request("POST", "/api/projects");
      expect(untitled.status).toBe(201);
      expect(untitled.body.title).toBe("New chat");
      const blank = await alice.request("POST", "/api/projects", { title: "   " });
      expect(blank.body.title).toBe("New chat");
      const refusals = [
        await alice.request("POST", "/api/projects", { title: "x".repeat(201) }),
        await alice.request("POST", "/api/projects", { title: 42 }),
        await alice.request("PATCH", `/api/projects/${blank.body.id}`, {}),
        await alice.request("PATCH", `/api/projects/${blank.body.id}`, { title: "" }),
        await alice.request("GET", "/api/projects/not%20an%20id"),
      ];
      for (const refused of refusals) {
        expect(refused.status).toBe(400);
        expect(refused.body).toMatchObject({ code: "VALIDATION_FAILED", error: expect.any(String) });
      }
    });

    test("another user's project is 404, as an unknown one; without credentials 401", async () => {
      const id = await projectOf(alice, "Alice's");
      for (const [method, path] of [
        ["GET", `/api/projects/${id}`],
        ["DELETE", `/api/projects/${id}`],
      ] as const) {
        const answer = await bob.request(method, path);
        expect(answer.status).toBe(404);
        expect(answer.body.code).toBe("CHAT_NOT_FOUND");
      }
      const renamed = await bob.request("PATCH", `/api/projects/${id}`, { title: "Bob's now" });
      expect([renamed.status, renamed.body.code]).toEqual([404, "CHAT_NOT_FOUND"]);
      const bobsList = await bob.request("GET", "/api/projects");
      expect(bobsList.body.projects.map((project: Frame) => project.id)).not.toContain(id);
      expect((await alice.request("GET", `/api/projects/${id}`)).body.title).toBe("Alice's");
      const anonymous = await fetch(`${baseUrl()}/api/projects`);
      expect(anonymous.status).toBe(401);
      const refusal = (await anonymous.json()) as Frame;
      expect(shapeProblems(refusal, errorBodyShape, "401")).toEqual([]);
      expect(refusal.code).toBe("UNAUTHORIZED");
    });

    test("GET /health answers {status, database, timestamp} without credentials", async () => {
      const answer = await fetch(`${baseUrl()}/health`);
      expect(answer.status).toBe(200);
      const body = (await answer.json()) as Frame;
      expect(Object.keys(body).sort()).toEqual(["database", "status", "timestamp"]);
      expect(body).toMatchObject({ status: "healthy", database: "connected" });
      expect(String(body.timestamp)).toMatch(isoTime);
    });
  });

  describe("WS /ws/chat?projectId=", () => {
    test("a full turn: message_start, message_chunks, message_complete with code blocks by line", async () => {
      const projectId = await projectOf(alice, "Streaming");
      const socket = await openAs(alice, projectId);
      const frames = await turn(socket, "How do I read a file in Go?");
      socket.close();

      expect(frames.flatMap(frameProblems)).toEqual([]);
      const types = frames.map((frame) => frame.type);
      expect(types[0]).toBe("message_start");
      expect(types.at(-1)).toBe("message_complete");
      expect(types.slice(1, -1).every((type) => type === "message_chunk")).toBe(true);
      expect(types.length).toBeGreaterThan(3);
      const messageId = frames[0]?.messageId;
      expect(frames.every((frame) => frame.messageId === messageId)).toBe(true);

      const complete = frames.at(-1) as Frame;
      const content = String(complete.fullContent);
      const chunks = frames.filter((frame) => frame.type === "message_chunk").map((frame) => frame.content);
      expect(chunks.join("")).toBe(content);

      // Each block spans its fences, by offset and by line: the opening line names the language,
      // the closing one ends it, and the lines between are the code.
      const blocks = complete.codeBlocks as Array<{
        language: string;
        code: string;
        startIndex: number;
        endIndex: number;
        startLine: number;
        endLine: number;
      }>;
      expect(blocks.length).toBeGreaterThan(0);
      const lines = content.split("\n");
      for (const block of blocks) {
        expect(content.slice(block.startIndex, block.endIndex)).toBe(
          `\`\`\`${block.language}\n${block.code}\n\`\`\``,
        );
        expect(lines[block.startLine - 1]).toBe(`\`\`\`${block.language}`);
        expect(lines[block.endLine - 1]).toBe("```");
        expect(lines.slice(block.startLine, block.endLine - 1).join("\n")).toBe(block.code);
      }

      // The turn is stored as any other: the project shows both messages, the answer's blocks alike.
      const read = await alice.request("GET", `/api/projects/${projectId}`);
      const messages = read.body.messages as Frame[];
      expect(messages.map((message) => message.role)).toEqual(["user", "assistant"]);
      expect(Object.keys(messages[0] as Frame).sort()).toEqual(["content", "createdAt", "id", "role"]);
      expect(messages[0]).toMatchObject({ content: "How do I read a file in Go?" });
      expect(Object.keys(messages[1] as Frame).sort()).toEqual([
        "codeBlocks",
        "content",
        "createdAt",
        "id",
        "role",
      ]);
      expect(messages[1]).toMatchObject({
        id: messageId,
        content,
        codeBlocks: blocks.map(({ language, code, startLine, endLine }) => ({
          language,
          code,
          startLine,
          endLine,
        })),
      });
      for (const block of (messages[1]?.codeBlocks ?? []) as Frame[])
        expect(shapeProblems(block, storedCodeBlockShape, "stored block")).toEqual([]);
      const listed = (await alice.request("GET", "/api/projects")).body.projects as Frame[];
      expect(listed.find((project) => project.id === projectId)?.messageCount).toBe(2);
    });

    test("the PRD's ping gets the PRD's bare pong; a ping with a timestamp gets it back", async () => {
      const socket = await openAs(alice, await projectOf(alice, "Pings"));
      socket.write('{"type":"ping"}');
      await socket.waitFor((frame) => frame.type === "pong");
      socket.write('{"type":"ping","timestamp":1733480000123}');
      await socket.waitFor((frame) => frame.type === "pong", 1);
      socket.write('{"type":"ping","timestamp":"2026-12-06T11:00:00.000Z"}');
      await socket.waitFor((frame) => frame.type === "pong", 2);
      socket.close();
      expect(socket.raw).toEqual([
        '{"type":"pong"}',
        '{"type":"pong","timestamp":1733480000123}',
        '{"type":"pong","timestamp":"2026-12-06T11:00:00.000Z"}',
      ]);
    });

    test("malformed and refused frames are answered with error frames; the socket and the process stay up", async () => {
      const socket = await openAs(alice, await projectOf(alice, "Errors"));
      const sent: Array<[string, string]> = [
        ["{not json", "MALFORMED_JSON"],
        ["[1,2]", "VALIDATION_FAILED"],
        ['{"type":"dance"}', "VALIDATION_FAILED"],
        ['{"type":"chat_message"}', "VALIDATION_FAILED"],
        ['{"type":"chat_message","content":""}', "VALIDATION_FAILED"],
        ['{"type":"chat_message","content":7}', "VALIDATION_FAILED"],
        ['{"type":"ping","timestamp":{"nested":true}}', "VALIDATION_FAILED"],
        // The gateway's own frames are not this protocol's.
        [`{"type":"subscribe","chatId":"${"a".repeat(10)}"}`, "VALIDATION_FAILED"],
      ];
      for (const [text, code] of sent) {
        const from = socket.raw.length;
        socket.write(text);
        const answer = await socket.waitFor((frame) => frame.type === "error", from);
        expect(frameProblems(answer)).toEqual([]);
        expect(answer.code).toBe(code);
      }
      socket.write('{"type":"ping","timestamp":1}');
      expect(await socket.waitFor((frame) => frame.type === "pong")).toEqual({ type: "pong", timestamp: 1 });
      socket.close();
      expect((await fetch(`${baseUrl()}/health`)).status).toBe(200);
    });

    test("a message while the answer streams is refused CHAT_BUSY, as on every transport", async () => {
      const socket = await openAs(alice, await projectOf(alice, "Busy"));
      socket.write('{"type":"chat_message","content":"First","timestamp":1}');
      socket.write('{"type":"chat_message","content":"Second","timestamp":2}');
      const refusal = await socket.waitFor((frame) => frame.type === "error");
      expect(refusal.code).toBe("CHAT_BUSY");
      await socket.waitFor((frame) => frame.type === "message_complete");
      expect(socket.frames.filter((frame) => frame.type === "message_start")).toHaveLength(1);
      expect(socket.frames.flatMap(frameProblems)).toEqual([]);
      socket.close();
    });

    test("a socket opened mid-answer gets the answer from its start; both sockets see the same turn", async () => {
      const projectId = await projectOf(alice, "Two tabs");
      const first = await openAs(alice, projectId);
      first.write('{"type":"chat_message","content":"Show me a loop","timestamp":1}');
      await first.waitFor((frame) => frame.type === "message_chunk");
      const second = await openAs(alice, projectId);
      const [fromFirst, fromSecond] = await Promise.all(
        [first, second].map((socket) => socket.waitFor((frame) => frame.type === "message_complete")),
      );
      expect(fromSecond?.fullContent).toBe(fromFirst?.fullContent as string);
      const seen = second.frames.filter((frame) => frame.messageId === fromFirst?.messageId);
      expect(seen[0]?.type).toBe("message_start");
      const chunks = seen.filter((frame) => frame.type === "message_chunk").map((frame) => frame.content);
      expect(chunks.join("")).toBe(String(fromFirst?.fullContent));
      expect(second.frames.flatMap(frameProblems)).toEqual([]);
      first.close();
      second.close();
    });

    test("signing out closes the socket with 4401, as /ws", async () => {
      const user = await ChatApiClient.signUp(baseUrl(), "Leaver");
      const socket = await openAs(user, await projectOf(user, "Leaving"));
      expect((await user.request("POST", "/api/auth/logout")).status).toBe(204);
      // The sign-in is checked again before each frame.
      socket.write('{"type":"ping","timestamp":1}');
      await expect(socket.waitFor((frame) => frame.type === "pong")).rejects.toThrow("closed (4401)");
    });

    test("the upgrade is refused for an unknown or another user's project, a missing projectId, no credentials, a foreign page", async () => {
      const projectId = await projectOf(alice, "Guarded");
      const url = (query: string) => socketUrl(query).replace(/^ws/, "http");
      const asAlice = { authorization: `Bearer ${alice.token}` };
      const refusals: Array<{ query: string; headers: Record<string, string>; status: number }> = [
        { query: `projectId=${projectId}`, headers: { authorization: `Bearer ${bob.token}` }, status: 404 },
        { query: "projectId=unknown-project", headers: asAlice, status: 404 },
        { query: "", headers: asAlice, status: 400 },
        { query: "projectId=bad%20id", headers: asAlice, status: 400 },
        { query: `projectId=${projectId}`, headers: {}, status: 401 },
        {
          query: `projectId=${projectId}`,
          headers: { ...asAlice, origin: "https://evil.example" },
          status: 403,
        },
      ];
      for (const refusal of refusals) {
        const answer = await webSocketHandshake(url(refusal.query), refusal.headers);
        expect({ query: refusal.query, status: answer.status }).toEqual({
          query: refusal.query,
          status: refusal.status,
        });
      }
    });

    test("a browser signs in as on /ws: the session cookie from an allowed page, or a stream ticket", async () => {
      const browser = new ChatApiClient(baseUrl());
      await browser.register("Browser");
      const projectId = await projectOf(browser, "Cookie");
      const cookie = `chat_session=${browser.cookies.get("chat_session")}`;
      const withCookie = await GoChatSocket.open(socketUrl(`projectId=${projectId}`), {
        cookie,
        origin: baseUrl(),
      });
      withCookie.write('{"type":"ping","timestamp":"cookie"}');
      expect(await withCookie.waitFor((frame) => frame.type === "pong")).toEqual({
        type: "pong",
        timestamp: "cookie",
      });
      withCookie.close();

      const refused = await webSocketHandshake(socketUrl(`projectId=${projectId}`).replace(/^ws/, "http"), {
        cookie,
      });
      expect(refused.status).toBe(403);

      const ticket = (await browser.request("POST", "/api/stream-tickets")).body.ticket as string;
      const withTicket = await GoChatSocket.open(
        socketUrl(`projectId=${projectId}&ticket=${encodeURIComponent(ticket)}`),
        { origin: baseUrl() },
      );
      const frames = await turn(withTicket, "Hello by ticket");
      expect(frames.at(-1)?.type).toBe("message_complete");
      withTicket.close();
    });
  });
}
