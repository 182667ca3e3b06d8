// `npm run test:mongo`: the store's MongoDB contract suite against mongo-wire, the team's MongoDB
// wire-protocol test server (../shared/tools/mongo-wire beside the clone), started on a free
// loopback port and stopped afterwards. MONGODB_URL is set for the suite only. The tool's settings
// (JITTER_MS, TTL_MONITOR_SECONDS, TRACE) pass through; arguments go to `bun test`
// (`npm run test:mongo -- --rerun-each 10`). Exits with the suite's status; 1 when the tool is missing.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const mongoWire = fileURLToPath(new URL("../../shared/tools/mongo-wire/mongo-wire.mjs", import.meta.url));
const suite = "./services/store/src/mongo/mongo-store.test.ts";
const startAttempts = 3;
const startTimeoutMilliseconds = 10_000;

if (!existsSync(mongoWire)) {
  console.error(
    `FAILED: the MongoDB contract suite needs mongo-wire at ${mongoWire} (the team folder shared/ beside the clone)`,
  );
  process.exit(1);
}

const server = await startMongoWire();
const stopServer = () => server.process.kill("SIGTERM");
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    stopServer();
    process.exit(1);
  });
}

const suiteRun = spawn(process.execPath, ["test", "--timeout", "60000", suite, ...process.argv.slice(2)], {
  cwd: root,
  env: { ...process.env, MONGODB_URL: server.url },
  stdio: "inherit",
});
const status = await new Promise<number>((resolve) => suiteRun.on("exit", (code) => resolve(code ?? 1)));
if (server.process.exitCode === null && server.process.signalCode === null) {
  const exited = new Promise((resolve) => server.process.once("exit", resolve));
  stopServer();
  await exited;
}
process.exit(status);

/** Starts mongo-wire on a free port; tried again when another process takes the port first. */
async function startMongoWire(): Promise<{ process: ChildProcess; url: string }> {
  for (let attempt = 1; ; attempt += 1) {
    const port = await freePort();
    const child = spawn("node", [mongoWire], {
      env: { ...process.env, HOST: "127.0.0.1", PORT: String(port) },
      stdio: ["ignore", "pipe", "inherit"],
    });
    if (await announcesListening(child)) return { process: child, url: `mongodb://127.0.0.1:${port}` };
    child.kill("SIGKILL");
    if (attempt === startAttempts) {
      console.error(`FAILED: mongo-wire did not start (${startAttempts} attempts)`);
      process.exit(1);
    }
  }
}

/** A port that was free a moment ago on the loopback interface. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === "object" && address
          ? resolve(address.port)
          : reject(new Error("no port for the loopback probe")),
      );
    });
  });
}

/** Whether the server prints its listening line before it exits or the timeout; its output is echoed. */
function announcesListening(child: ChildProcess): Promise<boolean> {
  return new Promise((resolve) => {
    let printed: string | null = "";
    const timer = setTimeout(() => resolve(false), startTimeoutMilliseconds);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(false);
    });
    child.stdout?.on("data", (chunk: Buffer) => {
      process.stdout.write(chunk);
      if (printed === null) return;
      printed += chunk.toString();
      if (printed.includes("listening on")) {
        printed = null;
        clearTimeout(timer);
        resolve(true);
      }
    });
  });
}
