import type { Attachment } from "@chat/contracts";
import { ApiError, apiClient } from "../api-client.ts";

export type UploadOptions = {
  /** Called as the bytes go out, with the share sent so far (0–1). */
  onProgress?(sent: number): void;
  /** Aborting it stops the upload; the promise then rejects with an `AbortError`. */
  signal?: AbortSignal;
};

function send(file: File, options: UploadOptions): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    const abort = () => request.abort();
    request.open("POST", "/api/uploads");
    request.withCredentials = true;
    request.setRequestHeader("accept", "application/json");
    request.responseType = "json";
    request.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable && event.total > 0) options.onProgress?.(event.loaded / event.total);
    });
    request.addEventListener("load", () => {
      options.signal?.removeEventListener("abort", abort);
      resolve({ status: request.status, body: request.response });
    });
    request.addEventListener("error", () => {
      options.signal?.removeEventListener("abort", abort);
      reject(new ApiError("NETWORK_FAILED", "The upload did not reach the server.", 0));
    });
    request.addEventListener("abort", () =>
      reject(new DOMException("The upload was cancelled", "AbortError")),
    );
    if (options.signal?.aborted) return reject(new DOMException("The upload was cancelled", "AbortError"));
    options.signal?.addEventListener("abort", abort, { once: true });
    const form = new FormData();
    form.append("file", file, file.name);
    request.send(form);
  });
}

/**
 * Uploads one file to `POST /api/uploads` with XMLHttpRequest, the one browser API that reports
 * upload progress. A 401 renews the session once and sends again, as `ApiClient` does; any other
 * refusal rejects with the server's typed error (413, 415, ...).
 *
 * @example
 * const attachment = await uploadFile(file, { onProgress: (sent) => bar.value = sent, signal });
 */
export async function uploadFile(file: File, options: UploadOptions = {}): Promise<Attachment> {
  let answer = await send(file, options);
  if (answer.status === 401 && (await apiClient.refreshSession())) answer = await send(file, options);
  if (answer.status === 201) return answer.body as Attachment;
  const error = (answer.body as { error?: { code?: string; message?: string } } | null)?.error;
  throw new ApiError(
    (error?.code as ApiError["code"]) ?? "UNAVAILABLE",
    error?.message ?? `The upload was refused (${answer.status})`,
    answer.status,
  );
}
