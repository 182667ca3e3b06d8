import type { GenerateRequest, ModelProvider, StreamPart } from "../../model-provider.ts";
import { ProviderError } from "../provider-error.ts";

/** Everything one stream gave: its parts, their text joined, and what it threw (undefined when it ended well). */
export type StreamOutcome = { parts: StreamPart[]; text: string; error: unknown };

/**
 * Reads a provider's stream to its end or its error.
 *
 * @example
 * const { text, error } = await collectStream(provider, { model, messages, maxOutputTokens: 256, signal });
 */
export async function collectStream(
  provider: ModelProvider,
  request: GenerateRequest,
): Promise<StreamOutcome> {
  const parts: StreamPart[] = [];
  let error: unknown;
  try {
    for await (const part of provider.stream(request)) parts.push(part);
  } catch (caught) {
    error = caught;
  }
  const text = parts.flatMap((part) => (part.type === "text-delta" ? [part.text] : [])).join("");
  return { parts, text, error };
}

/** The error as a ProviderError; anything else fails the test. */
export function providerError(error: unknown): ProviderError {
  if (!ProviderError.isInstance(error)) throw new Error(`expected a ProviderError, got ${String(error)}`);
  return error;
}
