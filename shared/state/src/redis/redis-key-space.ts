/**
 * Where the Redis actor state keeps what. Per chat: a hash `…:state` (version + state JSON), a
 * stream `…:events` (the replay log) and a string `…:epoch`, all under `<keyPrefix>:chat:{<chatId>}:`
 * so one chat's keys share a cluster slot. Rate limits: a hash `<keyPrefix>:bucket:<key>` per token
 * bucket and a sorted set `<keyPrefix>:leases:<key>` per lease key; tickets are strings
 * `<keyPrefix>:ticket:<ticket>`, revocations `<keyPrefix>:revoked:<id>`. Each chat's appends are
 * published on the channel `<keyPrefix>:chat:{<chatId>}:live`.
 */
export class RedisKeySpace {
  constructor(readonly keyPrefix: string) {
    if (!keyPrefix) throw new Error("keyPrefix must not be empty");
  }

  chat(chatId: string, part: "state" | "events" | "epoch"): string {
    return `${this.keyPrefix}:chat:{${chatId}}:${part}`;
  }

  chatChannel(chatId: string): string {
    return `${this.keyPrefix}:chat:{${chatId}}:live`;
  }

  bucket(key: string): string {
    return `${this.keyPrefix}:bucket:${key}`;
  }

  leases(key: string): string {
    return `${this.keyPrefix}:leases:${key}`;
  }

  ticket(ticket: string): string {
    return `${this.keyPrefix}:ticket:${ticket}`;
  }

  revoked(id: string): string {
    return `${this.keyPrefix}:revoked:${id}`;
  }

  /** A SCAN pattern matching every key of this prefix. */
  everyKey(): string {
    return `${this.keyPrefix.replace(/[*?[\]\\]/g, "\\$&")}:*`;
  }
}
