import { mkdtemp, readdir, rm } from "node:fs/promises";
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
