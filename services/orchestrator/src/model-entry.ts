import { type Static, Type } from "@sinclair/typebox";

/** The provider kinds the orchestrator has adapters for. */
export const ProviderKind = Type.Union([
  Type.Literal("anthropic"),
  Type.Literal("openai"),
  Type.Literal("openrouter"),
  Type.Literal("openai-compatible"),
  Type.Literal("dify"),
  Type.Literal("demo"),
]);
export type ProviderKind = Static<typeof ProviderKind>;

/** One model of the model file. */
export const ModelEntry = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 128, description: "What chats and /v1 callers name it" }),
    provider: Type.String({
      minLength: 1,
      description: "A built-in provider kind, or a provider of the file",
    }),
    upstreamModel: Type.String({ minLength: 1, description: "The provider's own name of the model" }),
    displayName: Type.String({ minLength: 1 }),
    contextWindow: Type.Integer({ minimum: 256 }),
    maxOutputTokens: Type.Integer({ minimum: 1 }),
    inputPricePerMillion: Type.Number({ minimum: 0, default: 0 }),
    outputPricePerMillion: Type.Number({ minimum: 0, default: 0 }),
    vision: Type.Boolean({
      default: false,
      description: "Reads images; a question with an image goes only to such a model",
    }),
    fallbacks: Type.Array(Type.String({ minLength: 1 }), {
      default: [],
      description: "Model ids tried in order when this one is rate limited, overloaded or failing",
    }),
  },
  { additionalProperties: false },
);
export type ModelEntry = Static<typeof ModelEntry>;

/** A provider declared in the model file, e.g. a second OpenAI-compatible server. */
export const ProviderEntry = Type.Object(
  {
    type: ProviderKind,
    baseURL: Type.Optional(Type.String({ pattern: "^https?://" })),
    apiKeyVariable: Type.Optional(
      Type.String({ pattern: "^[A-Z_][A-Z0-9_]*$", description: "Environment variable holding its key" }),
    ),
  },
  { additionalProperties: false },
);
export type ProviderEntry = Static<typeof ProviderEntry>;

/** The model file (`MODELS_FILE`, JSON). */
export const ModelsFile = Type.Object(
  {
    defaultModel: Type.Optional(Type.String({ minLength: 1 })),
    providers: Type.Optional(Type.Record(Type.String({ pattern: "^[a-z0-9][a-z0-9_-]*$" }), ProviderEntry)),
    models: Type.Array(ModelEntry, { minItems: 1 }),
  },
  { additionalProperties: false },
);
export type ModelsFile = Static<typeof ModelsFile>;
