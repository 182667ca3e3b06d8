import { type Static, Type } from "@sinclair/typebox";
import { MessageRole } from "../http.ts";

/** One turn of model context. */
export const ContextMessage = Type.Object({
  role: Type.Union([MessageRole, Type.Literal("system")]),
  content: Type.String(),
});
export type ContextMessage = Static<typeof ContextMessage>;
