import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { BUS_MESSAGE_VERSION, type GenerationRequest } from "@chat/contracts";
import amqp from "amqplib";
import Redis from "ioredis";
import { ChatApiClient } from "../support/chat-api-client.ts";
import { ClusterDeployment } from "../support/cluster-deployment.ts";
import { rabbitAvailable, rabbitUrl, redisAvailable, redisUrl } from "../support/infrastructure.ts";
import { ResumingChatStream } from "../support/resuming-chat-stream.ts";
import type { ServiceProcess } from "../support/service-process.ts";

const partitions = 8;
const chatCount = 50;
const users = 5;
const deliveryLimit = 3;

type Chat = {
  id: string;
  client: ChatApiClient;
  stream: ResumingChatStream;
  gateway: number;
  answers: string[];
};

describe.skipIf(!rabbitAvailable || !redisAvailable)(
  "faults: 2 gateways, 2 sessions, 2 orchestrators, a store and a notifier; kill -9 one of each mid-stream",
  () => {
    const cluster = new ClusterDeployment("faults", partitions, {
      BUS_DELIVERY_LIMIT: String(deliveryLimit),
      DEMO_TOKENS_PER_SECOND: "15",
      ORCHESTRATOR_CONCURRENCY: "64",
      BUS_REQUEST_TIMEOUT_MS: "5000",
    });
    const namespace = cluster.namespace;
    const processes: Record<string, ServiceProcess[]> = {};
    const gateways: Array<ServiceProcess | null> = [null, null];
    const chats: Chat[] = [];

    const start = async (kind: string, override: Record<string, string> = {}) => {
      const service = await cluster.start(kind, override);
      processes[kind] = [...(processes[kind] ?? []), service];
      return service;
    };
    const firstOf = (kind: string) => {
      const service = processes[kind]?.[0];
      if (!service) throw new Error(`no ${kind} process is running`);
      return service;
    };
    const liveGateway = (preferred: number) =>
      (gateways[preferred] ?? gateways.find((gateway) => gateway)) as ServiceProcess;

    beforeAll(async () => {
      await start("store");
      await Promise.all([start("session"), start("orchestrator"), start("notifier")]);
      await Promise.all([start("session"), start("orchestrator")]);
      gateways[0] = await start("gateway");
      gateways[1] = await start("gateway");
      const clients: ChatApiClient[] = [];
      for (let index = 0; index < users; index++) {
        const client = new ChatApiClient(liveGateway(index % 2).baseUrl);
        expect((await client.register(`Faulty${index}`)).status).toBe(201);
        clients.push(client);
      }
      for (let index = 0; index < chatCount; index++) {
        const client = clients[index % users] as ChatApiClient;
        const gateway = index % 2;
        const id = (await client.request("POST", "/api/chats", { title: `Chat ${index}` })).body.id as string;
        const stream = new ResumingChatStream(id, client.token as string, () => liveGateway(gateway).baseUrl);
        await stream.open();
        chats.push({ id, client, stream, gateway, answers: [] });
      }
    });

    afterAll(async () => {
      for (const chat of chats) chat.stream.close();
      await cluster.remove();
    });

    /** Starts a turn in every chat, runs `fault` once the answers are streaming, then checks every chat. */
    async function roundWith(fault: () => Promise<void>) {
      const turns = await Promise.all(
        chats.map(async (chat) => {
          chat.client = Object.assign(new ChatApiClient(liveGateway(chat.gateway).baseUrl), {
            token: chat.client.token,
          });
          const sent = await chat.client.request("POST", `/api/chats/${chat.id}/messages`, {
            content: `Question ${chat.answers.length + 1} in ${chat.id}`,
            clientMessageId: `${chat.id.slice(-12)}-${chat.answers.length}`,
          });
          expect(sent.status).toBe(202);
          return sent.body.assistantMessageId as string;
        }),
      );
      // The fault strikes once most answers are streaming, well before any can have finished.
      const streaming = () =>
        chats.filter((chat, index) => chat.stream.textOf(turns[index] as string).length > 0).length;
      for (let attempt = 0; streaming() < chatCount * 0.8 && attempt < 200; attempt++) await Bun.sleep(20);
      await fault();
      const completes = await Promise.all(
        chats.map((chat, index) => chat.stream.waitForComplete(turns[index] as string, 90_000)),
      );
      for (const [index, chat] of chats.entries()) {
        const complete = completes[index] as { fullContent: string; finishReason: string };
        expect(complete.finishReason).toBe("stop");
        expect(chat.stream.textOf(turns[index] as string)).toBe(complete.fullContent);
        chat.answers.push(complete.fullContent);
      }
      return turns;
    }

    async function expectStoredExactlyOnce() {
      for (const chat of chats) {
        const client = Object.assign(new ChatApiClient(liveGateway(chat.gateway).baseUrl), {
          token: chat.client.token,
        });
        let stored = await client.request("GET", `/api/chats/${chat.id}`);
        for (
          let attempt = 0;
          (stored.status !== 200 || stored.body.messages.length < chat.answers.length * 2) && attempt < 100;
          attempt++
        ) {
          await Bun.sleep(100);
          stored = await client.request("GET", `/api/chats/${chat.id}`);
        }
        const messages = stored.body.messages as Array<{ id: string; role: string; content: string }>;
        expect(messages.map((message) => message.role)).toEqual(
          chat.answers.flatMap(() => ["user", "assistant"]),
        );
        expect(new Set(messages.map((message) => message.id)).size).toBe(messages.length);
        expect(
          messages.filter((message) => message.role === "assistant").map((message) => message.content),
        ).toEqual(chat.answers);
      }
    }

    test("an orchestrator killed mid-stream: its requests are redelivered and restart on the other", async () => {
      const restartsBefore = chats.reduce((sum, chat) => sum + chat.stream.restarts, 0);
      await roundWith(async () => {
        await firstOf("orchestrator").kill();
      });
      expect(chats.reduce((sum, chat) => sum + chat.stream.restarts, 0)).toBeGreaterThan(restartsBefore);
      await expectStoredExactlyOnce();
    });

    test("a session instance killed mid-stream: its partitions fail over and every turn finishes", async () => {
      await roundWith(async () => {
        await firstOf("session").kill();
      });
      await expectStoredExactlyOnce();
    });

    test("a gateway killed mid-stream: its clients resume through the other with no gap and no duplicate", async () => {
      const reconnectsBefore = chats.reduce((sum, chat) => sum + chat.stream.reconnects, 0);
      await roundWith(async () => {
        const victim = gateways[0] as ServiceProcess;
        gateways[0] = null;
        await victim.kill();
      });
      expect(chats.reduce((sum, chat) => sum + chat.stream.reconnects, 0)).toBeGreaterThan(reconnectsBefore);
      for (const chat of chats) {
        expect(new Set(chat.stream.eventIds).size).toBe(chat.stream.eventIds.length);
        expect(chat.stream.resumeExpired).toBe(0);
      }
      await expectStoredExactlyOnce();
    });

    test("the store killed mid-stream: completions wait in its queue and are written once when it is back", async () => {
      await roundWith(async () => {
        const store = firstOf("store");
        await store.kill();
        await Bun.sleep(2_000);
        processes.store = [await start("store", { PORT: String(store.port) })];
      });
      await expectStoredExactlyOnce();
    });

    test("no chat is stuck busy: each takes the next message", async () => {
      for (const chat of chats) {
        const client = Object.assign(new ChatApiClient(liveGateway(chat.gateway).baseUrl), {
          token: chat.client.token,
        });
        const cancel = await client.request("POST", `/api/chats/${chat.id}/cancel`);
        expect(cancel.body).toEqual({ cancelled: false, messageId: null });
      }
    });

    test("a poison generation request is dead-lettered after the delivery limit while other chats stream on", async () => {
      // A chat of its own, so the store takes the request's answer draft (a request for a chat that
      // does not exist would be dropped as ended at its first redelivery, not dead-lettered).
      const owner = (chats[0] as Chat).client;
      const poisonedChat = (await owner.request("POST", "/api/chats", { title: "Poisoned" })).body
        .id as string;
      const ownerId = (await owner.request("GET", "/api/me")).body.user.id as string;
      const redis = new Redis(redisUrl);
      // A replay log key of the wrong type makes every attempt fail, as corrupted state would.
      await redis.set(`${namespace}:chat:{${poisonedChat}}:events`, "not a stream");
      await redis.set(`${namespace}:chat:{${poisonedChat}}:epoch`, "poison");
      await redis.quit();
      const request: GenerationRequest = {
        id: "poison-request",
        type: "generation_requested",
        v: BUS_MESSAGE_VERSION,
        chatId: poisonedChat,
        occurredAt: new Date().toISOString(),
        traceparent: "00-00000000000000000000000000000001-0000000000000001-01",
        userId: ownerId,
        assistantMessageId: "poison-message",
        model: "demo",
        messages: [{ role: "user", content: "poison" }],
      };
      const connection = await amqp.connect(rabbitUrl);
      const channel = await connection.createConfirmChannel();
      channel.sendToQueue(`${namespace}.ai.generate`, Buffer.from(JSON.stringify(request)), {
        persistent: true,
      });
      await channel.waitForConfirms();
      await connection.close();

      await roundWith(async () => {});

      const inspector = await cluster.connectBus(deliveryLimit);
      let letters: unknown[] = [];
      for (let attempt = 0; letters.length === 0 && attempt < 50; attempt++) {
        letters = await inspector.deadLetters("ai.generate");
        if (letters.length === 0) await Bun.sleep(200);
      }
      await inspector.close();
      expect(letters).toHaveLength(1);
      expect(letters[0]).toMatchObject({ id: "poison-request", assistantMessageId: "poison-message" });
    });
  },
);
