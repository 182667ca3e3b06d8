import { RabbitTopology, requestSource } from "@chat/bus";
import { createLogger } from "@chat/runtime";
import { RedisActorState } from "@chat/state";
import amqp from "amqplib";

const requestServices = ["store", "orchestrator"];
/** Queues named after their own dead-letter source: the work queue and the services' event queues. */
const selfNamedSources = ["ai.generate", "store.completions", "store.usage", "notifier", "notifier.alerts"];

/** Every queue the services consume from under `prefix`, each with its dead-letter source, as the bus names them. */
export function busQueues(prefix: string, partitions: number): Array<{ queue: string; source: string }> {
  const topology = new RabbitTopology({ prefix, partitions, deliveryLimit: 1 });
  return [
    ...Array.from({ length: partitions }, (_, partition) => ({
      queue: topology.partitionQueue(partition),
      source: "session",
    })),
    ...selfNamedSources.map((source) => ({ queue: topology.eventQueue(source), source })),
    ...requestServices.map((service) => ({
      queue: topology.serviceQueue(service),
      source: requestSource(service),
    })),
  ];
}

/** The dead-letter source of every queue the services consume from. */
export const busQueueSources = [...new Set(busQueues("", 1).map(({ source }) => source))];

/** Queues that read copies of dead letters (`Bus.watchDeadLetters`); each has a dead-letter queue too. */
const deadLetterWatchQueues = ["notifier.dead-letters"];

/**
 * Deletes every queue and exchange a cluster test created under `prefix`: the command
 * partitions, the work, event and request queues of the services, and their dead-letter queues.
 */
export async function removeRabbitNamespace(url: string, prefix: string, partitions: number): Promise<void> {
  const topology = new RabbitTopology({ prefix, partitions, deliveryLimit: 1 });
  const queues = [
    ...busQueues(prefix, partitions).map(({ queue }) => queue),
    ...busQueueSources.map((source) => topology.deadLetterQueue(source)),
    ...deadLetterWatchQueues.flatMap((watch) => [
      topology.eventQueue(watch),
      topology.deadLetterQueue(watch),
    ]),
  ];
  const connection = await amqp.connect(url);
  try {
    const channel = await connection.createChannel();
    for (const queue of queues) await channel.deleteQueue(queue);
    for (const exchange of [topology.commandsExchange, topology.eventsExchange, topology.deadLetterExchange])
      await channel.deleteExchange(exchange);
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
