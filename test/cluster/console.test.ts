import { afterAll, beforeAll, describe } from "bun:test";
import { ClusterDeployment } from "../support/cluster-deployment.ts";
import { consoleFlowSuite } from "../support/console-flow-suite.ts";
import { rabbitAvailable, redisAvailable } from "../support/infrastructure.ts";
import type { ServiceProcess } from "../support/service-process.ts";

describe.skipIf(!rabbitAvailable || !redisAvailable)(
  "the support console in five processes with two gateways",
  () => {
    const cluster = new ClusterDeployment("console", 2);
    let first: ServiceProcess;
    let second: ServiceProcess;

    beforeAll(async () => {
      [first, second] = (await cluster.startAll(2)) as [ServiceProcess, ServiceProcess];
    });
    afterAll(() => cluster.remove());

    // Users on one gateway, staff on the other: the live list hears the store's chat_activity over RabbitMQ.
    consoleFlowSuite(() => ({ user: first.baseUrl, staff: second.baseUrl }));
  },
);
