import { expect, test } from "bun:test";
import { describeKeyUsage } from "./key-usage.ts";

test("the status names the key that encrypts, the ones that only decrypt, and those that may go", () => {
  expect(describeKeyUsage({ k2: 5, k1: 1, plain: 2 }, ["k2", "k1", "k0"])).toEqual([
    "k2: 5 values (encrypts)",
    "k1: 1 value (decrypts only)",
    "k0: 0 values (decrypts only)",
    "plain: 2 values (not encrypted yet: the sweep encrypts them)",
    "k0 can be removed: no value uses it",
  ]);
});

test("a key that values use but nobody configured is called out; with no keys encryption is off", () => {
  expect(describeKeyUsage({ k1: 3, plain: 1 }, [])).toEqual([
    "k1: 3 values (NOT CONFIGURED: these values cannot be read)",
    "plain: 1 value (encryption is off)",
  ]);
});
