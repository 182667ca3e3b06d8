import amqp from "amqplib";

/**
 * Deletes every queue and exchange a cluster test created under `prefix`: the command
 * partitions, the work, event and request queues of the services, and their dead-letter queues.
 */
export async function removeRabbitNamespace(url: string, prefix: string, partitions: number): Promise<void> {
  const sources = [
    "session",
    "ai.generate",
    "rpc.store",
    "rpc.orchestrator",
    "store.completions",
    "store.usage",
    "notifier",
  ];
  const queues = [
    ...Array.from({ length: partitions }, (_, partition) => `${prefix}.session.p${partition}`),
    ...sources.filter((source) => source !== "session").map((source) => `${prefix}.${source}`),
    ...sources.map((source) => `${prefix}.dlx.${source}`),
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
