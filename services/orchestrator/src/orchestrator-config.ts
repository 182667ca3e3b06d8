import { BaseConfigFields } from "@chat/runtime";
import { StorageConfigFields } from "@chat/storage";
import { type Static, Type } from "@sinclair/typebox";

const HttpUrl = (description: string) => Type.Optional(Type.String({ pattern: "^https?://", description }));
const Secret = (description: string) => Type.Optional(Type.String({ minLength: 1, description }));

export const OrchestratorConfigFields = {
  DEMO_TOKENS_PER_SECOND: Type.Number({
    default: 40,
    minimum: 0,
    description: "Demo model speed; 0 = as fast as possible",
  }),
  ORCHESTRATOR_CONCURRENCY: Type.Integer({
    default: 512,
    minimum: 1,
    description:
      "Generations one instance runs at once (waiting on the model is I/O); more wait in the generation queue",
  }),
  CHUNK_FLUSH_MS: Type.Integer({
    default: 20,
    minimum: 1,
    description: "A chunk leaves this long after its first token",
  }),
  ANSWER_CHECKPOINT_MS: Type.Integer({
    default: 1_000,
    minimum: 50,
    description: "An answer's text so far is saved to the store this often, so a crash loses no more",
  }),
  CHUNK_FLUSH_BYTES: Type.Integer({
    default: 512,
    minimum: 1,
    description: "...or as soon as it holds this many bytes",
  }),
  MODELS_FILE: Type.Optional(
    Type.String({
      minLength: 1,
      description:
        "JSON model file (see README, Models); unset = built-in models of the providers configured",
    }),
  ),
  DEFAULT_MODEL: Type.Optional(
    Type.String({ minLength: 1, description: "Model of new chats; default: the first usable model" }),
  ),
  TITLE_MODEL: Type.Optional(
    Type.String({ minLength: 1, description: "Model that writes chat titles; default: the chat's model" }),
  ),
  SYSTEM_PROMPT: Type.Optional(
    Type.String({ description: "The deployment's system prompt, before each chat's own" }),
  ),
  ANTHROPIC_API_KEY: Secret("Enables Anthropic models"),
  ANTHROPIC_BASE_URL: HttpUrl(
    "Anthropic API base URL (a proxy or a test server); setting it also enables Anthropic",
  ),
  OPENAI_API_KEY: Secret("Enables OpenAI models"),
  OPENAI_BASE_URL: HttpUrl(
    "OpenAI API base URL, e.g. https://api.openai.com/v1; setting it also enables OpenAI",
  ),
  OPENROUTER_API_KEY: Secret("Enables OpenRouter models"),
  OPENROUTER_BASE_URL: Type.String({
    default: "https://openrouter.ai/api/v1",
    pattern: "^https?://",
    description: "OpenRouter API base URL",
  }),
  OPENROUTER_APP_URL: HttpUrl("Sent to OpenRouter as HTTP-Referer (app attribution)"),
  OPENROUTER_APP_TITLE: Type.String({ default: "Chat", description: "Sent to OpenRouter as X-Title" }),
  OPENAI_COMPATIBLE_BASE_URL: HttpUrl(
    "An OpenAI-compatible server (Ollama http://localhost:11434/v1, vLLM, LM Studio); enables it",
  ),
  OPENAI_COMPATIBLE_API_KEY: Secret("Key of the OpenAI-compatible server, when it needs one"),
  OPENAI_COMPATIBLE_MODELS: Type.Optional(
    Type.String({ description: "Its models, comma-separated upstream names (e.g. llama3.2,qwen2.5)" }),
  ),
  OPENAI_COMPATIBLE_VISION_MODELS: Type.Optional(
    Type.String({
      description:
        "Those of OPENAI_COMPATIBLE_MODELS that see images (e.g. llava,qwen2.5vl), comma-separated",
    }),
  ),
  DIFY_API_KEY: Secret("A Dify chat app's API key (app-…); enables the `dify` model"),
  DIFY_BASE_URL: Type.String({
    pattern: "^https?://",
    default: "https://api.dify.ai/v1",
    description: "Dify's API (a self-hosted one: http://<host>/v1)",
  }),
  DIFY_VISION: Type.Boolean({
    default: false,
    description:
      "The Dify app takes images (its model sees them, file upload on): the `dify` model is then a vision model",
  }),
  DIFY_USER: Type.String({
    minLength: 1,
    maxLength: 128,
    default: "chat-system",
    description: "The end user Dify records for the app's conversations",
  }),
  DATA_DIR: Type.String({
    default: "./data",
    description: "Folder of the uploads on local disk (when S3_BUCKET is unset), shared with the gateway",
  }),
  ...StorageConfigFields,
  CONTEXT_MAX_IMAGES: Type.Integer({
    default: 20,
    minimum: 0,
    description: "Images one model request carries at most, the newest; older ones become a note in the text",
  }),
  ATTACHMENT_TEXT_MAX_CHARS: Type.Integer({
    default: 100_000,
    minimum: 1_000,
    description: "Text of one PDF or text file a model reads at most; the rest is cut with a note",
  }),
  PDF_MAX_PAGES: Type.Integer({
    default: 100,
    minimum: 1,
    description: "Pages of a PDF whose text a model reads at most",
  }),
  PROVIDER_MAX_RETRIES: Type.Integer({
    default: 2,
    minimum: 0,
    maximum: 10,
    description: "Retries of one model before the first token, before failing over",
  }),
  PROVIDER_RETRY_BASE_MS: Type.Integer({
    default: 500,
    minimum: 1,
    description: "First retry delay; doubles each retry, with full jitter",
  }),
  PROVIDER_RETRY_MAX_DELAY_MS: Type.Integer({
    default: 20_000,
    minimum: 1,
    description: "Longest wait before a retry; a longer retry-after fails over instead",
  }),
  PROVIDER_FIRST_TOKEN_TIMEOUT_MS: Type.Integer({
    default: 60_000,
    minimum: 1,
    description: "A provider silent this long after the request is retried or failed over",
  }),
  PROVIDER_IDLE_TIMEOUT_MS: Type.Integer({
    default: 30_000,
    minimum: 1,
    description: "A stream silent this long between tokens ends with finishReason error",
  }),
  PROVIDER_ALERT_FAILURES: Type.Integer({
    default: 5,
    minimum: 0,
    description:
      "Failures of one provider within PROVIDER_ALERT_WINDOW_MS that raise a critical_error staff alert; 0 = never",
  }),
  PROVIDER_ALERT_WINDOW_MS: Type.Integer({
    default: 60_000,
    minimum: 1_000,
    description: "The window of PROVIDER_ALERT_FAILURES; at most one alert per provider per window",
  }),
};

export const OrchestratorConfig = Type.Object({
  ...BaseConfigFields,
  ...OrchestratorConfigFields,
  PORT: Type.Integer({ default: 3003, minimum: 0, maximum: 65535 }),
});
export type OrchestratorConfig = Static<typeof OrchestratorConfig>;
