import { ErrorBody, GoChatErrorBody, OpenAIErrorBody } from "@chat/contracts";
import { Elysia } from "elysia";

/**
 * Shapes that most operations answer, registered once by name: routes refer to them as
 * `"ErrorBody"`, and the OpenAPI document holds each once under `components.schemas` instead of
 * repeating it for every status of every operation (which code generators turn into one type).
 */
export const apiModels = new Elysia({ name: "api-models" }).model({
  ErrorBody,
  GoChatErrorBody,
  OpenAIErrorBody,
});
