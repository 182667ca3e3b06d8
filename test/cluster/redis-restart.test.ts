import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ChatApiClient } from "../support/chat-api-client.ts";
import { ClusterDeployment } from "../support/cluster-deployment.ts";
import { rabbitAvailable } from "../support/infrastructure.ts";
import { RedisNode, redisNodeAvailable } from "../support/redis-node.ts";
import { ResumingChatStream } from "../support/resuming-chat-stream.ts";
import type { ServiceProcess } from "../support/service-process.ts";

const partitions = 4;
const chatCount = 6;

type Chat = { id: string; client: ChatApiClient; stream: ResumingChatStream };

describe.skipIf(!rabbitAvailable || !redisNodeAvailable)(
  "Redis (a server of this test's own, no persistence) restarts empty mid-stream under two gateways",
  () => {
    let redis: RedisNode;
    let cluster: ClusterDeployment;
    const chats: Chat[] = [];

    beforeAll(async () => {
      redis = await RedisNode.start();
      cluster = new ClusterDeployment("redis-restart", partitions, {
        REDIS_URL: redis.url,
        DEMO_TOKENS_PER_SECOND: "30",
        BUS_REQUEST_TIMEOUT_MS: "5000",
      });
      await cluster.start("store");
      await Promise.all([cluster.start("session"), cluster.start("orchestrator")]);
      const gateways = [await cluster.start("gateway"), await cluster.start("gateway")];
      for (let index = 0; index < chatCount; index++) {
        const gateway = gateways[index % gateways.length] as ServiceProcess;
        const client = new ChatApiClient(gateway.baseUrl);
        expect((await client.register(`Redis${index}`)).status).toBe(201);
        const id = (await client.request("POST", "/api/chats", {})).body.id as string;
        const stream = new ResumingChatStream(id, client.token as string, () => gateway.baseUrl);
        await stream.open();
        chats.push({ id, client, stream });
      }
    });

    afterAll(async () => {
      for (const chat of chats) chat.stream.close();
      await cluster?.remove();
      await redis?.stop();
    });

    test("every answer ends whole and stored, each client's text is exactly that, and every chat takes a new message afterwards", async () => {
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
      await redis.restart(3_000);

      for (const [index, chat] of chats.entries()) {
        const answerId = answers[index] as string;
        const complete = await chat.stream.waitForComplete(answerId, 90_000);
        expect({ chat: chat.id, text: chat.stream.textOf(answerId) }).toEqual({
          chat: chat.id,
          text: complete.fullContent,
        });
        let stored = await chat.client.request("GET", `/api/chats/${chat.id}`);
        for (let attempt = 0; stored.body.messages.at(-1)?.id !== answerId && attempt < 100; attempt++) {
          await Bun.sleep(100);
          stored = await chat.client.request("GET", `/api/chats/${chat.id}`);
        }
        expect(stored.body.messages.at(-1)).toMatchObject({ id: answerId, content: complete.fullContent });
      }
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
