import type { ContextMessage } from "@chat/contracts";

const charactersPerToken = 4;
const tokensPerMessage = 4;
const smoothing = 0.3;
const lowestCorrection = 0.5;
const highestCorrection = 3;

/**
 * Estimates the tokens of a context without a tokenizer (about four characters a token, plus a
 * little per message), then learns per model from what providers report: the estimate is
 * multiplied by a moving average of reported / estimated.
 */
export class TokenEstimator {
  private readonly corrections = new Map<string, number>();

  /** The uncorrected estimate of one message. */
  static rawTokensOf(message: ContextMessage): number {
    return Math.ceil(message.content.length / charactersPerToken) + tokensPerMessage;
  }

  correctionFor(modelId: string): number {
    return this.corrections.get(modelId) ?? 1;
  }

  estimate(modelId: string, messages: ContextMessage[]): number {
    const raw = messages.reduce((sum, message) => sum + TokenEstimator.rawTokensOf(message), 0);
    return Math.ceil(raw * this.correctionFor(modelId));
  }

  /** Learns from a provider's report of the input tokens of `messages`. */
  observe(modelId: string, messages: ContextMessage[], reportedInputTokens: number): void {
    const raw = messages.reduce((sum, message) => sum + TokenEstimator.rawTokensOf(message), 0);
    if (raw === 0 || reportedInputTokens <= 0) return;
    const ratio = Math.min(highestCorrection, Math.max(lowestCorrection, reportedInputTokens / raw));
    const previous = this.corrections.get(modelId);
    this.corrections.set(modelId, previous === undefined ? ratio : previous + smoothing * (ratio - previous));
  }
}
