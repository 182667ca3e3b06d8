import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { DroppableProxy } from "../browser/droppable-proxy.ts";
import { ChatApiClient } from "../support/chat-api-client.ts";
import { ClusterDeployment } from "../support/cluster-deployment.ts";
import { rabbitAvailable, rabbitUrl, redisAvailable } from "../support/infrastructure.ts";
import { ResumingChatStream } from "../support/resuming-chat-stream.ts";
import type { ServiceProcess } from "../support/service-process.ts";

const partitions = 4;
const chatCount = 10;

type Chat = { id: string; client: ChatApiClient; stream: ResumingChatStream };

describe.skipIf(!rabbitAvailable || !redisAvailable)(
  "broker connections cut mid-stream by TCP proxies (the gateways' and the other services' apart), the broker stays up",
  () => {
    const cluster = new ClusterDeployment("broker-cut", partitions, {
      DEMO_TOKENS_PER_SECOND: "30",
      BUS_REQUEST_TIMEOUT_MS: "5000",
    });
    const gateways: ServiceProcess[] = [];
    const chats: Chat[] = [];
    let gatewayProxy: DroppableProxy;
    let serviceProxy: DroppableProxy;
    const start = (kind: string, override: Record<string, string>) => cluster.start(kind, override);

    beforeAll(async () => {
      const brokerPort = Number(new URL(rabbitUrl).port || 5672);
      gatewayProxy = await DroppableProxy.start(brokerPort);
      serviceProxy = await DroppableProxy.start(brokerPort);
      const through = (proxy: DroppableProxy) => ({
        AMQP_URL: `amqp://guest:guest@127.0.0.1:${new URL(proxy.baseUrl).port}`,
      });
      await start("store", through(serviceProxy));
      await Promise.all([
        start("session", through(serviceProxy)),
        start("orchestrator", through(serviceProxy)),
      ]);
      gateways.push(
        await start("gateway", through(gatewayProxy)),
        await start("gateway", through(gatewayProxy)),
      );
      for (let index = 0; index < chatCount; index++) {
        const gateway = gateways[index % gateways.length] as ServiceProcess;
        const client = new ChatApiClient(gateway.baseUrl);
        expect((await client.register(`Cut${index}`)).status).toBe(201);
        const id = (await client.request("POST", "/api/chats", {})).body.id as string;
        const stream = new ResumingChatStream(id, client.token as string, () => gateway.baseUrl);
        await stream.open();
        chats.push({ id, client, stream });
      }
    });

    afterAll(async () => {
      for (const chat of chats) chat.stream.close();
      await cluster.remove();
      await gatewayProxy?.stop();
      await serviceProxy?.stop();
    });

    test("every open stream is repaired from the replay log: each client's text is the stored answer, word for word", async () => {
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
        chats.filter((chat, index) => chat.stream.textOf(answers[index] as string).length > 0).length;
      for (let attempt = 0; streaming() < chatCount && attempt < 200; attempt++) await Bun.sleep(20);
      // Only the gateways lose the broker: the orchestrators go on publishing into the gap.
      expect(gatewayProxy.dropAll()).toBeGreaterThan(0);
      // Cut again while the gateways reconnect: a second gap inside the first.
      await Bun.sleep(300);
      gatewayProxy.dropAll();

      const completes = await Promise.all(
        chats.map((chat, index) => chat.stream.waitForComplete(answers[index] as string, 60_000)),
      );
      for (const [index, chat] of chats.entries()) {
        const answerId = answers[index] as string;
        const complete = completes[index] as { fullContent: string; finishReason: string };
        expect(complete.finishReason).toBe("stop");
        // The streams were never closed: the text came whole over the one connection.
        expect({ chat: chat.id, text: chat.stream.textOf(answerId) }).toEqual({
          chat: chat.id,
          text: complete.fullContent,
        });
        expect(chat.stream.reconnects).toBe(0);
        let stored = await chat.client.request("GET", `/api/chats/${chat.id}`);
        for (let attempt = 0; stored.body.messages.length < 2 && attempt < 50; attempt++) {
          await Bun.sleep(100);
          stored = await chat.client.request("GET", `/api/chats/${chat.id}`);
        }
        expect(stored.body.messages.at(-1)).toMatchObject({ id: answerId, content: complete.fullContent });
      }
    });

    test("the sessions', orchestrators' and store's connections cut mid-answer: each answer is written once, whole", async () => {
      const answers = await Promise.all(
        chats.map(async (chat) => {
          const sent = await chat.client.request("POST", `/api/chats/${chat.id}/messages`, {
            content: "And one more story",
          });
          expect(sent.status).toBe(202);
          return sent.body.assistantMessageId as string;
        }),
      );
      const streaming = () =>
        chats.filter((chat, index) => chat.stream.textOf(answers[index] as string).length > 0).length;
      for (let attempt = 0; streaming() < chatCount && attempt < 200; attempt++) await Bun.sleep(20);
      expect(serviceProxy.dropAll()).toBeGreaterThan(0);

      for (const [index, chat] of chats.entries()) {
        const answerId = answers[index] as string;
        const complete = await chat.stream.waitForComplete(answerId, 60_000);
        expect(complete.finishReason).toBe("stop");
        // An orchestrator that lost its channel stopped writing; the redelivered attempt restarted
        // the answer and wrote it alone, so the text after message_restart is the answer, once.
        expect({ chat: chat.id, text: chat.stream.textOf(answerId) }).toEqual({
          chat: chat.id,
          text: complete.fullContent,
        });
        let stored = await chat.client.request("GET", `/api/chats/${chat.id}`);
        for (let attempt = 0; stored.body.messages.at(-1)?.id !== answerId && attempt < 50; attempt++) {
          await Bun.sleep(100);
          stored = await chat.client.request("GET", `/api/chats/${chat.id}`);
        }
        const answersStored = stored.body.messages.filter(
          (message: { id: string }) => message.id === answerId,
        );
        expect(answersStored).toHaveLength(1);
        expect(answersStored[0]).toMatchObject({ content: complete.fullContent });
      }
    });

    test("a broker away for longer than the bus timeout: 503 with Retry-After, and all is well once it is back", async () => {
      const chat = chats[0] as Chat;
      gatewayProxy.refuse();
      const refused = await chat.client.request("POST", `/api/chats/${chat.id}/messages`, {
        content: "Anyone?",
      });
      expect(refused.status).toBe(503);
      expect(refused.body.error.code).toBe("UNAVAILABLE");
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
      gatewayProxy.accept();
      let accepted = refused;
      for (let attempt = 0; accepted.status !== 202 && attempt < 60; attempt++) {
        await Bun.sleep(500);
        accepted = await chat.client.request("POST", `/api/chats/${chat.id}/messages`, { content: "Back?" });
      }
      expect(accepted.status).toBe(202);
      const complete = await chat.stream.waitForComplete(accepted.body.assistantMessageId as string, 60_000);
      expect(chat.stream.textOf(accepted.body.assistantMessageId as string)).toBe(complete.fullContent);
    });

    test("Redis loses this deployment's data mid-stream (replay logs, actors): every answer still ends whole and stored", async () => {
      const answers = await Promise.all(
        chats.map(async (chat) => {
          const sent = await chat.client.request("POST", `/api/chats/${chat.id}/messages`, {
            content: "Tell me another story",
          });
          expect(sent.status).toBe(202);
          return sent.body.assistantMessageId as string;
        }),
      );
      const streaming = () =>
        chats.filter((chat, index) => chat.stream.textOf(answers[index] as string).length > 0).length;
      for (let attempt = 0; streaming() < chatCount && attempt < 200; attempt++) await Bun.sleep(20);
      const state = cluster.actorState();
      await state.removeKeys();
      await state.close();

      for (const [index, chat] of chats.entries()) {
        const answerId = answers[index] as string;
        const complete = await chat.stream.waitForComplete(answerId, 60_000);
        expect(complete.finishReason).toBe("stop");
        expect({ chat: chat.id, text: chat.stream.textOf(answerId) }).toEqual({
          chat: chat.id,
          text: complete.fullContent,
        });
        let stored = await chat.client.request("GET", `/api/chats/${chat.id}`);
        for (let attempt = 0; stored.body.messages.at(-1)?.id !== answerId && attempt < 50; attempt++) {
          await Bun.sleep(100);
          stored = await chat.client.request("GET", `/api/chats/${chat.id}`);
        }
        expect(stored.body.messages.at(-1)).toMatchObject({ id: answerId, content: complete.fullContent });
      }
    });

    test("every chat takes a new message afterwards", async () => {
      await Promise.all(
        chats.map(async (chat) => {
          const sent = await chat.client.request("POST", `/api/chats/${chat.id}/messages`, {
            content: "Again?",
          });
          expect(sent.status).toBe(202);
          await chat.stream.waitForComplete(sent.body.assistantMessageId as string, 60_000);
        }),
      );
    });
  },
);
