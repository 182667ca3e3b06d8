import { connect, type Socket } from "node:net";

/** One HTTP/1.1 answer as read off the wire. */
export type WireAnswer = {
  status: number;
  /** Header names in lower case; a repeated header keeps its last value. */
  headers: Map<string, string>;
  body: string;
};

function parseAnswer(bytes: Buffer): { answer: WireAnswer; complete: boolean } | null {
  const headerEnd = bytes.indexOf("\r\n\r\n");
  if (headerEnd < 0) return null;
  const [statusLine = "", ...lines] = bytes.subarray(0, headerEnd).toString("latin1").split("\r\n");
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const rest = bytes.subarray(headerEnd + 4);
  const length = Number(headers.get("content-length") ?? Number.NaN);
  const chunked = headers.get("transfer-encoding")?.toLowerCase().includes("chunked") ?? false;
  const complete = Number.isFinite(length)
    ? rest.length >= length
    : chunked
      ? rest.includes("\r\n0\r\n\r\n") || rest.subarray(0, 5).toString() === "0\r\n\r\n"
      : false;
  const body = Number.isFinite(length) ? rest.subarray(0, length) : rest;
  return {
    answer: { status: Number(statusLine.split(" ")[1] ?? 0), headers, body: body.toString("utf8") },
    complete,
  };
}

/**
 * A raw TCP connection to a server: bytes go out exactly as given, and the test sees what comes
 * back and whether (and when) the server closed the connection. What no HTTP client can send (a
 * bad Host, half a body, a connection that just stays open) is sent with this.
 *
 * @example
 * const connection = await RawConnection.open(port);
 * connection.write("GET /healthz HTTP/1.1\r\nHost: a^b\r\n\r\n");
 * const answer = await connection.answer(); // answer.status 400
 */
export class RawConnection {
  received = Buffer.alloc(0);
  /** When the server closed the connection (or it failed); null while it is open. */
  closedAt: number | null = null;
  readonly openedAt = Date.now();
  private readonly waiters = new Set<() => void>();

  private constructor(private readonly socket: Socket) {
    socket.on("data", (data: Buffer) => {
      this.received = Buffer.concat([this.received, data]);
      this.wake();
    });
    const closed = () => {
      this.closedAt ??= Date.now();
      this.wake();
    };
    socket.on("close", closed);
    socket.on("error", closed);
  }

  /** Connects to `port` on loopback. */
  static open(port: number, timeoutMs = 5_000): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host: "127.0.0.1" });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`no connection within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once("connect", () => {
        clearTimeout(timer);
        resolve(new RawConnection(socket));
      });
      socket.once("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  }

  get closed(): boolean {
    return this.closedAt !== null;
  }

  write(bytes: string | Uint8Array): void {
    if (!this.closed) this.socket.write(bytes);
  }

  /** The first answer, once whole (or once the server closed); null if none came within `timeoutMs`. */
  async answer(timeoutMs = 10_000): Promise<WireAnswer | null> {
    await this.until(() => this.closed || (parseAnswer(this.received)?.complete ?? false), timeoutMs);
    return parseAnswer(this.received)?.answer ?? null;
  }

  /** Waits until the server closes the connection; whether it did within `timeoutMs`. */
  async waitForClose(timeoutMs: number): Promise<boolean> {
    await this.until(() => this.closed, timeoutMs);
    return this.closed;
  }

  destroy(): void {
    this.socket.destroy();
  }

  private until(condition: () => boolean, timeoutMs: number): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (!condition()) return;
        finish();
      };
      const finish = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(finish, timeoutMs);
      this.waiters.add(check);
    });
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

/**
 * Sends `bytes` on a new connection and reads the first answer: null when the server closed
 * without one or gave none within `timeoutMs`. The connection is then dropped.
 */
export async function sendRaw(port: number, bytes: string | Uint8Array, timeoutMs = 10_000) {
  const connection = await RawConnection.open(port);
  try {
    connection.write(bytes);
    return await connection.answer(timeoutMs);
  } finally {
    connection.destroy();
  }
}
