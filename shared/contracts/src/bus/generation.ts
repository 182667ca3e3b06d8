import { type Static, Type } from "@sinclair/typebox";
import { Id, MAX_TEMPERATURE } from "../http.ts";
import { CompletionRequest } from "./completions.ts";
import { ContextMessage } from "./context-message.ts";
import { busMessage } from "./envelope.ts";

// Work for the orchestrators (queue `ai.generate`).
/** The answer to a user's message in a chat: streamed as chat events, stored when complete. */
export const GenerationRequest = busMessage("generation_requested", {
  userId: Id,
  assistantMessageId: Id,
  model: Type.String(),
  systemPrompt: Type.Optional(Type.String({ description: "The chat's own; the deployment's comes first" })),
  temperature: Type.Optional(
    Type.Number({
      minimum: 0,
      maximum: MAX_TEMPERATURE,
      description: "The chat's; absent, the model's default",
    }),
  ),
  projectInstructions: Type.Optional(
    Type.String({
      description: "The instructions of the chat's project: after the deployment's prompt, before the chat's",
    }),
  ),
  messages: Type.Array(ContextMessage, {
    minItems: 1,
    description: "History, oldest first, ending with the user's",
  }),
});
export type GenerationRequest = Static<typeof GenerationRequest>;

/** A short title for a chat after its first exchange; answered with an `update_chat` command. */
export const TitleRequest = busMessage("title_requested", {
  userId: Id,
  model: Type.String(),
  question: Type.String(),
  answer: Type.String(),
  currentTitle: Type.String(),
});
export type TitleRequest = Static<typeof TitleRequest>;

export const GenerationWork = Type.Union([GenerationRequest, TitleRequest, CompletionRequest]);
export type GenerationWork = Static<typeof GenerationWork>;

/**
 * Internal signal from the chat actor to every orchestrator instance (routing key
 * `control.<chatId>.generation_cancel`): abort the generation of this message, wherever it runs.
 */
export const GenerationCancelSignal = busMessage("generation_cancel", { userId: Id, assistantMessageId: Id });
export type GenerationCancelSignal = Static<typeof GenerationCancelSignal>;

/** Routing key of the internal signal that asks the orchestrators to abort a chat's generation. */
export function generationCancelKey(chatId: string): string {
  return `control.${chatId}.generation_cancel`;
}
