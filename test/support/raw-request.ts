import { secretRegistry } from "./secret-registry.ts";

/** A request exactly as a test wants it on the wire. */
export type RawRequest = {
  method: string;
  /** Path and query, sent as given (fetch only resolves `.` / `..` segments). */
  path: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array<ArrayBuffer>;
};

/** What came back; for an event stream only the status and headers (the stream is dropped). */
export type RawResponse = {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: any;
  /** The response was a server-sent event stream. */
  stream: boolean;
};

/**
 * Sends one request with fetch and reads the answer; event streams are cut off once their
 * headers arrive, so tests can walk SSE routes like any other. Fails after `timeoutMs`. Secrets
 * the answer carries (tokens, keys, tickets, cookies) are registered for the log scan.
 *
 * @example
 * const answer = await sendRawRequest(baseUrl, { method: "GET", path: "/api/me" }); // answer.status 401
 */
export async function sendRawRequest(
  baseUrl: string,
  request: RawRequest,
  timeoutMs = 15_000,
): Promise<RawResponse> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  try {
    const response = await fetch(`${baseUrl}${request.path}`, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      signal: abort.signal,
      redirect: "manual",
    });
    const label = `from ${request.method} ${request.path.slice(0, 80)}`;
    secretRegistry.addFromSetCookies(response.headers, label);
    const stream = (response.headers.get("content-type") ?? "").startsWith("text/event-stream");
    if (stream) {
      abort.abort();
      return { status: response.status, headers: response.headers, text: "", json: undefined, stream };
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    secretRegistry.addFromBody(json, label);
    return { status: response.status, headers: response.headers, text, json, stream };
  } finally {
    clearTimeout(timer);
  }
}
