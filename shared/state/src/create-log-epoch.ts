import { randomBytes } from "node:crypto";

/**
 * A fresh replay-log epoch: 64 random bits as 11 base64url characters, so an id from an earlier
 * life of a log never matches the current one.
 */
export function createLogEpoch(): string {
  return randomBytes(8).toString("base64url");
}
