// Writes openapi/openapi.json from the gateway's route schemas (`npm run openapi`);
// with --check, fails when the committed document is stale instead.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InProcessBus } from "@chat/bus";
import {
  CompletionRelay,
  createGatewayApp,
  GatewayConfig,
  LiveEventHub,
  openAttachmentStorage,
} from "@chat/gateway";
import { createLogger, loadConfig, newId } from "@chat/runtime";
import { MemoryActorState } from "@chat/state";

const logger = createLogger("openapi", "silent");
const bus = new InProcessBus({ partitions: 1, deliveryLimit: 1, logger });
const state = new MemoryActorState({ ttlSeconds: 60, replayLogMaxLength: 10 });
const hub = await LiveEventHub.open(bus, state.replayLog, logger);
const settings = { ...loadConfig(GatewayConfig, { JWT_SECRET: "x".repeat(32) }), JWT_SECRET: "x".repeat(32) };
const uploadsDirectory = mkdtempSync(join(tmpdir(), "openapi-uploads-"));
const app = createGatewayApp({
  bus,
  actorState: state,
  hub,
  logger,
  settings,
  frontendDirectory: "frontend/dist",
  readiness: {},
  connections: new Set(),
  webSocketSessions: new Set(),
  completions: new CompletionRelay(bus, logger, { newId }),
  attachmentStorage: await openAttachmentStorage({ ...settings, DATA_DIR: uploadsDirectory }),
});
const response = await app.handle(new Request("http://localhost/swagger/json"));
const document = `${JSON.stringify(await response.json(), null, 2)}\n`;
const path = join(import.meta.dir, "../openapi/openapi.json");
await bus.close();
rmSync(uploadsDirectory, { recursive: true, force: true });

if (process.argv.includes("--check")) {
  let committed = "";
  try {
    committed = readFileSync(path, "utf8");
  } catch {
    // Missing counts as stale.
  }
  if (committed !== document) {
    console.error("openapi/openapi.json is stale: run `npm run openapi` and commit it.");
    process.exit(1);
  }
  console.log("openapi/openapi.json is fresh.");
} else {
  writeFileSync(path, document);
  console.log(`wrote ${path}`);
}
