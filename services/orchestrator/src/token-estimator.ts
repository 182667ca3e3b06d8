import type { ModelMessage } from "./model-provider.ts";

const charactersPerToken = 4;
const tokensPerMessage = 4;
/**
 * What one image costs: providers scale images to about 1.15 megapixels (Anthropic: width × height
 * / 750, about 1,600 tokens at most; OpenAI's high detail about 1,100), so the estimate takes the top.
 */
export const tokensPerImage = 1_600;
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
  static rawTokensOf(message: ModelMessage): number {
    const images = (message.images?.length ?? 0) * tokensPerImage;
    return Math.ceil(message.content.length / charactersPerToken) + tokensPerMessage + images;
  }

  correctionFor(modelId: string): number {
    return this.corrections.get(modelId) ?? 1;
  }

  estimate(modelId: string, messages: ModelMessage[]): number {
    const raw = messages.reduce((sum, message) => sum + TokenEstimator.rawTokensOf(message), 0);
    return Math.ceil(raw * this.correctionFor(modelId));
  }

  /** Learns from a provider's report of the input tokens of `messages`. */
  observe(modelId: string, messages: ModelMessage[], reportedInputTokens: number): void {
    const raw = messages.reduce((sum, message) => sum + TokenEstimator.rawTokensOf(message), 0);
    if (raw === 0 || reportedInputTokens <= 0) return;
    const ratio = Math.min(highestCorrection, Math.max(lowestCorrection, reportedInputTokens / raw));
    const previous = this.corrections.get(modelId);
    this.corrections.set(modelId, previous === undefined ? ratio : previous + smoothing * (ratio - previous));
  }
}
