import { expect, test } from "bun:test";
import { createLogger } from "@chat/runtime";
import { ListenerRegistry } from "./listener-registry.ts";

const logger = createLogger("listener-registry-test", "silent");

test("a key whose attach failed is not left half-registered: the next listener attaches it again", async () => {
  const attached: string[] = [];
  let failNext = true;
  const registry = new ListenerRegistry<[string]>(
    {
      attach: async (key) => {
        if (failNext) {
          failNext = false;
          throw new Error("Redis is away");
        }
        attached.push(key);
      },
      detach: async () => {},
    },
    logger,
  );
  await expect(
    registry.add(
      "c1",
      () => {},
      () => {},
    ),
  ).rejects.toThrow("Redis is away");
  expect(registry.size).toBe(0);
  expect(registry.listenerCount).toBe(0);

  const heard: string[] = [];
  await registry.add(
    "c1",
    (text) => heard.push(text),
    () => {},
  );
  expect(attached).toEqual(["c1"]);
  registry.dispatch("c1", "hello");
  expect(heard).toEqual(["hello"]);
});
