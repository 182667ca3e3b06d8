import type { ModelMessage } from "./model-provider.ts";
import { TokenEstimator } from "./token-estimator.ts";

/** Share of the context window the prompt may fill; the rest is left for the answer. */
export const contextWindowShare = 0.8;

export type ModelContextInput = {
  /** The deployment's system prompt (`SYSTEM_PROMPT`). */
  deploymentPrompt?: string;
  /** The instructions of the chat's project. */
  projectPrompt?: string;
  /** The chat's own system prompt. */
  chatPrompt?: string;
  /** The conversation, oldest first, ending with the newest user message. */
  history: ModelMessage[];
  contextWindow: number;
  /** Whether the model sees images; if not, each image of the history becomes a note in the text. */
  vision: boolean;
  /** Multiplies the raw token estimate (learned from provider reports); 1 when nothing is known. */
  tokenCorrection: number;
};

/**
 * The messages sent to the model: one system message (deployment prompt, the project's instructions, then the chat's prompt), then
 * as much of the history as fits in 80 % of the context window, dropping the oldest first. The
 * system message and the newest user message are always kept; the kept history starts with a
 * user message, as providers expect. Deterministic: the same input gives the same context.
 */
export function buildModelContext(input: ModelContextInput): ModelMessage[] {
  const systemText = [input.deploymentPrompt, input.projectPrompt, input.chatPrompt]
    .map((prompt) => prompt?.trim())
    .filter(Boolean)
    .join("\n\n");
  const system: ModelMessage[] = systemText ? [{ role: "system", content: systemText }] : [];
  const conversation = input.history
    .filter((message) => message.role !== "system")
    .map((message) => (input.vision ? message : withoutImages(message)));
  const newest = conversation.at(-1);
  if (!newest) return system;

  const tokensOf = (message: ModelMessage) => TokenEstimator.rawTokensOf(message) * input.tokenCorrection;
  const budget = Math.floor(input.contextWindow * contextWindowShare);
  let used = system.reduce((sum, message) => sum + tokensOf(message), 0) + tokensOf(newest);
  let firstKept = conversation.length - 1;
  while (firstKept > 0) {
    const candidate = conversation[firstKept - 1] as ModelMessage;
    const cost = tokensOf(candidate);
    if (used + cost > budget) break;
    used += cost;
    firstKept--;
  }
  while (firstKept < conversation.length - 1 && conversation[firstKept]?.role !== "user") firstKept++;
  return [...system, ...conversation.slice(firstKept)];
}

/** The message for a model that cannot see images: each image is a note in the text instead. */
export function withoutImages(message: ModelMessage): ModelMessage {
  const count = message.images?.length ?? 0;
  if (count === 0) return message;
  const note = `[${count === 1 ? "An image was" : `${count} images were`} attached here; this model cannot see images.]`;
  return { role: message.role, content: message.content ? `${message.content}\n\n${note}` : note };
}
