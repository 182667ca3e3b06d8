import type { ContextMessage } from "@chat/contracts";
import { TokenEstimator } from "./token-estimator.ts";

/** Share of the context window the prompt may fill; the rest is left for the answer. */
export const contextWindowShare = 0.8;

export type ModelContextInput = {
  /** The deployment's system prompt (`SYSTEM_PROMPT`). */
  deploymentPrompt?: string;
  /** The chat's own system prompt. */
  chatPrompt?: string;
  /** The conversation, oldest first, ending with the newest user message. */
  history: ContextMessage[];
  contextWindow: number;
  /** Multiplies the raw token estimate (learned from provider reports); 1 when nothing is known. */
  tokenCorrection: number;
};

/**
 * The messages sent to the model: one system message (deployment prompt, then the chat's), then
 * as much of the history as fits in 80 % of the context window, dropping the oldest first. The
 * system message and the newest user message are always kept; the kept history starts with a
 * user message, as providers expect. Deterministic: the same input gives the same context.
 */
export function buildModelContext(input: ModelContextInput): ContextMessage[] {
  const systemText = [input.deploymentPrompt, input.chatPrompt]
    .map((prompt) => prompt?.trim())
    .filter(Boolean)
    .join("\n\n");
  const system: ContextMessage[] = systemText ? [{ role: "system", content: systemText }] : [];
  const conversation = input.history.filter((message) => message.role !== "system");
  const newest = conversation.at(-1);
  if (!newest) return system;

  const tokensOf = (message: ContextMessage) => TokenEstimator.rawTokensOf(message) * input.tokenCorrection;
  const budget = Math.floor(input.contextWindow * contextWindowShare);
  let used = system.reduce((sum, message) => sum + tokensOf(message), 0) + tokensOf(newest);
  let firstKept = conversation.length - 1;
  while (firstKept > 0) {
    const candidate = conversation[firstKept - 1] as ContextMessage;
    const cost = tokensOf(candidate);
    if (used + cost > budget) break;
    used += cost;
    firstKept--;
  }
  while (firstKept < conversation.length - 1 && conversation[firstKept]?.role !== "user") firstKept++;
  return [...system, ...conversation.slice(firstKept)];
}
