import type {
  Bus,
  EventStream,
  PublishOptions,
  RequestOptions,
  Subscription,
  WorkQueueName,
} from "@chat/bus";
import { AppError, type Envelope } from "@chat/contracts";
import type { Static, TSchema } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";

/** One message a unit under test put on the bus, in the order it did. */
export type BusRecord =
  | { kind: "command"; message: Envelope }
  | { kind: "work"; queue: WorkQueueName; message: Envelope }
  | { kind: "event"; routingKey: string; message: Envelope; durable: boolean }
  | { kind: "request"; service: string; message: Envelope };

/** Answers the requests addressed to one service, as its `serve` handler would. */
export type ServiceStub = (message: Envelope & Record<string, unknown>) => unknown;

export type RecordingBusOptions = {
  /** The services that answer `request`, by name; a request to any other rejects. */
  services?: Record<string, ServiceStub>;
  /** Where records go; pass a journal shared with other fakes to see the order across them. */
  records?: { push(record: BusRecord): unknown };
};

/**
 * A bus for in-process unit tests of one service's logic: what it sends, enqueues, publishes and
 * requests is recorded in order, requests are answered by stubs, and nothing is delivered. The
 * consuming side is not there: a unit test calls the handler itself.
 *
 * @example
 * const bus = new RecordingBus({ services: { store: (message) => fakeStore.answer(message) } });
 * await worker.handle(request, { deliveryCount: 1 });
 * expect(bus.records.map((record) => record.message.type)).toEqual(["message_start", ...]);
 */
export class RecordingBus implements Bus {
  readonly records: BusRecord[] = [];
  /** Called before each record is kept; throw from it to make that bus call fail. */
  beforeRecord: ((record: BusRecord) => void) | null = null;

  constructor(private readonly options: RecordingBusOptions = {}) {}

  async sendCommand(command: Envelope): Promise<void> {
    this.record({ kind: "command", message: structuredClone(command) });
  }

  async enqueueWork(queue: WorkQueueName, message: Envelope): Promise<void> {
    this.record({ kind: "work", queue, message: structuredClone(message) });
  }

  async publishEvent(routingKey: string, event: Envelope, options?: PublishOptions): Promise<void> {
    this.record({
      kind: "event",
      routingKey,
      message: structuredClone(event),
      durable: options?.durable === true,
    });
  }

  async request<S extends TSchema>(
    service: string,
    message: Envelope,
    options: RequestOptions<S>,
  ): Promise<Static<S>> {
    const copy = structuredClone(message);
    this.record({ kind: "request", service, message: copy });
    const stub = this.options.services?.[service];
    if (!stub) throw new Error(`RecordingBus: no stub answers ${service}`);
    // A JSON round trip, as on a real bus: the reply is the service's copy, not its object, and it
    // is checked against its schema on arrival.
    const answer = await stub(copy);
    const reply = answer === undefined ? null : JSON.parse(JSON.stringify(answer));
    if (!Value.Check(options.replySchema, reply)) {
      throw new AppError("UNAVAILABLE", `RecordingBus: the reply of ${service} fails its schema`);
    }
    return reply;
  }

  async requestCommand(_command: Envelope, _options: RequestOptions<TSchema>): Promise<never> {
    throw new Error("RecordingBus: requestCommand is not recorded");
  }

  async consumeCommands(): Promise<Subscription> {
    throw new Error("RecordingBus: call the handler directly");
  }

  async consumeWork(): Promise<Subscription> {
    throw new Error("RecordingBus: call the handler directly");
  }

  async consumeEvents(): Promise<Subscription> {
    throw new Error("RecordingBus: call the handler directly");
  }

  async openEventStream(): Promise<EventStream> {
    throw new Error("RecordingBus: no event stream");
  }

  async serve(): Promise<Subscription> {
    throw new Error("RecordingBus: pass a stub in `services`");
  }

  async watchDeadLetters(): Promise<Subscription> {
    throw new Error("RecordingBus: call the handler directly");
  }

  async isReady(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {}

  /** The records of one kind, in order. */
  recordsOf<K extends BusRecord["kind"]>(kind: K): Extract<BusRecord, { kind: K }>[] {
    return this.records.filter((record): record is Extract<BusRecord, { kind: K }> => record.kind === kind);
  }

  private record(record: BusRecord): void {
    this.beforeRecord?.(record);
    this.records.push(record);
    this.options.records?.push(record);
  }
}
