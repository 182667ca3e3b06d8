import type { DockerEngine } from "./docker-engine.ts";

export type CommandResult = { status: number; output: string };

/**
 * One docker-compose project on a Docker engine: `docker-compose -p NAME -f ... -f ...` with the
 * project's variables, and the docker client for what compose 1.29 does not do (the containers
 * of one service, their health, exec, kill).
 *
 * @example
 * const project = new ComposeProject(engine, "chat-ci-1", ["docker-compose.yml"], { JWT_SECRET });
 * await project.compose(["up", "-d", "--no-build"]);
 * const [gateway] = await project.containers("gateway");
 */
export class ComposeProject {
  constructor(
    private readonly engine: DockerEngine,
    readonly name: string,
    private readonly files: string[],
    private readonly variables: Record<string, string>,
    private readonly cwd: string,
  ) {}

  /** Runs docker-compose; throws with its output unless it exits 0. */
  async compose(args: string[], timeoutMs = 600_000): Promise<string> {
    return this.orThrow(await this.tryCompose(args, timeoutMs));
  }

  /** Runs docker-compose and answers how it went, for teardown steps that must not throw. */
  tryCompose(args: string[], timeoutMs = 600_000): Promise<CommandResult> {
    const files = this.files.flatMap((file) => ["-f", file]);
    return this.run(["docker-compose", "-p", this.name, ...files, ...args], timeoutMs);
  }

  /** Runs the docker client; throws with its output unless it exits 0. */
  async docker(args: string[], timeoutMs = 600_000, extraEnv: Record<string, string> = {}): Promise<string> {
    return this.orThrow(await this.run([this.engine.client, ...args], timeoutMs, extraEnv));
  }

  /** Runs a command with the engine's DOCKER_HOST and the project's variables. */
  async run(
    command: string[],
    timeoutMs = 600_000,
    extraEnv: Record<string, string> = {},
  ): Promise<CommandResult> {
    const child = Bun.spawn(command, {
      cwd: this.cwd,
      env: { ...process.env, ...this.variables, ...extraEnv, DOCKER_HOST: this.engine.host },
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    const [stdout, stderr, status] = await Promise.all([
      new Response(child.stdout).text(),
      new Response(child.stderr).text(),
      child.exited,
    ]);
    clearTimeout(timer);
    return { status, output: `${stdout}${stderr}` };
  }

  /** The ids of a service's containers, running or not. */
  async containers(service: string): Promise<string[]> {
    const output = await this.docker([
      "ps",
      "--all",
      "--quiet",
      "--filter",
      `label=com.docker.compose.project=${this.name}`,
      "--filter",
      `label=com.docker.compose.service=${service}`,
    ]);
    return output.split("\n").filter(Boolean);
  }

  /** A container's `.State` (Status, ExitCode, Health.Status, ...). */
  async state(container: string): Promise<{ Status: string; ExitCode: number; Health?: { Status: string } }> {
    return JSON.parse(await this.docker(["inspect", "--format", "{{json .State}}", container]));
  }

  /** Waits until `count` containers of `service` report healthy. */
  async waitHealthy(service: string, count: number, timeoutMs: number): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const containers = await this.containers(service);
      const states = await Promise.all(containers.map((container) => this.state(container)));
      const healthy = containers.filter((_, index) => states[index]?.Health?.Status === "healthy");
      if (healthy.length >= count) return healthy;
      if (Date.now() > deadline)
        throw new Error(`${service}: ${healthy.length} of ${count} containers healthy after ${timeoutMs} ms`);
      await Bun.sleep(1_000);
    }
  }

  /**
   * Removes the containers, networks and volumes of other projects whose name starts with
   * `prefix`: a run killed before its teardown leaves them, and its containers would come back
   * (`restart: unless-stopped`) whenever the engine starts.
   */
  async removeStaleProjects(prefix: string): Promise<void> {
    const stale = async (kind: "container" | "network" | "volume", id: string) =>
      (
        await this.docker([
          kind,
          "ls",
          ...(kind === "container" ? ["--all"] : []),
          "--format",
          `{{.${id}}} {{.Label "com.docker.compose.project"}}`,
        ])
      )
        .split("\n")
        .map((line) => line.split(" "))
        .filter(([, project]) => project?.startsWith(prefix) && project !== this.name)
        .map(([name]) => name as string);
    const containers = await stale("container", "ID");
    if (containers.length > 0) await this.docker(["rm", "--force", "--volumes", ...containers]);
    const networks = await stale("network", "ID");
    if (networks.length > 0) await this.docker(["network", "rm", ...networks]);
    const volumes = await stale("volume", "Name");
    if (volumes.length > 0) await this.docker(["volume", "rm", "--force", ...volumes]);
  }

  private orThrow(result: CommandResult): string {
    if (result.status !== 0) throw new Error(`exited ${result.status}:\n${result.output.slice(-4_000)}`);
    return result.output;
  }
}
