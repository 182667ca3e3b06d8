import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ChatApiClient } from "../support/chat-api-client.ts";
import { ClusterDeployment } from "../support/cluster-deployment.ts";
import { redisAvailable } from "../support/infrastructure.ts";
import { RabbitNode, rabbitNodeAvailable } from "../support/rabbit-node.ts";
import { ResumingChatStream } from "../support/resuming-chat-stream.ts";
import type { ServiceProcess } from "../support/service-process.ts";

const partitions = 4;
const chatCount = 8;

type Chat = { id: string; client: ChatApiClient; stream: ResumingChatStream };

describe.skipIf(!rabbitNodeAvailable || !redisAvailable)(
  "the broker (a RabbitMQ node of this test's own) restarts mid-stream under two gateways",
  () => {
    let node: RabbitNode;
    let cluster: ClusterDeployment;
    const gateways: ServiceProcess[] = [];
    const chats: Chat[] = [];

    beforeAll(async () => {
      node = await RabbitNode.start();
      cluster = new ClusterDeployment("broker-restart", partitions, {
        AMQP_URL: node.url,
        DEMO_TOKENS_PER_SECOND: "30",
        BUS_REQUEST_TIMEOUT_MS: "5000",
      });
      await cluster.start("store");
      await Promise.all([cluster.start("session"), cluster.start("orchestrator")]);
      gateways.push(await cluster.start("gateway"), await cluster.start("gateway"));
      for (let index = 0; index < chatCount; index++) {
        const gateway = gateways[index % gateways.length] as ServiceProcess;
        const client = new ChatApiClient(gateway.baseUrl);
        expect((await client.register(`Restart${index}`)).status).toBe(201);
        const id = (await client.request("POST", "/api/chats", {})).body.id as string;
        const stream = new ResumingChatStream(id, client.token as string, () => gateway.baseUrl);
        await stream.open();
        chats.push({ id, client, stream });
      }
    });

    afterAll(async () => {
      for (const chat of chats) chat.stream.close();
      await cluster?.remove();
      await node?.remove();
    });

    test("every answer is completed and stored whole, and each client's text is exactly that", async () => {
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
      await node.restart(3_000);

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
