import { describe, expect, test } from "bun:test";
import sharp from "sharp";
import { fitImageForModels, imageMediaTypeOf, maxModelImageBytes, modelImageEdge } from "./model-image.ts";

function solid(width: number, height: number) {
  return sharp({ create: { width, height, channels: 4, background: "#2266aa80" } });
}

describe("fitImageForModels", () => {
  test("an image within the edge and the size goes unchanged", async () => {
    const bytes = await solid(800, 600).png().toBuffer();
    const fitted = await fitImageForModels({ bytes, mediaType: "image/png" });
    expect(fitted?.bytes).toBe(bytes);
  });

  test("a larger one is scaled to the edge in its own format; a GIF becomes a PNG", async () => {
    const jpeg = await solid(3000, 1500).jpeg().toBuffer();
    const fitted = await fitImageForModels({ bytes: jpeg, mediaType: "image/jpeg" });
    expect(fitted?.mediaType).toBe("image/jpeg");
    expect(await sharp(fitted?.bytes).metadata()).toMatchObject({
      width: modelImageEdge,
      height: 784,
      format: "jpeg",
    });
    const gif = await solid(2000, 2000).gif().toBuffer();
    const fromGif = await fitImageForModels({ bytes: gif, mediaType: "image/gif" });
    expect(fromGif?.mediaType).toBe("image/png");
    expect(await imageMediaTypeOf(fromGif?.bytes ?? new Uint8Array())).toBe("image/png");
  });

  test("a PNG still too long at the edge goes as JPEG, under Anthropic's 5 MB of base64", async () => {
    const noise = await sharp({
      create: {
        width: 1600,
        height: 1600,
        channels: 3,
        background: "#000000",
        noise: { type: "gaussian", mean: 128, sigma: 60 },
      },
    })
      .png()
      .toBuffer();
    expect(noise.byteLength).toBeGreaterThan(maxModelImageBytes);
    const fitted = await fitImageForModels({ bytes: noise, mediaType: "image/png" });
    expect(fitted?.mediaType).toBe("image/jpeg");
    expect(Buffer.from(fitted?.bytes ?? []).toString("base64").length).toBeLessThan(5 * 1024 * 1024);
  });

  test("bytes that do not decode are null, not a crash", async () => {
    expect(
      await fitImageForModels({ bytes: new TextEncoder().encode("<html>"), mediaType: "image/png" }),
    ).toBeNull();
    expect(await imageMediaTypeOf(new TextEncoder().encode("<html>"))).toBeNull();
  });
});
