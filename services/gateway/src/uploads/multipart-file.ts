import { AppError } from "@chat/contracts";
import busboy from "busboy";
import { toNodeReadable, toWebStream } from "./node-streams.ts";

/** The one file of a `multipart/form-data` body, as it streams in. */
export type MultipartFile = {
  /** The name the client gave, unsanitised. */
  filename: string;
  /** The bytes; errors when the body is cut off or malformed. */
  body: ReadableStream<Uint8Array>;
  /** Ends the read of the request body (erroring the file's stream with `error`, if given). */
  close(error?: Error): void;
};

function invalid(message: string): AppError {
  return new AppError("VALIDATION_FAILED", message, {
    retryable: false,
    details: [{ path: "/file", message }],
  });
}

/**
 * The first file part of a `multipart/form-data` request body, streamed by busboy: nothing is
 * buffered beyond its parser's window. Fields and further files are not read. A body that ends
 * before its closing boundary errors the file's stream, so a cut upload fails instead of being
 * stored short.
 *
 * @example
 * const file = await readMultipartFile(request.body, request.headers.get("content-type") ?? "");
 */
export function readMultipartFile(
  body: ReadableStream<Uint8Array>,
  contentType: string,
): Promise<MultipartFile> {
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: { "content-type": contentType },
      limits: { files: 1, fields: 8, fieldSize: 1024, parts: 10, headerPairs: 20 },
      defParamCharset: "utf8",
    });
  } catch {
    throw new AppError("UNSUPPORTED_MEDIA_TYPE", "Uploads are multipart/form-data with a boundary", {
      retryable: false,
    });
  }
  const source = toNodeReadable(body);
  const close = (error?: Error) => {
    source.unpipe(parser);
    source.destroy(error);
  };
  return new Promise<MultipartFile>((resolve, reject) => {
    let found = false;
    source.on("error", (error) => parser.destroy(error));
    parser.on("file", (_field, stream, info) => {
      if (found) {
        stream.resume();
        return;
      }
      found = true;
      // busboy errors the active file's stream itself on a malformed or unfinished body.
      parser.on("error", (error) => stream.destroy(error as Error));
      source.on("error", (error) => stream.destroy(error));
      resolve({ filename: info.filename ?? "", body: toWebStream(stream), close });
    });
    parser.on("error", (error) => {
      if (!found) reject(invalid(`The multipart body is malformed: ${(error as Error).message}`));
    });
    parser.on("close", () => {
      if (!found) reject(invalid("The body has no file part"));
    });
    source.pipe(parser);
  });
}
