import { type Static, Type } from "@sinclair/typebox";
import { SerializedError } from "../errors.ts";
import { FinishReason, Id, Usage } from "../http.ts";
import { ContextMessage } from "./context-message.ts";
import { busMessage } from "./envelope.ts";

/**
 * A completion for the OpenAI-compatible API: no chat, streamed back on
 * `completion.<completionId>.*` to the gateway that waits for it.
 */
export const CompletionRequest = busMessage("completion_requested", {
  userId: Id,
  completionId: Id,
  model: Type.String(),
  messages: Type.Array(ContextMessage, { minItems: 1 }),
  maxOutputTokens: Type.Optional(Type.Integer({ minimum: 1 })),
  temperature: Type.Optional(Type.Number({ minimum: 0, maximum: 2 })),
  topP: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
});
export type CompletionRequest = Static<typeof CompletionRequest>;

/** What the orchestrator streams back for a `CompletionRequest`, in order. */
export const CompletionStreamMessage = Type.Union([
  busMessage("completion_chunk", {
    userId: Id,
    completionId: Id,
    content: Type.String(),
    seq: Type.Integer({ minimum: 0 }),
  }),
  busMessage("completion_finished", {
    userId: Id,
    completionId: Id,
    content: Type.String(),
    finishReason: FinishReason,
    model: Type.String(),
    usage: Usage,
  }),
  busMessage("completion_failed", { userId: Id, completionId: Id, error: SerializedError }),
]);
export type CompletionStreamMessage = Static<typeof CompletionStreamMessage>;

/** Routing key of what the orchestrator streams back for one API completion. */
export function completionEventKey(completionId: string, type: string): string {
  return `completion.${completionId}.${type}`;
}
