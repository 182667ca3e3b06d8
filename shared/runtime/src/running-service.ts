import type { ReadinessChecks } from "./health-server.ts";

/** A started service: what `/readyz` checks for it, and how to stop it gracefully. */
export type RunningService = {
  name: string;
  checks: ReadinessChecks;
  stop(): Promise<void>;
};
