import { ModelList } from "@chat/contracts";
import { Elysia } from "elysia";
import type { SignedIn } from "../auth/signed-in.ts";
import { apiModels } from "../openai/api-models.ts";
import type { ModelCatalog } from "./model-catalog.ts";

/** `GET /api/models`: the models this deployment can use now, and the default of new chats. */
export function modelRoutes(dependencies: { signedIn: SignedIn; models: ModelCatalog }) {
  const { models } = dependencies;
  return new Elysia({ name: "model-routes", prefix: "/api/models" })
    .use(apiModels)
    .use(dependencies.signedIn)
    .get("", ({ traceparent }) => models.list(traceparent), {
      response: { 200: ModelList, 401: "ErrorBody", 503: "ErrorBody" },
      detail: {
        tags: ["models"],
        summary: "The usable models",
        description:
          "From the deployment's model file (or the built-in models of the providers whose keys are set), with context window, output limit and prices.",
      },
    });
}
