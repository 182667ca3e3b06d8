import Redis from "ioredis";

/** What Redis spent on one command over an interval: calls and CPU time inside Redis. */
export type RedisCommandCost = {
  command: string;
  calls: number;
  /** Microseconds Redis spent executing these calls (its own accounting, `INFO commandstats`). */
  usec: number;
  callsPerChunk: number;
  usecPerChunk: number;
};

type CommandStats = Map<string, { calls: number; usec: number }>;

const redisUrl = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";

async function read(): Promise<CommandStats> {
  const client = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await client.connect();
    const text = await client.info("commandstats");
    const stats: CommandStats = new Map();
    for (const match of text.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm))
      stats.set(match[1] as string, { calls: Number(match[2]), usec: Number(match[3]) });
    return stats;
  } finally {
    client.disconnect();
  }
}

/**
 * Redis's own count of calls and execution time per command over an interval (`INFO
 * commandstats`, read before and after). The whole server's: other users of the same Redis are in
 * it too. Execution time only: reading and writing the sockets is not in it.
 */
export class RedisCommandMeter {
  private before: CommandStats = new Map();

  async start(): Promise<void> {
    this.before = await read();
  }

  /** The commands run since `start()`, costliest first, with their calls and time per delivered chunk. */
  async stop(chunks: number): Promise<RedisCommandCost[]> {
    const after = await read();
    const per = (value: number) => (chunks > 0 ? Math.round((value / chunks) * 100) / 100 : 0);
    return [...after.entries()]
      .map(([command, { calls, usec }]) => {
        const earlier = this.before.get(command) ?? { calls: 0, usec: 0 };
        const delta = { calls: calls - earlier.calls, usec: usec - earlier.usec };
        return {
          command,
          ...delta,
          callsPerChunk: per(delta.calls),
          usecPerChunk: per(delta.usec),
        };
      })
      .filter((cost) => cost.calls > 0)
      .sort((a, b) => b.usec - a.usec);
  }
}
