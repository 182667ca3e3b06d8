import { BaseConfigFields } from "@chat/runtime";
import { type Static, Type } from "@sinclair/typebox";

export const SessionConfigFields = {
  CONTEXT_MESSAGE_LIMIT: Type.Integer({
    default: 20,
    minimum: 1,
    maximum: 500,
    description: "Messages sent to the model",
  }),
  ANSWER_RECOVERY_INTERVAL_MS: Type.Integer({
    default: 30_000,
    minimum: 100,
    description:
      "How often the session looks for answers whose writer is gone (also once at start) and ends them as interrupted, and ends agents' holds that expired",
  }),
  ANSWER_DRAFT_STALE_MS: Type.Integer({
    default: 15_000,
    minimum: 100,
    description:
      "An answer's checkpoint this old has lost its writer; fresher ones are left alone by the recovery (unless everything restarted)",
  }),
  TURN_TIMEOUT_MS: Type.Integer({
    default: 10 * 60_000,
    minimum: 1_000,
    description: "A turn still running after this is taken as lost, so the chat accepts messages again",
  }),
  HOLD_TTL_MS: Type.Integer({
    default: 120_000,
    minimum: 1_000,
    description:
      "An agent's hold on a chat (human takeover) ends this long after its last takeover or message unless renewed; the AI answers again",
  }),
  CHAT_RETENTION_DAYS: Type.Integer({
    default: 0,
    minimum: 0,
    maximum: 36_500,
    description:
      "Chats with no new message for this many days are deleted with their messages and files; 0 keeps every chat",
  }),
  CHAT_RETENTION_SWEEP_INTERVAL_MS: Type.Integer({
    default: 3_600_000,
    minimum: 1_000,
    description: "How often the session looks for chats past CHAT_RETENTION_DAYS (also once at start)",
  }),
};

export const SessionConfig = Type.Object({
  ...BaseConfigFields,
  ...SessionConfigFields,
  PORT: Type.Integer({ default: 3001, minimum: 0, maximum: 65535 }),
});
export type SessionConfig = Static<typeof SessionConfig>;
