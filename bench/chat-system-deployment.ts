import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { removeClusterNamespace } from "../test/support/cluster-namespace.ts";
import type { ChatSystemTarget } from "./chat-system-workload.ts";
import type { MeteredProcess } from "./cpu-meter.ts";
import { findPid, freePort, MeasuredProcess } from "./measured-process.ts";

/** How the chat system under test is configured; an unset field keeps the product's default. */
export type DeploymentOptions = {
  /** `DEMO_TOKENS_PER_SECOND` of the demo model. */
  tokensPerSecond: number;
  /** `CHUNK_FLUSH_MS` of the orchestrator. */
  flushMs?: number;
  /** `ORCHESTRATOR_CONCURRENCY`: generations one orchestrator runs at once. */
  orchestratorConcurrency?: number;
};

/** Environment a process is (re)started with on top of the deployment's own, by process name. */
export type EnvironmentFor = (processName: string) => Record<string, string>;

/** A running chat system under test: five processes on the brokers, or one embedded process. */
export interface ChatSystemDeployment {
  readonly kind: "distributed" | "embedded";
  /** Where its public API listens and which processes to meter (it changes on a restart). */
  target(): ChatSystemTarget;
  /** Its own processes (not RabbitMQ and Redis). */
  processes(): MeteredProcess[];
  /**
   * Stops the named processes (default: all) and starts them again on the same data, with
   * `environmentFor(name)` added to their environment.
   */
  restart(environmentFor: EnvironmentFor, names?: string[]): Promise<void>;
  /** Stops every process and removes what the deployment created (queues, keys, data). */
  stop(): Promise<void>;
}

const bun = process.execPath;
const rabbitUrl = process.env.BENCH_AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672";
const redisUrl = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";
const partitions = 8;

/** The names of the five services, in the order they start. */
export const serviceNames = ["store", "session", "orchestrator", "notifier", "gateway"];

/**
 * The benchmark measures streaming, not the abuse limits: every deployment runs with them out of
 * the way, and with access tokens that outlive the run, since the load client signs in once and
 * does not renew (a soak past 15 minutes would otherwise measure 401s).
 */
const abuseLimitsOff: Record<string, string> = {
  ACCESS_TOKEN_TTL_SECONDS: String(24 * 3600),
  RATE_LIMIT_IP_PER_MINUTE: "100000000",
  RATE_LIMIT_USER_PER_MINUTE: "100000000",
  RATE_LIMIT_AUTH_PER_MINUTE: "100000000",
  RATE_LIMIT_ACCOUNT_PER_MINUTE: "100000000",
  GENERATIONS_PER_USER_PER_MINUTE: "100000000",
  MAX_STREAMS_PER_USER: "1000000",
};

function orchestratorEnvironment(options: DeploymentOptions): Record<string, string> {
  return {
    DEMO_TOKENS_PER_SECOND: String(options.tokensPerSecond),
    ...(options.flushMs === undefined ? {} : { CHUNK_FLUSH_MS: String(options.flushMs) }),
    ...(options.orchestratorConcurrency === undefined
      ? {}
      : { ORCHESTRATOR_CONCURRENCY: String(options.orchestratorConcurrency) }),
  };
}

/** RabbitMQ (`beam.smp`) and Redis on this machine, metered apart from the servers under test. */
export function infrastructureProcesses(): MeteredProcess[] {
  const found: MeteredProcess[] = [];
  const rabbit = findPid("beam.smp");
  const redis = findPid("redis-server");
  if (rabbit) found.push({ name: "rabbitmq", pid: rabbit });
  if (redis) found.push({ name: "redis", pid: redis });
  return found;
}

/**
 * Our system distributed: the five services as separate Bun processes on the local RabbitMQ and
 * Redis, under a namespace `bench-<pid>-<random>` whose queues, exchanges and Redis keys `stop()`
 * removes; SQLite store in a temporary directory.
 */
export class DistributedDeployment implements ChatSystemDeployment {
  readonly kind = "distributed";
  private readonly services = new Map<string, MeasuredProcess>();

  private constructor(
    readonly namespace: string,
    private readonly dataDirectory: string,
    private readonly environment: Record<string, string>,
  ) {}

  static async start(options: DeploymentOptions): Promise<DistributedDeployment> {
    const namespace = `bench-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    const dataDirectory = mkdtempSync(join(tmpdir(), "chat-bench-"));
    const deployment = new DistributedDeployment(namespace, dataDirectory, {
      AMQP_URL: rabbitUrl,
      REDIS_URL: redisUrl,
      BUS_PREFIX: namespace,
      REDIS_KEY_PREFIX: namespace,
      SESSION_PARTITIONS: String(partitions),
      JWT_SECRET: `bench-secret-${crypto.randomUUID()}-${crypto.randomUUID()}`,
      ...abuseLimitsOff,
      DATA_DIR: dataDirectory,
      ...orchestratorEnvironment(options),
    });
    try {
      for (const name of serviceNames) await deployment.startService(name, {});
    } catch (error) {
      await deployment.stop();
      throw error;
    }
    return deployment;
  }

  /** One of the five services. */
  service(name: string): MeasuredProcess {
    const service = this.services.get(name);
    if (!service) throw new Error(`no service ${name}`);
    return service;
  }

  target(): ChatSystemTarget {
    const gateway = this.service("gateway");
    return {
      host: "127.0.0.1",
      port: gateway.port,
      gatewayPid: gateway.pid,
      servers: this.processes(),
      infrastructure: infrastructureProcesses(),
    };
  }

  processes(): MeteredProcess[] {
    return [...this.services.values()].map((service) => ({ name: service.name, pid: service.pid }));
  }

  async restart(environmentFor: EnvironmentFor, names: string[] = serviceNames): Promise<void> {
    // The gateway first, so no client request lands on a half-stopped deployment.
    const order = serviceNames.filter((name) => names.includes(name));
    for (const name of [...order].reverse()) await this.services.get(name)?.stop();
    for (const name of order) await this.startService(name, environmentFor(name));
  }

  async stop(): Promise<void> {
    await this.services.get("gateway")?.stop();
    await Promise.all([...this.services.values()].map((service) => service.stop()));
    await removeClusterNamespace({ rabbitUrl, redisUrl, namespace: this.namespace, partitions }, "bench");
    rmSync(this.dataDirectory, { recursive: true, force: true });
  }

  private async startService(name: string, extra: Record<string, string>): Promise<MeasuredProcess> {
    const service = await MeasuredProcess.start({
      name,
      command: [bun, `services/${name}/main.ts`],
      port: freePort(),
      environment: { ...this.environment, ...extra },
      readyPath: "/readyz",
    });
    this.services.set(name, service);
    return service;
  }
}

/** Our system embedded: `services/all-in-one`, one Bun process, in-process bus, in-memory state. */
export class EmbeddedDeployment implements ChatSystemDeployment {
  readonly kind = "embedded";

  private constructor(
    private process: MeasuredProcess,
    private readonly dataDirectory: string,
    private readonly environment: Record<string, string>,
  ) {}

  static async start(options: DeploymentOptions): Promise<EmbeddedDeployment> {
    const dataDirectory = mkdtempSync(join(tmpdir(), "chat-bench-embedded-"));
    const environment = {
      AMQP_URL: "",
      REDIS_URL: "",
      MONGODB_URL: "",
      DATA_DIR: dataDirectory,
      ...abuseLimitsOff,
      ...orchestratorEnvironment(options),
    };
    try {
      return new EmbeddedDeployment(
        await EmbeddedDeployment.startProcess(environment),
        dataDirectory,
        environment,
      );
    } catch (error) {
      rmSync(dataDirectory, { recursive: true, force: true });
      throw error;
    }
  }

  private static async startProcess(environment: Record<string, string>): Promise<MeasuredProcess> {
    return MeasuredProcess.start({
      name: "all-in-one",
      command: [bun, "services/all-in-one/main.ts"],
      port: freePort(),
      environment,
      readyPath: "/readyz",
    });
  }

  target(): ChatSystemTarget {
    return {
      host: "127.0.0.1",
      port: this.process.port,
      gatewayPid: this.process.pid,
      servers: this.processes(),
      infrastructure: [],
    };
  }

  processes(): MeteredProcess[] {
    return [{ name: this.process.name, pid: this.process.pid }];
  }

  /**
   * Starts the process again with `environmentFor("all-in-one")` added, on the same data
   * directory (users, chats and the signing key survive; live actor state does not).
   */
  async restart(environmentFor: EnvironmentFor): Promise<void> {
    await this.process.stop();
    this.process = await EmbeddedDeployment.startProcess({
      ...this.environment,
      ...environmentFor("all-in-one"),
    });
  }

  async stop(): Promise<void> {
    await this.process.stop();
    rmSync(this.dataDirectory, { recursive: true, force: true });
  }
}
