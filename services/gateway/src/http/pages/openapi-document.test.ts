import { expect, test } from "bun:test";
import { openApi31 } from "./openapi-document.ts";

test("openApi31: 3.1, no schema $id, Response Objects with a description and nothing beside their fields", () => {
  const schema = { $id: "Chat", type: "object", properties: { id: { $id: "Id", type: "string" } } };
  const made = openApi31({
    openapi: "3.0.3",
    paths: {
      "/x": {
        get: {
          responses: {
            "200": { anyOf: [{ $ref: "Chat" }], content: { "application/json": { schema } } },
            "204": { content: { "application/json": { schema: { description: "Deleted" } } } },
            "404": { description: "Not there", "x-note": 1 },
          },
        },
      },
    },
  });
  expect(made).toEqual({
    openapi: "3.1.0",
    paths: {
      "/x": {
        get: {
          responses: {
            "200": {
              description: "OK",
              content: {
                "application/json": { schema: { type: "object", properties: { id: { type: "string" } } } },
              },
            },
            "204": {
              description: "Deleted",
              content: { "application/json": { schema: { description: "Deleted" } } },
            },
            "404": { description: "Not there", "x-note": 1 },
          },
        },
      },
    },
  });
});
