import type { AppError, FinishReason, Usage } from "@chat/contracts";

/** What one model call came to: its text, why it ended, and what it used and cost. */
export type ModelCallOutcome = {
  text: string;
  finishReason: FinishReason;
  /** The model that answered, or the one asked for when none did. */
  modelId: string;
  usage: Usage & { costUsd: number; provider: string; durationMs: number; timeToFirstTokenMs: number | null };
  /** Set when finishReason is "error". */
  error?: AppError;
};
