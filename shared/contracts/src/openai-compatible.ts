import { type Static, type TSchema, Type } from "@sinclair/typebox";
import { ErrorCode } from "./errors.ts";

/**
 * The OpenAI Chat Completions API (`/v1`), as far as this system serves it: text and images in,
 * text out, one choice. Names follow OpenAI's own where they do not collide with ours. Requests allow
 * unknown fields, since OpenAI clients send many (`seed`, `logit_bias`, ...): they are ignored.
 */

function nullable<T extends TSchema>(schema: T) {
  return Type.Union([schema, Type.Null()]);
}

/** A text part of a message's content; part types other than text and images (audio, files) answer 400. */
export const ChatCompletionTextPart = Type.Object(
  { type: Type.Literal("text"), text: Type.String() },
  { additionalProperties: true },
);
export type ChatCompletionTextPart = Static<typeof ChatCompletionTextPart>;

/**
 * An image part of a user's message: a `data:` URL of a PNG, JPEG, WebP or GIF, or the URL of an
 * upload of the caller's on this server (`/api/attachments/{id}/content`). Other URLs are refused,
 * never fetched.
 */
export const ChatCompletionImagePart = Type.Object(
  {
    type: Type.Literal("image_url"),
    image_url: Type.Object(
      {
        url: Type.String({ minLength: 1 }),
        detail: Type.Optional(
          Type.Union([Type.Literal("auto"), Type.Literal("low"), Type.Literal("high")], {
            description: "Accepted and ignored",
          }),
        ),
      },
      { additionalProperties: true },
    ),
  },
  { additionalProperties: true },
);
export type ChatCompletionImagePart = Static<typeof ChatCompletionImagePart>;

/** One message of the conversation; `developer` is treated as `system`. */
export const ChatCompletionRequestMessage = Type.Object(
  {
    role: Type.Union([
      Type.Literal("system"),
      Type.Literal("developer"),
      Type.Literal("user"),
      Type.Literal("assistant"),
    ]),
    content: Type.Union(
      [Type.String(), Type.Array(Type.Union([ChatCompletionTextPart, ChatCompletionImagePart]))],
      {
        description:
          "A string, or parts: text parts are joined with newlines; image parts (user messages only) go to vision models",
      },
    ),
    name: Type.Optional(Type.String({ description: "Accepted and ignored" })),
  },
  { additionalProperties: true },
);
export type ChatCompletionRequestMessage = Static<typeof ChatCompletionRequestMessage>;

const FinishReason = Type.Union([Type.Literal("stop"), Type.Literal("length")], {
  description: "stop: the model finished; length: it reached the token limit",
});

/** `POST /v1/chat/completions`. */
export const ChatCompletionRequest = Type.Object(
  {
    model: Type.String({ minLength: 1, maxLength: 128, description: "An id from GET /v1/models" }),
    messages: Type.Array(ChatCompletionRequestMessage, { minItems: 1, maxItems: 1_000 }),
    stream: Type.Optional(
      nullable(Type.Boolean({ description: "Answer server-sent events of chat.completion.chunk" })),
    ),
    stream_options: Type.Optional(
      nullable(
        Type.Object(
          {
            include_usage: Type.Optional(
              nullable(
                Type.Boolean({ description: "End the stream with a chunk of no choices and the usage" }),
              ),
            ),
          },
          { additionalProperties: true },
        ),
      ),
    ),
    max_tokens: Type.Optional(
      nullable(Type.Integer({ minimum: 1, description: "Deprecated by OpenAI for max_completion_tokens" })),
    ),
    max_completion_tokens: Type.Optional(
      nullable(Type.Integer({ minimum: 1, description: "Most tokens the answer may have" })),
    ),
    temperature: Type.Optional(nullable(Type.Number({ minimum: 0, maximum: 2 }))),
    top_p: Type.Optional(nullable(Type.Number({ minimum: 0, maximum: 1 }))),
    n: Type.Optional(nullable(Type.Integer({ minimum: 1, maximum: 1, description: "Only 1 is supported" }))),
    user: Type.Optional(Type.String({ description: "Accepted and ignored" })),
  },
  { additionalProperties: true },
);
export type ChatCompletionRequest = Static<typeof ChatCompletionRequest>;

export const ChatCompletionUsage = Type.Object(
  {
    prompt_tokens: Type.Integer({ minimum: 0 }),
    completion_tokens: Type.Integer({ minimum: 0 }),
    total_tokens: Type.Integer({ minimum: 0 }),
  },
  { $id: "ChatCompletionUsage" },
);
export type ChatCompletionUsage = Static<typeof ChatCompletionUsage>;

/** The answer of `POST /v1/chat/completions` without `stream`. */
export const ChatCompletion = Type.Object(
  {
    id: Type.String({ description: "chatcmpl-<id>" }),
    object: Type.Literal("chat.completion"),
    created: Type.Integer({ description: "Unix time in seconds" }),
    model: Type.String(),
    choices: Type.Array(
      Type.Object({
        index: Type.Integer({ minimum: 0 }),
        message: Type.Object({
          role: Type.Literal("assistant"),
          content: nullable(Type.String()),
          refusal: Type.Null(),
        }),
        logprobs: Type.Null(),
        finish_reason: FinishReason,
      }),
    ),
    usage: ChatCompletionUsage,
  },
  { $id: "ChatCompletion" },
);
export type ChatCompletion = Static<typeof ChatCompletion>;

/**
 * One `data:` event of a streamed completion. The first carries `delta.role`, the last of the
 * choice its `finish_reason`; with `stream_options.include_usage` every chunk has `usage: null`
 * but a final one with no choices and the usage. `data: [DONE]` ends the stream.
 */
export const ChatCompletionChunk = Type.Object(
  {
    id: Type.String({ description: "The same in every chunk of a completion" }),
    object: Type.Literal("chat.completion.chunk"),
    created: Type.Integer({ description: "Unix time in seconds; the same in every chunk" }),
    model: Type.String(),
    choices: Type.Array(
      Type.Object({
        index: Type.Integer({ minimum: 0 }),
        delta: Type.Object({
          role: Type.Optional(Type.Literal("assistant")),
          content: Type.Optional(Type.String()),
        }),
        logprobs: Type.Null(),
        finish_reason: nullable(FinishReason),
      }),
    ),
    usage: Type.Optional(nullable(ChatCompletionUsage)),
  },
  { $id: "ChatCompletionChunk" },
);
export type ChatCompletionChunk = Static<typeof ChatCompletionChunk>;

/** A model in `GET /v1/models`. */
export const OpenAIModel = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal("model"),
    created: Type.Integer({ description: "Unix time in seconds; 0 when not known" }),
    owned_by: Type.String({ description: "The provider that serves it" }),
  },
  { $id: "OpenAIModel" },
);
export type OpenAIModel = Static<typeof OpenAIModel>;

export const OpenAIModelList = Type.Object(
  { object: Type.Literal("list"), data: Type.Array(OpenAIModel) },
  { $id: "OpenAIModelList" },
);
export type OpenAIModelList = Static<typeof OpenAIModelList>;

/** invalid_request_error: any other 4xx; api_error: any 5xx. */
export const OpenAIErrorType = Type.Union([
  Type.Literal("invalid_request_error"),
  Type.Literal("authentication_error"),
  Type.Literal("rate_limit_error"),
  Type.Literal("api_error"),
]);
export type OpenAIErrorType = Static<typeof OpenAIErrorType>;

/**
 * Every error of `/v1`, as OpenAI answers them, with this system's code in `code`. Also sent as
 * a `data:` event when a stream fails after its first chunk.
 */
export const OpenAIErrorBody = Type.Object(
  {
    error: Type.Object({
      message: Type.String(),
      type: OpenAIErrorType,
      param: nullable(Type.String()),
      code: ErrorCode,
    }),
  },
  { $id: "OpenAIErrorBody" },
);
export type OpenAIErrorBody = Static<typeof OpenAIErrorBody>;
