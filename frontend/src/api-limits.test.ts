import { expect, test } from "bun:test";
import {
  MAX_MESSAGE_CHARS,
  MAX_PROJECT_NAME_CHARS,
  MAX_SEARCH_QUERY_CHARS,
  MAX_SYSTEM_PROMPT_CHARS,
  MAX_TEMPERATURE,
} from "@chat/contracts";
import {
  maximumMessageLength,
  maximumProjectNameLength,
  maximumSearchLength,
  maximumSystemPromptLength,
  maximumTemperature,
} from "./api-limits.ts";

test("the web app's limits are the API's", () => {
  expect(maximumMessageLength).toBe(MAX_MESSAGE_CHARS);
  expect(maximumSearchLength).toBe(MAX_SEARCH_QUERY_CHARS);
  expect(maximumSystemPromptLength).toBe(MAX_SYSTEM_PROMPT_CHARS);
  expect(maximumTemperature).toBe(MAX_TEMPERATURE);
  expect(maximumProjectNameLength).toBe(MAX_PROJECT_NAME_CHARS);
});
