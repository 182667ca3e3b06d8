/**
 * Replay-log event ids look like `<epoch>:<ms>-<seq>`: the epoch names one life of a chat's log,
 * the rest is the Redis stream id (or its in-memory twin), so ids of one epoch sort in log order.
 */
export type EventIdParts = { epoch: string; ms: number; seq: number };

export function formatEventId(epoch: string, streamId: string): string {
  return `${epoch}:${streamId}`;
}

export function parseEventId(eventId: string): EventIdParts | null {
  const match = /^([A-Za-z0-9_-]{1,64}):(\d{1,20})-(\d{1,20})$/.exec(eventId);
  if (!match) return null;
  return { epoch: match[1] as string, ms: Number(match[2]), seq: Number(match[3]) };
}

/** Orders two ids of the same epoch: negative when `a` came first. */
export function compareEventIds(a: EventIdParts, b: EventIdParts): number {
  return a.ms === b.ms ? a.seq - b.seq : a.ms - b.ms;
}
