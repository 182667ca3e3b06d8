import type { StoreClient } from "@chat/bus";
import { IdParams, NotificationDelivery, NotificationDeliveryStatus, StaffRecipient } from "@chat/contracts";
import { Type } from "@sinclair/typebox";
import { Elysia, t } from "elysia";
import type { StaffOnly } from "../auth/staff-only.ts";
import { PageQuery } from "../chats/query-schemas.ts";
import { apiModels } from "../openai/api-models.ts";

/** `PUT /api/admin/recipients/:id`: the recipient's settings; the id is the path's, the time the store's write. */
export const RecipientBody = Type.Omit(StaffRecipient, ["id", "updatedAt"], { additionalProperties: false });

const RecipientList = Type.Object({ recipients: Type.Array(StaffRecipient) }, { $id: "StaffRecipientList" });

const RecipientDeleted = Type.Object({ deleted: Type.Boolean() }, { $id: "RecipientDeleted" });

const DeliveryPage = Type.Object(
  { deliveries: Type.Array(NotificationDelivery), nextCursor: Type.Union([Type.String(), Type.Null()]) },
  { $id: "NotificationDeliveryPage" },
);

const DeliveriesQuery = t.Object({
  ...PageQuery.properties,
  status: t.Optional(NotificationDeliveryStatus),
});

const adminErrors = { 400: "ErrorBody", 401: "ErrorBody", 403: "ErrorBody", 404: "ErrorBody" } as const;

const adminDescription =
  "For admins; an agent gets 403 FORBIDDEN, a signed-in caller without a staff role 404 ROUTE_NOT_FOUND. " +
  "Secrets (SMTP, Twilio, the webhook signing secret) stay in configuration: a recipient holds only addresses.";

/**
 * `/api/admin`: who gets staff alerts and over which channels, and the notifier's deliveries (the
 * dead-lettered ones, for the console). Admin only: these are settings.
 */
export function notificationSettingsRoutes(dependencies: {
  staffOnly: StaffOnly;
  store: Pick<StoreClient, "call">;
  now?: () => Date;
}) {
  const { store } = dependencies;
  return new Elysia({ name: "notification-settings-routes", prefix: "/api/admin" })
    .use(apiModels)
    .use(dependencies.staffOnly)
    .get(
      "/recipients",
      async ({ traceparent }) => ({
        recipients: await store.call("store.list_staff_recipients", {}, traceparent),
      }),
      {
        staff: "admin",
        response: { 200: RecipientList, ...adminErrors },
        detail: {
          tags: ["admin"],
          summary: "The recipients of staff alerts (admin)",
          description: adminDescription,
        },
      },
    )
    .put(
      "/recipients/:id",
      ({ params, body, traceparent }) =>
        store.call(
          "store.put_staff_recipient",
          {
            recipient: {
              ...body,
              id: params.id,
              updatedAt: (dependencies.now?.() ?? new Date()).toISOString(),
            },
          },
          traceparent,
        ),
      {
        staff: "admin",
        params: IdParams,
        body: RecipientBody,
        response: { 200: StaffRecipient, ...adminErrors },
        detail: {
          tags: ["admin"],
          summary:
            "Create or replace a recipient of staff alerts: name, kinds, e-mail, phone, webhooks, app user (admin)",
          description: `${adminDescription} \`kinds\` empty means every kind; \`enabled: false\` keeps the settings and sends nothing.`,
        },
      },
    )
    .delete(
      "/recipients/:id",
      ({ params, traceparent }) =>
        store.call("store.delete_staff_recipient", { recipientId: params.id }, traceparent),
      {
        staff: "admin",
        params: IdParams,
        response: { 200: RecipientDeleted, ...adminErrors },
        detail: {
          tags: ["admin"],
          summary: "Remove a recipient of staff alerts (admin)",
          description: `${adminDescription} \`deleted: false\` when there was none (a repeated delete).`,
        },
      },
    )
    .get(
      "/notification-deliveries",
      async ({ query, traceparent }) => {
        const page = await store.call(
          "store.list_notification_deliveries",
          {
            ...(query.status !== undefined && { status: query.status }),
            cursor: query.cursor,
            limit: query.limit ?? 30,
          },
          traceparent,
        );
        return { deliveries: page.items, nextCursor: page.nextCursor };
      },
      {
        staff: "admin",
        query: DeliveriesQuery,
        response: { 200: DeliveryPage, ...adminErrors },
        detail: {
          tags: ["admin"],
          summary:
            "The notifier's deliveries, latest change first; status=dead lists the dead letters (admin)",
          description: adminDescription,
        },
      },
    );
}
