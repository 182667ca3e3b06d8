import { afterAll, beforeAll, describe, test } from "bun:test";
import { ClusterDeployment } from "../support/cluster-deployment.ts";
import { rabbitAvailable } from "../support/infrastructure.ts";
import { RedisNode, redisNodeAvailable } from "../support/redis-node.ts";
import {
  expectEveryChatAnswersAgain,
  expectWholeAnswers,
  openStreamingChats,
  type StreamingChat,
  sendToAllAndWaitForStreaming,
} from "../support/streaming-chats.ts";

describe.skipIf(!rabbitAvailable || !redisNodeAvailable)(
  "Redis (a server of this test's own, no persistence) restarts empty mid-stream under two gateways",
  () => {
    let redis: RedisNode;
    let cluster: ClusterDeployment;
    let chats: StreamingChat[] = [];

    beforeAll(async () => {
      redis = await RedisNode.start();
      cluster = new ClusterDeployment("redis-restart", 4, {
        REDIS_URL: redis.url,
        DEMO_TOKENS_PER_SECOND: "30",
        BUS_REQUEST_TIMEOUT_MS: "5000",
      });
      const gateways = await cluster.startAll(2);
      chats = await openStreamingChats(gateways, 6, "Redis");
    });

    afterAll(async () => {
      for (const chat of chats) chat.stream.close();
      await cluster?.remove();
      await redis?.stop();
    });

    test("every answer ends whole and stored, each client's text is exactly that, and every chat takes a new message afterwards", async () => {
      const answers = await sendToAllAndWaitForStreaming(chats, "Tell me a long story");
      await redis.restart(3_000);
      await expectWholeAnswers(chats, answers);
      await expectEveryChatAnswersAgain(chats);
    });
  },
);
