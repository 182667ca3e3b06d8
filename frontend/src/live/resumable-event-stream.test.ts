import { beforeEach, describe, expect, test } from "bun:test";
import { ResumableEventStream, type StreamEnvironment, type StreamStatus } from "./resumable-event-stream.ts";

/** An EventSource the test drives: open it, send it events, drop it, or refuse it like an HTTP error. */
class FakeEventSource extends EventTarget {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;
  static opened: FakeEventSource[] = [];
  readyState = FakeEventSource.CONNECTING;
  closed = false;

  constructor(readonly url: string) {
    super();
    FakeEventSource.opened.push(this);
  }

  close(): void {
    this.closed = true;
    this.readyState = FakeEventSource.CLOSED;
  }

  accept(): void {
    this.readyState = FakeEventSource.OPEN;
    this.dispatchEvent(new Event("open"));
  }

  send(type: string, data: unknown, id: string): void {
    this.dispatchEvent(new MessageEvent(type, { data: JSON.stringify(data), lastEventId: id }));
  }

  /** A dropped connection: the browser would retry by itself. */
  drop(): void {
    this.readyState = FakeEventSource.CONNECTING;
    this.dispatchEvent(new Event("error"));
  }

  /** An HTTP error status: the browser gives up. */
  refuse(): void {
    this.readyState = FakeEventSource.CLOSED;
    this.dispatchEvent(new Event("error"));
  }
}

function latest(): FakeEventSource {
  const source = FakeEventSource.opened.at(-1);
  if (!source) throw new Error("no EventSource was opened");
  return source;
}

describe("ResumableEventStream", () => {
  let timers: Array<{ callback: () => void; milliseconds: number }>;
  let online: boolean;
  let connectivity: ((online: boolean) => void) | undefined;
  let statuses: StreamStatus[];
  let events: Array<[string, unknown]>;
  let environment: Partial<StreamEnvironment>;

  beforeEach(() => {
    FakeEventSource.opened = [];
    timers = [];
    online = true;
    statuses = [];
    events = [];
    environment = {
      EventSource: FakeEventSource as unknown as StreamEnvironment["EventSource"],
      setTimeout: (callback, milliseconds) => {
        const timer = { callback, milliseconds };
        timers.push(timer);
        return timer;
      },
      clearTimeout: (timer) => {
        timers = timers.filter((candidate) => candidate !== timer);
      },
      random: () => 0.5,
      isOnline: () => online,
      onConnectivityChange: (listener) => {
        connectivity = listener;
        return () => {
          connectivity = undefined;
        };
      },
    };
  });

  function stream(extra: Partial<ConstructorParameters<typeof ResumableEventStream>[0]> = {}) {
    return new ResumableEventStream({
      url: "/api/chats/c1/events",
      eventTypes: ["message_chunk", "error"],
      resume: true,
      onEvent: (type, data) => events.push([type, data]),
      onStatus: (status) => statuses.push(status),
      environment,
      ...extra,
    });
  }

  async function fireTimer(): Promise<number> {
    const timer = timers.shift();
    if (!timer) throw new Error("no reconnect was scheduled");
    timer.callback();
    await Bun.sleep(0);
    return timer.milliseconds;
  }

  test("passes events on, the server's `error` events included", () => {
    const live = stream();
    live.start();
    latest().accept();
    latest().send("message_chunk", { seq: 0 }, "e1");
    latest().send("error", { code: "RESUME_EXPIRED" }, "");
    expect(events).toEqual([
      ["message_chunk", { seq: 0 }],
      ["error", { code: "RESUME_EXPIRED" }],
    ]);
    expect(statuses).toEqual(["connecting", "open"]);
    expect(live.lastId).toBe("e1");
  });

  test("a dropped connection reopens after a backoff, resuming with ?lastEventId=", async () => {
    const reconnected: boolean[] = [];
    stream({ onReconnected: (resumed) => reconnected.push(resumed) }).start();
    latest().accept();
    latest().send("message_chunk", { seq: 0 }, "1-5:0");
    const first = latest();
    first.drop();
    expect(first.closed).toBe(true);
    expect(statuses.at(-1)).toBe("reconnecting");
    expect(await fireTimer()).toBe(375);
    expect(latest().url).toBe("/api/chats/c1/events?lastEventId=1-5%3A0");
    latest().accept();
    expect(statuses.at(-1)).toBe("open");
    expect(reconnected).toEqual([true]);
  });

  test("failures back off exponentially and the pill turns offline after a few", async () => {
    stream().start();
    const delays: number[] = [];
    for (let attempt = 0; attempt < 5; attempt++) {
      latest().drop();
      delays.push(await fireTimer());
    }
    expect(delays).toEqual([375, 750, 1500, 3000, 6000]);
    expect(statuses).toContain("offline");
    latest().accept();
    latest().drop();
    expect(await fireTimer()).toBe(375);
  });

  test("an HTTP error (the browser gave up) runs beforeReopen — e.g. a session refresh — then resumes", async () => {
    let checks = 0;
    stream({
      beforeReopen: async () => {
        checks++;
        return "reopen";
      },
    }).start();
    latest().accept();
    latest().send("message_chunk", { seq: 3 }, "7");
    latest().drop();
    await fireTimer();
    expect(checks).toBe(0);
    latest().refuse();
    await fireTimer();
    expect(checks).toBe(1);
    expect(latest().url).toBe("/api/chats/c1/events?lastEventId=7");
  });

  test("beforeReopen may stop the stream (the chat is gone, the user signed out) or fail and retry", async () => {
    let answers: Array<"reopen" | "stop" | Error> = [new Error("offline"), "stop"];
    stream({
      beforeReopen: async () => {
        const answer = answers.shift() as "reopen" | "stop" | Error;
        if (answer instanceof Error) throw answer;
        return answer;
      },
    }).start();
    latest().refuse();
    await fireTimer();
    expect(FakeEventSource.opened).toHaveLength(1);
    await fireTimer();
    expect(FakeEventSource.opened).toHaveLength(1);
    expect(statuses.at(-1)).toBe("closed");
    expect(timers).toHaveLength(0);
    answers = [];
  });

  test("going offline shows offline; coming back online reconnects at once", async () => {
    stream().start();
    latest().accept();
    online = false;
    connectivity?.(false);
    latest().drop();
    expect(statuses.at(-1)).toBe("offline");
    online = true;
    connectivity?.(true);
    await Bun.sleep(0);
    expect(timers).toHaveLength(0);
    expect(FakeEventSource.opened).toHaveLength(2);
  });

  test("restartFromBeginning forgets the id; stop closes everything", () => {
    const live = stream();
    live.start();
    latest().accept();
    latest().send("message_chunk", {}, "9");
    live.restartFromBeginning();
    expect(latest().url).toBe("/api/chats/c1/events");
    live.stop();
    expect(latest().closed).toBe(true);
    expect(connectivity).toBeUndefined();
    expect(statuses.at(-1)).toBe("closed");
  });

  test("without resume, reconnects use the plain URL", async () => {
    stream({ resume: false }).start();
    latest().accept();
    latest().send("message_chunk", {}, "4");
    latest().drop();
    await fireTimer();
    expect(latest().url).toBe("/api/chats/c1/events");
  });
});
