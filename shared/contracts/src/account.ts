import { type Static, Type } from "@sinclair/typebox";

/** `PATCH /api/me`: the signed-in user's display name. */
export const UpdateProfileBody = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 100 }) },
  { additionalProperties: false },
);
export type UpdateProfileBody = Static<typeof UpdateProfileBody>;

/** `PUT /api/me/password`: the password now, to prove it is the user, and the new one. */
export const ChangePasswordBody = Type.Object(
  {
    currentPassword: Type.String({ maxLength: 256 }),
    newPassword: Type.String({
      minLength: 8,
      maxLength: 256,
      description:
        "At least PASSWORD_MIN_LENGTH characters; not the email or the name, not one character repeated",
    }),
  },
  { additionalProperties: false },
);
export type ChangePasswordBody = Static<typeof ChangePasswordBody>;

/**
 * `DELETE /api/me`: the account's password proves it is the user; the user of an identity
 * provider, who has none here, types the account's email instead.
 */
export const DeleteAccountBody = Type.Object(
  {
    password: Type.Optional(Type.String({ maxLength: 256 })),
    email: Type.Optional(Type.String({ maxLength: 254 })),
  },
  { additionalProperties: false },
);
export type DeleteAccountBody = Static<typeof DeleteAccountBody>;

/** What deleting an account removed. */
export const AccountDeleted = Type.Object(
  {
    chats: Type.Integer({ minimum: 0, description: "Chats deleted, with their messages" }),
    files: Type.Integer({ minimum: 0, description: "Uploaded files deleted that were never sent in a chat" }),
  },
  { $id: "AccountDeleted" },
);
export type AccountDeleted = Static<typeof AccountDeleted>;
