import { afterAll, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "@chat/runtime";
import { openRepository } from "./open-repository.ts";

const directory = mkdtempSync(join(tmpdir(), "open-repository-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const settings = (keys: string) => ({ DATA_DIR: directory, MONGODB_DATABASE: "chat", ENCRYPTION_KEYS: keys });
const k1 = `k1:${randomBytes(32).toString("base64")}`;
const k2 = `k2:${randomBytes(32).toString("base64")}`;

test("the store opens encrypted from ENCRYPTION_KEYS, and refuses to open without a key its values use", async () => {
  const first = await openRepository(settings(k1));
  await first.chats.createChat({
    id: "c1",
    userId: "u1",
    title: "Quokka census",
    model: "demo",
    createdAt: "2025-01-01T00:00:00.000Z",
  });
  await first.close();
  expect(readFileSync(join(directory, "chat.sqlite")).toString("latin1")).not.toContain("Quokka");

  const refusal = await openRepository(settings(k2)).then(
    () => null,
    (error: unknown) => error,
  );
  expect(refusal).toBeInstanceOf(ConfigError);
  expect((refusal as Error).message).toContain('"k1" (1 value), which is not configured');

  const rotated = await openRepository(settings(`${k2},${k1}`));
  expect((await rotated.chats.getChat("c1", "u1"))?.title).toBe("Quokka census");
  await rotated.close();
});

test("a key of the wrong length stops the open naming the variable", async () => {
  const short = `k1:${randomBytes(16).toString("base64")}`;
  await expect(openRepository(settings(short))).rejects.toThrow("ENCRYPTION_KEYS");
});
