import type { ModelImageMediaType } from "@chat/contracts";
import sharp from "sharp";

/** An image's bytes and type. */
export type ImageBytes = { bytes: Uint8Array; mediaType: ModelImageMediaType };

/** Anthropic refuses an image over 5 MB of base64, which 3.75 MB of bytes make. */
export const maxModelImageBytes = 3_750_000;
/** The longest edge worth sending: Anthropic scales anything larger down to it anyway. */
export const modelImageEdge = 1_568;
/** Same bound as at upload: decoding a larger image holds too much memory. */
const maxInputPixels = 25_000_000;

/**
 * The image as every provider takes it: unchanged when it is at most `modelImageEdge` pixels on
 * its long edge and `maxModelImageBytes` long; else scaled to fit the edge, in its own format
 * (a GIF's first frame as PNG), and as JPEG when that is still too long. Null for bytes that do
 * not decode.
 *
 * @example
 * const fitted = await fitImageForModels({ bytes, mediaType: "image/png" });
 */
export async function fitImageForModels(image: ImageBytes): Promise<ImageBytes | null> {
  try {
    const { width = 0, height = 0 } = await sharp(image.bytes, {
      limitInputPixels: maxInputPixels,
    }).metadata();
    if (image.bytes.byteLength <= maxModelImageBytes && Math.max(width, height) <= modelImageEdge)
      return image;
    const resized = () =>
      sharp(image.bytes, { limitInputPixels: maxInputPixels })
        .rotate()
        .resize({ width: modelImageEdge, height: modelImageEdge, fit: "inside", withoutEnlargement: true });
    const sameFormat =
      image.mediaType === "image/jpeg"
        ? { bytes: await resized().jpeg({ quality: 85 }).toBuffer(), mediaType: image.mediaType }
        : image.mediaType === "image/webp"
          ? { bytes: await resized().webp({ quality: 85 }).toBuffer(), mediaType: image.mediaType }
          : { bytes: await resized().png().toBuffer(), mediaType: "image/png" as const };
    if (sameFormat.bytes.byteLength <= maxModelImageBytes) return sameFormat;
    const jpeg = await resized().flatten({ background: "#ffffff" }).jpeg({ quality: 80 }).toBuffer();
    return { bytes: jpeg, mediaType: "image/jpeg" };
  } catch {
    return null;
  }
}

const mediaTypesByFormat: Record<string, ModelImageMediaType> = {
  jpeg: "image/jpeg",
  png: "image/png",
  webp: "image/webp",
  gif: "image/gif",
};

/** The type of image bytes, read from their header; null when they are no image models take. */
export async function imageMediaTypeOf(bytes: Uint8Array): Promise<ModelImageMediaType | null> {
  try {
    const { format } = await sharp(bytes).metadata();
    return mediaTypesByFormat[format ?? ""] ?? null;
  } catch {
    return null;
  }
}
