import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { DroppableProxy } from "../browser/droppable-proxy.ts";
import { ClusterDeployment } from "../support/cluster-deployment.ts";
import { rabbitAvailable, rabbitUrl, redisAvailable } from "../support/infrastructure.ts";
import {
  expectEveryChatAnswersAgain,
  expectWholeAnswers,
  openStreamingChats,
  type StreamingChat,
  sendToAllAndWaitForStreaming,
} from "../support/streaming-chats.ts";

describe.skipIf(!rabbitAvailable || !redisAvailable)(
  "broker connections cut mid-stream by TCP proxies (the gateways' and the other services' apart), the broker stays up",
  () => {
    const cluster = new ClusterDeployment("broker-cut", 4, {
      DEMO_TOKENS_PER_SECOND: "30",
      BUS_REQUEST_TIMEOUT_MS: "5000",
    });
    let chats: StreamingChat[] = [];
    let gatewayProxy: DroppableProxy;
    let serviceProxy: DroppableProxy;

    beforeAll(async () => {
      const brokerPort = Number(new URL(rabbitUrl).port || 5672);
      gatewayProxy = await DroppableProxy.start(brokerPort);
      serviceProxy = await DroppableProxy.start(brokerPort);
      const through = (proxy: DroppableProxy) => ({
        AMQP_URL: `amqp://guest:guest@127.0.0.1:${new URL(proxy.baseUrl).port}`,
      });
      const gateways = await cluster.startAll(2, (kind) =>
        through(kind === "gateway" ? gatewayProxy : serviceProxy),
      );
      chats = await openStreamingChats(gateways, 10, "Cut");
    });

    afterAll(async () => {
      for (const chat of chats) chat.stream.close();
      await cluster.remove();
      await gatewayProxy?.stop();
      await serviceProxy?.stop();
    });

    test("the gateways' connections cut twice: every open stream is repaired from the replay log, word for word, with no reconnect", async () => {
      const answers = await sendToAllAndWaitForStreaming(chats, "Tell me a long story");
      // Only the gateways lose the broker: the orchestrators go on publishing into the gap.
      expect(gatewayProxy.dropAll()).toBeGreaterThan(0);
      // Cut again while the gateways reconnect: a second gap inside the first.
      await Bun.sleep(300);
      gatewayProxy.dropAll();
      await expectWholeAnswers(chats, answers);
      for (const chat of chats) expect(chat.stream.reconnects).toBe(0);
    });

    test("the sessions', orchestrators' and store's connections cut mid-answer: each answer is written once, whole", async () => {
      const answers = await sendToAllAndWaitForStreaming(chats, "And one more story");
      expect(serviceProxy.dropAll()).toBeGreaterThan(0);
      // An orchestrator that lost its channel stopped writing; the redelivered attempt restarted the
      // answer and wrote it alone, so the text after message_restart is the answer, once.
      await expectWholeAnswers(chats, answers);
    });

    test("a broker away for longer than the bus timeout: 503 with Retry-After, and all is well once it is back", async () => {
      const chat = chats[0] as StreamingChat;
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
      await expectWholeAnswers([chat], [accepted.body.assistantMessageId as string]);
    });

    test("Redis loses this deployment's data mid-stream (replay logs, actors): every answer still ends whole and stored", async () => {
      const answers = await sendToAllAndWaitForStreaming(chats, "Tell me another story");
      const state = cluster.actorState();
      await state.removeKeys();
      await state.close();
      await expectWholeAnswers(chats, answers);
    });

    test("every chat takes a new message afterwards", () => expectEveryChatAnswersAgain(chats));
  },
);
