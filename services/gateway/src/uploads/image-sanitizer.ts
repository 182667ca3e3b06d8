import { pipeline } from "node:stream";
import { AppError } from "@chat/contracts";
import sharp from "sharp";
import { toNodeReadable, toWebStream } from "./node-streams.ts";

/** The most pixels an uploaded image may decode to (all frames of a GIF together): about 25 megapixels (5000 × 5000): decoding one holds up to 100 MB. */
export const maxImagePixels = 25_000_000;

const encoders: Record<string, (image: sharp.Sharp) => sharp.Sharp> = {
  "image/png": (image) => image.png(),
  "image/jpeg": (image) => image.jpeg({ quality: 90, mozjpeg: true }),
  "image/webp": (image) => image.webp({ quality: 90 }),
  "image/gif": (image) => image.gif(),
};

/**
 * Re-encodes an image with sharp (libvips) in its own format: the result has no metadata (EXIF
 * with its GPS position, XMP, comments, text chunks), nothing appended after the image data, and
 * pixels a decoder produced, so a file crafted for one parser is not what another one sees. The
 * EXIF orientation is applied first. An image past `maxImagePixels` is refused (a decompression
 * bomb); so is one that does not decode.
 *
 * @example
 * const clean = reencodeImage(upload, "image/jpeg");
 */
export function reencodeImage(
  input: ReadableStream<Uint8Array>,
  mediaType: string,
): ReadableStream<Uint8Array> {
  const encode = encoders[mediaType];
  if (!encode)
    throw new AppError("UNSUPPORTED_MEDIA_TYPE", `Cannot re-encode ${mediaType}`, { retryable: false });
  const transformer = encode(
    sharp({
      limitInputPixels: maxImagePixels,
      animated: mediaType === "image/gif",
      failOn: "error",
    }).rotate(),
  );
  const source = toNodeReadable(input);
  pipeline(source, transformer, (error) => {
    if (error && !transformer.destroyed) transformer.destroy(error);
  });
  return toWebStream(transformer);
}

/** sharp's own errors (a bad or too large image) as the 415 / 413 the client should see. */
export function imageErrorFor(error: unknown): unknown {
  if (AppError.isInstance(error) || !(error instanceof Error)) return error;
  if (/pixel limit/i.test(error.message)) {
    return new AppError("PAYLOAD_TOO_LARGE", `The image has more than ${maxImagePixels} pixels`, {
      retryable: false,
      cause: error,
    });
  }
  if (
    /Input buffer|unsupported image format|corrupt|VipsJpeg|pngload|webpload|gifload/i.test(error.message)
  ) {
    return new AppError("UNSUPPORTED_MEDIA_TYPE", "The image could not be decoded", {
      retryable: false,
      cause: error,
    });
  }
  return error;
}
