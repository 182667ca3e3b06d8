import { secretRegistry } from "./secret-registry.ts";
import { SseReader } from "./sse-reader.ts";
import { WebSocketReader } from "./websocket-reader.ts";

export type ApiResponse<T = any> = { status: number; body: T; headers: Headers };

/** The password `register` uses. */
export const defaultPassword = "correct horse battery";

/** A small HTTP client for the chat API, as an API consumer would write one. */
export class ChatApiClient {
  token: string | null = null;
  /** Cookies the server set (name → value), e.g. the refresh cookie; never sent unless a test does. */
  readonly cookies = new Map<string, string>();

  constructor(readonly baseUrl: string) {}

  /** A client of `baseUrl` signed up as `name`; throws unless the server created the account. */
  static async signUp(baseUrl: string, name: string): Promise<ChatApiClient> {
    const client = new ChatApiClient(baseUrl);
    const registered = await client.register(name);
    if (registered.status !== 201)
      throw new Error(`register answered ${registered.status}: ${JSON.stringify(registered.body)}`);
    return client;
  }

  async request<T = any>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiResponse<T>> {
    secretRegistry.addFromBody(body, `sent to ${method} ${path}`);
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // Not JSON: keep the text.
    }
    secretRegistry.addFromBody(parsed, `from ${method} ${path}`);
    secretRegistry.addFromSetCookies(response.headers, `from ${method} ${path}`);
    for (const cookie of response.headers.getSetCookie()) {
      const [rawName = "", ...parts] = (cookie.split(";")[0] ?? "").split("=");
      const [name, value] = [rawName.trim(), parts.join("=")];
      if (value) this.cookies.set(name, value);
      else this.cookies.delete(name);
    }
    return { status: response.status, body: parsed as T, headers: response.headers };
  }

  async register(name: string): Promise<ApiResponse> {
    const email = `${name.toLowerCase()}-${crypto.randomUUID()}@example.test`;
    const response = await this.request("POST", "/api/auth/register", {
      email,
      password: defaultPassword,
      name,
    });
    if (response.status === 201) this.token = response.body.accessToken;
    return response;
  }

  /** Signs in; on success the client uses the new access token. */
  async login(email: string, password = defaultPassword): Promise<ApiResponse> {
    const response = await this.request("POST", "/api/auth/login", { email, password });
    if (response.status === 200) this.token = response.body.accessToken;
    return response;
  }

  /** The `Cookie` header that sends back every cookie the server set. */
  cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }

  events(path: string): Promise<SseReader> {
    return SseReader.open(
      `${this.baseUrl}${path}`,
      this.token ? { authorization: `Bearer ${this.token}` } : {},
    );
  }

  /**
   * Creates a chat, opens its event stream and sends `content` (both requests with `headers`);
   * resolves once the answer is complete, with the stream still open.
   */
  async answeredChat(
    content: string,
    headers: Record<string, string> = {},
  ): Promise<{ chatId: string; events: SseReader }> {
    const chatId = (await this.request("POST", "/api/chats", {}, headers)).body.id as string;
    const events = await this.events(`/api/chats/${chatId}/events`);
    await this.request("POST", `/api/chats/${chatId}/messages`, { content }, headers);
    await events.waitFor((event) => event.event === "message_complete");
    return { chatId, events };
  }

  /** Opens the WebSocket at /ws, signed in with the client's access token (or `token`). */
  socket(token = this.token): Promise<WebSocketReader> {
    return WebSocketReader.open(`${this.baseUrl.replace(/^http/, "ws")}/ws`, {
      authorization: `Bearer ${token}`,
    });
  }
}
