import { beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StoreClient } from "@chat/bus";
import type { AttachmentKind, ContextMessage, StoredAttachment } from "@chat/contracts";
import { attachmentTextKey, LocalDiskStorage } from "@chat/storage";
import pino from "pino";
import sharp from "sharp";
import { RecordingBus } from "../../../../test/support/recording-bus.ts";
import { textPdf } from "./__fixtures__/text-pdf.ts";
import { AttachmentContextResolver } from "./attachment-context.ts";

const pngBytes = Uint8Array.from(
  Buffer.from(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
    "base64",
  ),
);

describe("AttachmentContextResolver", () => {
  let storage: LocalDiskStorage;
  let rows: Map<string, StoredAttachment>;
  let resolver: AttachmentContextResolver;
  let lookups: string[];

  async function stored(
    userId: string,
    id: string,
    kind: AttachmentKind,
    mediaType: string,
    bytes: Uint8Array,
  ) {
    const storageKey = `${userId}/${id}`;
    await storage.put(storageKey, new Blob([new Uint8Array(bytes)]).stream(), {
      maxBytes: bytes.byteLength,
      contentType: mediaType,
    });
    const row: StoredAttachment = {
      id,
      userId,
      storageKey,
      name: `${id}.${kind === "text" ? "md" : kind === "image" ? "png" : "pdf"}`,
      kind,
      mediaType,
      size: bytes.byteLength,
      chatId: "chat-1",
      createdAt: "2026-12-06T00:00:00.000Z",
    };
    rows.set(id, row);
    return { id: row.id, name: row.name, mediaType, size: row.size };
  }

  beforeEach(async () => {
    storage = await LocalDiskStorage.open({ directory: mkdtempSync(join(tmpdir(), "attachment-context-")) });
    rows = new Map();
    lookups = [];
    const bus = new RecordingBus({
      services: {
        store: (message) => {
          if (message.type !== "store.find_attachment") throw new Error(`unexpected ${message.type}`);
          lookups.push(String(message.attachmentId));
          const row = rows.get(String(message.attachmentId));
          // Owner-scoped, as the store is.
          return row && row.userId === message.userId ? row : null;
        },
      },
    });
    let ids = 0;
    resolver = new AttachmentContextResolver({
      store: new StoreClient(bus, { timeoutMs: 1_000, newId: () => `id-${++ids}`, now: () => new Date() }),
      storage,
      limits: { maxImages: 2, maxChars: 1_000, maxPdfPages: 10 },
      logger: pino({ level: "silent" }),
    });
  });

  test("an image becomes base64 bytes; a PDF and a text file become text in their message", async () => {
    const image = await stored("user-1", "photo", "image", "image/png", pngBytes);
    const pdf = await stored("user-1", "report", "pdf", "application/pdf", textPdf(["Revenue grew 12%"]));
    const notes = await stored(
      "user-1",
      "notes",
      "text",
      "text/plain",
      new TextEncoder().encode("# Notes\nbuy milk"),
    );
    const messages: ContextMessage[] = [
      { role: "user", content: "What is in these?", attachments: [image, pdf, notes] },
    ];
    expect(await resolver.resolve("user-1", messages, "00-trace")).toEqual([
      {
        role: "user",
        content:
          "What is in these?\n\n" +
          '<document name="report.pdf" type="application/pdf">\nRevenue grew 12%\n</document>\n\n' +
          '<document name="notes.md" type="text/plain">\n# Notes\nbuy milk\n</document>',
        images: [
          { mediaType: "image/png", data: Buffer.from(pngBytes).toString("base64"), name: "photo.png" },
        ],
      },
    ]);
  });

  test("a PDF is parsed once: later turns read the text cached beside it", async () => {
    const pdf = await stored("user-1", "report", "pdf", "application/pdf", textPdf(["Cached text"]));
    const messages: ContextMessage[] = [{ role: "user", content: "Summarise", attachments: [pdf] }];
    await resolver.resolve("user-1", messages, "00-trace");
    expect(await new Response(await storage.get(attachmentTextKey("user-1/report"))).text()).toBe(
      "Cached text",
    );
    // The PDF itself is gone now: only the cache can answer.
    await storage.delete("user-1/report");
    const [again] = await resolver.resolve("user-1", messages, "00-trace");
    expect(again?.content).toContain("\nCached text\n</document>");
  });

  test("an image larger than models take is scaled once; later turns read the copy cached beside it", async () => {
    const big = await sharp({ create: { width: 3200, height: 1600, channels: 3, background: "#336699" } })
      .jpeg()
      .toBuffer();
    const photo = await stored("user-1", "photo", "image", "image/jpeg", big);
    const messages: ContextMessage[] = [{ role: "user", content: "What is it?", attachments: [photo] }];
    const [first] = await resolver.resolve("user-1", messages, "00-trace");
    const sent = Buffer.from(first?.images?.[0]?.data ?? "", "base64");
    expect(await sharp(sent).metadata()).toMatchObject({ width: 1568, height: 784, format: "jpeg" });
    await storage.delete("user-1/photo");
    const [again] = await resolver.resolve("user-1", messages, "00-trace");
    expect(again?.images?.[0]).toEqual({
      mediaType: "image/jpeg",
      data: sent.toString("base64"),
      name: "photo.png",
    });
  });

  test("another user's attachment reads as deleted; its bytes are never read", async () => {
    const theirs = await stored(
      "user-2",
      "secret",
      "text",
      "text/plain",
      new TextEncoder().encode("their secret"),
    );
    const [message] = await resolver.resolve(
      "user-1",
      [{ role: "user", content: "Show me", attachments: [theirs] }],
      "00-trace",
    );
    expect(message?.content).toBe("Show me\n\n[The file secret.md was attached here; it has been deleted.]");
    expect(message?.content).not.toContain("their secret");
  });

  test("only the newest CONTEXT_MAX_IMAGES images go along; older ones are notes, never read", async () => {
    const one = await stored("user-1", "one", "image", "image/png", pngBytes);
    const two = await stored("user-1", "two", "image", "image/png", pngBytes);
    const three = await stored("user-1", "three", "image", "image/png", pngBytes);
    const inline = { mediaType: "image/png" as const, data: Buffer.from(pngBytes).toString("base64") };
    const resolved = await resolver.resolve(
      "user-1",
      [
        { role: "user", content: "old", attachments: [one] },
        { role: "assistant", content: "ok" },
        { role: "user", content: "new", attachments: [two, three], images: [inline] },
      ],
      "00-trace",
    );
    expect(resolved.map((message) => message.images?.length ?? 0)).toEqual([0, 0, 2]);
    expect(resolved[0]?.content).toBe(
      "old\n\n[The image one.png was attached here; left out, as a request carries only the 2 newest images.]",
    );
    expect(resolved[2]?.content).toContain("[The image three.png was attached here; left out");
  });

  test("audio is a note: no model here listens", async () => {
    const audio = await stored("user-1", "memo", "audio", "audio/mpeg", new Uint8Array([1, 2, 3]));
    const [message] = await resolver.resolve(
      "user-1",
      [{ role: "user", content: "", attachments: [audio] }],
      "t",
    );
    expect(message?.content).toContain("models here do not listen to audio");
    expect(lookups).toEqual(["memo"]);
  });
});
