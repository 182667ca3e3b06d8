/** The gateway's answer to a WebSocket upgrade request: 101, or an HTTP error with its body. */
export type HandshakeAnswer = { status: number; body: string };

/** The headers of a WebSocket upgrade request, with the sample key of RFC 6455. */
export const upgradeHeaders: Record<string, string> = {
  connection: "Upgrade",
  upgrade: "websocket",
  "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
  "sec-websocket-version": "13",
};

/** Tries the upgrade at `url` (http:) with fetch, to see the status and body of a refusal. */
export function attemptUpgrade(url: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { headers: { ...upgradeHeaders, ...headers } });
}

/**
 * Sends a WebSocket upgrade request on a raw TCP connection and reads the status line, which the
 * WebSocket API hides (a refused upgrade is only an `error` event there). The connection is closed
 * as soon as the answer is read; a 101 is never used.
 *
 * @example
 * const { status } = await webSocketHandshake(`${baseUrl}/ws`, { authorization: "Bearer x" }); // 401
 */
export function webSocketHandshake(
  url: string,
  headers: Record<string, string>,
  timeoutMs = 10_000,
): Promise<HandshakeAnswer> {
  const target = new URL(url);
  const lines = [
    `GET ${target.pathname}${target.search} HTTP/1.1`,
    `Host: ${target.host}`,
    "Connection: Upgrade",
    "Upgrade: websocket",
    "Sec-WebSocket-Version: 13",
    `Sec-WebSocket-Key: ${Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64")}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  const request = `${lines.join("\r\n")}\r\n\r\n`;
  return new Promise((resolve, reject) => {
    let received = Buffer.alloc(0);
    let settled = false;
    const timer = setTimeout(
      () => finish(new Error(`no answer to the upgrade within ${timeoutMs} ms`)),
      timeoutMs,
    );
    let connection: { end(): void } | undefined;
    function finish(result: HandshakeAnswer | Error): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      connection?.end();
      if (result instanceof Error) reject(result);
      else resolve(result);
    }
    function parse(final: boolean): void {
      const headerEnd = received.indexOf("\r\n\r\n");
      if (headerEnd < 0) {
        if (final) finish(new Error(`connection closed mid-answer: ${received.toString()}`));
        return;
      }
      const head = received.subarray(0, headerEnd).toString("latin1");
      const status = Number(head.match(/^HTTP\/1\.1 (\d{3})/)?.[1] ?? 0);
      const body = received.subarray(headerEnd + 4);
      const length = Number(head.match(/\r\ncontent-length:\s*(\d+)/i)?.[1] ?? Number.NaN);
      if (status === 101 || final || (Number.isFinite(length) && body.length >= length)) {
        finish({ status, body: body.toString("utf8") });
      }
    }
    Bun.connect({
      hostname: target.hostname,
      port: Number(target.port),
      socket: {
        open(socket) {
          connection = socket;
          socket.write(request);
        },
        data(_socket, data) {
          received = Buffer.concat([received, data]);
          parse(false);
        },
        close() {
          parse(true);
        },
        error(_socket, error) {
          finish(error);
        },
      },
    }).catch((error: unknown) => finish(error instanceof Error ? error : new Error(String(error))));
  });
}
