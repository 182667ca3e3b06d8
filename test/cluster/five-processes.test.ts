import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import amqp from "amqplib";
import Redis from "ioredis";
import { textPdf } from "../../services/orchestrator/src/attachments/__fixtures__/text-pdf.ts";
import { ChatApiClient, defaultPassword } from "../support/chat-api-client.ts";
import { chatFlowSuite } from "../support/chat-flow-suite.ts";
import { ClusterDeployment } from "../support/cluster-deployment.ts";
import { busQueueSources, busQueues } from "../support/cluster-namespace.ts";
import { goChatFlowSuite } from "../support/go-chat-flow-suite.ts";
import { rabbitAvailable, rabbitUrl, redisAvailable, redisUrl } from "../support/infrastructure.ts";
import { ServiceProcess } from "../support/service-process.ts";

const maxBodyBytes = 64 * 1024;
const partitions = 4;

describe.skipIf(!rabbitAvailable || !redisAvailable)(
  "five services as separate processes over RabbitMQ and Redis",
  () => {
    const cluster = new ClusterDeployment("cluster", partitions, { MAX_BODY_BYTES: String(maxBodyBytes) });
    const namespace = cluster.namespace;
    const services = cluster.processes;
    let gateway: ServiceProcess;

    beforeAll(async () => {
      // The store first: the others' first requests go to it.
      for (const name of ["store", "session", "orchestrator", "notifier"]) await cluster.start(name);
      gateway = await cluster.start("gateway");
    });

    afterAll(() => cluster.remove());

    chatFlowSuite(() => gateway.baseUrl, { maxBodyBytes });

    describe("the Go Chat compatible API", () => goChatFlowSuite(() => gateway.baseUrl));

    test("each service serves /metrics on its own port; the gateway's public port has none without METRICS_TOKEN", async () => {
      const client = new ChatApiClient(gateway.baseUrl);
      await client.register("Scraped");
      const { events } = await client.answeredChat("Measure me");
      events.close();
      const expected: Record<string, string> = {
        store: 'chat_bus_messages_handled_total{consumer="store",outcome="ack"}',
        session: 'chat_commands_total{type="send_message",outcome="ok"}',
        orchestrator: 'chat_model_calls_total{model="demo",provider="demo",finish_reason="stop"}',
        notifier: "chat_process_resident_memory_bytes",
      };
      for (const service of services.filter((candidate) => candidate !== gateway)) {
        const series = expected[service.name] as string;
        let body = "";
        // The store writes the answer when it hears message_complete: its count may lag a moment.
        for (let attempt = 0; !body.includes(`${series} `) && attempt < 50; attempt++) {
          if (attempt > 0) await Bun.sleep(100);
          const response = await fetch(`${service.baseUrl}/metrics`);
          expect(response.status).toBe(200);
          body = await response.text();
        }
        expect({ service: service.name, has: body.includes(`${series} `) }).toEqual({
          service: service.name,
          has: true,
        });
        expect(body).toContain("chat_process_cpu_seconds_total");
      }
      const gatewayMetrics = await fetch(`${gateway.baseUrl}/metrics`);
      expect(gatewayMetrics.status).toBe(404);
      expect(await gatewayMetrics.json()).toMatchObject({ error: { code: "ROUTE_NOT_FOUND" } });
    });

    test("deleting an account removes its chats' replay logs and actor state from Redis, as from the store", async () => {
      // Should this be the cluster's first account, the admin is another one.
      await ChatApiClient.signUp(gateway.baseUrl, "Root");
      const client = await ChatApiClient.signUp(gateway.baseUrl, "Leaving");
      const { chatId, events } = await client.answeredChat("Remember this");
      events.close();
      const redis = new Redis(redisUrl);
      try {
        const keysOfChat = () => redis.keys(`${namespace}:chat:{${chatId}}:*`);
        expect((await keysOfChat()).length).toBeGreaterThan(0);

        const deleted = await client.request("DELETE", "/api/me", { password: defaultPassword });
        expect(deleted.status).toBe(200);
        expect(deleted.body).toEqual({ chats: 1, files: 0 });
        expect(await keysOfChat()).toEqual([]);
        expect((await client.request("GET", `/api/chats/${chatId}`)).status).toBe(401);
      } finally {
        redis.disconnect();
      }
    });

    test("the orchestrator process reads a file the gateway process stored: a PDF's text reaches the model", async () => {
      const client = new ChatApiClient(gateway.baseUrl);
      await client.register("Reader");
      const form = new FormData();
      form.append("file", new Blob([textPdf(["Minutes: ship on Friday"])]), "minutes.pdf");
      const uploaded = await fetch(`${gateway.baseUrl}/api/uploads`, {
        method: "POST",
        headers: { authorization: `Bearer ${client.token}` },
        body: form,
      });
      expect(uploaded.status).toBe(201);
      const { id } = (await uploaded.json()) as { id: string };
      const chatId = (await client.request("POST", "/api/chats", { title: "Minutes" })).body.id as string;
      const events = await client.events(`/api/chats/${chatId}/events`);
      try {
        const sent = await client.request("POST", `/api/chats/${chatId}/messages`, {
          content: "Summarise",
          attachmentIds: [id],
        });
        expect(sent.status).toBe(202);
        const complete = await events.waitFor((event) => event.event === "message_complete");
        expect((complete.data as { fullContent: string }).fullContent).toContain(
          "`minutes.pdf`: 23 characters of text",
        );
      } finally {
        events.close();
      }
    });

    test("every service dead-letters a malformed message on its queue and goes on serving", async () => {
      const queues = busQueues(namespace, 1).map(({ queue }) => queue);
      const connection = await amqp.connect(rabbitUrl);
      const channel = await connection.createConfirmChannel();
      for (const queue of queues) {
        channel.sendToQueue(queue, Buffer.from("{ this is not json"), { persistent: true });
        channel.sendToQueue(
          queue,
          Buffer.from(JSON.stringify({ type: "send_message", hello: "wrong shape" })),
          {
            persistent: true,
          },
        );
      }
      await channel.waitForConfirms();
      await connection.close();

      const inspector = await cluster.connectBus(5);
      const sources = busQueueSources;
      const found: Record<string, number> = {};
      for (let attempt = 0; attempt < 50; attempt++) {
        for (const source of sources)
          found[source] = (found[source] ?? 0) + (await inspector.deadLetters(source)).length;
        if (sources.every((source) => (found[source] ?? 0) >= 2)) break;
        await Bun.sleep(200);
      }
      await inspector.close();
      expect(found).toEqual(Object.fromEntries(sources.map((source) => [source, 2])));

      for (const service of services) expect((await fetch(`${service.baseUrl}/readyz`)).status).toBe(200);
      const client = new ChatApiClient(gateway.baseUrl);
      await client.register("After");
      const chatId = (await client.request("POST", "/api/chats", {})).body.id;
      const events = await client.events(`/api/chats/${chatId}/events`);
      expect(
        (await client.request("POST", `/api/chats/${chatId}/messages`, { content: "still there?" })).status,
      ).toBe(202);
      await events.waitFor((event) => event.event === "message_complete");
      events.close();
    });

    test("a service started alone without its broker settings refuses to start and names the variable", async () => {
      const child = Bun.spawn([process.execPath, "services/session/main.ts"], {
        cwd: join(import.meta.dir, "../.."),
        env: { ...process.env, AMQP_URL: "", REDIS_URL: "", PORT: "0" },
        stderr: "pipe",
        stdout: "pipe",
      });
      expect(await child.exited).toBe(1);
      expect(await new Response(child.stderr).text()).toContain("AMQP_URL");
      const badPort = Bun.spawn([process.execPath, "services/store/main.ts"], {
        cwd: join(import.meta.dir, "../.."),
        env: { ...process.env, ...cluster.environment, PORT: "not-a-port" },
        stderr: "pipe",
        stdout: "pipe",
      });
      expect(await badPort.exited).toBe(1);
      expect(await new Response(badPort.stderr).text()).toContain("PORT");
    });

    test("after the replay log is lost under a live client, its resume answers RESUME_EXPIRED instead of a wrong replay", async () => {
      const client = new ChatApiClient(gateway.baseUrl);
      await client.register("LostLog");
      const { chatId, events: live } = await client.answeredChat("first");
      const lastSeen = live.events.at(-1)?.id as string;
      live.close();

      const state = cluster.actorState();
      await state.replayLog.delete(chatId);
      await state.close();

      const resumed = await client.events(
        `/api/chats/${chatId}/events?lastEventId=${encodeURIComponent(lastSeen)}`,
      );
      const expired = await resumed.waitFor((event) => event.event === "error");
      expect(expired.data).toMatchObject({ code: "RESUME_EXPIRED" });
      let next = await client.request("POST", `/api/chats/${chatId}/messages`, { content: "second" });
      for (let attempt = 0; next.status === 409 && attempt < 50; attempt++) {
        await Bun.sleep(100);
        next = await client.request("POST", `/api/chats/${chatId}/messages`, { content: "second" });
      }
      expect(next.status).toBe(202);
      await resumed.waitFor((event) => event.event === "message_complete");
      const newEpoch = resumed.events.find((event) => event.id)?.id?.split(":")[0];
      expect(newEpoch).not.toBe(lastSeen.split(":")[0]);
      resumed.close();
    });

    test("SIGTERM on a gateway tells its SSE clients to reconnect, then the process exits cleanly", async () => {
      const extra = await ServiceProcess.start("gateway", "services/gateway/main.ts", cluster.environment);
      const client = new ChatApiClient(extra.baseUrl);
      await client.register("Drained");
      const chatId = (await client.request("POST", "/api/chats", {})).body.id;
      const stream = await client.events(`/api/chats/${chatId}/events`);
      expect(await extra.stop()).toBe(0);
      await stream.finished();
      expect(stream.ended).toBe(true);
      expect(stream.retryHints.at(-1)).toBe(1_000);
    });
  },
);
