import { BaseConfigFields } from "@chat/runtime";
import { StorageConfigFields } from "@chat/storage";
import { type Static, Type } from "@sinclair/typebox";

export const StoreConfigFields = {
  DATA_DIR: Type.String({
    default: "./data",
    description: "Folder of the SQLite database (when MONGODB_URL is unset)",
  }),
  SQLITE_SYNCHRONOUS: Type.Union([Type.Literal("NORMAL"), Type.Literal("FULL")], {
    default: "NORMAL",
    description:
      "NORMAL: a commit survives any process crash, a power loss may lose the last moments; FULL: waits for the disk at every commit",
  }),
  MONGODB_URL: Type.Optional(
    Type.String({ pattern: "^mongodb(\\+srv)?://", description: "MongoDB URL; unset = SQLite" }),
  ),
  MONGODB_DATABASE: Type.String({ default: "chat", description: "MongoDB database name" }),
  ENCRYPTION_KEYS: Type.Optional(
    Type.String({
      description:
        "Encryption at rest: comma-separated keyId:base64 AES-256 keys (32 bytes each); the first encrypts, all decrypt. Unset together with ENCRYPTION_KEY_FILE = values stored unencrypted",
    }),
  ),
  ENCRYPTION_KEY_FILE: Type.Optional(
    Type.String({
      description:
        "File of further keys in the ENCRYPTION_KEYS format (one a line), mode 600; its first key encrypts when ENCRYPTION_KEYS is unset",
    }),
  ),
  ...StorageConfigFields,
  SESSION_IDLE_MINUTES: Type.Integer({
    default: 15,
    minimum: 1,
    maximum: 1_440,
    description:
      "A conversation's session ends after this many minutes without activity (the console shows it ended, with its duration); a new message starts the next",
  }),
  ADMIN_EMAILS: Type.Optional(
    Type.String({
      description: "Comma-separated emails that get the admin role; the first account is admin too",
    }),
  ),
};

export const StoreConfig = Type.Object({
  ...BaseConfigFields,
  ...StoreConfigFields,
  PORT: Type.Integer({ default: 3002, minimum: 0, maximum: 65535 }),
});
export type StoreConfig = Static<typeof StoreConfig>;
