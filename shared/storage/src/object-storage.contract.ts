import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { AppError } from "@chat/contracts";
import type { ObjectStorage } from "./object-storage.ts";

/** One adapter under test. */
export type ObjectStorageFixture = {
  storage: ObjectStorage;
  /** Downloads a signed URL the way a browser would: plain `fetch`, or the gateway's check for its own paths. */
  download(url: string): Promise<Response>;
  /** Every object or partial file the adapter holds, to show that a failed `put` left nothing. */
  leftovers(): Promise<string[]>;
  cleanup(): Promise<void>;
};

const megabyte = 1024 * 1024;

function streamOf(chunks: Uint8Array[], failAfter?: number): ReadableStream<Uint8Array> {
  let index = 0;
  return new ReadableStream({
    pull(controller) {
      if (failAfter !== undefined && index === failAfter) {
        controller.error(new Error("connection reset"));
        return;
      }
      const chunk = chunks[index++];
      if (chunk) controller.enqueue(chunk);
      else controller.close();
    },
  });
}

function filled(size: number, value: number): Uint8Array {
  return new Uint8Array(size).fill(value);
}

async function bytesOf(stream: ReadableStream<Uint8Array> | undefined): Promise<Uint8Array> {
  if (!stream) throw new Error("expected an object");
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * The behaviour every ObjectStorage adapter must show. Run it from the adapter's test file:
 *
 * @example
 * runObjectStorageContract("LocalDiskStorage", async () => ({ storage, download, leftovers, cleanup }));
 */
export function runObjectStorageContract(
  name: string,
  createFixture: () => Promise<ObjectStorageFixture>,
): void {
  describe(`ObjectStorage contract: ${name}`, () => {
    let fixture: ObjectStorageFixture;
    let storage: ObjectStorage;
    const options = { maxBytes: 20 * megabyte, contentType: "text/plain" };

    beforeAll(async () => {
      fixture = await createFixture();
      storage = fixture.storage;
    });
    afterAll(async () => {
      await fixture.cleanup();
    });

    test("put then get gives the same bytes and the size", async () => {
      const stored = await storage.put(
        "user-1/small",
        streamOf([new TextEncoder().encode("hello")]),
        options,
      );
      expect(stored).toEqual({ key: "user-1/small", size: 5 });
      expect(new TextDecoder().decode(await bytesOf(await storage.get("user-1/small")))).toBe("hello");
    });

    test("get of a missing object is undefined", async () => {
      expect(await storage.get("user-1/missing")).toBeUndefined();
    });

    test("a body of several megabytes goes up in parts and comes back whole", async () => {
      const chunks = Array.from({ length: 12 }, (_, index) => filled(megabyte, index));
      const stored = await storage.put("user-1/large", streamOf(chunks), options);
      expect(stored.size).toBe(12 * megabyte);
      const bytes = await bytesOf(await storage.get("user-1/large"));
      expect(bytes.length).toBe(12 * megabyte);
      expect(bytes[0]).toBe(0);
      expect(bytes[11 * megabyte]).toBe(11);
      await storage.delete("user-1/large");
    });

    test("a body past its limit is refused with PAYLOAD_TOO_LARGE and leaves nothing", async () => {
      const before = await fixture.leftovers();
      const chunks = Array.from({ length: 8 }, () => filled(megabyte, 1));
      const put = storage.put("user-2/too-large", streamOf(chunks), { ...options, maxBytes: 6 * megabyte });
      const error = await put.catch((caught: unknown) => caught);
      expect(AppError.isInstance(error) && error.code).toBe("PAYLOAD_TOO_LARGE");
      expect(await storage.get("user-2/too-large")).toBeUndefined();
      expect(await fixture.leftovers()).toEqual(before);
    });

    test("an upload cut off half way leaves nothing", async () => {
      const before = await fixture.leftovers();
      const chunks = Array.from({ length: 10 }, () => filled(megabyte, 2));
      await expect(storage.put("user-2/cut", streamOf(chunks, 7), options)).rejects.toThrow(
        "connection reset",
      );
      expect(await storage.get("user-2/cut")).toBeUndefined();
      expect(await fixture.leftovers()).toEqual(before);
    });

    test("delete removes the object, and deleting a missing one is fine", async () => {
      await storage.put("user-3/doomed", streamOf([filled(10, 3)]), options);
      await storage.delete("user-3/doomed");
      expect(await storage.get("user-3/doomed")).toBeUndefined();
      await storage.delete("user-3/doomed");
    });

    test("deleteByPrefix removes the prefix's objects and only them", async () => {
      await storage.put("user-4/a", streamOf([filled(10, 4)]), options);
      await storage.put("user-4/chat-1/b", streamOf([filled(10, 4)]), options);
      await storage.put("user-40/c", streamOf([filled(10, 4)]), options);
      expect(await storage.deleteByPrefix("user-4/")).toBe(2);
      expect(await storage.get("user-4/a")).toBeUndefined();
      expect(await storage.get("user-4/chat-1/b")).toBeUndefined();
      expect(await storage.get("user-40/c")).toBeDefined();
      expect(await storage.deleteByPrefix("user-4/")).toBe(0);
    });

    test("a signed URL downloads the object until it expires", async () => {
      await storage.put("user-5/signed", streamOf([new TextEncoder().encode("signed bytes")]), options);
      const url = await storage.signedUrl("user-5/signed", { expiresInSeconds: 1 });
      const response = await fixture.download(url);
      expect(response.status).toBe(200);
      expect(await response.text()).toBe("signed bytes");
      const tampered = url.replace("user-5", "user-6");
      expect((await fixture.download(tampered)).status).not.toBe(200);
      await Bun.sleep(2_100);
      expect((await fixture.download(url)).status).not.toBe(200);
    });

    test("keys with dots, absolute paths or empty segments are refused", async () => {
      for (const key of ["../escape", "/absolute", "user-1/../other", "user-1//x", "user-1/x.png", ""]) {
        await expect(storage.put(key, streamOf([]), options)).rejects.toThrow("Invalid storage key");
        await expect(storage.get(key)).rejects.toThrow("Invalid storage key");
      }
      await expect(storage.deleteByPrefix("user-1")).rejects.toThrow("Invalid storage prefix");
    });
  });
}
