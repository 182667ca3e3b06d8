import { afterAll, beforeAll, describe } from "bun:test";
import { type EmbeddedServer, startEmbeddedServer } from "./support/embedded-server.ts";
import { takeoverFlowSuite } from "./support/takeover-flow-suite.ts";

// Long enough to outlast a restart of the process.
const holdTtlMs = 10_000;

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

  // The process is the gateway too: a restart loses the actor state in memory, and the hold is
  // rebuilt from the store's record.
  takeoverFlowSuite(() => ({ user: server.baseUrl, agent: server.baseUrl }), {
    holdTtlMs,
    async restartAgentGateway() {
      await server.process.kill();
      await server.restart();
    },
  });
});
