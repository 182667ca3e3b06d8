import { ImportReport } from "@chat/contracts";
import { Type } from "@sinclair/typebox";
import { Elysia } from "elysia";
import type { SignedIn } from "../auth/signed-in.ts";
import { apiModels } from "../openai/api-models.ts";
import type { ChatImport } from "./chat-import.ts";

/** `POST /api/imports`: a file of chats, ours or ChatGPT's, into the signed-in user's chats. */
export function importRoutes(dependencies: { signedIn: SignedIn; chatImport: ChatImport }) {
  return new Elysia({ name: "import-routes" })
    .use(apiModels)
    .use(dependencies.signedIn)
    .post(
      "/api/imports",
      ({ body, user, traceparent }) => dependencies.chatImport.import(user.id, body, traceparent),
      {
        body: Type.Union([Type.Object({}, { additionalProperties: true }), Type.Array(Type.Unknown())], {
          description:
            "The file as JSON: an export of this app (`ChatExportDocument`) or ChatGPT's `conversations.json`",
        }),
        response: { 200: ImportReport, 400: "ErrorBody", 401: "ErrorBody", 413: "ErrorBody" },
        detail: {
          tags: ["export"],
          summary: "Import chats from an export of this app or ChatGPT's conversations.json",
          description:
            "Every branch is kept (ChatGPT's message tree too). Importing a file again makes no duplicates: " +
            "its chats come back as `alreadyImported`. At most IMPORT_MAX_BYTES, 1 000 chats, 5 000 messages " +
            "per chat and 100 000 characters per message; what is left out is listed in `skipped` with the reason.",
        },
      },
    );
}
