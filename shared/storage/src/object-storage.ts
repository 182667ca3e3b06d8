/** What `put` is told about the object it stores. */
export type PutOptions = {
  /** The most bytes the object may have; a body that goes past it is refused and nothing is kept. */
  maxBytes: number;
  /** The media type the object is served with. */
  contentType: string;
  /**
   * The `Content-Disposition` the object is served with (`attachment; filename="..."` or
   * `inline`); the S3 adapter stores it on the object, so a signed URL answers with it too.
   */
  contentDisposition?: string;
};

/** A stored object, as `put` reports it. */
export type StoredObject = { key: string; size: number };

/** How long a download URL lives. */
export type SignedUrlOptions = { expiresInSeconds: number };

/**
 * Where uploaded files live: local disk (embedded) or S3-compatible object storage (distributed).
 * Keys are `/`-separated segments of `[A-Za-z0-9_-]`, chosen by the caller (`<userId>/<id>`), so a
 * user's or a chat's objects can be deleted by prefix. A `put` that fails or is cut off half way
 * leaves no object behind.
 *
 * @example
 * const stored = await storage.put(`${userId}/${id}`, request.body, { maxBytes: 10_000_000, contentType: "image/png" });
 * const url = await storage.signedUrl(stored.key, { expiresInSeconds: 300 });
 */
export interface ObjectStorage {
  /** Streams `body` into the object `key`, never holding it whole in memory. */
  put(key: string, body: ReadableStream<Uint8Array>, options: PutOptions): Promise<StoredObject>;
  /** The object's bytes as a stream, or undefined when there is no such object. */
  get(key: string): Promise<ReadableStream<Uint8Array> | undefined>;
  /** Deletes the object; deleting a missing one is not an error. */
  delete(key: string): Promise<void>;
  /** Deletes every object whose key starts with `prefix` (a whole segment, e.g. `user-1/`); returns how many. */
  deleteByPrefix(prefix: string): Promise<number>;
  /** A URL that downloads the object without other credentials until it expires. */
  signedUrl(key: string, options: SignedUrlOptions): Promise<string>;
}

const keyPattern = /^[A-Za-z0-9_-]{1,128}(\/[A-Za-z0-9_-]{1,128}){0,7}$/;
const prefixPattern = /^([A-Za-z0-9_-]{1,128}\/){1,7}$/;

/** Refuses a key that is not `/`-separated safe segments: no `..`, no absolute path, no dots. */
export function assertValidKey(key: string): void {
  if (!keyPattern.test(key)) throw new TypeError(`Invalid storage key: ${JSON.stringify(key)}`);
}

/** Refuses a prefix that is not whole segments ending with `/`, so `user-1/` never matches `user-10/`. */
export function assertValidPrefix(prefix: string): void {
  if (!prefixPattern.test(prefix)) throw new TypeError(`Invalid storage prefix: ${JSON.stringify(prefix)}`);
}
