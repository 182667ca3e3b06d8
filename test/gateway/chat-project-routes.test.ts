import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ChatApiClient } from "../support/chat-api-client.ts";
import { type EmbeddedServer, startEmbeddedServer } from "../support/embedded-server.ts";

type Listed = { id: string; pinned: boolean; archived: boolean; projectId?: string };

describe("/api/chat-projects and the chats' project, pin and archive", () => {
  let server: EmbeddedServer;

  beforeAll(async () => {
    // OpenAI's built-in models are listed once a key is set (no request reaches the address here):
    // a project can then have a default model other than the deployment's.
    server = await startEmbeddedServer({
      DEMO_TOKENS_PER_SECOND: "0",
      OPENAI_BASE_URL: "http://127.0.0.1:9/v1",
      OPENAI_API_KEY: "sk-test-PROJECTROUTESKEY0123456789",
      DEFAULT_MODEL: "demo",
    });
  });
  afterAll(async () => {
    await server?.stop();
  });

  const chatIds = async (client: ChatApiClient, query = "") =>
    ((await client.request("GET", `/api/chats${query}`)).body.chats as Listed[]).map((chat) => chat.id);

  test("create, read, list, update and delete a project; names and instructions are trimmed", async () => {
    const client = await ChatApiClient.signUp(server.baseUrl, "Ada");
    const created = await client.request("POST", "/api/chat-projects", {
      name: "  Garden ",
      instructions: " Answer about plants. ",
      model: "demo",
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      name: "Garden",
      instructions: "Answer about plants.",
      model: "demo",
      createdAt: expect.any(String),
    });
    const { id } = created.body;
    expect((await client.request("GET", `/api/chat-projects/${id}`)).body).toEqual(created.body);
    expect((await client.request("GET", "/api/chat-projects")).body).toEqual({ projects: [created.body] });

    const updated = await client.request("PATCH", `/api/chat-projects/${id}`, {
      instructions: "",
      model: null,
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toEqual({ id, name: "Garden", instructions: "", createdAt: created.body.createdAt });

    expect((await client.request("DELETE", `/api/chat-projects/${id}`)).status).toBe(204);
    const gone = await client.request("GET", `/api/chat-projects/${id}`);
    expect(gone.status).toBe(404);
    expect(gone.body).toEqual({ error: { code: "PROJECT_NOT_FOUND", message: "Project not found" } });
  });

  test("bad input is 400 VALIDATION_FAILED or MODEL_NOT_AVAILABLE with a typed body, and stores nothing", async () => {
    const client = await ChatApiClient.signUp(server.baseUrl, "Grace");
    for (const [body, code] of [
      [{}, "VALIDATION_FAILED"],
      [{ name: "" }, "VALIDATION_FAILED"],
      [{ name: "   " }, "VALIDATION_FAILED"],
      [{ name: "x".repeat(101) }, "VALIDATION_FAILED"],
      [{ name: "Ok", extra: true }, "VALIDATION_FAILED"],
      [{ name: "Ok", instructions: "x".repeat(8_001) }, "VALIDATION_FAILED"],
      [{ name: "Ok", model: "gpt-9" }, "MODEL_NOT_AVAILABLE"],
    ] as const) {
      const refused = await client.request("POST", "/api/chat-projects", body);
      expect({ body, status: refused.status, code: refused.body.error?.code }).toEqual({
        body,
        status: 400,
        code,
      });
    }
    expect((await client.request("GET", "/api/chat-projects")).body).toEqual({ projects: [] });

    const { id } = (await client.request("POST", "/api/chat-projects", { name: "Kept" })).body;
    expect((await client.request("PATCH", `/api/chat-projects/${id}`, {})).status).toBe(400);
    expect((await client.request("PATCH", `/api/chat-projects/${id}`, { name: " " })).status).toBe(400);
    expect((await client.request("DELETE", `/api/chat-projects/${id}?keepChats=maybe`)).status).toBe(400);
    expect((await client.request("GET", `/api/chat-projects/${id}`)).body.name).toBe("Kept");
  });

  test("another user's project is 404 PROJECT_NOT_FOUND everywhere and is left as it was", async () => {
    const owner = await ChatApiClient.signUp(server.baseUrl, "Owner");
    const other = await ChatApiClient.signUp(server.baseUrl, "Other");
    const project = (
      await owner.request("POST", "/api/chat-projects", { name: "Private", instructions: "Secret" })
    ).body;
    const ownChat = (await owner.request("POST", "/api/chats", { projectId: project.id })).body;
    const otherChat = (await other.request("POST", "/api/chats", {})).body;

    for (const [method, path, body] of [
      ["GET", `/api/chat-projects/${project.id}`],
      ["PATCH", `/api/chat-projects/${project.id}`, { name: "Mine" }],
      ["DELETE", `/api/chat-projects/${project.id}?keepChats=false`],
      ["POST", "/api/chats", { projectId: project.id }],
      ["PATCH", `/api/chats/${otherChat.id}`, { projectId: project.id }],
    ] as const) {
      const refused = await other.request(method, path, body);
      expect({ method, path, status: refused.status, code: refused.body.error?.code }).toEqual({
        method,
        path,
        status: 404,
        code: "PROJECT_NOT_FOUND",
      });
    }
    expect((await other.request("GET", "/api/chat-projects")).body).toEqual({ projects: [] });
    expect(await chatIds(other, `?projectId=${project.id}`)).toEqual([]);
    expect((await owner.request("GET", `/api/chat-projects/${project.id}`)).body).toEqual(project);
    expect(await chatIds(owner, `?projectId=${project.id}`)).toEqual([ownChat.id]);
  });

  test("a chat created in a project takes its default model; an explicit one wins", async () => {
    const client = await ChatApiClient.signUp(server.baseUrl, "Models");
    expect((await client.request("GET", "/api/models")).body.defaultModel).toBe("demo");
    const project = (await client.request("POST", "/api/chat-projects", { name: "P", model: "gpt-4.1-mini" }))
      .body;
    const inProject = await client.request("POST", "/api/chats", { projectId: project.id });
    expect(inProject.status).toBe(201);
    expect(inProject.body).toMatchObject({ projectId: project.id, model: "gpt-4.1-mini", pinned: false });
    const chosen = await client.request("POST", "/api/chats", { projectId: project.id, model: "demo" });
    expect(chosen.body.model).toBe("demo");
    expect((await client.request("POST", "/api/chats", {})).body.model).toBe("demo");
  });

  test("pin, archive and move through PATCH; the list puts pinned first and leaves archived out", async () => {
    const client = await ChatApiClient.signUp(server.baseUrl, "Lists");
    const project = (await client.request("POST", "/api/chat-projects", { name: "P" })).body;
    const ids: string[] = [];
    for (const title of ["one", "two", "three"]) {
      ids.push((await client.request("POST", "/api/chats", { title })).body.id);
    }
    const [one, two, three] = ids as [string, string, string];

    const pinned = await client.request("PATCH", `/api/chats/${one}`, { pinned: true });
    expect(pinned.body).toMatchObject({ id: one, pinned: true, archived: false });
    await client.request("PATCH", `/api/chats/${two}`, { archived: true });
    const moved = await client.request("PATCH", `/api/chats/${three}`, { projectId: project.id });
    expect(moved.body.projectId).toBe(project.id);

    expect(await chatIds(client)).toEqual([one, three]);
    expect(await chatIds(client, "?archived=true")).toEqual([two]);
    expect(await chatIds(client, `?projectId=${project.id}`)).toEqual([three]);
    const page = await client.request("GET", "/api/chats?limit=1");
    const next = await client.request("GET", `/api/chats?limit=1&cursor=${page.body.nextCursor}`);
    expect([...page.body.chats, ...next.body.chats].map((chat: Listed) => chat.id)).toEqual([one, three]);

    const out = await client.request("PATCH", `/api/chats/${three}`, { projectId: null });
    expect("projectId" in out.body).toBe(false);
    expect((await client.request("PATCH", `/api/chats/${three}`, { pinned: "yes" })).status).toBe(400);
    expect((await client.request("GET", "/api/chats?archived=perhaps")).status).toBe(400);
  });

  test("deleting a project keeps its chats by default, or deletes them with keepChats=false", async () => {
    const client = await ChatApiClient.signUp(server.baseUrl, "Deleter");
    const kept = (await client.request("POST", "/api/chat-projects", { name: "Kept" })).body;
    const keptChat = (await client.request("POST", "/api/chats", { projectId: kept.id })).body;
    expect((await client.request("DELETE", `/api/chat-projects/${kept.id}`)).status).toBe(204);
    const afterKeep = await client.request("GET", `/api/chats/${keptChat.id}`);
    expect(afterKeep.status).toBe(200);
    expect("projectId" in afterKeep.body).toBe(false);

    const dropped = (await client.request("POST", "/api/chat-projects", { name: "Dropped" })).body;
    const droppedChat = (await client.request("POST", "/api/chats", { projectId: dropped.id })).body;
    const archivedChat = (await client.request("POST", "/api/chats", { projectId: dropped.id })).body;
    await client.request("PATCH", `/api/chats/${archivedChat.id}`, { archived: true });
    const outside = (await client.request("POST", "/api/chats", {})).body;
    expect((await client.request("DELETE", `/api/chat-projects/${dropped.id}?keepChats=false`)).status).toBe(
      204,
    );
    expect((await client.request("GET", `/api/chats/${droppedChat.id}`)).status).toBe(404);
    expect((await client.request("GET", `/api/chats/${archivedChat.id}`)).status).toBe(404);
    expect((await client.request("GET", `/api/chats/${outside.id}`)).status).toBe(200);
  });
});
