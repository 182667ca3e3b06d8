import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { ChatApiClient } from "../support/chat-api-client.ts";
import { freePort, ServiceProcess } from "../support/service-process.ts";

const repositoryRoot = join(import.meta.dir, "../..");
const scratch = mkdtempSync(join(tmpdir(), "chat-data-directory-"));
/** Processes expected to exit by themselves; any still running at the end (a failed test) is killed. */
const expectedToExit: Subprocess[] = [];
afterAll(() => {
  for (const child of expectedToExit) if (child.exitCode === null) child.kill("SIGKILL");
  rmSync(scratch, { recursive: true, force: true });
});

/** The permission bits of `path`, as `ls -l` would print them in octal. */
function modeOf(path: string): string {
  return (statSync(path).mode & 0o777).toString(8);
}

/** The embedded environment, with no JWT_SECRET: the secret comes from `DATA_DIR/jwt-secret`. */
function embeddedEnvironment(dataDirectory: string): Record<string, string> {
  return { DATA_DIR: dataDirectory, AMQP_URL: "", REDIS_URL: "", JWT_SECRET: "" };
}

/** Starts the all-in-one process and waits for it to exit by itself: its exit code and stderr. */
async function startExpectingExit(dataDirectory: string): Promise<{ code: number; stderr: string }> {
  const child = Bun.spawn([process.execPath, join(repositoryRoot, "services/all-in-one/main.ts")], {
    cwd: repositoryRoot,
    env: { ...process.env, ...embeddedEnvironment(dataDirectory), PORT: String(freePort()) },
    stdout: "ignore",
    stderr: "pipe",
  });
  expectedToExit.push(child);
  const [code, stderr] = await Promise.all([child.exited, new Response(child.stderr).text()]);
  return { code, stderr };
}

describe("DATA_DIR and the files in it are the owner's only", () => {
  test("a new DATA_DIR is created 0700; the database, its -wal and -shm, and jwt-secret are 0600", async () => {
    const dataDirectory = join(scratch, "fresh", "data");
    const server = await ServiceProcess.start(
      "all-in-one",
      "services/all-in-one/main.ts",
      embeddedEnvironment(dataDirectory),
    );
    try {
      // A write, so that the write-ahead log and its index exist.
      expect((await new ChatApiClient(server.baseUrl).register("Ada")).status).toBe(201);

      expect(modeOf(join(scratch, "fresh"))).toBe("700");
      expect(modeOf(dataDirectory)).toBe("700");
      for (const file of ["chat.sqlite", "chat.sqlite-wal", "chat.sqlite-shm", "jwt-secret"]) {
        expect({ file, mode: modeOf(join(dataDirectory, file)) }).toEqual({ file, mode: "600" });
      }
    } finally {
      await server.stop();
    }
  });

  test("a jwt-secret file that group or others may read stops the start, naming the file and the fix", async () => {
    const dataDirectory = mkdtempSync(join(scratch, "readable-"));
    const secretFile = join(dataDirectory, "jwt-secret");
    writeFileSync(secretFile, "a-long-enough-secret-of-forty-eight-characters-x");
    chmodSync(secretFile, 0o644);

    const { code, stderr } = await startExpectingExit(dataDirectory);

    expect(code).not.toBe(0);
    expect(stderr).toContain(
      `Invalid configuration — ${secretFile}: the JWT secret file is open to group or others (mode 644); ` +
        `make it the owner's only: chmod 600 ${secretFile}`,
    );
  });

  test("a jwt-secret file of fewer than 32 bytes stops the start, naming the file and the fix", async () => {
    const dataDirectory = mkdtempSync(join(scratch, "short-"));
    const secretFile = join(dataDirectory, "jwt-secret");
    writeFileSync(secretFile, `${"s".repeat(31)}\n`, { mode: 0o600 });

    const { code, stderr } = await startExpectingExit(dataDirectory);

    expect(code).not.toBe(0);
    expect(stderr).toContain(
      `Invalid configuration — ${secretFile}: the JWT secret has 31 bytes, at least 32`,
    );
    expect(stderr).toContain(`openssl rand -base64 48 > ${secretFile}`);
  });
});
