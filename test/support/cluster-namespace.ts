import { createLogger } from "@chat/runtime";
import { RedisActorState } from "@chat/state";
import amqp from "amqplib";

/**
 * The sources the services consume from, each with a queue (the session's split in partitions,
 * `rpc.<service>`'s named `requests.<service>`) and a dead-letter queue.
 */
export const busQueueSources = [
  "session",
  "ai.generate",
  "rpc.store",
  "rpc.orchestrator",
  "store.completions",
  "store.usage",
  "notifier",
  "notifier.alerts",
];

/** Queues that read copies of dead letters (`Bus.watchDeadLetters`); each has a dead-letter queue too. */
const deadLetterWatchQueues = ["notifier.dead-letters"];

/**
 * Deletes every queue and exchange a cluster test created under `prefix`: the command
 * partitions, the work, event and request queues of the services, and their dead-letter queues.
 */
export async function removeRabbitNamespace(url: string, prefix: string, partitions: number): Promise<void> {
  const queues = [
    ...Array.from({ length: partitions }, (_, partition) => `${prefix}.session.p${partition}`),
    ...busQueueSources
      .filter((source) => source !== "session")
      .map((source) => `${prefix}.${source.replace(/^rpc\./, "requests.")}`),
    ...busQueueSources.map((source) => `${prefix}.dlx.${source}`),
    ...deadLetterWatchQueues.flatMap((watch) => [`${prefix}.${watch}`, `${prefix}.dlx.${watch}`]),
  ];
  const connection = await amqp.connect(url);
  try {
    const channel = await connection.createChannel();
    for (const queue of queues) await channel.deleteQueue(queue);
    for (const exchange of ["chat.commands", "chat.events", "dlx"])
      await channel.deleteExchange(`${prefix}.${exchange}`);
  } finally {
    await connection.close();
  }
}

/** Where a deployment's queues and keys live: the brokers and the prefix of its names. */
export type ClusterNamespace = { rabbitUrl: string; redisUrl: string; namespace: string; partitions: number };

/** Opens the Redis actor state under `namespace`, as the session service sees it. */
export function openActorState(redisUrl: string, namespace: string, loggerName: string): RedisActorState {
  return new RedisActorState({
    url: redisUrl,
    keyPrefix: namespace,
    ttlSeconds: 60,
    replayLogMaxLength: 10,
    logger: createLogger(loggerName, "silent"),
  });
}

/** Deletes every queue, exchange and Redis key the services created under the namespace. */
export async function removeClusterNamespace(cluster: ClusterNamespace, loggerName: string): Promise<void> {
  await removeRabbitNamespace(cluster.rabbitUrl, cluster.namespace, cluster.partitions);
  const state = openActorState(cluster.redisUrl, cluster.namespace, loggerName);
  await state.removeKeys();
  await state.close();
}
