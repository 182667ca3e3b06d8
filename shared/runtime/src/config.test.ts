import { expect, test } from "bun:test";
import { Type } from "@sinclair/typebox";
import { ConfigError, loadConfig } from "./config.ts";

const schema = Type.Object({
  PORT: Type.Integer({ default: 3000, minimum: 0, maximum: 65535 }),
  AMQP_URL: Type.Optional(Type.String({ pattern: "^amqps?://" })),
  COOKIE_SECURE: Type.Boolean({ default: false }),
  JWT_SECRET: Type.String({ minLength: 32 }),
});

test("converts values and applies defaults", () => {
  const config = loadConfig(schema, {
    PORT: "8080",
    COOKIE_SECURE: "true",
    JWT_SECRET: "s".repeat(32),
    OTHER: "x",
  });
  expect(config).toEqual({ PORT: 8080, COOKIE_SECURE: true, JWT_SECRET: "s".repeat(32) });
});

test("a bad or missing value stops start-up with a message naming the variable", () => {
  expect(() => loadConfig(schema, { PORT: "eighty", JWT_SECRET: "s".repeat(32) })).toThrow(
    /PORT: .*"eighty"/,
  );
  expect(() => loadConfig(schema, { AMQP_URL: "http://x", JWT_SECRET: "s".repeat(32) })).toThrow(/AMQP_URL/);
  expect(() => loadConfig(schema, {})).toThrow(/JWT_SECRET: .*\(not set\)/);
  expect(() => loadConfig(schema, {})).toThrow(ConfigError);
});
