import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import S3rver from "s3rver";
import sharp from "sharp";
import { ChatApiClient } from "../support/chat-api-client.ts";
import { type EmbeddedServer, startEmbeddedServer } from "../support/embedded-server.ts";

/**
 * The embedded server with its files in S3-compatible storage (s3rver on loopback): downloads are
 * presigned S3 URLs, another user's id is 404, and an upload cut off half way leaves no object.
 */
describe("uploads on S3-compatible storage", () => {
  const directory = mkdtempSync(join(tmpdir(), "uploads-s3rver-"));
  const credentials = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };
  let s3: S3rver;
  let bucket: Bun.S3Client;
  let server: EmbeddedServer;
  let alice: ChatApiClient;
  let bob: ChatApiClient;

  beforeAll(async () => {
    s3 = new S3rver({
      address: "127.0.0.1",
      port: 0,
      silent: true,
      directory,
      configureBuckets: [{ name: "uploads", configs: [] }],
    });
    const { port } = await s3.run();
    const endpoint = `http://127.0.0.1:${port}`;
    bucket = new Bun.S3Client({ endpoint, bucket: "uploads", ...credentials });
    server = await startEmbeddedServer({
      S3_BUCKET: "uploads",
      S3_ENDPOINT: endpoint,
      S3_ACCESS_KEY_ID: credentials.accessKeyId,
      S3_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    });
    alice = await ChatApiClient.signUp(server.baseUrl, "Alice");
    bob = await ChatApiClient.signUp(server.baseUrl, "Bob");
  });
  afterAll(async () => {
    await server?.stop();
    await s3?.close();
    rmSync(directory, { recursive: true, force: true });
  });

  async function objectKeys(): Promise<string[]> {
    return ((await bucket.list({})).contents ?? []).map((object) => object.key).sort();
  }

  async function upload(client: ChatApiClient, name: string, text: string) {
    const form = new FormData();
    form.append("file", new Blob([text]), name);
    const response = await fetch(`${client.baseUrl}/api/uploads`, {
      method: "POST",
      headers: { authorization: `Bearer ${client.token}` },
      body: form,
    });
    return { status: response.status, body: await response.json() };
  }

  test("a file goes to the bucket and downloads by a presigned URL, its owner's only", async () => {
    const uploaded = await upload(alice, "notes.md", "# stored in S3");
    expect(uploaded.status).toBe(201);
    const key = `${(await alice.request("GET", "/api/me")).body.user.id}/${uploaded.body.id}`;
    expect(await objectKeys()).toContain(key);

    const found = await alice.request("GET", `/api/attachments/${uploaded.body.id}`);
    expect(found.body.url).toStartWith("http://127.0.0.1:");
    const direct = await fetch(found.body.url);
    expect(direct.status).toBe(200);
    expect(await direct.text()).toBe("# stored in S3");
    expect(direct.headers.get("content-disposition")).toStartWith("attachment;");

    const content = await fetch(`${server.baseUrl}/api/attachments/${uploaded.body.id}/content`, {
      headers: { authorization: `Bearer ${alice.token}` },
      redirect: "manual",
    });
    expect(content.status).toBe(302);
    expect(await (await fetch(content.headers.get("location") ?? "")).text()).toBe("# stored in S3");

    for (const [method, path] of [
      ["GET", `/api/attachments/${uploaded.body.id}`],
      ["GET", `/api/attachments/${uploaded.body.id}/content`],
      ["DELETE", `/api/attachments/${uploaded.body.id}`],
    ] as const) {
      expect((await bob.request(method, path)).status).toBe(404);
    }
    expect((await alice.request("DELETE", `/api/attachments/${uploaded.body.id}`)).status).toBe(204);
    expect(await objectKeys()).not.toContain(key);
  });

  test("an image's content comes from the gateway's own origin (the app's CSP loads no other), a file's by redirect", async () => {
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: "#4f46e5" } })
      .png()
      .toBuffer();
    const form = new FormData();
    form.append("file", new Blob([new Uint8Array(png)], { type: "image/png" }), "dot.png");
    const uploaded = await fetch(`${alice.baseUrl}/api/uploads`, {
      method: "POST",
      headers: { authorization: `Bearer ${alice.token}` },
      body: form,
    });
    expect(uploaded.status).toBe(201);
    const { id } = (await uploaded.json()) as { id: string };

    const content = await fetch(`${server.baseUrl}/api/attachments/${id}/content`, {
      headers: { authorization: `Bearer ${alice.token}` },
      redirect: "manual",
    });
    expect(content.status).toBe(200);
    expect(content.headers.get("content-type")).toBe("image/png");
    const shown = new Uint8Array(await content.arrayBuffer());
    expect((await sharp(shown).metadata()).width).toBe(8);
    expect((await bob.request("GET", `/api/attachments/${id}/content`)).status).toBe(404);
  });

  test("an upload cut off half way leaves no object, and the gateway goes on answering", async () => {
    const before = await objectKeys();
    const port = Number(new URL(server.baseUrl).port);
    const boundary = "----cut-off-boundary";
    const socket = connect(port, "127.0.0.1");
    await new Promise<void>((resolve) => socket.once("connect", resolve));
    socket.write(
      [
        "POST /api/uploads HTTP/1.1",
        `Host: 127.0.0.1:${port}`,
        `Authorization: Bearer ${alice.token}`,
        `Content-Type: multipart/form-data; boundary=${boundary}`,
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
    chunk(
      new TextEncoder().encode(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="long.wav"\r\n\r\n`,
      ),
    );
    const wav = new Uint8Array(256 * 1024).fill(1);
    wav.set(new TextEncoder().encode("RIFF\u0000\u0000\u0000\u0000WAVEfmt "));
    chunk(wav);
    const filler = new Uint8Array(256 * 1024).fill(7);
    // Past one 5 MiB part, so a multipart upload has begun when the cut comes.
    for (let sent = 0; sent < 12 * 1024 * 1024; sent += filler.byteLength) chunk(filler);
    await Bun.sleep(500);
    socket.destroy();
    await Bun.sleep(1_000);
    expect(await objectKeys()).toEqual(before);
    expect((await fetch(`${server.baseUrl}/healthz`)).status).toBe(200);
    expect((await upload(alice, "after.txt", "still works")).status).toBe(201);
  });
});
