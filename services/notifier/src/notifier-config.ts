import { BaseConfigFields } from "@chat/runtime";
import { type Static, Type } from "@sinclair/typebox";

export const NotifierConfig = Type.Object({
  ...BaseConfigFields,
  PORT: Type.Integer({ default: 3004, minimum: 0, maximum: 65535 }),
});
export type NotifierConfig = Static<typeof NotifierConfig>;
