import { afterAll, beforeAll, describe } from "bun:test";
import { type EmbeddedServer, startEmbeddedServer } from "../support/embedded-server.ts";
import { goChatFlowSuite } from "../support/go-chat-flow-suite.ts";

describe("the Go Chat compatible API on the embedded server", () => {
  let server: EmbeddedServer;

  beforeAll(async () => {
    // The demo model at its configured speed: an answer is still streaming when the next frame goes.
    server = await startEmbeddedServer({}, { fullSpeedDemo: false });
  });

  afterAll(async () => {
    await server?.stop();
  });

  goChatFlowSuite(() => server.baseUrl);
});
