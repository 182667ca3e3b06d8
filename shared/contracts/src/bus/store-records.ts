import { type Static, Type } from "@sinclair/typebox";
import { Attachment } from "../attachments.ts";
import { ApiKey, Id, Role } from "../http.ts";

/** A user as the store keeps it, password hash included. */
export const StoredUser = Type.Object({
  id: Id,
  email: Type.String(),
  name: Type.String(),
  role: Role,
  passwordHash: Type.String(),
  createdAt: Type.String(),
});
export type StoredUser = Static<typeof StoredUser>;

/** An API key as the store keeps it: the SHA-256 of the secret, never the secret. */
export const StoredApiKey = Type.Composite([
  Type.Omit(ApiKey, ["lastUsedAt"]),
  Type.Object({ hash: Type.String({ minLength: 1 }) }),
]);
export type StoredApiKey = Static<typeof StoredApiKey>;

/**
 * Who an external identity provider says a user is (AUTH_MODE=jwks): its `iss` and the user's `sub`
 * there. The pair is unique; the store keeps it with the user it created on first sight.
 */
export const ExternalIdentity = Type.Object({
  issuer: Type.String({ minLength: 1, maxLength: 2048, description: "The provider's `iss`" }),
  subject: Type.String({ minLength: 1, maxLength: 1024, description: "The user's `sub` at that provider" }),
});
export type ExternalIdentity = Static<typeof ExternalIdentity>;

/** A user to create for an external identity: no password, it signs in at the provider. */
export const NewExternalUser = Type.Omit(StoredUser, ["passwordHash"]);
export type NewExternalUser = Static<typeof NewExternalUser>;

/**
 * A refresh token as the store keeps it: the SHA-256 of the secret, never the secret. Every sign-in
 * starts a family; each refresh uses its token up and adds the successor to the same family.
 */
export const StoredRefreshToken = Type.Object({
  hash: Type.String({ minLength: 1, description: "SHA-256 of the token, hex" }),
  familyId: Id,
  userId: Id,
  createdAt: Type.String({ format: "date-time" }),
  expiresAt: Type.String({ format: "date-time" }),
});
export type StoredRefreshToken = Static<typeof StoredRefreshToken>;

/** The token that replaces a used one; it joins the used one's family and user. */
export const RefreshTokenSuccessor = Type.Pick(StoredRefreshToken, ["hash", "createdAt", "expiresAt"]);
export type RefreshTokenSuccessor = Static<typeof RefreshTokenSuccessor>;

/**
 * What rotating a refresh token found: `rotated` (the token is used up, its successor stored), or why
 * not — `unknown`, `expired`, `revoked` (its family was revoked), `reused` (it had been used before,
 * so its whole family is now revoked).
 */
export const RefreshRotation = Type.Union([
  Type.Object({ outcome: Type.Literal("rotated"), user: StoredUser, familyId: Id }),
  Type.Object({ outcome: Type.Literal("reused"), familyId: Id }),
  Type.Object({
    outcome: Type.Union([Type.Literal("unknown"), Type.Literal("expired"), Type.Literal("revoked")]),
  }),
]);
export type RefreshRotation = Static<typeof RefreshRotation>;

/**
 * The checkpoint of an answer still being written: its text so far. The orchestrator saves one when
 * the answer starts and then about every second; the store drops it when the answer is written.
 * After a crash, the session ends the answer from it (see `RecoverAnswerCommand`).
 */
export const AnswerDraft = Type.Object({
  messageId: Id,
  chatId: Id,
  userId: Id,
  content: Type.String(),
  model: Type.String(),
  createdAt: Type.String({ format: "date-time", description: "The answer's createdAt" }),
  updatedAt: Type.String({ format: "date-time" }),
});
export type AnswerDraft = Static<typeof AnswerDraft>;

/** An attachment as the store keeps it: its owner and where its bytes are. */
export const StoredAttachment = Type.Composite([
  Attachment,
  Type.Object({
    userId: Id,
    /** The object's key in the storage (`<userId>/<attachmentId>`). */
    storageKey: Type.String({ minLength: 1 }),
  }),
]);
export type StoredAttachment = Static<typeof StoredAttachment>;
