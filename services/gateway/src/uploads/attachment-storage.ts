import { createHmac } from "node:crypto";
import { DownloadUrlSigner, type ObjectStorage, openObjectStorage, type StorageConfig } from "@chat/storage";

/** Where the gateway keeps attachments' bytes, and the signer of its own download URLs. */
export type AttachmentStorage = { storage: ObjectStorage; signer: DownloadUrlSigner };

/**
 * The signer of local-disk download URLs, keyed from the JWT secret (every gateway has the same)
 * under a label of its own, so a download signature can never pass for a token's or the reverse.
 */
export function downloadUrlSignerFor(jwtSecret: string): DownloadUrlSigner {
  return new DownloadUrlSigner(
    createHmac("sha256", jwtSecret).update("attachment download URLs").digest("base64url"),
  );
}

/** The gateway path of a signed download of the object `<owner>/<attachmentId>`. */
export function attachmentDownloadPath(key: string): string {
  const [owner = "", attachmentId = ""] = key.split("/");
  return `/api/attachments/${attachmentId}/download?owner=${encodeURIComponent(owner)}`;
}

/**
 * The storage of the settings (S3 when S3_BUCKET is set, else DATA_DIR/uploads) with its signer.
 *
 * @example
 * const attachmentStorage = await openAttachmentStorage(settings);
 */
export async function openAttachmentStorage(
  settings: StorageConfig & { DATA_DIR: string; JWT_SECRET: string },
): Promise<AttachmentStorage> {
  const signer = downloadUrlSignerFor(settings.JWT_SECRET);
  const storage = await openObjectStorage(settings, { signer, pathForKey: attachmentDownloadPath });
  return { storage, signer };
}
