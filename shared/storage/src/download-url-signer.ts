import { createHmac, timingSafeEqual } from "node:crypto";

/** The query of a signed download URL. */
export type DownloadSignature = { expires: number; signature: string };

/**
 * HMAC-SHA256 signatures for download URLs the gateway serves itself (local disk has no URL of
 * its own): the signature covers the key and the expiry, in seconds since the epoch.
 *
 * @example
 * const signer = new DownloadUrlSigner(secret);
 * const { expires, signature } = signer.sign("user-1/file-1", 300);
 * signer.verify("user-1/file-1", expires, signature); // true until it expires
 */
export class DownloadUrlSigner {
  constructor(
    private readonly secret: string,
    private readonly nowSeconds: () => number = () => Math.floor(Date.now() / 1000),
  ) {
    if (secret.length < 32) throw new TypeError("A download URL secret needs 32 or more characters");
  }

  sign(key: string, expiresInSeconds: number): DownloadSignature {
    const expires = this.nowSeconds() + expiresInSeconds;
    return { expires, signature: this.mac(key, expires) };
  }

  /** True when `signature` is this signer's for `key` and `expires` has not passed. */
  verify(key: string, expires: number, signature: string): boolean {
    if (!Number.isSafeInteger(expires) || expires < this.nowSeconds()) return false;
    const expected = Buffer.from(this.mac(key, expires));
    const given = Buffer.from(signature);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  private mac(key: string, expires: number): string {
    return createHmac("sha256", this.secret).update(`${key}\n${expires}`).digest("base64url");
  }
}
