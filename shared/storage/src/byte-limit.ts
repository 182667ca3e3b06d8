import { AppError } from "@chat/contracts";

/**
 * A pass-through stream that errors with `PAYLOAD_TOO_LARGE` as soon as more than `maxBytes`
 * have gone through it, before the extra bytes reach the writer. `bytesSeen` says how many went
 * through so far.
 *
 * @example
 * const limit = new ByteLimit(1_000_000);
 * await Bun.write(path, new Response(body.pipeThrough(limit)));
 */
export class ByteLimit extends TransformStream<Uint8Array, Uint8Array> {
  bytesSeen = 0;

  constructor(maxBytes: number) {
    super({
      transform: (chunk, controller) => {
        this.bytesSeen += chunk.byteLength;
        if (this.bytesSeen > maxBytes) {
          controller.error(new AppError("PAYLOAD_TOO_LARGE", `The file is larger than ${maxBytes} bytes`));
          return;
        }
        controller.enqueue(chunk);
      },
    });
  }
}
