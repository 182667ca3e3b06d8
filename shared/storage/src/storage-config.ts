import { join } from "node:path";
import { requireSetting } from "@chat/runtime";
import { type Static, Type } from "@sinclair/typebox";
import type { DownloadUrlSigner } from "./download-url-signer.ts";
import { LocalDiskStorage } from "./local-disk-storage.ts";
import type { ObjectStorage } from "./object-storage.ts";
import { S3Storage } from "./s3-storage.ts";

/** The settings of the object storage, shared by every service that opens it. */
export const StorageConfigFields = {
  S3_BUCKET: Type.Optional(
    Type.String({
      minLength: 1,
      description:
        "Bucket of uploaded files in S3-compatible storage; unset = local disk under DATA_DIR/uploads (one node only)",
    }),
  ),
  S3_ENDPOINT: Type.Optional(
    Type.String({
      pattern: "^https?://",
      description: "S3-compatible endpoint (MinIO, R2, Ceph, ...); unset = AWS S3 in S3_REGION",
    }),
  ),
  S3_REGION: Type.String({ default: "us-east-1", description: "Region of S3_BUCKET" }),
  S3_ACCESS_KEY_ID: Type.Optional(Type.String({ minLength: 1, description: "Access key of S3_BUCKET" })),
  S3_SECRET_ACCESS_KEY: Type.Optional(Type.String({ minLength: 1, description: "Secret key of S3_BUCKET" })),
  S3_VIRTUAL_HOSTED_STYLE: Type.Boolean({
    default: false,
    description: "Address the bucket as `bucket.endpoint` instead of `endpoint/bucket` (path style)",
  }),
};
const StorageConfig = Type.Object(StorageConfigFields);
export type StorageConfig = Static<typeof StorageConfig>;

/**
 * S3Storage when S3_BUCKET is set (its keys required, failing with the variable's name), else
 * LocalDiskStorage under `DATA_DIR/uploads` (signing URLs with `local`'s signer, for the gateway).
 *
 * @example
 * const storage = await openObjectStorage(config, { signer, pathForKey });
 */
export async function openObjectStorage(
  config: StorageConfig & { DATA_DIR: string },
  local: { signer?: DownloadUrlSigner; pathForKey?: (key: string) => string } = {},
): Promise<ObjectStorage> {
  if (config.S3_BUCKET) {
    const why = "S3_BUCKET is set";
    return new S3Storage({
      bucket: config.S3_BUCKET,
      endpoint: config.S3_ENDPOINT,
      region: config.S3_REGION,
      accessKeyId: requireSetting(config.S3_ACCESS_KEY_ID, "S3_ACCESS_KEY_ID", why),
      secretAccessKey: requireSetting(config.S3_SECRET_ACCESS_KEY, "S3_SECRET_ACCESS_KEY", why),
      pathStyle: !config.S3_VIRTUAL_HOSTED_STYLE,
    });
  }
  return LocalDiskStorage.open({ directory: join(config.DATA_DIR, "uploads"), ...local });
}
