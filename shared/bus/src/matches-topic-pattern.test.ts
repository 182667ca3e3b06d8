import { expect, test } from "bun:test";
import { matchesTopicPattern } from "./matches-topic-pattern.ts";

test.each([
  ["chat.c1.message_chunk", "chat.c1.message_chunk", true],
  ["chat.c1.*", "chat.c1.message_chunk", true],
  ["chat.c1.*", "chat.c1", false],
  ["chat.c1.*", "chat.c1.a.b", false],
  ["chat.*.done", "chat.c1.done", true],
  ["chat.*.done", "chat.c1.x.done", false],
  ["user.u1.#", "user.u1", true],
  ["user.u1.#", "user.u1.notification", true],
  ["user.u1.#", "user.u1.a.b", true],
  ["user.u1.#", "user.u2.a", false],
  ["#", "anything.at.all", true],
  ["#.done", "chat.c1.done", true],
  ["#.done", "done", true],
  ["chat.#.done", "chat.done", true],
  ["chat.#.done", "chat.c1.x.done", true],
  ["chat.#.done", "chat.c1.x.started", false],
])("%p matches %p: %p", (pattern, routingKey, expected) => {
  expect(matchesTopicPattern(pattern, routingKey)).toBe(expected);
});
