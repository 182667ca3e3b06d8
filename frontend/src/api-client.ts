import type {
  AccountDeleted,
  ApiKey,
  AuthResponse,
  BranchSwitched,
  CancelReply,
  Chat,
  ChatAssistance,
  ChatList,
  ChatProject,
  ChatProjectList,
  ChatSearchResults,
  ChatWithMessages,
  CreatedApiKey,
  EditMessageBody,
  EditMessageResponse,
  ErrorBody,
  ErrorCode,
  ImportReport,
  MessageList,
  ModelList,
  RegenerateBody,
  RegenerateResponse,
  SendMessageResponse,
  ShareList,
  ShareSummary,
  SpeechSettings,
  SwitchBranchBody,
  Transcription,
  UsageReport,
  User,
} from "@chat/contracts";

/** Codes the API answers with, plus the one the browser raises when the request never got an answer. */
export type ApiErrorCode = ErrorCode | "NETWORK_FAILED";

/** A failed API call: the `{error:{code,message}}` body turned into an error with a stable code. */
export class ApiError extends Error {
  override readonly name = "ApiError";
  readonly code: ApiErrorCode;
  /** HTTP status; 0 when the request failed before an answer arrived. */
  readonly status: number;
  readonly details?: Array<{ path: string; message: string }>;

  constructor(
    code: ApiErrorCode,
    message: string,
    status: number,
    details?: Array<{ path: string; message: string }>,
  ) {
    super(message);
    this.code = code;
    this.status = status;
    this.details = details;
  }

  static isInstance(error: unknown): error is ApiError {
    return error instanceof ApiError;
  }
}

function isErrorBody(value: unknown): value is ErrorBody {
  if (typeof value !== "object" || value === null || !("error" in value)) return false;
  const error = (value as { error: unknown }).error;
  return typeof error === "object" && error !== null && "code" in error && "message" in error;
}

/** Paths whose 401 is an answer about the credentials sent, not an expired session. */
const sessionPaths = new Set([
  "/api/auth/login",
  "/api/auth/register",
  "/api/auth/logout",
  "/api/auth/refresh",
]);

/**
 * Calls the chat API on the same origin. Authentication rides the httpOnly cookies that
 * register and login set, so every call sends same-origin credentials.
 *
 * The session cookie is short-lived: when a call answers 401, the client renews the session once
 * with `POST /api/auth/refresh` (the httpOnly refresh cookie) and repeats the call. Only when that
 * fails too does it dispatch `unauthorized`, so the app can sign out.
 *
 * @example
 * const { chats } = await apiClient.listChats();
 */
export class ApiClient extends EventTarget {
  /** The refresh under way, shared by every call that got a 401 meanwhile. */
  private refreshing: Promise<boolean> | null = null;

  constructor(private readonly baseUrl = "") {
    super();
  }

  /**
   * Renews the session cookies with the refresh cookie; false when that is not possible (signed
   * out). Concurrent callers share one request, and tabs take turns (Web Locks): each refresh
   * token works once, and presenting it twice would sign every tab out.
   */
  refreshSession(): Promise<boolean> {
    this.refreshing ??= this.requestRefresh().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async requestRefresh(): Promise<boolean> {
    const refresh = async () => {
      try {
        const response = await fetch(`${this.baseUrl}/api/auth/refresh`, {
          method: "POST",
          credentials: "same-origin",
          headers: { accept: "application/json" },
        });
        return response.ok;
      } catch {
        return false;
      }
    };
    const locks = typeof navigator === "undefined" ? undefined : navigator.locks;
    return locks ? locks.request("chat-session-refresh", refresh) : refresh();
  }

  me(): Promise<{ user: User }> {
    return this.request("GET", "/api/me", undefined, { reportUnauthorized: false });
  }

  /** As `me`, but a session that cannot be renewed dispatches `unauthorized` (the app signs out). */
  verifySession(): Promise<{ user: User }> {
    return this.request("GET", "/api/me");
  }

  register(body: { email: string; password: string; name: string }): Promise<AuthResponse> {
    return this.request("POST", "/api/auth/register", body, { reportUnauthorized: false });
  }

  login(body: { email: string; password: string }): Promise<AuthResponse> {
    return this.request("POST", "/api/auth/login", body, { reportUnauthorized: false });
  }

  logout(): Promise<void> {
    return this.request("POST", "/api/auth/logout", undefined, { reportUnauthorized: false });
  }

  /** Pinned chats first; archived ones only with `archived: true`; one project's with `projectId`. */
  listChats(
    page: { cursor?: string; limit?: number; projectId?: string; archived?: boolean } = {},
  ): Promise<ChatList> {
    const query = new URLSearchParams();
    if (page.cursor) query.set("cursor", page.cursor);
    if (page.limit) query.set("limit", String(page.limit));
    if (page.projectId) query.set("projectId", page.projectId);
    if (page.archived) query.set("archived", "true");
    const search = query.size > 0 ? `?${query}` : "";
    return this.request("GET", `/api/chats${search}`);
  }

  /**
   * The chats whose title or any message contains `query`, ignoring case, newest activity
   * first, page by page: each result says whether the title matched or which message did.
   */
  searchChats(query: string, cursor?: string): Promise<ChatSearchResults> {
    const search = new URLSearchParams({ q: query });
    if (cursor) search.set("cursor", cursor);
    return this.request("GET", `/api/search?${search}`);
  }

  createChat(body: { title?: string; model?: string; projectId?: string } = {}): Promise<Chat> {
    return this.request("POST", "/api/chats", body);
  }

  /** Pins or archives a chat, or moves it into a project (null: out of its project). */
  organizeChat(
    chatId: string,
    changes: { pinned?: boolean; archived?: boolean; projectId?: string | null },
  ): Promise<Chat> {
    return this.request("PATCH", `/api/chats/${encodeURIComponent(chatId)}`, changes);
  }

  listProjects(): Promise<ChatProjectList> {
    return this.request("GET", "/api/chat-projects");
  }

  createProject(body: { name: string; instructions: string; model?: string }): Promise<ChatProject> {
    return this.request("POST", "/api/chat-projects", body);
  }

  updateProject(
    projectId: string,
    changes: { name?: string; instructions?: string; model?: string | null },
  ): Promise<ChatProject> {
    return this.request("PATCH", `/api/chat-projects/${encodeURIComponent(projectId)}`, changes);
  }

  /** Deletes a project; its chats stay, in no project, or with `keepChats: false` go too. */
  async deleteProject(projectId: string, keepChats: boolean): Promise<void> {
    await this.request(
      "DELETE",
      `/api/chat-projects/${encodeURIComponent(projectId)}?keepChats=${keepChats}`,
    );
  }

  renameChat(chatId: string, title: string): Promise<Chat> {
    return this.request("PATCH", `/api/chats/${encodeURIComponent(chatId)}`, { title });
  }

  /** Changes the model that answers the chat from its next message on. */
  changeModel(chatId: string, model: string): Promise<Chat> {
    return this.request("PATCH", `/api/chats/${encodeURIComponent(chatId)}`, { model });
  }

  /** The chat's instructions (an empty one clears them), model and temperature (null: the model's default). */
  updateChatSettings(
    chatId: string,
    settings: { systemPrompt: string; model?: string; temperature?: number | null },
  ): Promise<Chat> {
    return this.request("PATCH", `/api/chats/${encodeURIComponent(chatId)}`, settings);
  }

  listModels(): Promise<ModelList> {
    return this.request("GET", "/api/models");
  }

  /** Stops the answer being written; its text so far is kept with `finishReason: "cancelled"`. */
  cancelAnswer(chatId: string): Promise<CancelReply> {
    return this.request("POST", `/api/chats/${encodeURIComponent(chatId)}/cancel`);
  }

  /** Asks for a person in the chat: it is marked needs_help and staff are notified. */
  requestHelp(chatId: string, note?: string): Promise<ChatAssistance> {
    return this.request("POST", `/api/chats/${encodeURIComponent(chatId)}/help`, note ? { note } : {});
  }

  /** Withdraws the chat's help request. */
  cancelHelpRequest(chatId: string): Promise<ChatAssistance> {
    return this.request("DELETE", `/api/chats/${encodeURIComponent(chatId)}/help`);
  }

  deleteChat(chatId: string): Promise<void> {
    return this.request("DELETE", `/api/chats/${encodeURIComponent(chatId)}`);
  }

  /** Changes the signed-in user's display name. */
  updateProfile(name: string): Promise<{ user: User }> {
    return this.request("PATCH", "/api/me", { name });
  }

  /** A new password; every other sign-in of the user ends. */
  changePassword(currentPassword: string, newPassword: string): Promise<void> {
    return this.request("PUT", "/api/me/password", { currentPassword, newPassword });
  }

  /** Ends every sign-in of the user, this one too. */
  signOutEverywhere(): Promise<void> {
    return this.request("POST", "/api/me/sign-out-everywhere");
  }

  /** Deletes the account and everything in it, confirmed by its password. */
  deleteAccount(password: string): Promise<AccountDeleted> {
    return this.request("DELETE", "/api/me", { password });
  }

  listApiKeys(): Promise<{ keys: ApiKey[] }> {
    return this.request("GET", "/api/keys");
  }

  /** A new API key; its secret is in this answer only. */
  createApiKey(name: string): Promise<CreatedApiKey> {
    return this.request("POST", "/api/keys", { name });
  }

  revokeApiKey(keyId: string): Promise<void> {
    return this.request("DELETE", `/api/keys/${encodeURIComponent(keyId)}`);
  }

  /** Tokens and cost of the user's generations with from <= time < to. */
  usage(from: Date, to: Date): Promise<UsageReport> {
    const query = new URLSearchParams({ from: from.toISOString(), to: to.toISOString() });
    return this.request("GET", `/api/usage?${query}`);
  }

  /** Imports a file of chats (this app's export, or ChatGPT's conversations.json). */
  importChats(file: unknown): Promise<ImportReport> {
    return this.request("POST", "/api/imports", file);
  }

  /** A read-only link to the chat as it is now. */
  createShare(chatId: string): Promise<ShareSummary> {
    return this.request("POST", `/api/chats/${encodeURIComponent(chatId)}/shares`);
  }

  /** The user's share links, newest first (the first 100). */
  listShares(): Promise<ShareList> {
    return this.request("GET", "/api/shares?limit=100");
  }

  revokeShare(shareId: string): Promise<void> {
    return this.request("DELETE", `/api/shares/${encodeURIComponent(shareId)}`);
  }

  getChat(chatId: string): Promise<ChatWithMessages> {
    return this.request("GET", `/api/chats/${encodeURIComponent(chatId)}`);
  }

  /** A chat's messages, oldest first, page by page. */
  listMessages(chatId: string, page: { cursor?: string; limit?: number } = {}): Promise<MessageList> {
    const query = new URLSearchParams();
    if (page.cursor) query.set("cursor", page.cursor);
    if (page.limit) query.set("limit", String(page.limit));
    const search = query.size > 0 ? `?${query}` : "";
    return this.request("GET", `/api/chats/${encodeURIComponent(chatId)}/messages${search}`);
  }

  sendMessage(
    chatId: string,
    body: { content: string; clientMessageId: string; model?: string; attachmentIds?: string[] },
  ): Promise<SendMessageResponse> {
    return this.request("POST", `/api/chats/${encodeURIComponent(chatId)}/messages`, body);
  }

  /**
   * Answers the chat's latest question again beside `body.messageId` (the last answer of the active
   * path, which stays as a version): the stream then carries `branch_switched` and the new answer.
   */
  regenerate(chatId: string, body: RegenerateBody): Promise<RegenerateResponse> {
    return this.request("POST", `/api/chats/${encodeURIComponent(chatId)}/regenerate`, body);
  }

  /** Deletes an uploaded file that was not sent (removed from the composer). */
  deleteAttachment(attachmentId: string): Promise<void> {
    return this.request("DELETE", `/api/attachments/${encodeURIComponent(attachmentId)}`);
  }

  /** Whether the server transcribes and reads aloud (a speech server is configured). */
  speechSettings(): Promise<SpeechSettings> {
    return this.request("GET", "/api/speech/settings");
  }

  /** The text of an uploaded audio file, as the speech server heard it. */
  transcribe(attachmentId: string): Promise<Transcription> {
    return this.request("POST", `/api/attachments/${encodeURIComponent(attachmentId)}/transcription`);
  }

  /** `text` read aloud by the speech server, as audio. */
  async speak(text: string, signal?: AbortSignal): Promise<Blob> {
    const send = () =>
      fetch(`${this.baseUrl}/api/speech`, {
        method: "POST",
        credentials: "same-origin",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ text }),
        signal,
      });
    let response = await send();
    if (response.status === 401 && (await this.refreshSession())) response = await send();
    if (response.ok) return response.blob();
    const parsed: unknown = await response.json().catch(() => undefined);
    throw isErrorBody(parsed)
      ? new ApiError(parsed.error.code, parsed.error.message, response.status)
      : new ApiError("UNAVAILABLE", `The server answered ${response.status}`, response.status);
  }

  /** Sends a new version of the question `messageId`; its answer streams on a new branch. */
  editMessage(chatId: string, messageId: string, body: EditMessageBody): Promise<EditMessageResponse> {
    const path = `/api/chats/${encodeURIComponent(chatId)}/messages/${encodeURIComponent(messageId)}/edit`;
    return this.request("POST", path, body);
  }

  /** Makes the branch through `body.messageId` the chat's active path. */
  switchBranch(chatId: string, body: SwitchBranchBody): Promise<BranchSwitched> {
    return this.request("POST", `/api/chats/${encodeURIComponent(chatId)}/branch`, body);
  }

  /** The URL of a server-sent event stream; EventSource sends the cookie on same-origin URLs. */
  eventStreamUrl(path: string): string {
    return `${this.baseUrl}${path}`;
  }

  /** Calls the API: the JSON answer, or an ApiError; a 401 renews the session once and repeats the call. */
  async request<Result>(
    method: string,
    path: string,
    body?: unknown,
    options: { reportUnauthorized?: boolean } = {},
  ): Promise<Result> {
    const send = async (): Promise<Response> => {
      try {
        return await fetch(`${this.baseUrl}${path}`, {
          method,
          credentials: "same-origin",
          headers: {
            accept: "application/json",
            ...(body === undefined ? {} : { "content-type": "application/json" }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      } catch (cause) {
        const error = new ApiError("NETWORK_FAILED", "Cannot reach the server. Check your connection.", 0);
        error.cause = cause;
        throw error;
      }
    };

    let response = await send();
    if (response.status === 401 && !sessionPaths.has(path) && (await this.refreshSession())) {
      response = await send();
    }

    if (response.status === 204) return undefined as Result;
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text.length > 0 ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }

    if (!response.ok) {
      const error = isErrorBody(parsed)
        ? new ApiError(parsed.error.code, parsed.error.message, response.status, parsed.error.details)
        : new ApiError(
            response.status >= 500 ? "UNAVAILABLE" : "INTERNAL",
            `The server answered ${response.status} ${response.statusText}`.trim(),
            response.status,
          );
      if (response.status === 401 && options.reportUnauthorized !== false) {
        this.dispatchEvent(new Event("unauthorized"));
      }
      throw error;
    }
    return parsed as Result;
  }
}

/** The client the app uses; elements and controllers share it so `unauthorized` has one source. */
export const apiClient = new ApiClient();
