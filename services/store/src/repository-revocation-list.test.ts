import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RepositoryRevocationList } from "./repository-revocation-list.ts";
import { SqliteStore } from "./sqlite/sqlite-store.ts";

const directory = mkdtempSync(join(tmpdir(), "revocation-list-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

test("a sign-in revoked for a TTL stays revoked after the database is opened again, until the TTL passes", async () => {
  const path = join(directory, "chat.sqlite");
  let clock = Date.UTC(2030, 0, 1);
  const first = new SqliteStore({ path });
  await new RepositoryRevocationList(first.credentials, () => clock).revoke("sign-in-1", 900);
  await first.close();

  const reopened = new SqliteStore({ path });
  const revocations = new RepositoryRevocationList(reopened.credentials, () => clock);
  expect(await revocations.isRevoked("sign-in-1")).toBe(true);
  expect(await revocations.isRevoked("sign-in-2")).toBe(false);
  clock += 900_000;
  expect(await revocations.isRevoked("sign-in-1")).toBe(false);
  await expect(revocations.revoke("sign-in-1", 0)).rejects.toThrow(RangeError);
  await reopened.close();
});
