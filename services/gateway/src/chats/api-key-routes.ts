import type { StoreClient } from "@chat/bus";
import { ApiKeyList, AppError, CreateApiKeyBody, CreatedApiKey, IdParams } from "@chat/contracts";
import { newId } from "@chat/runtime";
import { Type } from "@sinclair/typebox";
import { Elysia } from "elysia";
import { apiKeyMarker, hashApiKey } from "../auth/api-key-authenticator.ts";
import type { SignedIn } from "../auth/signed-in.ts";
import { apiModels } from "../openai/api-models.ts";

/** Random bytes in a key: 256 bits, 43 url-safe characters. */
const secretBytes = 32;
/** Characters of a key kept in clear (`sk-chat-` and 4 more), to tell keys apart in a list. */
const prefixLength = 12;

/** A new secret key: the marker and 256 random bits, base64url. */
export function newApiKeySecret(): string {
  const random = crypto.getRandomValues(new Uint8Array(secretBytes));
  return `${apiKeyMarker}${Buffer.from(random).toString("base64url")}`;
}

/** The signed-in user's API keys for the OpenAI-compatible API: create, list, delete. */
export function apiKeyRoutes(dependencies: { store: StoreClient; signedIn: SignedIn }) {
  const { store } = dependencies;

  return new Elysia({ name: "api-key-routes", prefix: "/api/keys" })
    .use(apiModels)
    .use(dependencies.signedIn)
    .post(
      "",
      async ({ body, user, traceparent, status }) => {
        const key = newApiKeySecret();
        const apiKey = await store.call(
          "store.create_api_key",
          {
            userId: user.id,
            apiKey: {
              id: newId(),
              name: body.name.trim(),
              prefix: key.slice(0, prefixLength),
              createdAt: new Date().toISOString(),
              hash: hashApiKey(key),
            },
          },
          traceparent,
        );
        return status(201, { ...apiKey, key });
      },
      {
        body: CreateApiKeyBody,
        response: { 201: CreatedApiKey, 400: "ErrorBody", 401: "ErrorBody" },
        detail: {
          tags: ["keys"],
          summary: "Create an API key for the OpenAI-compatible API",
          description:
            "The answer's `key` is the only time the secret is shown: only its SHA-256 is stored. " +
            "Use it as `Authorization: Bearer <key>` on /v1.",
        },
      },
    )
    .get(
      "",
      async ({ user, traceparent }) => ({
        keys: await store.call("store.list_api_keys", { userId: user.id }, traceparent),
      }),
      {
        response: { 200: ApiKeyList, 401: "ErrorBody" },
        detail: { tags: ["keys"], summary: "The user's API keys, newest first, without their secrets" },
      },
    )
    .delete(
      "/:id",
      async ({ params, user, traceparent, status }) => {
        const { deleted } = await store.call(
          "store.delete_api_key",
          { userId: user.id, keyId: params.id },
          traceparent,
        );
        if (!deleted) throw new AppError("KEY_NOT_FOUND", "API key not found", { retryable: false });
        return status(204, undefined);
      },
      {
        params: IdParams,
        response: { 204: Type.Void({ description: "Deleted" }), 401: "ErrorBody", 404: "ErrorBody" },
        detail: { tags: ["keys"], summary: "Delete an API key; requests with it fail at once" },
      },
    );
}
