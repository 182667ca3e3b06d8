import type { StoreClient } from "@chat/bus";
import { AppError, UsageReport } from "@chat/contracts";
import { Elysia } from "elysia";
import type { SignedIn } from "../auth/signed-in.ts";
import { apiModels } from "../openai/api-models.ts";
import { UsageQuery } from "./query-schemas.ts";

const defaultPeriodMs = 30 * 24 * 3600 * 1000;

/** `GET /api/usage`: the signed-in user's tokens and cost over a period, per chat and per model. */
export function usageRoutes(dependencies: { signedIn: SignedIn; store: StoreClient }) {
  const { store } = dependencies;
  return new Elysia({ name: "usage-routes", prefix: "/api/usage" })
    .use(apiModels)
    .use(dependencies.signedIn)
    .get(
      "",
      ({ query, user, traceparent }) => {
        const to = query.to ? new Date(query.to) : new Date();
        const from = query.from ? new Date(query.from) : new Date(to.getTime() - defaultPeriodMs);
        if (from.getTime() >= to.getTime()) {
          throw new AppError("VALIDATION_FAILED", "`from` must be before `to`", {
            retryable: false,
            details: [{ path: "/from", message: "must be before to" }],
          });
        }
        return store.call(
          "store.usage_report",
          { userId: user.id, from: from.toISOString(), to: to.toISOString() },
          traceparent,
        );
      },
      {
        query: UsageQuery,
        response: { 200: UsageReport, 400: "ErrorBody", 401: "ErrorBody" },
        detail: {
          tags: ["usage"],
          summary: "Tokens and cost of the user's generations",
          description:
            "Sums every generation of the user (answers, titles, OpenAI-compatible API calls) with from <= time < to: in total, per chat (null = the API) and per model. Costs in USD from the model file's prices.",
        },
      },
    );
}
