import { afterAll, beforeAll, describe, test } from "bun:test";
import { ClusterDeployment } from "../support/cluster-deployment.ts";
import { redisAvailable } from "../support/infrastructure.ts";
import { RabbitNode, rabbitNodeAvailable } from "../support/rabbit-node.ts";
import {
  expectEveryChatAnswersAgain,
  expectWholeAnswers,
  openStreamingChats,
  type StreamingChat,
  sendToAllAndWaitForStreaming,
} from "../support/streaming-chats.ts";

describe.skipIf(!rabbitNodeAvailable || !redisAvailable)(
  "the broker (a RabbitMQ node of this test's own) restarts mid-stream under two gateways",
  () => {
    let node: RabbitNode;
    let cluster: ClusterDeployment;
    let chats: StreamingChat[] = [];

    beforeAll(async () => {
      node = await RabbitNode.start();
      cluster = new ClusterDeployment("broker-restart", 4, {
        AMQP_URL: node.url,
        DEMO_TOKENS_PER_SECOND: "30",
        BUS_REQUEST_TIMEOUT_MS: "5000",
      });
      const gateways = await cluster.startAll(2);
      chats = await openStreamingChats(gateways, 8, "Restart");
    });

    afterAll(async () => {
      for (const chat of chats) chat.stream.close();
      await cluster?.remove();
      await node?.remove();
    });

    test("every answer is completed and stored whole, and each client's text is exactly that", async () => {
      const answers = await sendToAllAndWaitForStreaming(chats, "Tell me a long story");
      await node.restart(3_000);
      await expectWholeAnswers(chats, answers);
    });

    test("every chat takes a new message afterwards", () => expectEveryChatAnswersAgain(chats));
  },
);
