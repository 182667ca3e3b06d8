import { expect, test } from "bun:test";
import { MAX_MESSAGE_CHARS, MAX_SEARCH_QUERY_CHARS } from "@chat/contracts";
import { maximumMessageLength, maximumSearchLength } from "./api-limits.ts";

test("the web app's limits are the API's", () => {
  expect(maximumMessageLength).toBe(MAX_MESSAGE_CHARS);
  expect(maximumSearchLength).toBe(MAX_SEARCH_QUERY_CHARS);
});
