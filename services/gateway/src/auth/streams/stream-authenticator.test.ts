import { describe, expect, test } from "bun:test";
import { AppError, type User } from "@chat/contracts";
import { MemoryActorState } from "@chat/state";
import type { Caller, SignIn } from "../authenticator.ts";
import { StreamAuthenticator } from "./stream-authenticator.ts";

const signIn = (id: string): SignIn => ({ id, expiresAt: Date.parse("2030-01-01T00:15:00Z") });
const adaUser: User = { id: "user-ada", email: "ada@example.test", name: "Ada", role: "user" };
const ada: Caller = { user: adaUser, signIn: signIn("sign-in-ada") };
const bea: Caller = {
  user: { id: "user-bea", email: "bea@example.test", name: "Bea", role: "admin" },
  signIn: signIn("sign-in-bea"),
};

function setUp() {
  let now = Date.parse("2030-01-01T00:00:00Z");
  const state = new MemoryActorState({ ttlSeconds: 3_600, replayLogMaxLength: 10, now: () => now });
  const ended = new Set<string>();
  /** Signs in whoever sends `authorization: Bearer bea`, and nobody else; a sign-in in `ended` is refused. */
  const headerAuthenticator = {
    identify: async (headers: Record<string, string | undefined>) => {
      if (headers.authorization === "Bearer bea") return bea;
      throw new AppError("UNAUTHORIZED", "Sign in", { retryable: false });
    },
    checkSignIn: async (checked: SignIn) => {
      if (checked.id !== null && ended.has(checked.id)) {
        throw new AppError("UNAUTHORIZED", "This sign-in has ended", { retryable: false });
      }
    },
  };
  const streams = new StreamAuthenticator(headerAuthenticator, state.tickets);
  return { streams, tickets: state.tickets, ended, advance: (ms: number) => (now += ms) };
}

async function refusal(attempt: Promise<unknown>): Promise<string> {
  const error = await attempt.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(AppError.isInstance(error)).toBe(true);
  return (error as AppError).code;
}

describe("StreamAuthenticator", () => {
  test("a ticket signs in the user it was issued to, exactly once", async () => {
    const { streams } = setUp();
    const ticket = await streams.issue(ada, 60);
    expect(ticket).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await streams.authenticate({}, ticket)).toEqual(ada);
    expect(await refusal(streams.authenticate({}, ticket))).toBe("UNAUTHORIZED");
  });

  test("a ticket wins over the headers, and a spent one never falls back to them", async () => {
    const { streams } = setUp();
    const ticket = await streams.issue(ada, 60);
    expect(await streams.authenticate({ authorization: "Bearer bea" }, ticket)).toEqual(ada);
    expect(await refusal(streams.authenticate({ authorization: "Bearer bea" }, ticket))).toBe("UNAUTHORIZED");
    expect(await streams.authenticate({ authorization: "Bearer bea" }, undefined)).toEqual(bea);
    expect(await refusal(streams.authenticate({}, undefined))).toBe("UNAUTHORIZED");
  });

  test("a ticket whose sign-in ended before it was used is refused", async () => {
    const { streams, ended } = setUp();
    const ticket = await streams.issue(ada, 60);
    ended.add("sign-in-ada");
    expect(await refusal(streams.authenticate({}, ticket))).toBe("UNAUTHORIZED");
  });

  test("an expired ticket is refused", async () => {
    const { streams, advance } = setUp();
    const ticket = await streams.issue(ada, 5);
    advance(5_001);
    expect(await refusal(streams.authenticate({}, ticket))).toBe("UNAUTHORIZED");
  });

  test("unknown, malformed and repeated tickets are refused", async () => {
    const { streams } = setUp();
    for (const ticket of ["", "x", "a".repeat(43), "a".repeat(10_000), ["a", "b"], 42]) {
      expect(await refusal(streams.authenticate({ authorization: "Bearer bea" }, ticket))).toBe(
        "UNAUTHORIZED",
      );
    }
  });

  test("a ticket issued for something else is not a stream ticket", async () => {
    const { streams, tickets } = setUp();
    for (const payload of [
      JSON.stringify({ purpose: "password-reset", ...ada }),
      JSON.stringify({ purpose: "stream", user: { id: "user-ada" }, signIn: ada.signIn }),
      JSON.stringify({ purpose: "stream", user: adaUser }),
      "user-ada",
    ]) {
      const ticket = await tickets.issue(payload, 60);
      expect(await refusal(streams.authenticate({}, ticket))).toBe("UNAUTHORIZED");
    }
  });
});
