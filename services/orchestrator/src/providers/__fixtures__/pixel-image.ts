import type { ModelImage } from "../../model-provider.ts";

/** A real 1 × 1 PNG, as a provider receives an image: base64. */
export const pixelPng: ModelImage = {
  mediaType: "image/png",
  data: "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
};
