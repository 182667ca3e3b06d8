import { afterAll, beforeAll, describe } from "bun:test";
import { consoleFlowSuite } from "./support/console-flow-suite.ts";
import { type EmbeddedServer, startEmbeddedServer } from "./support/embedded-server.ts";

describe("the support console in the embedded process", () => {
  let server: EmbeddedServer;

  beforeAll(async () => {
    server = await startEmbeddedServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  consoleFlowSuite(() => ({ user: server.baseUrl, staff: server.baseUrl }));
});
