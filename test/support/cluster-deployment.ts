import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RabbitBus } from "@chat/bus";
import { createLogger } from "@chat/runtime";
import type { RedisActorState } from "@chat/state";
import { openActorState, removeClusterNamespace } from "./cluster-namespace.ts";
import { generousLimits } from "./embedded-server.ts";
import { rabbitUrl, redisUrl, testNamespace } from "./infrastructure.ts";
import { ServiceProcess } from "./service-process.ts";

/**
 * The services as separate processes over the test RabbitMQ and Redis, under a namespace and a data
 * directory of their own. `settings` add to (or override) the environment every process gets.
 *
 * @example
 * const cluster = new ClusterDeployment("cluster", 4, { MAX_BODY_BYTES: "65536" });
 * beforeAll(async () => { await cluster.start("store"); gateway = await cluster.start("gateway"); });
 * afterAll(() => cluster.remove());
 */
export class ClusterDeployment {
  readonly namespace: string;
  readonly dataDirectory: string;
  readonly environment: Record<string, string>;
  /** Every process started, in order, killed ones included. */
  readonly processes: ServiceProcess[] = [];

  constructor(
    private readonly label: string,
    readonly partitions: number,
    settings: Record<string, string> = {},
  ) {
    this.namespace = testNamespace(label);
    this.dataDirectory = mkdtempSync(join(tmpdir(), `chat-${label}-`));
    this.environment = {
      AMQP_URL: rabbitUrl,
      REDIS_URL: redisUrl,
      BUS_PREFIX: this.namespace,
      REDIS_KEY_PREFIX: this.namespace,
      SESSION_PARTITIONS: String(partitions),
      JWT_SECRET: `${label}-test-secret-that-is-long-enough-0123456789`,
      ...generousLimits,
      DATA_DIR: this.dataDirectory,
      ...settings,
    };
  }

  /** Starts `services/<kind>/main.ts` with the deployment's environment and `override` on top. */
  async start(kind: string, override: Record<string, string> = {}): Promise<ServiceProcess> {
    const service = await ServiceProcess.start(kind, `services/${kind}/main.ts`, {
      ...this.environment,
      ...override,
    });
    this.processes.push(service);
    return service;
  }

  /**
   * Starts a store, a session and an orchestrator, then `gateways` gateways; `overrideFor(kind)`
   * adds settings for one kind of service. Answers the gateways.
   */
  async startAll(
    gateways: number,
    overrideFor: (kind: string) => Record<string, string> = () => ({}),
  ): Promise<ServiceProcess[]> {
    const start = (kind: string) => this.start(kind, overrideFor(kind));
    await start("store");
    await Promise.all([start("session"), start("orchestrator")]);
    const started: ServiceProcess[] = [];
    for (let index = 0; index < gateways; index++) started.push(await start("gateway"));
    return started;
  }

  /** The actor state in Redis, to look at or break; the caller closes it. */
  actorState(): RedisActorState {
    return openActorState(redisUrl, this.namespace, `${this.label}-test`);
  }

  /** A bus client of the deployment's own, to read dead letters with; the caller closes it. */
  async connectBus(deliveryLimit: number): Promise<RabbitBus> {
    const bus = new RabbitBus({
      url: rabbitUrl,
      prefix: this.namespace,
      partitions: this.partitions,
      deliveryLimit,
      logger: createLogger(`${this.label}-test`, "silent"),
    });
    await bus.connect();
    return bus;
  }

  /** Stops every process, then removes the queues, keys and data directory. */
  async remove(): Promise<void> {
    await Promise.all(this.processes.map((service) => service.stop()));
    await removeClusterNamespace(
      { rabbitUrl, redisUrl, namespace: this.namespace, partitions: this.partitions },
      `${this.label}-test`,
    );
    rmSync(this.dataDirectory, { recursive: true, force: true });
  }
}
