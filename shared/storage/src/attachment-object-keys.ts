/**
 * The object that caches an attachment's text as models read it (a PDF's pages, a text file's
 * lines), written by the orchestrator the first time a model needs it.
 *
 * @example
 * attachmentTextKey("user-1/att-1"); // "user-1/att-1-text"
 */
export function attachmentTextKey(storageKey: string): string {
  return `${storageKey}-text`;
}

/**
 * The object that caches an image scaled down for the models (when the upload is larger than
 * they take), written by the orchestrator the first time a model needs it.
 */
export function attachmentModelImageKey(storageKey: string): string {
  return `${storageKey}-model-image`;
}

/** Every object of an attachment: its bytes and what was derived from them. Deleting it deletes these. */
export function attachmentObjectKeys(storageKey: string): string[] {
  return [storageKey, attachmentTextKey(storageKey), attachmentModelImageKey(storageKey)];
}
