import { expect, test } from "bun:test";
import { cleanTitle, titleFromQuestion } from "./chat-title.ts";

test.each([
  ['"Sorting lists in Python"', "Sorting lists in Python"],
  ["Title: **Rust ownership explained.**", "Rust ownership explained"],
  ["# Weekend trip to Lisbon\nMore text the model added", "Weekend trip to Lisbon"],
  ["  `Bash`   loops  ", "Bash loops"],
  [
    "A very long title that goes on and on about many different things without ever stopping at all",
    "A very long title that goes on and on about many different…",
  ],
])("cleanTitle(%p) is %p", (raw, expected) => {
  expect(cleanTitle(raw)).toBe(expected);
});

test("a title from the question takes its first words; an empty question still gets one", () => {
  expect(titleFromQuestion("How do I  reverse a linked list in place without recursion, please?")).toBe(
    "How do I reverse a linked list in",
  );
  expect(titleFromQuestion("   ")).toBe("Chat");
});
