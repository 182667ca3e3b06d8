import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { connect } from "node:net";
import { basename, join } from "node:path";
import sharp from "sharp";
import { ChatApiClient } from "../support/chat-api-client.ts";
import { type EmbeddedServer, startEmbeddedServer } from "../support/embedded-server.ts";
import { WebSocketReader } from "../support/websocket-reader.ts";

/**
 * Uploads against the real embedded server (local disk storage): the allow-list from the bytes,
 * metadata stripped from images, names sanitised, limits and the quota, signed download URLs,
 * owner-only access, and hostile files: a PNG that is HTML, an SVG with script, a zip, text with
 * NUL, a path in the name, an upload cut off half way.
 */

const megabyte = 1024 * 1024;

type Upload = { status: number; body: any };

async function upload(
  client: ChatApiClient,
  name: string,
  bytes: Uint8Array | string,
  claimedType = "application/octet-stream",
): Promise<Upload> {
  const form = new FormData();
  form.append(
    "file",
    new Blob([typeof bytes === "string" ? bytes : new Uint8Array(bytes)], { type: claimedType }),
    name,
  );
  const response = await fetch(`${client.baseUrl}/api/uploads`, {
    method: "POST",
    headers: { authorization: `Bearer ${client.token}` },
    body: form,
  });
  return { status: response.status, body: await response.json() };
}

/** A PNG with a text chunk and EXIF, as a camera or an editor would leave it. */
async function pngWithMetadata(): Promise<Buffer> {
  return sharp({ create: { width: 8, height: 8, channels: 3, background: "#336699" } })
    .withMetadata({ exif: { IFD0: { Artist: "Secret Person", Copyright: "GPS 48.85N 2.35E" } } })
    .png()
    .toBuffer();
}

async function jpegWithExif(): Promise<Buffer> {
  return sharp({ create: { width: 8, height: 8, channels: 3, background: "#993366" } })
    .withMetadata({ exif: { IFD0: { Artist: "Secret Person" } } })
    .jpeg()
    .toBuffer();
}

/** A WAV header and filler: an allowed type of any size. */
function wav(size: number): Uint8Array {
  const bytes = new Uint8Array(size).fill(1);
  bytes.set(new TextEncoder().encode("RIFF\u0000\u0000\u0000\u0000WAVEfmt "));
  return bytes;
}

/** Every file under the server's uploads directory: objects and partial writes. */
function filesOnDisk(server: EmbeddedServer): string[] {
  const directory = join(server.dataDirectory, "uploads");
  return readdirSync(directory, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

describe("uploads on the embedded server", () => {
  let server: EmbeddedServer;
  let alice: ChatApiClient;
  let bob: ChatApiClient;

  beforeAll(async () => {
    server = await startEmbeddedServer({
      UPLOAD_TEXT_MAX_BYTES: String(64 * 1024),
      UPLOAD_IMAGE_MAX_BYTES: String(2 * megabyte),
      UPLOAD_MAX_BYTES: String(4 * megabyte),
      UPLOAD_QUOTA_BYTES: String(6 * megabyte),
      UPLOAD_TIMEOUT_MS: "2000",
    });
    alice = await ChatApiClient.signUp(server.baseUrl, "Alice");
    bob = await ChatApiClient.signUp(server.baseUrl, "Bob");
  });
  afterAll(async () => {
    await server?.stop();
  });

  test("a PNG is stored re-encoded without its metadata and served inline by a signed URL", async () => {
    const original = await pngWithMetadata();
    expect((await sharp(original).metadata()).exif).toBeDefined();
    const uploaded = await upload(alice, "photo.png", original, "image/png");
    expect(uploaded.status).toBe(201);
    expect(uploaded.body).toMatchObject({
      name: "photo.png",
      kind: "image",
      mediaType: "image/png",
      chatId: null,
    });

    const found = await alice.request("GET", `/api/attachments/${uploaded.body.id}`);
    expect(found.status).toBe(200);
    expect(found.body.size).toBe(uploaded.body.size);
    // The signed URL works without credentials.
    const download = await fetch(`${server.baseUrl}${found.body.url}`);
    expect(download.status).toBe(200);
    expect(download.headers.get("content-type")).toBe("image/png");
    expect(download.headers.get("x-content-type-options")).toBe("nosniff");
    expect(download.headers.get("content-disposition")).toStartWith("inline;");
    const stored = Buffer.from(await download.arrayBuffer());
    expect(stored.includes(Buffer.from("Secret Person"))).toBe(false);
    const metadata = await sharp(stored).metadata();
    expect(metadata.exif).toBeUndefined();
    expect(metadata.width).toBe(8);
  });

  test("a JPEG loses its EXIF", async () => {
    const uploaded = await upload(alice, "camera.jpg", await jpegWithExif());
    expect(uploaded.status).toBe(201);
    const content = await fetch(`${server.baseUrl}/api/attachments/${uploaded.body.id}/content`, {
      headers: { authorization: `Bearer ${alice.token}` },
    });
    expect(content.status).toBe(200);
    const stored = Buffer.from(await content.arrayBuffer());
    expect((await sharp(stored).metadata()).exif).toBeUndefined();
    expect(stored.includes(Buffer.from("Secret Person"))).toBe(false);
  });

  test("a code file is text/plain and downloads as an attachment", async () => {
    const uploaded = await upload(alice, "main.ts", "export const answer = 42; // ünïcödé\n", "text/html");
    expect(uploaded.status).toBe(201);
    expect(uploaded.body).toMatchObject({ kind: "text", mediaType: "text/plain; charset=utf-8" });
    const content = await fetch(`${server.baseUrl}/api/attachments/${uploaded.body.id}/content`, {
      headers: { authorization: `Bearer ${alice.token}` },
    });
    expect(content.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(content.headers.get("content-disposition")).toStartWith("attachment;");
    expect(content.headers.get("content-security-policy")).toContain("sandbox");
    expect(await content.text()).toContain("ünïcödé");
  });

  test("a path in the name is dropped, and control characters with it", async () => {
    const uploaded = await upload(alice, "../../etc/\u202Egnp.txt", "hello");
    expect(uploaded.status).toBe(201);
    expect(uploaded.body.name).toBe("gnp.txt");
    const windows = await upload(alice, "C:\\Users\\me\\notes.md", "# notes");
    expect(windows.body.name).toBe("notes.md");
  });

  describe("hostile files are refused with 415 and leave nothing", () => {
    const cases: Array<[string, string, Uint8Array | string, string]> = [
      [
        "a PNG that is really HTML",
        "cat.png",
        "<!doctype html><script>alert(document.cookie)</script>",
        "image/png",
      ],
      [
        "an SVG with script",
        "logo.svg",
        '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "image/svg+xml",
      ],
      [
        "an SVG with an XML declaration, named as an image",
        "logo.png",
        '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        "image/png",
      ],
      ["an HTML page named as text", "page.html", "<html><body>hi</body></html>", "text/plain"],
      // A zip bomb is small; the allow-list refuses every archive before a byte of it is unpacked.
      [
        "a zip archive",
        "bomb.zip",
        new Uint8Array([0x50, 0x4b, 0x03, 0x04, ...new Array(64).fill(0)]),
        "application/zip",
      ],
      [
        "a zip named as text",
        "readme.txt",
        new Uint8Array([0x50, 0x4b, 0x03, 0x04, ...new Array(64).fill(0)]),
        "text/plain",
      ],
      ["a text file with NUL bytes", "data.txt", "abc\u0000def", "text/plain"],
      [
        "a text file that is not UTF-8",
        "latin.txt",
        new Uint8Array([0x63, 0x61, 0x66, 0xe9, 0x20, 0x21]),
        "text/plain",
      ],
      [
        "an executable",
        "setup.exe",
        new Uint8Array([0x4d, 0x5a, 0x90, 0x00, ...new Array(64).fill(0)]),
        "application/x-msdownload",
      ],
    ];
    for (const [label, name, bytes, claimedType] of cases) {
      test(label, async () => {
        const before = filesOnDisk(server);
        const uploaded = await upload(bob, name, bytes, claimedType);
        expect(uploaded.status).toBe(415);
        expect(uploaded.body.error.code).toBe("UNSUPPORTED_MEDIA_TYPE");
        expect(filesOnDisk(server)).toEqual(before);
      });
    }

    test("an image whose bytes are not an image", async () => {
      const before = filesOnDisk(server);
      const broken = new Uint8Array(2048);
      broken.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      const uploaded = await upload(bob, "broken.png", broken);
      expect(uploaded.status).toBe(415);
      expect(filesOnDisk(server)).toEqual(before);
    });
  });

  test("a decompression bomb (a small PNG of 36 megapixels) is 413 and leaves nothing", async () => {
    const bomb = await sharp({ create: { width: 6000, height: 6000, channels: 3, background: "#000000" } })
      .png({ compressionLevel: 9 })
      .toBuffer();
    expect(bomb.byteLength).toBeLessThan(2 * megabyte);
    const before = filesOnDisk(server);
    const uploaded = await upload(bob, "bomb.png", bomb);
    expect(uploaded.status).toBe(413);
    expect(uploaded.body.error.code).toBe("PAYLOAD_TOO_LARGE");
    expect(filesOnDisk(server)).toEqual(before);
  });

  test("a file over its type's limit is 413 and leaves nothing", async () => {
    const before = filesOnDisk(server);
    const uploaded = await upload(bob, "big.txt", "a".repeat(64 * 1024 + 1));
    expect(uploaded.status).toBe(413);
    expect(uploaded.body.error.code).toBe("PAYLOAD_TOO_LARGE");
    expect(filesOnDisk(server)).toEqual(before);
  });

  test("another user's attachment id answers 404 on every route", async () => {
    const uploaded = await upload(alice, "private.txt", "alice's secret");
    const id = uploaded.body.id;
    for (const [method, path] of [
      ["GET", `/api/attachments/${id}`],
      ["GET", `/api/attachments/${id}/content`],
      ["DELETE", `/api/attachments/${id}`],
    ] as const) {
      const answer = await bob.request(method, path);
      expect({ method, path, status: answer.status, code: answer.body?.error?.code }).toEqual({
        method,
        path,
        status: 404,
        code: "ATTACHMENT_NOT_FOUND",
      });
    }
    // A signed URL of Alice's, with Bob named as the owner or a signature changed, finds nothing.
    const { body } = await alice.request("GET", `/api/attachments/${id}`);
    const signed = new URL(body.url, server.baseUrl);
    const bobs = await bob.request("GET", "/api/auth/me");
    const forged = new URL(signed);
    forged.searchParams.set("owner", bobs.body.id ?? bobs.body.user?.id ?? "someone");
    expect((await fetch(forged)).status).toBe(404);
    const tampered = new URL(signed);
    tampered.searchParams.set("signature", `${signed.searchParams.get("signature")?.slice(0, -2)}AA`);
    expect((await fetch(tampered)).status).toBe(404);
    // Still Alice's.
    expect((await alice.request("GET", `/api/attachments/${id}`)).status).toBe(200);
  });

  test("deleting an attachment removes its file", async () => {
    const uploaded = await upload(alice, "doomed.txt", "soon gone");
    const before = filesOnDisk(server);
    expect((await alice.request("DELETE", `/api/attachments/${uploaded.body.id}`)).status).toBe(204);
    expect((await alice.request("GET", `/api/attachments/${uploaded.body.id}`)).status).toBe(404);
    expect(filesOnDisk(server).length).toBe(before.length - 1);
  });

  test("an upload cut off half way leaves nothing, and the gateway goes on answering", async () => {
    const before = filesOnDisk(server);
    const boundary = "----cut-off-boundary";
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="long.wav"\r\nContent-Type: audio/wav\r\n\r\n`;
    const socket = connect(Number(new URL(server.baseUrl).port), "127.0.0.1");
    await new Promise<void>((resolve) => socket.once("connect", resolve));
    socket.write(
      [
        "POST /api/uploads HTTP/1.1",
        `Host: 127.0.0.1:${new URL(server.baseUrl).port}`,
        `Authorization: Bearer ${alice.token}`,
        `Content-Type: multipart/form-data; boundary=${boundary}`,
        // A body of no declared length (it could go on to 2 GB), cut off after 3 MB.
        "Transfer-Encoding: chunked",
        "",
        "",
      ].join("\r\n"),
    );
    const chunk = (bytes: Uint8Array) => {
      socket.write(`${bytes.byteLength.toString(16)}\r\n`);
      socket.write(bytes);
      socket.write("\r\n");
    };
    chunk(new TextEncoder().encode(head));
    // An allowed type, so the bytes are being stored when the cut comes.
    chunk(wav(8192));
    const filler = new Uint8Array(256 * 1024).fill(7);
    for (let sent = 0; sent < 3 * megabyte; sent += filler.byteLength) chunk(filler);
    // The bytes are being written: a partial file is on disk.
    const writing = Date.now() + 5_000;
    while (Date.now() < writing && !filesOnDisk(server).some((path) => path.includes("/partial/")))
      await Bun.sleep(20);
    expect(filesOnDisk(server).some((path) => path.includes("/partial/"))).toBe(true);
    socket.destroy();

    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && filesOnDisk(server).length !== before.length) await Bun.sleep(100);
    expect(filesOnDisk(server)).toEqual(before);
    expect((await fetch(`${server.baseUrl}/healthz`)).status).toBe(200);
    expect((await alice.request("GET", "/api/chats")).status).toBe(200);
  });

  test("an upload that trickles past UPLOAD_TIMEOUT_MS is 408 and leaves nothing", async () => {
    const before = filesOnDisk(server);
    const boundary = "----trickle";
    const parts = [
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="slow.txt"\r\n\r\n`,
      ...Array.from({ length: 30 }, () => "a".repeat(1_000)),
      `\r\n--${boundary}--\r\n`,
    ];
    let index = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const part = parts[index++];
        if (part === undefined) return controller.close();
        await Bun.sleep(100);
        controller.enqueue(new TextEncoder().encode(part));
      },
    });
    const response = await fetch(`${server.baseUrl}/api/uploads`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${alice.token}`,
        "content-type": `multipart/form-data; boundary=${boundary}`,
      },
      body,
    });
    expect(response.status).toBe(408);
    expect((await response.json()).error.code).toBe("REQUEST_TIMEOUT");
    await Bun.sleep(200);
    expect(filesOnDisk(server)).toEqual(before);
  });

  test("a declared 2 GB Content-Length is refused before the body is read", async () => {
    const port = Number(new URL(server.baseUrl).port);
    const socket = connect(port, "127.0.0.1");
    await new Promise<void>((resolve) => socket.once("connect", resolve));
    const answer = new Promise<string>((resolve) => socket.once("data", (data) => resolve(data.toString())));
    socket.write(
      [
        "POST /api/uploads HTTP/1.1",
        `Host: 127.0.0.1:${port}`,
        `Authorization: Bearer ${alice.token}`,
        "Content-Type: multipart/form-data; boundary=x",
        `Content-Length: ${2 * 1024 * megabyte}`,
        "",
        "--x\r\n",
      ].join("\r\n"),
    );
    expect(await answer).toStartWith("HTTP/1.1 413");
    socket.destroy();
  });

  test("past the quota an upload is 413 QUOTA_EXCEEDED and leaves nothing", async () => {
    const carol = await ChatApiClient.signUp(server.baseUrl, "Carol");
    expect((await upload(carol, "one.wav", wav(3 * megabyte))).status).toBe(201);
    expect((await upload(carol, "two.wav", wav(2 * megabyte))).status).toBe(201);
    const before = filesOnDisk(server);
    const third = await upload(carol, "three.wav", wav(2 * megabyte));
    expect(third.status).toBe(413);
    expect(third.body.error.code).toBe("QUOTA_EXCEEDED");
    expect(filesOnDisk(server)).toEqual(before);
  });

  describe("attachments on messages", () => {
    async function eventually(check: () => Promise<boolean>): Promise<void> {
      const deadline = Date.now() + 10_000;
      while (!(await check())) {
        if (Date.now() > deadline) throw new Error("the condition never held");
        await Bun.sleep(50);
      }
    }

    test("a message carries its sender's uploads, and they go with the chat", async () => {
      const chat = (await alice.request("POST", "/api/chats", { title: "With files" })).body;
      const notes = await upload(alice, "notes.md", "# notes");
      const photo = await upload(alice, "photo.png", await pngWithMetadata());
      const sent = await alice.request("POST", `/api/chats/${chat.id}/messages`, {
        content: "Look at these",
        attachmentIds: [notes.body.id, photo.body.id],
      });
      expect(sent.status).toBe(202);
      const listed = [notes.body, photo.body].map(({ id, name, mediaType, size }) => ({
        id,
        name,
        mediaType,
        size,
      }));
      expect(sent.body.userMessage.attachments).toEqual(listed);
      await eventually(async () => {
        const found = await alice.request("GET", `/api/attachments/${notes.body.id}`);
        return found.body.chatId === chat.id;
      });
      const read = await alice.request("GET", `/api/chats/${chat.id}`);
      const question = read.body.messages.find((message: { role: string }) => message.role === "user");
      expect(question.attachments).toEqual(listed);

      // Sent once, an attachment stays in its chat.
      const other = (await alice.request("POST", "/api/chats", { title: "Elsewhere" })).body;
      const again = await alice.request("POST", `/api/chats/${other.id}/messages`, {
        content: "Same file",
        attachmentIds: [notes.body.id],
      });
      expect(again.status).toBe(400);
      expect(again.body.error.details[0].path).toBe("/attachmentIds/0");

      // Deleting the chat deletes the files (and the notes' text the model read) and their rows.
      const ofTheseFiles = () =>
        filesOnDisk(server).filter((path) =>
          [notes.body.id, photo.body.id].some((id) => basename(path).startsWith(id)),
        );
      expect(ofTheseFiles().length).toBeGreaterThanOrEqual(2);
      await eventually(async () => (await alice.request("DELETE", `/api/chats/${chat.id}`)).status === 204);
      expect((await alice.request("GET", `/api/attachments/${notes.body.id}`)).status).toBe(404);
      expect((await alice.request("GET", `/api/attachments/${photo.body.id}`)).status).toBe(404);
      expect(ofTheseFiles()).toEqual([]);
    });

    test("the WebSocket chat_message frame carries attachments too, and refuses another user's", async () => {
      const chat = (await alice.request("POST", "/api/chats", { title: "Over a socket" })).body;
      const file = await upload(alice, "socket.txt", "sent over a socket");
      const url = `${server.baseUrl.replace("http", "ws")}/ws`;
      const socket = await WebSocketReader.open(url, {
        authorization: `Bearer ${alice.token}`,
        origin: server.baseUrl,
      });
      try {
        socket.send({
          type: "chat_message",
          chatId: chat.id,
          content: "See file",
          attachmentIds: [file.body.id],
          requestId: "m-1",
        });
        const accepted = await socket.waitFor((frame) => frame.requestId === "m-1");
        expect(accepted.type).toBe("message_accepted");
        expect(accepted.userMessage.attachments).toEqual([
          {
            id: file.body.id,
            name: "socket.txt",
            mediaType: "text/plain; charset=utf-8",
            size: file.body.size,
          },
        ]);
      } finally {
        socket.close();
      }
      const bobs = (await bob.request("POST", "/api/chats", { title: "Bob's socket" })).body;
      const bobSocket = await WebSocketReader.open(url, {
        authorization: `Bearer ${bob.token}`,
        origin: server.baseUrl,
      });
      try {
        bobSocket.send({
          type: "chat_message",
          chatId: bobs.id,
          content: "Steal",
          attachmentIds: [file.body.id],
          requestId: "m-2",
        });
        const refused = await bobSocket.waitFor((frame) => frame.requestId === "m-2");
        expect({ type: refused.type, code: refused.code }).toEqual({
          type: "error",
          code: "ATTACHMENT_NOT_FOUND",
        });
      } finally {
        bobSocket.close();
      }
    });

    test("a message may be its files alone; a blank one without files is VALIDATION_FAILED over HTTP and WebSocket", async () => {
      const chat = (await alice.request("POST", "/api/chats", {})).body;
      const photo = await upload(alice, "only-a-photo.png", await pngWithMetadata());
      const events = await alice.events(`/api/chats/${chat.id}/events`);
      const sent = await alice.request("POST", `/api/chats/${chat.id}/messages`, {
        content: "",
        attachmentIds: [photo.body.id],
      });
      expect(sent.status).toBe(202);
      expect(sent.body.userMessage.content).toBe("");
      const complete = await events.waitFor((event) => event.event === "message_complete");
      expect((complete.data as { fullContent: string }).fullContent).toContain("`only-a-photo.png`: PNG");
      events.close();

      for (const content of ["", "  \n "]) {
        const refused = await alice.request("POST", `/api/chats/${chat.id}/messages`, { content });
        expect(refused.status).toBe(400);
        expect(refused.body.error.code).toBe("VALIDATION_FAILED");
        expect(refused.body.error.details[0].path).toBe("/content");
      }
      const socket = await WebSocketReader.open(`${server.baseUrl.replace("http", "ws")}/ws`, {
        authorization: `Bearer ${alice.token}`,
        origin: server.baseUrl,
      });
      try {
        socket.send({ type: "chat_message", chatId: chat.id, content: " ", requestId: "blank" });
        const refused = await socket.waitFor((frame) => frame.requestId === "blank");
        expect({ type: refused.type, code: refused.code }).toEqual({
          type: "error",
          code: "VALIDATION_FAILED",
        });
      } finally {
        socket.close();
      }
      const read = await alice.request("GET", `/api/chats/${chat.id}`);
      expect(read.body.messages.map((message: { role: string }) => message.role)).toEqual([
        "user",
        "assistant",
      ]);
    });

    test("another user's attachment id in a message is 404, and nothing is sent", async () => {
      const mine = await upload(alice, "mine.txt", "alice only");
      const chat = (await bob.request("POST", "/api/chats", { title: "Bob's" })).body;
      const sent = await bob.request("POST", `/api/chats/${chat.id}/messages`, {
        content: "Steal",
        attachmentIds: [mine.body.id],
      });
      expect(sent.status).toBe(404);
      expect(sent.body.error.code).toBe("ATTACHMENT_NOT_FOUND");
      expect((await bob.request("GET", `/api/chats/${chat.id}`)).body.messages).toEqual([]);
      expect((await alice.request("GET", `/api/attachments/${mine.body.id}`)).body.chatId).toBeNull();
    });

    test("more attachments than a message may carry are refused", async () => {
      const chat = (await alice.request("POST", "/api/chats", { title: "Too many" })).body;
      const ids = Array.from({ length: 9 }, (_, index) => `id${index}`);
      const sent = await alice.request("POST", `/api/chats/${chat.id}/messages`, {
        content: "Many",
        attachmentIds: ids,
      });
      expect(sent.status).toBe(400);
    });
  });
});
