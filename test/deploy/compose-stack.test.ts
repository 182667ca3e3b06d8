/**
 * The compose stack, for real: builds the base images (test/deploy/bases) and infra/Dockerfile,
 * brings docker-compose.yml up with test/deploy/docker-compose.ci.yml on a Docker engine, and
 * uses it through nginx as a client would. Opt-in (`CHAT_COMPOSE_TEST=1`, which .ci/run sets):
 * a cold run takes minutes and a machine's CPU. Without an engine it reports itself skipped with
 * the reason, CI included. See infra/README.md, "The compose test".
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { ChatApiClient } from "../support/chat-api-client.ts";
import { ComposeProject } from "../support/compose-project.ts";
import { type DockerEngineAvailability, openDockerEngine } from "../support/docker-engine.ts";
import { ResumingChatStream } from "../support/resuming-chat-stream.ts";
import { expectWholeAnswers, type StreamingChat } from "../support/streaming-chats.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const mongoWireDirectory = fileURLToPath(new URL("../../../shared/tools/mongo-wire", import.meta.url));
const image = "chat-ci/chat-system:test";
const minute = 60_000;

const availability = await composeTestAvailability();
if ("skipReason" in availability) console.warn(`skipped: compose stack — ${availability.skipReason}`);

describe.skipIf("skipReason" in availability)("the compose stack, built and run on a Docker engine", () => {
  const engine = "engine" in availability ? availability.engine : (null as never);
  const metricsToken = randomBytes(24).toString("base64url");
  let project: ComposeProject;
  let baseUrl = "";
  const killed: string[] = [];
  let failures = 0;
  /** A test body that counts its failure, so that the teardown shows the services' logs. */
  const recorded = (body: () => Promise<void>) => async () => {
    try {
      await body();
    } catch (error) {
      failures++;
      throw error;
    }
  };

  beforeAll(async () => {
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    project = new ComposeProject(
      engine,
      `chat-ci-${process.pid}`,
      ["docker-compose.yml", "test/deploy/docker-compose.ci.yml"],
      {
        CHAT_IMAGE: image,
        JWT_SECRET: randomBytes(48).toString("base64"),
        METRICS_TOKEN: metricsToken,
        // Only on the loopback interface (compose's `${HTTP_PORT}:8080` takes an address too).
        HTTP_PORT: `127.0.0.1:${port}`,
        MONGO_WIRE_DIR: mongoWireDirectory,
      },
      root,
    );
    await project.removeStaleProjects("chat-ci-");
    await timed("base images", async () => {
      const bases = await project.run(["bash", "test/deploy/bases/build-bases.sh"], 30 * minute, {
        DOCKER: engine.client,
      });
      if (bases.status !== 0) throw new Error(`building the base images failed:\n${bases.output}`);
    });
    await timed("infra/Dockerfile", () =>
      project.docker(
        [
          "build",
          // The engine has no NAT (--iptables=false): npm reaches the registry through the host's network.
          "--network=host",
          ...caBundleSecret(),
          "--build-arg=NODE_IMAGE=chat-ci/node",
          "--build-arg=BUN_IMAGE=chat-ci/bun",
          "--file=infra/Dockerfile",
          `--tag=${image}`,
          ".",
        ],
        30 * minute,
        // BuildKit (`RUN --mount`); dockerd 20.10's client still defaults to the classic builder.
        { DOCKER_BUILDKIT: "1" },
      ),
    );
    await timed("compose up", async () => {
      await project.compose(["up", "--detach", "--no-build"], 10 * minute);
      await waitForNginx(baseUrl, 3 * minute);
    });
  }, 70 * minute);

  afterAll(async () => {
    if (project && failures > 0) {
      const logs = await project.tryCompose(
        ["logs", "--no-color", "--tail=80", "nginx", "gateway", "orchestrator"],
        minute,
      );
      console.error(`the logs of nginx, the gateways and the orchestrators after a failure:\n${logs.output}`);
    }
    if (project) {
      const down = await project.tryCompose(
        ["down", "--volumes", "--remove-orphans", "--timeout", "30"],
        5 * minute,
      );
      if (down.status !== 0) console.error(`compose down failed:\n${down.output}`);
    }
    await engine.stop();
  }, 10 * minute);

  test(
    "signs up through nginx and streams an answer over SSE",
    recorded(async () => {
      const client = await ChatApiClient.signUp(baseUrl, "Compose");
      const { chatId, events } = await client.answeredChat("Hello through nginx");
      const complete = events.events.find((event) => event.event === "message_complete");
      const chunks = events.events.filter((event) => event.event === "message_chunk");
      events.close();
      expect(chunks.length).toBeGreaterThan(1);
      const fullContent = (complete?.data as { fullContent?: string } | undefined)?.fullContent ?? "";
      expect(fullContent.length).toBeGreaterThan(0);
      // The store writes the answer when it hears message_complete, a moment after the client does.
      let stored = await client.request("GET", `/api/chats/${chatId}`);
      for (let attempt = 0; stored.body.messages.length < 2 && attempt < 100; attempt++) {
        await Bun.sleep(100);
        stored = await client.request("GET", `/api/chats/${chatId}`);
      }
      expect(stored.body.messages.at(-1)).toMatchObject({ role: "assistant", content: fullContent });
    }),
    2 * minute,
  );

  test(
    "streams an answer over a WebSocket through nginx",
    recorded(async () => {
      const client = await ChatApiClient.signUp(baseUrl, "ComposeSocket");
      const chatId = (await client.request("POST", "/api/chats", {})).body.id as string;
      const socket = await client.socket();
      socket.send({ type: "chat_message", chatId, content: "Hello over a WebSocket" });
      const accepted = await socket.waitFor((frame) => frame.type === "message_accepted", 30_000);
      const complete = await socket.waitFor(
        (frame) => frame.type === "message_complete" && frame.messageId === accepted.assistantMessageId,
        60_000,
      );
      const text = socket.frames
        .filter((frame) => frame.type === "message_chunk" && frame.messageId === accepted.assistantMessageId)
        .map((frame) => frame.content)
        .join("");
      socket.close();
      expect(text).toBe(complete.fullContent);
      expect(text.length).toBeGreaterThan(0);
    }),
    2 * minute,
  );

  test(
    "the store keeps its data in mongo-wire over MongoDB's wire protocol: a restarted store still has it",
    recorded(async () => {
      const client = await ChatApiClient.signUp(baseUrl, "ComposeStore");
      const { chatId, events } = await client.answeredChat("Remember this");
      events.close();
      // The store writes the answer when it hears message_complete, a moment after the client does.
      let before = (await client.request("GET", `/api/chats/${chatId}`)).body.messages;
      for (let attempt = 0; before.length < 2 && attempt < 100; attempt++) {
        await Bun.sleep(100);
        before = (await client.request("GET", `/api/chats/${chatId}`)).body.messages;
      }
      const [store] = await project.containers("store");
      // The store's root file system is read-only: SQLite could not even open; MONGODB_URL is set.
      const environment = await project.docker([
        "inspect",
        "--format",
        "{{json .Config.Env}}",
        store as string,
      ]);
      expect(environment).toContain("MONGODB_URL=mongodb://mongo:27017");
      await project.docker(["restart", "--time", "30", store as string]);
      await project.waitHealthy("store", 1, 2 * minute);
      const after = await client.request("GET", `/api/chats/${chatId}`);
      expect(after.status).toBe(200);
      expect(after.body.messages).toEqual(before);
      expect(before).toHaveLength(2);
    }),
    4 * minute,
  );

  test(
    "gateway and orchestrator scaled to two; one container of each killed mid-stream: every answer arrives whole",
    recorded(async () => {
      await project.compose(
        [
          "up",
          "--detach",
          "--no-build",
          "--no-recreate",
          "--scale",
          "gateway=2",
          "--scale",
          "orchestrator=2",
        ],
        5 * minute,
      );
      const gateways = await project.waitHealthy("gateway", 2, 3 * minute);
      const orchestrators = await project.waitHealthy("orchestrator", 2, 3 * minute);
      // nginx re-resolves `gateway` every 10 s (`resolver ... valid=10s`).
      await Bun.sleep(11_000);

      const chats: StreamingChat[] = [];
      for (let index = 0; index < 6; index++) {
        const client = await ChatApiClient.signUp(baseUrl, `Scaled${index}`);
        const id = (await client.request("POST", "/api/chats", {})).body.id as string;
        const stream = new ResumingChatStream(id, client.token as string, () => baseUrl);
        await stream.open();
        chats.push({ id, client, stream });
      }
      const answers = await Promise.all(
        chats.map(async (chat) => {
          const sent = await chat.client.request("POST", `/api/chats/${chat.id}/messages`, {
            content: "Tell me a long story",
          });
          expect(sent.status).toBe(202);
          return sent.body.assistantMessageId as string;
        }),
      );
      const streaming = () =>
        chats.every((chat, index) => chat.stream.textOf(answers[index] as string).length > 0);
      for (let attempt = 0; !streaming() && attempt < 300; attempt++) await Bun.sleep(100);
      expect(streaming()).toBe(true);

      const streamsPerGateway = await Promise.all(
        gateways.map((gateway) =>
          metric(project, gateway, 3000, metricsToken, 'chat_open_streams{transport="sse"}'),
        ),
      );
      const workPerOrchestrator = await Promise.all(
        orchestrators.map((orchestrator) =>
          metric(
            project,
            orchestrator,
            3003,
            "",
            'chat_generation_work_in_progress{type="generation_requested"}',
          ),
        ),
      );
      // nginx spread the streams over both gateways, RabbitMQ the generations over both orchestrators.
      expect(streamsPerGateway.every((count) => count > 0)).toBe(true);
      expect(workPerOrchestrator.every((count) => count > 0)).toBe(true);
      const busiestGateway = gateways[streamsPerGateway.indexOf(Math.max(...streamsPerGateway))] as string;
      const busiestOrchestrator = orchestrators[
        workPerOrchestrator.indexOf(Math.max(...workPerOrchestrator))
      ] as string;
      await project.docker(["kill", "--signal", "KILL", busiestGateway, busiestOrchestrator]);
      killed.push(busiestGateway, busiestOrchestrator);

      await expectWholeAnswers(chats, answers);
      const reconnects = chats.reduce((sum, chat) => sum + chat.stream.reconnects, 0);
      const restarts = chats.reduce((sum, chat) => sum + chat.stream.restarts, 0);
      console.log(
        `compose test: SSE streams per gateway ${streamsPerGateway.join("/")}, generations per orchestrator ${workPerOrchestrator.join("/")}; after the kills ${reconnects} reconnects, ${restarts} restarted answers`,
      );
      expect(reconnects).toBeGreaterThanOrEqual(Math.max(...streamsPerGateway));
      for (const chat of chats) chat.stream.close();
    }),
    8 * minute,
  );

  test(
    "every service stops cleanly on SIGTERM (exit code 0)",
    recorded(async () => {
      await project.compose(["stop", "--timeout", "30"], 5 * minute);
      const exits: Record<string, number[]> = {};
      for (const service of ["gateway", "session", "store", "orchestrator", "notifier"]) {
        const containers = (await project.containers(service)).filter(
          (container) => !killed.includes(container),
        );
        exits[service] = await Promise.all(
          containers.map(async (container) => (await project.state(container)).ExitCode),
        );
      }
      expect(exits).toEqual({ gateway: [0], session: [0], store: [0], orchestrator: [0], notifier: [0] });
    }),
    6 * minute,
  );
});

/** Whether this run may use Docker, and the engine when it may. */
async function composeTestAvailability(): Promise<DockerEngineAvailability> {
  if (process.env.CHAT_COMPOSE_TEST !== "1")
    return { skipReason: "opt-in: CHAT_COMPOSE_TEST=1 builds images and runs the stack (.ci/run sets it)" };
  if (!Bun.which("docker-compose"))
    return { skipReason: "no docker-compose (apt-get install docker-compose)" };
  if (!Bun.which("debootstrap", { PATH: `${process.env.PATH}:/usr/sbin:/sbin` }))
    return { skipReason: "no debootstrap for the base images (apt-get install debootstrap)" };
  if (!existsSync(`${mongoWireDirectory}/mongo-wire.mjs`))
    return {
      skipReason: `no mongo-wire at ${mongoWireDirectory} (the team folder shared/ beside the clone)`,
    };
  return openDockerEngine();
}

/** The host's CA bundle as the build's `npm_ca` secret: it holds any TLS-intercepting proxy's CA the host trusts. */
function caBundleSecret(): string[] {
  const bundle = "/etc/ssl/certs/ca-certificates.crt";
  return existsSync(bundle) ? [`--secret=id=npm_ca,src=${bundle}`] : [];
}

/** A sample of one metric of one container, read inside it (the ports are not published). */
async function metric(
  project: ComposeProject,
  container: string,
  port: number,
  token: string,
  series: string,
): Promise<number> {
  const script = `fetch("http://127.0.0.1:${port}/metrics", { headers: ${JSON.stringify(token ? { authorization: `Bearer ${token}` } : {})} }).then((r) => r.text()).then((t) => console.log(t))`;
  const text = await project.docker(["exec", container, "bun", "-e", script]);
  const line = text.split("\n").find((candidate) => candidate.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

async function waitForNginx(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ready = await fetch(`${url}/readyz`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) return;
    if (Date.now() > deadline)
      throw new Error(`nginx at ${url} did not answer /readyz within ${timeoutMs} ms`);
    await Bun.sleep(1_000);
  }
}

async function timed<T>(step: string, run: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await run();
  console.log(`compose test: ${step} took ${((performance.now() - started) / 1_000).toFixed(0)} s`);
  return result;
}

/** A port that was free a moment ago on the loopback interface. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no free port")),
      );
    });
  });
}
