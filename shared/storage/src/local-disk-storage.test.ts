import { expect, test } from "bun:test";
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DownloadUrlSigner } from "./download-url-signer.ts";
import { LocalDiskStorage } from "./local-disk-storage.ts";
import { runObjectStorageContract } from "./object-storage.contract.ts";

runObjectStorageContract("LocalDiskStorage", async () => {
  const directory = await mkdtemp(join(tmpdir(), "local-disk-storage-"));
  const signer = new DownloadUrlSigner("a test secret of thirty-two characters");
  const storage = await LocalDiskStorage.open({
    directory,
    signer,
    pathForKey: (key) => `/files/${key}`,
  });
  return {
    storage,
    // What the gateway's content route does with its own signed paths.
    async download(url) {
      const parsed = new URL(url, "http://gateway.test");
      const key = parsed.pathname.slice("/files/".length);
      const expires = Number(parsed.searchParams.get("expires"));
      const signature = parsed.searchParams.get("signature") ?? "";
      if (!signer.verify(key, expires, signature)) return new Response("forbidden", { status: 403 });
      const body = await storage.get(key);
      return body ? new Response(body) : new Response("missing", { status: 404 });
    },
    async leftovers() {
      const entries = await readdir(directory, { recursive: true });
      return entries.sort();
    },
    async cleanup() {
      await rm(directory, { recursive: true, force: true });
    },
  };
});

test("open removes the temporary files a crash left behind, never an upload in flight on another replica", async () => {
  const directory = await mkdtemp(join(tmpdir(), "local-disk-storage-"));
  try {
    await mkdir(join(directory, "partial"), { recursive: true });
    await writeFile(join(directory, "partial", "abandoned"), "half an upload");
    const twoHoursAgo = new Date(Date.now() - 2 * 60 * 60 * 1_000);
    await utimes(join(directory, "partial", "abandoned"), twoHoursAgo, twoHoursAgo);
    await writeFile(join(directory, "partial", "in-flight"), "being written");

    await LocalDiskStorage.open({ directory });

    expect(await readdir(join(directory, "partial"))).toEqual(["in-flight"]);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});
