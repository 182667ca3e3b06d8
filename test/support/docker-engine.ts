/**
 * The Docker engine of the deployment test: the one `DOCKER_HOST` names, else the test's own
 * dockerd (its own socket, data root and exec root, `--iptables=false`), reused when it already
 * answers and otherwise started for the run and stopped after it. The data root outlives the
 * engine, so the images built there (the base images, BuildKit's npm cache) serve the next run.
 */
import { existsSync, mkdirSync, openSync, readFileSync } from "node:fs";

/** Where the test's own engine keeps its state; `CHAT_CI_DOCKER_ROOT` moves the data root. */
const dataRoot = process.env.CHAT_CI_DOCKER_ROOT ?? "/var/lib/chat-ci-docker";
const execRoot = "/run/chat-ci-docker";
const socketPath = `${execRoot}/docker.sock`;
const logPath = `${execRoot}/dockerd.log`;
const startTimeoutMilliseconds = 60_000;

export type DockerEngine = {
  /** The `DOCKER_HOST` value that reaches it. */
  host: string;
  /** The docker client: Debian's (`/usr/bin/docker`, as old as its dockerd, BuildKit built in). */
  client: string;
  /** Stops the engine if this run started it; an engine found running is left running. */
  stop(): Promise<void>;
};

export type DockerEngineAvailability = { engine: DockerEngine } | { skipReason: string };

/** The engine and the client the test uses, or why there is none. */
export async function openDockerEngine(): Promise<DockerEngineAvailability> {
  // The static client some machines carry in /usr/local/bin is newer than Debian's dockerd and
  // builds only through the buildx plugin, which Debian's docker.io does not ship.
  const client = process.env.DOCKER ?? (existsSync("/usr/bin/docker") ? "/usr/bin/docker" : "docker");
  if (!Bun.which(client)) return { skipReason: "no docker client (apt-get install docker.io)" };
  if (process.env.DOCKER_HOST) {
    const host = process.env.DOCKER_HOST;
    if (!(await answers(client, host)))
      return { skipReason: `the engine at DOCKER_HOST=${host} does not answer` };
    return { engine: { host, client, stop: async () => {} } };
  }
  const host = `unix://${socketPath}`;
  if (await answers(client, host)) return { engine: { host, client, stop: async () => {} } };
  const dockerd = Bun.which("dockerd", { PATH: `${process.env.PATH}:/usr/sbin:/sbin` });
  if (!dockerd) return { skipReason: "no dockerd (apt-get install docker.io)" };
  if (process.getuid?.() !== 0) return { skipReason: "starting dockerd needs root" };
  mkdirSync(dataRoot, { recursive: true });
  mkdirSync(execRoot, { recursive: true });
  const log = openSync(logPath, "a");
  const daemon = Bun.spawn(
    [
      dockerd,
      `--data-root=${dataRoot}`,
      `--exec-root=${execRoot}`,
      `--pidfile=${execRoot}/dockerd.pid`,
      `--host=${host}`,
      // No iptables rules on a shared host: containers reach each other on compose's bridge
      // networks and the host reaches published ports through docker-proxy; builds use the
      // host's network. No default bridge either: nothing here runs on it.
      "--iptables=false",
      "--bridge=none",
    ],
    { stdin: "ignore", stdout: log, stderr: log },
  );
  const deadline = Date.now() + startTimeoutMilliseconds;
  while (Date.now() < deadline && daemon.exitCode === null) {
    if (await answers(client, host)) {
      return { engine: { host, client, stop: () => stopDaemon(daemon) } };
    }
    await Bun.sleep(500);
  }
  await stopDaemon(daemon);
  const lastLines = readFileSync(logPath, "utf8").trim().split("\n").slice(-3).join(" | ");
  return { skipReason: `dockerd did not start (${logPath}: ${lastLines})` };
}

async function answers(client: string, host: string): Promise<boolean> {
  const probe = Bun.spawn([client, "version", "--format", "{{.Server.Version}}"], {
    env: { ...process.env, DOCKER_HOST: host },
    stdout: "ignore",
    stderr: "ignore",
  });
  return (await probe.exited) === 0;
}

async function stopDaemon(daemon: Bun.Subprocess): Promise<void> {
  if (daemon.exitCode !== null) return;
  daemon.kill("SIGTERM");
  const stopped = await Promise.race([daemon.exited.then(() => true), Bun.sleep(30_000).then(() => false)]);
  if (!stopped) daemon.kill("SIGKILL");
}
