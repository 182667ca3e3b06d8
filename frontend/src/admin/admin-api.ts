import type {
  AuditAction,
  AuditLogPage,
  ChatAssistance,
  ConsoleChatDetail,
  ConsoleChatFilter,
  ConsoleChatPage,
  ConsoleSort,
  ConsoleTotals,
  NotificationDelivery,
  StaffRecipient,
} from "@chat/contracts";
import { apiClient } from "../api-client.ts";

/** What the console's list asks for: the filters (a user by email), the order, the page. */
export type ConsoleListQuery = Omit<ConsoleChatFilter, "userId"> & {
  userEmail?: string;
  sort: ConsoleSort;
  cursor?: string;
  limit?: number;
};

/** A recipient as the console edits it: the id is the path's, the time the server's. */
export type RecipientSettings = Omit<StaffRecipient, "id" | "updatedAt">;

const id = (value: string) => encodeURIComponent(value);

function queryString(values: Record<string, string | number | undefined>): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(values))
    if (value !== undefined && value !== "") query.set(name, String(value));
  return query.size > 0 ? `?${query}` : "";
}

/**
 * The staff routes the console calls, through the app's API client (cookies, one session refresh
 * on a 401, typed errors).
 *
 * @example
 * const page = await adminApi.listConversations({ sort: "last_activity", status: "needs_help" });
 */
export const adminApi = {
  listConversations(query: ConsoleListQuery): Promise<ConsoleChatPage> {
    return apiClient.request(
      "GET",
      `/api/admin/console/chats${queryString({ ...query, limit: query.limit ?? 50 })}`,
    );
  },
  conversation(chatId: string): Promise<ConsoleChatDetail> {
    return apiClient.request("GET", `/api/admin/console/chats/${id(chatId)}`);
  },
  totals(): Promise<ConsoleTotals> {
    return apiClient.request("GET", "/api/admin/console/totals");
  },
  /** Takes the chat over, or renews the hold of the agent who holds it. */
  takeOver(chatId: string): Promise<ChatAssistance> {
    return apiClient.request("POST", `/api/admin/chats/${id(chatId)}/takeover`);
  },
  release(chatId: string): Promise<ChatAssistance> {
    return apiClient.request("DELETE", `/api/admin/chats/${id(chatId)}/takeover`);
  },
  sendAgentMessage(chatId: string, content: string, clientMessageId: string): Promise<unknown> {
    return apiClient.request("POST", `/api/admin/chats/${id(chatId)}/messages`, { content, clientMessageId });
  },
  recipients(): Promise<{ recipients: StaffRecipient[] }> {
    return apiClient.request("GET", "/api/admin/recipients");
  },
  putRecipient(recipientId: string, settings: RecipientSettings): Promise<StaffRecipient> {
    return apiClient.request("PUT", `/api/admin/recipients/${id(recipientId)}`, settings);
  },
  deleteRecipient(recipientId: string): Promise<{ deleted: boolean }> {
    return apiClient.request("DELETE", `/api/admin/recipients/${id(recipientId)}`);
  },
  deadLetters(cursor?: string): Promise<{ deliveries: NotificationDelivery[]; nextCursor: string | null }> {
    return apiClient.request(
      "GET",
      `/api/admin/notification-deliveries${queryString({ status: "dead", cursor, limit: 50 })}`,
    );
  },
  auditLog(filter: { action?: AuditAction; cursor?: string }): Promise<AuditLogPage> {
    return apiClient.request("GET", `/api/admin/audit-log${queryString({ ...filter, limit: 50 })}`);
  },
};
