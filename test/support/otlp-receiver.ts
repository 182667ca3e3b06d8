import { gunzipSync } from "node:zlib";

/** One span as an OTLP/HTTP receiver got it, flattened: ids in hex, attributes as plain values. */
export type ReceivedSpan = {
  service: string;
  traceId: string;
  spanId: string;
  /** Empty for a root span. */
  parentSpanId: string;
  name: string;
  /** OTLP's SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  attributes: Record<string, unknown>;
  /** 2 = error. */
  statusCode: number;
  /** Start and end, in milliseconds since the epoch (fractional). */
  startMs: number;
  endMs: number;
};

type OtlpValue = {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: OtlpValue[] };
};
type OtlpAttribute = { key: string; value: OtlpValue };
type OtlpTraces = {
  resourceSpans?: {
    resource?: { attributes?: OtlpAttribute[] };
    scopeSpans?: {
      spans?: {
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        kind: number;
        startTimeUnixNano: string;
        endTimeUnixNano: string;
        attributes?: OtlpAttribute[];
        status?: { code?: number };
      }[];
    }[];
  }[];
};

function plainValue(value: OtlpValue): unknown {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.arrayValue) return (value.arrayValue.values ?? []).map(plainValue);
  return undefined;
}

function attributesOf(attributes: OtlpAttribute[] = []): Record<string, unknown> {
  return Object.fromEntries(attributes.map((attribute) => [attribute.key, plainValue(attribute.value)]));
}

/** The span of `service` named `name` (and passing `where`), if it arrived. */
export function spanNamed(
  spans: ReceivedSpan[],
  service: string,
  name: string,
  where: (span: ReceivedSpan) => boolean = () => true,
): ReceivedSpan | undefined {
  return spans.find((span) => span.service === service && span.name === name && where(span));
}

/** The spans whose parent is neither among `spans` nor one of `outside` (the caller's own span ids). */
export function unresolvedParents(spans: ReceivedSpan[], outside: string[] = []): ReceivedSpan[] {
  const known = new Set([...spans.map((span) => span.spanId), ...outside]);
  return spans.filter((span) => span.parentSpanId !== "" && !known.has(span.parentSpanId));
}

/**
 * An OTLP/HTTP trace receiver on a loopback port of its own, as an OpenTelemetry collector would
 * be: it accepts the exporters' JSON on `POST /v1/traces` (gzip or not) and keeps every span.
 *
 * @example
 * const receiver = OtlpReceiver.start();
 * const cluster = new ClusterDeployment("traces", 2, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint });
 */
export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  /** Export requests that were not OTLP JSON (their content type), which a test can assert absent. */
  readonly refused: string[] = [];
  private constructor(private readonly server: ReturnType<typeof Bun.serve>) {}

  static start(): OtlpReceiver {
    let receiver: OtlpReceiver | undefined;
    const server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: async (request) => {
        const url = new URL(request.url);
        if (request.method !== "POST" || url.pathname !== "/v1/traces")
          return new Response(null, { status: 404 });
        const contentType = request.headers.get("content-type") ?? "";
        let bytes = new Uint8Array(await request.arrayBuffer());
        if (request.headers.get("content-encoding") === "gzip") bytes = gunzipSync(bytes);
        if (!contentType.startsWith("application/json")) {
          receiver?.refused.push(contentType);
          return new Response(null, { status: 415 });
        }
        receiver?.accept(JSON.parse(new TextDecoder().decode(bytes)) as OtlpTraces);
        return Response.json({});
      },
    });
    receiver = new OtlpReceiver(server);
    return receiver;
  }

  /** The base URL to give as OTEL_EXPORTER_OTLP_ENDPOINT. */
  get endpoint(): string {
    return `http://127.0.0.1:${this.server.port}`;
  }

  /** Waits until `done(spans)` holds, polling; throws with what arrived after `timeoutMs`. */
  async waitFor(done: (spans: ReceivedSpan[]) => boolean, timeoutMs = 15_000): Promise<ReceivedSpan[]> {
    const deadline = Date.now() + timeoutMs;
    while (!done(this.spans)) {
      if (Date.now() > deadline) {
        const names = this.spans.map((span) => `${span.service}: ${span.name}`).join("\n");
        throw new Error(`The spans awaited did not arrive within ${timeoutMs} ms; got:\n${names}`);
      }
      await Bun.sleep(50);
    }
    return this.spans;
  }

  stop(): void {
    this.server.stop(true);
  }

  private accept(traces: OtlpTraces): void {
    for (const resourceSpans of traces.resourceSpans ?? []) {
      const service = String(attributesOf(resourceSpans.resource?.attributes)["service.name"] ?? "");
      for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
        for (const span of scopeSpans.spans ?? []) {
          this.spans.push({
            service,
            traceId: span.traceId,
            spanId: span.spanId,
            parentSpanId: span.parentSpanId ?? "",
            name: span.name,
            kind: span.kind,
            attributes: attributesOf(span.attributes),
            statusCode: span.status?.code ?? 0,
            startMs: Number(BigInt(span.startTimeUnixNano) / 1_000n) / 1_000,
            endMs: Number(BigInt(span.endTimeUnixNano) / 1_000n) / 1_000,
          });
        }
      }
    }
  }
}
