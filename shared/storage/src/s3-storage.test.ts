import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import S3rver from "s3rver";
import { runObjectStorageContract } from "./object-storage.contract.ts";
import { S3Storage } from "./s3-storage.ts";

// A real S3-compatible server on loopback: s3rver speaks the S3 wire protocol (SigV4, presigned
// URLs, multipart uploads) and keeps its objects in a temporary directory.
runObjectStorageContract("S3Storage against s3rver", async () => {
  const directory = await mkdtemp(join(tmpdir(), "s3rver-"));
  const server = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: "uploads", configs: [] }],
  });
  const { port } = await server.run();
  const credentials = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };
  const storage = new S3Storage({
    endpoint: `http://127.0.0.1:${port}`,
    region: "us-east-1",
    bucket: "uploads",
    ...credentials,
  });
  const client = new Bun.S3Client({
    endpoint: `http://127.0.0.1:${port}`,
    bucket: "uploads",
    ...credentials,
  });
  return {
    storage,
    download: (url) => fetch(url),
    async leftovers() {
      const page = await client.list({});
      return (page.contents ?? []).map((object) => object.key).sort();
    },
    async cleanup() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
});
