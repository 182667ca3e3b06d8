import type { Database } from "bun:sqlite";

/**
 * Schema migrations, applied in order; `PRAGMA user_version` counts how many a database file has.
 * Append new entries only: an applied migration never changes, so existing data is kept.
 */
const migrations: readonly string[] = [
  `CREATE TABLE users (
     id TEXT PRIMARY KEY,
     email TEXT NOT NULL,
     email_normalized TEXT NOT NULL UNIQUE,
     name TEXT NOT NULL,
     role TEXT NOT NULL,
     password_hash TEXT NOT NULL,
     created_at TEXT NOT NULL
   );
   CREATE TABLE chats (
     id TEXT PRIMARY KEY,
     user_id TEXT NOT NULL,
     title TEXT NOT NULL,
     model TEXT NOT NULL,
     created_at TEXT NOT NULL,
     last_activity_at TEXT NOT NULL
   );
   CREATE INDEX chats_by_user_activity ON chats (user_id, last_activity_at DESC, id DESC);
   CREATE TABLE messages (
     id TEXT PRIMARY KEY,
     chat_id TEXT NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
     role TEXT NOT NULL,
     content TEXT NOT NULL,
     created_at TEXT NOT NULL,
     code_blocks TEXT,
     finish_reason TEXT,
     model TEXT,
     usage TEXT,
     client_message_id TEXT
   );
   CREATE INDEX messages_by_chat_time ON messages (chat_id, created_at, id);`,
  // Chat settings, API keys and the usage ledger. Usage records name their chat without a foreign
  // key: they are billing history and outlive the chat.
  `ALTER TABLE chats ADD COLUMN system_prompt TEXT;
   CREATE TABLE api_keys (
     id TEXT PRIMARY KEY,
     user_id TEXT NOT NULL,
     name TEXT NOT NULL,
     prefix TEXT NOT NULL,
     hash TEXT NOT NULL UNIQUE,
     created_at TEXT NOT NULL,
     last_used_at TEXT
   );
   CREATE INDEX api_keys_by_user ON api_keys (user_id, created_at DESC, id DESC);
   CREATE TABLE usage_records (
     id TEXT PRIMARY KEY,
     user_id TEXT NOT NULL,
     chat_id TEXT,
     message_id TEXT,
     purpose TEXT NOT NULL,
     model TEXT NOT NULL,
     provider TEXT NOT NULL,
     input_tokens INTEGER NOT NULL,
     output_tokens INTEGER NOT NULL,
     cost_usd REAL NOT NULL,
     time_to_first_token_ms INTEGER,
     duration_ms INTEGER NOT NULL,
     created_at TEXT NOT NULL
   );
   CREATE INDEX usage_records_by_user_time ON usage_records (user_id, created_at);`,
  // Users of an external identity provider, and refresh-token families. A family is revoked as a
  // whole; its tokens go with it when it expires and is deleted.
  `ALTER TABLE users ADD COLUMN external_issuer TEXT;
   ALTER TABLE users ADD COLUMN external_subject TEXT;
   CREATE UNIQUE INDEX users_by_external_identity ON users (external_issuer, external_subject);
   CREATE TABLE refresh_token_families (
     id TEXT PRIMARY KEY,
     user_id TEXT NOT NULL,
     created_at TEXT NOT NULL,
     expires_at TEXT NOT NULL,
     revoked_at TEXT
   );
   CREATE INDEX refresh_token_families_by_user ON refresh_token_families (user_id, expires_at);
   CREATE TABLE refresh_tokens (
     hash TEXT PRIMARY KEY,
     family_id TEXT NOT NULL REFERENCES refresh_token_families (id) ON DELETE CASCADE,
     user_id TEXT NOT NULL,
     created_at TEXT NOT NULL,
     expires_at TEXT NOT NULL,
     used_at TEXT
   );
   CREATE INDEX refresh_tokens_by_family ON refresh_tokens (family_id);`,
  // Tombstones of deleted messages: the deletion of an answer may be consumed before the answer's
  // write, which must then write nothing. A chat's tombstones go with the chat.
  `CREATE TABLE deleted_messages (
     id TEXT PRIMARY KEY,
     chat_id TEXT NOT NULL REFERENCES chats (id) ON DELETE CASCADE
   );
   CREATE INDEX deleted_messages_by_chat ON deleted_messages (chat_id);`,
  // Checkpoints of answers being written; a chat's go with the chat.
  `CREATE TABLE answer_drafts (
     message_id TEXT PRIMARY KEY,
     chat_id TEXT NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
     user_id TEXT NOT NULL,
     content TEXT NOT NULL,
     model TEXT NOT NULL,
     created_at TEXT NOT NULL,
     updated_at TEXT NOT NULL
   );
   CREATE INDEX answer_drafts_by_update ON answer_drafts (updated_at);`,
  // Ended sign-ins, until their access tokens would have expired anyway.
  `CREATE TABLE revoked_sign_ins (
     id TEXT PRIMARY KEY,
     expires_at TEXT NOT NULL
   );
   CREATE INDEX revoked_sign_ins_by_expiry ON revoked_sign_ins (expires_at);`,
  // The audit log of staff actions: entries are only added, and name users and chats without
  // foreign keys, since they outlive them.
  `CREATE TABLE audit_log (
     id TEXT PRIMARY KEY,
     actor_id TEXT NOT NULL,
     actor_email TEXT NOT NULL,
     action TEXT NOT NULL,
     chat_id TEXT,
     details TEXT NOT NULL,
     at TEXT NOT NULL
   );
   CREATE INDEX audit_log_by_time ON audit_log (at DESC, id DESC);
   CREATE INDEX audit_log_by_actor ON audit_log (actor_id, at DESC, id DESC);
   CREATE INDEX audit_log_by_chat ON audit_log (chat_id, at DESC, id DESC);
   CREATE INDEX users_by_role ON users (role);
   CREATE INDEX users_by_creation ON users (created_at, id);`,
  // Staff recipients of alerts (settings as JSON) and the notifier's deliveries: its outbox and
  // dead-letter record.
  `CREATE TABLE staff_recipients (
     id TEXT PRIMARY KEY,
     name TEXT NOT NULL,
     settings TEXT NOT NULL
   );
   CREATE TABLE notification_deliveries (
     id TEXT PRIMARY KEY,
     alert_id TEXT NOT NULL,
     kind TEXT NOT NULL,
     recipient_id TEXT NOT NULL,
     channel TEXT NOT NULL,
     address TEXT NOT NULL,
     subject TEXT NOT NULL,
     text TEXT NOT NULL,
     payload TEXT NOT NULL,
     status TEXT NOT NULL,
     attempts INTEGER NOT NULL,
     next_attempt_at TEXT NOT NULL,
     last_error TEXT,
     created_at TEXT NOT NULL,
     updated_at TEXT NOT NULL
   );
   CREATE INDEX notification_deliveries_due ON notification_deliveries (status, next_attempt_at);
   CREATE INDEX notification_deliveries_by_change ON notification_deliveries (status, updated_at DESC, id DESC);`,
  // Help requests and human takeover: the chat's marks, and the agent who wrote a message.
  `ALTER TABLE chats ADD COLUMN needs_help INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE chats ADD COLUMN assisted INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE chats ADD COLUMN held_by TEXT;
   ALTER TABLE messages ADD COLUMN author TEXT;`,
  // Uploaded files' metadata; the bytes are in the object storage. No foreign key to chats: a
  // chat's deletion deletes its attachments' objects first, then their rows (see the chat repository).
  `CREATE TABLE attachments (
     id TEXT PRIMARY KEY,
     user_id TEXT NOT NULL,
     chat_id TEXT,
     name TEXT NOT NULL,
     kind TEXT NOT NULL,
     media_type TEXT NOT NULL,
     size INTEGER NOT NULL,
     storage_key TEXT NOT NULL,
     created_at TEXT NOT NULL
   );
   CREATE INDEX attachments_by_owner ON attachments (user_id);
   CREATE INDEX attachments_by_chat ON attachments (chat_id);`,
  // The files a question carries, as the message lists them (JSON).
  "ALTER TABLE messages ADD COLUMN attachments TEXT;",
  // The support console: each chat's sessions (the current one mirrored on the chat, to sort by its
  // duration), and the indexes its list, filters and totals read through over every user's chats
  // (chats_by_activity also serves the chat retention sweep, read in reverse).
  `ALTER TABLE chats ADD COLUMN session_started_at TEXT;
   ALTER TABLE chats ADD COLUMN session_duration_ms INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE chats ADD COLUMN sessions INTEGER NOT NULL DEFAULT 1;
   CREATE TABLE chat_sessions (
     chat_id TEXT NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
     started_at TEXT NOT NULL,
     last_activity_at TEXT NOT NULL,
     duration_ms INTEGER NOT NULL,
     PRIMARY KEY (chat_id, started_at)
   );
   CREATE TABLE chat_help_events (
     chat_id TEXT NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
     at TEXT NOT NULL,
     kind TEXT NOT NULL
   );
   CREATE INDEX chat_help_events_by_chat ON chat_help_events (chat_id, at DESC);
   CREATE INDEX chats_by_activity ON chats (last_activity_at DESC, id DESC);
   CREATE INDEX chats_by_start ON chats (created_at DESC, id DESC);
   CREATE INDEX chats_by_session_duration ON chats (session_duration_ms DESC, id DESC);
   CREATE INDEX chats_by_model_activity ON chats (model, last_activity_at DESC, id DESC);
   CREATE INDEX chats_needing_help ON chats (last_activity_at DESC, id DESC) WHERE needs_help = 1;
   CREATE INDEX chats_assisted ON chats (last_activity_at DESC, id DESC) WHERE assisted = 1;
   CREATE INDEX usage_records_by_chat ON usage_records (chat_id);
   CREATE INDEX usage_records_by_time ON usage_records (created_at);
   CREATE INDEX messages_with_errors ON messages (created_at) WHERE finish_reason = 'error';`,
  // Share links: read-only snapshots of a chat, the messages as JSON.
  `CREATE TABLE shares (
     id TEXT PRIMARY KEY,
     user_id TEXT NOT NULL,
     chat_id TEXT NOT NULL,
     title TEXT NOT NULL,
     model TEXT NOT NULL,
     created_at TEXT NOT NULL,
     message_count INTEGER NOT NULL,
     truncated INTEGER NOT NULL,
     messages TEXT NOT NULL
   );
   CREATE INDEX shares_by_owner ON shares (user_id, created_at DESC, id DESC);
   CREATE INDEX shares_by_chat ON shares (chat_id);`,
  // Message trees: a message's recorded parent (parent_recorded = 0: none was recorded, it follows
  // the message before it in time, which makes every existing chat one path) and the chat's active
  // leaf with the version of the change that set it (NULL: the newest message).
  `ALTER TABLE messages ADD COLUMN parent_id TEXT;
   ALTER TABLE messages ADD COLUMN parent_recorded INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE chats ADD COLUMN active_leaf_id TEXT;
   ALTER TABLE chats ADD COLUMN active_leaf_version INTEGER NOT NULL DEFAULT 0;`,
  // A chat's temperature; NULL is the model's default.
  "ALTER TABLE chats ADD COLUMN temperature REAL;",
  // Projects, and a chat's project, pin and archive marks: existing chats are in none, neither pinned
  // nor archived. A chat's project_id is cleared when its project is deleted.
  `CREATE TABLE chat_projects (
     id TEXT PRIMARY KEY,
     user_id TEXT NOT NULL,
     name TEXT NOT NULL,
     instructions TEXT NOT NULL,
     model TEXT,
     created_at TEXT NOT NULL
   );
   CREATE INDEX chat_projects_by_owner ON chat_projects (user_id, created_at, id);
   ALTER TABLE chats ADD COLUMN project_id TEXT;
   ALTER TABLE chats ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE chats ADD COLUMN archived INTEGER NOT NULL DEFAULT 0;
   CREATE INDEX chats_by_owner_list ON chats (user_id, archived, pinned DESC, last_activity_at DESC, id DESC);
   CREATE INDEX chats_by_project ON chats (project_id, archived, pinned DESC, last_activity_at DESC, id DESC)
     WHERE project_id IS NOT NULL;`,
  // Encryption at rest: the blind index of titles and messages (NULL while encryption is off) and
  // every key id the store has encrypted with, so a start without one of them is refused.
  `ALTER TABLE chats ADD COLUMN title_tokens TEXT;
   ALTER TABLE messages ADD COLUMN search_tokens TEXT;
   CREATE TABLE encryption_keys (id TEXT PRIMARY KEY, first_used_at TEXT NOT NULL);`,
];

/** The schema version of the database: how many migrations it has. */
export function readSchemaVersion(database: Database): number {
  return database.query<{ user_version: number }, []>("PRAGMA user_version").get()?.user_version ?? 0;
}

/** Applies the migrations the database does not have yet. */
export function migrate(database: Database): void {
  // IMMEDIATE takes the write lock before reading the version, so two processes opening the same
  // file at once cannot both apply a migration.
  database
    .transaction(() => {
      for (let version = readSchemaVersion(database); version < migrations.length; version += 1) {
        database.run(migrations[version] ?? "");
        database.run(`PRAGMA user_version = ${version + 1}`);
      }
    })
    .immediate();
}
