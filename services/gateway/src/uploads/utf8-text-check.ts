import { AppError } from "@chat/contracts";

/**
 * A pass-through stream that errors with 415 UNSUPPORTED_MEDIA_TYPE at the first byte that is not
 * UTF-8 or is NUL: a "text" file must be text all the way through, not only in its first bytes.
 */
export class Utf8TextCheck extends TransformStream<Uint8Array, Uint8Array> {
  constructor() {
    const decoder = new TextDecoder("utf-8", { fatal: true });
    const refuse = (controller: TransformStreamDefaultController<Uint8Array>) =>
      controller.error(
        new AppError("UNSUPPORTED_MEDIA_TYPE", "A text file must be UTF-8 without NUL bytes", {
          retryable: false,
        }),
      );
    super({
      transform(chunk, controller) {
        try {
          decoder.decode(chunk, { stream: true });
        } catch {
          return refuse(controller);
        }
        if (chunk.includes(0)) return refuse(controller);
        controller.enqueue(chunk);
      },
      flush(controller) {
        try {
          decoder.decode();
        } catch {
          refuse(controller);
        }
      },
    });
  }
}
