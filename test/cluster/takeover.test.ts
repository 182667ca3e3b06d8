import { afterAll, beforeAll, describe } from "bun:test";
import { ClusterDeployment } from "../support/cluster-deployment.ts";
import { rabbitAvailable, redisAvailable } from "../support/infrastructure.ts";
import type { ServiceProcess } from "../support/service-process.ts";
import { takeoverFlowSuite } from "../support/takeover-flow-suite.ts";

const holdTtlMs = 4_000;

describe.skipIf(!rabbitAvailable || !redisAvailable)(
  "help requests and takeover in five processes with two gateways",
  () => {
    const cluster = new ClusterDeployment("takeover", 2, {
      HOLD_TTL_MS: String(holdTtlMs),
      ANSWER_RECOVERY_INTERVAL_MS: "500",
    });
    let first: ServiceProcess;
    let second: ServiceProcess;

    beforeAll(async () => {
      [first, second] = (await cluster.startAll(2)) as [ServiceProcess, ServiceProcess];
      await cluster.start("notifier");
    });
    afterAll(() => cluster.remove());

    // The user on one gateway, the agents on the other: the hold lives in the actor's snapshot.
    takeoverFlowSuite(() => ({ user: first.baseUrl, agent: second.baseUrl }), {
      holdTtlMs,
      async restartAgentGateway() {
        await second.kill();
        second = await cluster.start("gateway", { PORT: String(second.port) });
      },
    });
  },
);
