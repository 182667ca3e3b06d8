import { AppError } from "@chat/contracts";
import { Elysia } from "elysia";
import { errorBodyFor } from "./error-renderer.ts";
import { maxJsonNestingDepth, nestsDeeperThan } from "./json-nesting.ts";
import { requestPath } from "./request-url.ts";

/** How far a request body may go: its size and how long it may take to arrive. */
export type RequestBodyLimits = {
  /** MAX_BODY_BYTES: past it 413 PAYLOAD_TOO_LARGE, the rest left unread. */
  maxBodyBytes: number;
  /** HTTP_BODY_TIMEOUT_MS: the whole body must have arrived within this; past it 408 REQUEST_TIMEOUT. */
  bodyTimeoutMs: number;
  /**
   * Paths whose route reads the body itself as a stream (uploads), with the largest
   * `Content-Length` each accepts: their body is neither read nor parsed here, and the route
   * bounds what it reads.
   */
  streamedBodies?: Record<string, number>;
  /** Paths whose JSON body may be larger than `maxBodyBytes` (`/v1` images as data URLs), with their limit. */
  largerBodies?: Record<string, number>;
};

/** The parsed body of a streamed path: the route reads `request.body` itself. */
export const streamedBody: Readonly<Record<string, never>> = Object.freeze({});

function bodyTooLarge(maxBodyBytes: number): AppError {
  return new AppError("PAYLOAD_TOO_LARGE", `The body is over ${maxBodyBytes} bytes`, { retryable: false });
}

/**
 * The body's bytes, read until `maxBodyBytes` and for at most `bodyTimeoutMs`: past the size 413
 * is thrown, past the time 408, and the rest is left unread. The server's idle timeout only ends a
 * body that stops; this also ends one that trickles in a byte at a time.
 */
async function readAtMost(body: ReadableStream<Uint8Array>, limits: RequestBodyLimits): Promise<Buffer> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new AppError("REQUEST_TIMEOUT", `The body did not arrive within ${limits.bodyTimeoutMs} ms`, {
            retryable: true,
          }),
        ),
      limits.bodyTimeoutMs,
    );
  });
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), deadline]);
      if (done) break;
      total += value.byteLength;
      if (total > limits.maxBodyBytes) throw bodyTooLarge(limits.maxBodyBytes);
      chunks.push(value);
    }
  } catch (error) {
    void reader.cancel().catch(() => {});
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return Buffer.concat(chunks, total);
}

/**
 * Parses the bytes as Elysia's own parsers would for the content type, but JSON only once its
 * nesting is known to be at most `maxJsonNestingDepth`: a body of a hundred thousand `[` parses
 * slowly, and a validator or an error message that walks it again stalls the event loop for seconds.
 */
async function parseBody(bytes: Buffer, contentType: string): Promise<unknown> {
  const type = contentType.split(";")[0]?.trim().toLowerCase() ?? "";
  if (type === "application/json" || type.endsWith("+json")) {
    if (nestsDeeperThan(bytes, maxJsonNestingDepth)) {
      throw new AppError("VALIDATION_FAILED", "The request is invalid", {
        details: [
          { path: "/", message: `nests objects and arrays deeper than ${maxJsonNestingDepth} levels` },
        ],
      });
    }
    try {
      return JSON.parse(new TextDecoder().decode(bytes));
    } catch {
      throw new AppError("MALFORMED_JSON", "The body is not valid JSON", { retryable: false });
    }
  }
  if (type.startsWith("text/")) return new TextDecoder().decode(bytes);
  if (type === "application/x-www-form-urlencoded") {
    return Object.fromEntries(new URLSearchParams(new TextDecoder().decode(bytes)));
  }
  if (type === "multipart/form-data") {
    const form = await new Response(new Blob([new Uint8Array(bytes)]), {
      headers: { "content-type": contentType },
    }).formData();
    return Object.fromEntries(form);
  }
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
}

/**
 * Every request body goes through one bounded read and one parse: at most `maxBodyBytes`
 * (MAX_BODY_BYTES, else 413 PAYLOAD_TOO_LARGE), arrived within `bodyTimeoutMs`
 * (HTTP_BODY_TIMEOUT_MS, else 408 REQUEST_TIMEOUT), and JSON nested at most 64 levels deep
 * (else 400 VALIDATION_FAILED, found on the raw bytes before parsing); OpenAI's error body under
 * `/v1`. A declared `Content-Length` over the size is refused before anything is read. Because of
 * this the server itself needs no body limit of its own, whose refusal would be a bare 413.
 *
 * @example
 * new Elysia().use(requestBodyLimit({ maxBodyBytes: 256 * 1024, bodyTimeoutMs: 30_000 }));
 */
export function requestBodyLimit(limits: RequestBodyLimits) {
  const streamed = new Map(Object.entries(limits.streamedBodies ?? {}));
  const streamedLimitOf = (request: Request): number | undefined =>
    streamed.size === 0 || request.method !== "POST" ? undefined : streamed.get(requestPath(request));
  const larger = new Map(Object.entries(limits.largerBodies ?? {}));
  const limitOf = (request: Request): number =>
    (request.method === "POST" ? larger.get(requestPath(request)) : undefined) ?? limits.maxBodyBytes;
  return (
    new Elysia({ name: "request-body-limit" })
      .onRequest(({ request, set }) => {
        const length = Number(request.headers.get("content-length") ?? 0);
        const maxBytes = streamedLimitOf(request) ?? limitOf(request);
        if (length > maxBytes) {
          set.status = 413;
          return errorBodyFor(request, 413, bodyTooLarge(maxBytes).toBody());
        }
      })
      .onParse({ as: "global" }, async ({ request }, contentType) => {
        if (streamedLimitOf(request) !== undefined) return streamedBody;
        // Nothing to read: Elysia's own parsers answer an empty or untyped body as before.
        if (!request.body || !contentType || request.headers.get("content-length") === "0") return;
        // The whole header, not Elysia's `contentType`: multipart needs its boundary parameter.
        const bytes = await readAtMost(request.body, { ...limits, maxBodyBytes: limitOf(request) });
        return parseBody(bytes, request.headers.get("content-type") ?? "");
      })
      // Elysia wraps whatever a parser throws in its ParseError (400): this parser's refusals keep
      // their own status and body.
      .onError({ as: "global" }, ({ code, error, set, request }) => {
        const cause = code === "PARSE" ? (error as Error).cause : undefined;
        if (!AppError.isInstance(cause)) return;
        set.status = cause.httpStatus;
        // The rest of a body too slow to wait for may still come: end the connection, not just the request.
        if (cause.code === "REQUEST_TIMEOUT") set.headers.connection = "close";
        return errorBodyFor(request, cause.httpStatus, cause.toBody());
      })
  );
}
