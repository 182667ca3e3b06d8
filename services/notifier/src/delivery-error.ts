import { AppError } from "@chat/contracts";

/**
 * A failed send, as PROVIDER_ERROR: the mail server, SMS API or webhook receiver is an upstream
 * like a model provider, and a code of its own would enter the public error enum for a failure
 * no client ever sees. Retryable when the failure may pass (a 5xx, 408, 429, a timeout, a refused or
 * cut connection, SMTP's 4xx); not when the other side refused the notification itself (other
 * 4xx, SMTP's 5xx), where a retry would only be refused again.
 */
export class DeliveryError extends AppError {
  constructor(message: string, options: { retryable: boolean; cause?: unknown }) {
    super("PROVIDER_ERROR", message, options);
  }
}

/** Whether an HTTP answer with this status may succeed when sent again. */
export function isRetryableHttpStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * A `fetch` failure (no HTTP answer at all) as a DeliveryError: a timeout, a refused or cut
 * connection, a DNS failure. All pass, so all are retryable.
 */
export function deliveryErrorFromFetch(error: unknown, target: string): DeliveryError {
  const reason = error instanceof Error ? error.message : String(error);
  return new DeliveryError(`No answer from ${target}: ${reason}`, { retryable: true, cause: error });
}
