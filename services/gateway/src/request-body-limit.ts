import { AppError } from "@chat/contracts";
import { Elysia } from "elysia";
import { toOpenAiErrorBody } from "./openai-compatible-routes.ts";

function bodyTooLarge(maxBodyBytes: number): AppError {
  return new AppError("PAYLOAD_TOO_LARGE", `The body is over ${maxBodyBytes} bytes`, { retryable: false });
}

/** The body's bytes, read until `maxBodyBytes`; past it the rest is left unread and 413 thrown. */
async function readAtMost(body: ReadableStream<Uint8Array>, maxBodyBytes: number): Promise<Buffer> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBodyBytes) {
      void reader.cancel().catch(() => {});
      throw bodyTooLarge(maxBodyBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, total);
}

/** Parses the bytes as Elysia's own parsers would for the content type. */
async function parseBody(bytes: Buffer, contentType: string): Promise<unknown> {
  const type = contentType.split(";")[0]?.trim().toLowerCase() ?? "";
  if (type === "application/json" || type.endsWith("+json")) {
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
 * Bounds every request body to `maxBodyBytes` (MAX_BODY_BYTES) with a typed 413 PAYLOAD_TOO_LARGE
 * (OpenAI's error body under `/v1`):
 * a declared `Content-Length` over it is refused before anything is read, and a body without one
 * (chunked) is read only up to it. Because of this the server itself needs no body limit of its
 * own, whose refusal would be a bare 413 without the error body.
 *
 * @example
 * new Elysia().use(requestBodyLimit(256 * 1024));
 */
export function requestBodyLimit(maxBodyBytes: number) {
  return (
    new Elysia({ name: "request-body-limit" })
      .onRequest(({ request, set }) => {
        const length = Number(request.headers.get("content-length") ?? 0);
        if (length > maxBodyBytes) {
          set.status = 413;
          const body = bodyTooLarge(maxBodyBytes).toBody();
          // Answered before routing, so the OpenAI-compatible routes' own reshaping does not run.
          return new URL(request.url).pathname.startsWith("/v1/") ? toOpenAiErrorBody(413, body) : body;
        }
      })
      .onParse({ as: "global" }, async ({ request }, contentType) => {
        // A body with a Content-Length within the limit cannot be longer: Elysia's parsers take it.
        if (!request.body || request.headers.has("content-length")) return;
        return parseBody(await readAtMost(request.body, maxBodyBytes), contentType);
      })
      // Elysia wraps whatever a parser throws in its ParseError (400): this parser's refusals keep
      // their own status and body.
      .onError({ as: "global" }, ({ code, error, set }) => {
        const cause = code === "PARSE" ? (error as Error).cause : undefined;
        if (!AppError.isInstance(cause)) return;
        set.status = cause.httpStatus;
        return cause.toBody();
      })
  );
}
