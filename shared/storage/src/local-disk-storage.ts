import { randomUUID } from "node:crypto";
import { mkdir, readdir, rename, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { ByteLimit } from "./byte-limit.ts";
import type { DownloadUrlSigner } from "./download-url-signer.ts";
import {
  assertValidKey,
  assertValidPrefix,
  type ObjectStorage,
  type PutOptions,
  type SignedUrlOptions,
  type StoredObject,
} from "./object-storage.ts";

export type LocalDiskStorageOptions = {
  /** The directory that holds the objects (`DATA_DIR/uploads`); made owner-only if missing. */
  directory: string;
  /** Signs the gateway's own download URLs; without it (and `pathForKey`) `signedUrl` throws. */
  signer?: DownloadUrlSigner;
  /** The gateway path that serves `key` to a signed URL, e.g. `/api/attachments/<id>/download?owner=<userId>`. */
  pathForKey?: (key: string) => string;
  /** Age past which a temporary file is a crash's leftover, not an upload in flight elsewhere; 1 hour. */
  abandonedAfterMs?: number;
};

const hourMs = 60 * 60 * 1_000;

/**
 * The embedded `ObjectStorage`: files under one directory. A `put` writes a temporary file and
 * renames it into place only when the whole body arrived within its limit, so a cut upload leaves
 * nothing. `open` removes the temporary files a crash left behind, those untouched for
 * `abandonedAfterMs`: replicas that share the directory keep their uploads in flight. Signed URLs are gateway
 * paths with an HMAC signature (`?expires=&signature=`).
 *
 * @example
 * const storage = await LocalDiskStorage.open({ directory: join(DATA_DIR, "uploads"), signer, pathForKey });
 */
export class LocalDiskStorage implements ObjectStorage {
  private readonly objects: string;
  private readonly partials: string;

  private constructor(private readonly options: LocalDiskStorageOptions) {
    this.objects = join(options.directory, "objects");
    this.partials = join(options.directory, "partial");
  }

  static async open(options: LocalDiskStorageOptions): Promise<LocalDiskStorage> {
    const storage = new LocalDiskStorage(options);
    await mkdir(storage.partials, { recursive: true, mode: 0o700 });
    await mkdir(storage.objects, { recursive: true, mode: 0o700 });
    await storage.removeAbandonedPartials(Date.now() - (options.abandonedAfterMs ?? hourMs));
    return storage;
  }

  private async removeAbandonedPartials(untouchedSince: number): Promise<void> {
    for (const name of await readdir(this.partials)) {
      const path = join(this.partials, name);
      const modified = await stat(path).then(
        (found) => found.mtimeMs,
        () => Number.POSITIVE_INFINITY,
      );
      if (modified < untouchedSince) await rm(path, { recursive: true, force: true });
    }
  }

  async put(key: string, body: ReadableStream<Uint8Array>, options: PutOptions): Promise<StoredObject> {
    assertValidKey(key);
    const limit = new ByteLimit(options.maxBytes);
    const partial = join(this.partials, randomUUID());
    try {
      // The directories are owner-only (0700), so the file's own mode need not be.
      await Bun.write(partial, new Response(body.pipeThrough(limit)));
      const path = this.pathOf(key);
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      await rename(partial, path);
      return { key, size: limit.bytesSeen };
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
  }

  async get(key: string): Promise<ReadableStream<Uint8Array> | undefined> {
    assertValidKey(key);
    const file = Bun.file(this.pathOf(key));
    if (!(await file.exists())) return undefined;
    return file.stream();
  }

  async delete(key: string): Promise<void> {
    assertValidKey(key);
    await rm(this.pathOf(key), { force: true });
  }

  async deleteByPrefix(prefix: string): Promise<number> {
    assertValidPrefix(prefix);
    const directory = join(this.objects, prefix);
    const found = await countFiles(directory);
    await rm(directory, { recursive: true, force: true });
    return found;
  }

  async signedUrl(key: string, options: SignedUrlOptions): Promise<string> {
    assertValidKey(key);
    const { signer, pathForKey } = this.options;
    if (!signer || !pathForKey)
      throw new TypeError("This LocalDiskStorage signs no URLs: give it a signer and pathForKey");
    const { expires, signature } = signer.sign(key, options.expiresInSeconds);
    const query = new URLSearchParams({ expires: String(expires), signature });
    const path = pathForKey(key);
    return `${path}${path.includes("?") ? "&" : "?"}${query}`;
  }

  private pathOf(key: string): string {
    return join(this.objects, key);
  }
}

async function countFiles(directory: string): Promise<number> {
  try {
    const entries = await readdir(directory, { recursive: true });
    let files = 0;
    for (const entry of entries) if ((await stat(join(directory, entry))).isFile()) files += 1;
    return files;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw error;
  }
}
