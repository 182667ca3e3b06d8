import { SseReader } from "./sse-reader.ts";

export type ApiResponse<T = any> = { status: number; body: T; headers: Headers };

/** A small HTTP client for the chat API, as an API consumer would write one. */
export class ChatApiClient {
  token: string | null = null;

  constructor(readonly baseUrl: string) {}

  async request<T = any>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiResponse<T>> {
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
    return { status: response.status, body: parsed as T, headers: response.headers };
  }

  async register(name: string): Promise<ApiResponse> {
    const email = `${name.toLowerCase()}-${crypto.randomUUID()}@example.test`;
    const response = await this.request("POST", "/api/auth/register", {
      email,
      password: "correct horse battery",
      name,
    });
    if (response.status === 201) this.token = response.body.accessToken;
    return response;
  }

  events(path: string): Promise<SseReader> {
    return SseReader.open(
      `${this.baseUrl}${path}`,
      this.token ? { authorization: `Bearer ${this.token}` } : {},
    );
  }
}
