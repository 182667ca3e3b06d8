import { randomBytes } from "node:crypto";

/** A lease's id: random, so one holder can never renew or release another's. */
export function newLeaseId(): string {
  return randomBytes(12).toString("base64url");
}

export function checkLease(limit: number, leaseMs: number): void {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new RangeError(`limit must be a positive integer, got ${limit}`);
  }
  checkLeaseMs(leaseMs);
}

export function checkLeaseMs(leaseMs: number): void {
  if (!Number.isInteger(leaseMs) || leaseMs < 1) {
    throw new RangeError(`leaseMs must be a positive integer, got ${leaseMs}`);
  }
}
