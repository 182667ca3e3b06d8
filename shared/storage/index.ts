export {
  attachmentModelImageKey,
  attachmentObjectKeys,
  attachmentTextKey,
} from "./src/attachment-object-keys.ts";
export { ByteLimit } from "./src/byte-limit.ts";
export { type DownloadSignature, DownloadUrlSigner } from "./src/download-url-signer.ts";
export { LocalDiskStorage, type LocalDiskStorageOptions } from "./src/local-disk-storage.ts";
export {
  assertValidKey,
  type ObjectStorage,
  type PutOptions,
  type SignedUrlOptions,
  type StoredObject,
} from "./src/object-storage.ts";
export { S3Storage, type S3StorageOptions } from "./src/s3-storage.ts";
export { openObjectStorage, type StorageConfig, StorageConfigFields } from "./src/storage-config.ts";
