import { afterAll, beforeAll, describe } from "bun:test";
import { type EmbeddedServer, startEmbeddedServer } from "./support/embedded-server.ts";
import { takeoverFlowSuite } from "./support/takeover-flow-suite.ts";

const holdTtlMs = 3_000;

describe("help requests and takeover in the embedded process", () => {
  let server: EmbeddedServer;

  beforeAll(async () => {
    server = await startEmbeddedServer({
      HOLD_TTL_MS: String(holdTtlMs),
      ANSWER_RECOVERY_INTERVAL_MS: "500",
    });
  });
  afterAll(async () => {
    await server?.stop();
  });

  takeoverFlowSuite(() => ({ user: server.baseUrl, agent: server.baseUrl }), { holdTtlMs });
});
