import type { EncryptedField, FieldCipher } from "./field-cipher.ts";

/** One encrypted value of a record, in its stored form. */
export type SealedValue = { field: EncryptedField; stored: string };

/** A record holding encrypted values: its id (within its kind) and those values that are set. */
export type SealedRecord = { id: string; values: SealedValue[] };

/**
 * The port through which encryption at rest reaches every stored value it covers, whatever the
 * kind of record: the re-encryption sweep pages through them and rewrites values, the start-up
 * check reads which keys the store has ever encrypted with. Adapters: `SqliteEncryptedRecords` and
 * `MongoEncryptedRecords`; a new encrypted field is one more entry in their tables of fields.
 */
export interface EncryptedRecords {
  /** The cipher the store seals and opens its values with. */
  readonly cipher: FieldCipher;
  /** The kinds of records holding encrypted values (tables, collections), in sweep order. */
  readonly kinds: readonly string[];
  /** Up to `limit` records of `kind` whose id comes after `afterId` (all from ""), in id order. */
  page(kind: string, afterId: string, limit: number): Promise<SealedRecord[]>;
  /**
   * Stores `text` sealed with the current key in place of the value of `field`, with its blind
   * index when the field has one, only while the stored value still is `from` (a write since then
   * wins); true when it was rewritten.
   */
  rewrite(kind: string, id: string, field: EncryptedField, from: string, text: string): Promise<boolean>;
  /** Every key id the store has encrypted with since it was last checked. */
  recordedKeyIds(): Promise<string[]>;
  /** Records that values are encrypted with `keyId` from now on. */
  recordKeyId(keyId: string, at: string): Promise<void>;
  /** Forgets a key id no stored value uses any more. */
  forgetKeyId(keyId: string): Promise<void>;
}
