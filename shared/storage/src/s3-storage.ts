import { ByteLimit } from "./byte-limit.ts";
import {
  assertValidKey,
  assertValidPrefix,
  type ObjectStorage,
  type PutOptions,
  type SignedUrlOptions,
  type StoredObject,
} from "./object-storage.ts";

export type S3StorageOptions = {
  endpoint?: string;
  region?: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Path-style URLs (`endpoint/bucket/key`) for servers without virtual hosts (MinIO, s3rver). */
  pathStyle?: boolean;
  /** Size of a multipart upload's parts; S3's minimum is 5 MiB. */
  partSize?: number;
};

const defaultPartSize = 5 * 1024 * 1024;

/**
 * The distributed `ObjectStorage`: any S3-compatible server through Bun's built-in `S3Client`.
 * A body is streamed as a multipart upload; when it fails or goes past its limit the upload is
 * never completed and the key is deleted again, so no object is left. Parts of an upload whose
 * process died stay invisible until the bucket's `AbortIncompleteMultipartUpload` rule drops them.
 *
 * @example
 * const storage = new S3Storage({ endpoint, bucket: "uploads", accessKeyId, secretAccessKey });
 */
export class S3Storage implements ObjectStorage {
  private readonly client: Bun.S3Client;
  private readonly partSize: number;

  constructor(options: S3StorageOptions) {
    this.client = new Bun.S3Client({
      endpoint: options.endpoint,
      region: options.region,
      bucket: options.bucket,
      accessKeyId: options.accessKeyId,
      secretAccessKey: options.secretAccessKey,
      virtualHostedStyle: options.pathStyle === false,
    });
    this.partSize = options.partSize ?? defaultPartSize;
  }

  async put(key: string, body: ReadableStream<Uint8Array>, options: PutOptions): Promise<StoredObject> {
    assertValidKey(key);
    const limit = new ByteLimit(options.maxBytes);
    try {
      await this.client.write(key, new Response(body.pipeThrough(limit)), {
        type: options.contentType,
        contentDisposition: options.contentDisposition,
        partSize: this.partSize,
      });
      return { key, size: limit.bytesSeen };
    } catch (error) {
      await this.client.delete(key).catch(() => undefined);
      throw error;
    }
  }

  async get(key: string): Promise<ReadableStream<Uint8Array> | undefined> {
    assertValidKey(key);
    const file = this.client.file(key);
    if (!(await file.exists())) return undefined;
    return file.stream();
  }

  async delete(key: string): Promise<void> {
    assertValidKey(key);
    await this.client.delete(key);
  }

  async deleteByPrefix(prefix: string): Promise<number> {
    assertValidPrefix(prefix);
    let deleted = 0;
    let continuationToken: string | undefined;
    do {
      const page = await this.client.list({ prefix, continuationToken });
      for (const object of page.contents ?? []) {
        await this.client.delete(object.key);
        deleted += 1;
      }
      continuationToken = page.isTruncated ? page.nextContinuationToken : undefined;
    } while (continuationToken);
    return deleted;
  }

  async signedUrl(key: string, options: SignedUrlOptions): Promise<string> {
    assertValidKey(key);
    return this.client.presign(key, { method: "GET", expiresIn: options.expiresInSeconds });
  }
}
