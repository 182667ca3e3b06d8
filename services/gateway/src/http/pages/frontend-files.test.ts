import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InProcessBus } from "@chat/bus";
import { createLogger, loadConfig, newId } from "@chat/runtime";
import { MemoryActorState } from "@chat/state";
import { Elysia } from "elysia";
import { createGatewayApp } from "../../gateway-app.ts";
import { GatewayConfig } from "../../gateway-config.ts";
import { LiveEventHub } from "../../live/live-event-hub.ts";
import { CompletionRelay } from "../../openai/completion-relay.ts";
import { openAttachmentStorage } from "../../uploads/attachment-storage.ts";
import { strictContentSecurityPolicy } from "../security-headers.ts";
import { frontendFiles } from "./frontend-files.ts";

const logger = createLogger("frontend-files-test", "silent");
const pageHtml = "<!doctype html><chat-app></chat-app>";
const jwtSecret = "frontend-files-test-secret-long-enough";

describe("the frontend's files on the gateway", () => {
  const directory = mkdtempSync(join(tmpdir(), "chat-frontend-files-"));
  const bus = new InProcessBus({ partitions: 1, deliveryLimit: 1, logger });
  const completions = new CompletionRelay(bus, logger, { newId });
  let hub: LiveEventHub;
  let app: { handle(request: Request): Promise<Response> };

  beforeAll(async () => {
    writeFileSync(join(directory, "index.html"), pageHtml);
    mkdirSync(join(directory, "assets"));
    writeFileSync(join(directory, "assets", "main-abc123.js"), "export {};");
    const state = new MemoryActorState({ ttlSeconds: 60, replayLogMaxLength: 100 });
    hub = await LiveEventHub.open(bus, state.replayLog, logger);
    const settings = { ...loadConfig(GatewayConfig, { JWT_SECRET: jwtSecret }), JWT_SECRET: jwtSecret };
    app = createGatewayApp({
      bus,
      actorState: state,
      hub,
      logger,
      settings,
      frontendDirectory: directory,
      readiness: {},
      connections: new Set(),
      webSocketSessions: new Set(),
      completions,
      attachmentStorage: await openAttachmentStorage({ ...settings, DATA_DIR: join(directory, "data") }),
    });
  });
  afterAll(async () => {
    await completions.close();
    await hub.close();
    await bus.close();
    rmSync(directory, { recursive: true, force: true });
  });

  const get = (path: string) => app.handle(new Request(`http://gateway.test${path}`));

  test("the app's routes, `/`, `/chats/<id>` and the console's, answer the page: revalidated, under the strict policy", async () => {
    for (const path of [
      "/",
      "/chats/01JABCdef_-9",
      `/chats/${"a".repeat(64)}`,
      "/chats/x1?from=bookmark",
      "/admin",
      "/admin/recipients",
      "/admin/dead-letters",
      "/admin/audit",
    ]) {
      const page = await get(path);
      expect({ path, status: page.status }).toEqual({ path, status: 200 });
      expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(page.headers.get("cache-control")).toBe("no-cache");
      expect(page.headers.get("content-security-policy")).toBe(strictContentSecurityPolicy);
      expect(await page.text()).toBe(pageHtml);
    }
  });

  test("any other path, under /chats or not, is still the typed 404", async () => {
    for (const path of [
      "/anything",
      "/index.html",
      "/chats",
      "/chats/",
      "/chats/a/b",
      "/chats/abc/",
      "/chats/a.b",
      "/chats/a%2Db",
      `/chats/${"a".repeat(65)}`,
      "/admin/users",
      "/admin/recipients/x",
    ]) {
      const answer = await get(path);
      expect({ path, status: answer.status }).toEqual({ path, status: 404 });
      expect(await answer.json()).toEqual({ error: { code: "ROUTE_NOT_FOUND", message: "No such route" } });
      expect(answer.headers.get("content-security-policy")).toBe(strictContentSecurityPolicy);
    }
  });

  test("a browser loading an unknown page gets the HTML 404 page, under the strict policy", async () => {
    for (const path of [
      "/anything",
      "/chats/a/b",
      "/swagger/assets/__proto__",
      "/swagger/assets/constructor",
    ]) {
      const answer = await app.handle(
        new Request(`http://gateway.test${path}`, { headers: { accept: "text/html,*/*;q=0.8" } }),
      );
      expect({ path, status: answer.status }).toEqual({ path, status: 404 });
      expect(answer.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(answer.headers.get("content-security-policy")).toBe(strictContentSecurityPolicy);
      expect(await answer.text()).toContain("<h1>Not found</h1>");
    }
  });

  test("assets are kept for a year; a missing one is a 404 that is not", async () => {
    const asset = await get("/assets/main-abc123.js");
    expect(asset.status).toBe(200);
    expect(asset.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    const missing = await get("/assets/main-def456.js");
    expect(missing.status).toBe(404);
    expect(missing.headers.get("cache-control")).toBeNull();
  });
});

describe("source maps", () => {
  const directory = mkdtempSync(join(tmpdir(), "chat-frontend-maps-"));
  mkdirSync(join(directory, "assets"));
  writeFileSync(
    join(directory, "assets", "main-abc123.js"),
    "export {};\n//# sourceMappingURL=main-abc123.js.map",
  );
  writeFileSync(join(directory, "assets", "main-abc123.js.map"), '{"version":3,"sources":["src/secret.ts"]}');
  afterAll(() => rmSync(directory, { recursive: true, force: true }));
  const get = (serveSourceMaps: boolean, path: string) =>
    new Elysia()
      .use(frontendFiles(directory, { serveSourceMaps }))
      .handle(new Request(`http://gateway.test${path}`));

  test("are served in development, not in production; the code itself is served in both", async () => {
    expect((await get(true, "/assets/main-abc123.js.map")).status).toBe(200);
    expect((await get(false, "/assets/main-abc123.js.map")).status).toBe(404);
    expect((await get(false, "/assets/main-abc123.js")).status).toBe(200);
  });
});
