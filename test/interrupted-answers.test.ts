import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { MessageCompleteData } from "@chat/contracts";
import { ChatApiClient } from "./support/chat-api-client.ts";
import { ClusterDeployment } from "./support/cluster-deployment.ts";
import { type EmbeddedServer, generousLimits, startEmbeddedServer } from "./support/embedded-server.ts";
import { rabbitAvailable, redisAvailable } from "./support/infrastructure.ts";
import type { ServiceProcess } from "./support/service-process.ts";
import { type ServerSentEvent, SseReader } from "./support/sse-reader.ts";

type StoredMessage = { id: string; role: string; content: string; finishReason?: string };

/** The text a client has seen of `messageId`, from its chunks in order. */
function streamedText(events: ServerSentEvent[], messageId: string): string {
  return events
    .filter((event) => event.event === "message_chunk")
    .map((event) => event.data as { messageId: string; content: string })
    .filter((chunk) => chunk.messageId === messageId)
    .map((chunk) => chunk.content)
    .join("");
}

/** One text starts with the other: a checkpoint runs ahead of or behind what a client was sent. */
function onePrefixesTheOther(first: string, second: string): boolean {
  return first.startsWith(second) || second.startsWith(first);
}

/** Waits until the answer has streamed for a while: more than one checkpoint interval of text. */
async function waitForText(events: SseReader, messageId: string, minimumChars: number): Promise<void> {
  for (let attempt = 0; streamedText(events.events, messageId).length < minimumChars; attempt++) {
    if (attempt > 300) throw new Error(`no ${minimumChars} characters of ${messageId} streamed`);
    await Bun.sleep(20);
  }
}

async function storedMessages(client: ChatApiClient, chatId: string): Promise<StoredMessage[]> {
  const chat = await client.request("GET", `/api/chats/${chatId}`);
  expect(chat.status).toBe(200);
  return chat.body.messages as StoredMessage[];
}

/** Polls the chat until `done` holds for its messages; returns them. */
async function messagesWhen(
  client: ChatApiClient,
  chatId: string,
  done: (messages: StoredMessage[]) => boolean,
): Promise<StoredMessage[]> {
  let messages = await storedMessages(client, chatId);
  for (let attempt = 0; !done(messages) && attempt < 150; attempt++) {
    await Bun.sleep(100);
    messages = await storedMessages(client, chatId);
  }
  return messages;
}

/** Regenerates `messageId` and waits for the new answer to be complete: the chat works on. */
async function regenerateAndFinish(client: ChatApiClient, chatId: string, messageId: string): Promise<void> {
  const events = await client.events(`/api/chats/${chatId}/events`);
  const regenerated = await client.request("POST", `/api/chats/${chatId}/regenerate`, { messageId });
  expect(regenerated.status).toBe(202);
  const next = regenerated.body.assistantMessageId as string;
  const complete = await events.waitFor(
    (event) => event.event === "message_complete" && (event.data as MessageCompleteData).messageId === next,
    60_000,
  );
  expect((complete.data as MessageCompleteData).finishReason).toBe("stop");
  events.close();
  const messages = await messagesWhen(client, chatId, (found) => found.at(-1)?.id === next);
  expect(messages.map((message) => message.role)).toEqual(["user", "assistant"]);
  expect(messages.at(-1)).toMatchObject({ id: next, finishReason: "stop" });
}

describe("an answer whose writer dies is kept as far as it got, marked interrupted", () => {
  describe("embedded: kill -9 the all-in-one process mid-answer and start it again", () => {
    let server: EmbeddedServer | null = null;

    afterAll(async () => {
      await server?.stop();
    });

    test("the chat shows the checkpointed text as interrupted, a resuming stream gets it, and it can be regenerated", async () => {
      server = await startEmbeddedServer(
        { ...generousLimits, DEMO_TOKENS_PER_SECOND: "30", ANSWER_CHECKPOINT_MS: "200" },
        { settings: "plain" },
      );
      const client = new ChatApiClient(server.baseUrl);
      expect((await client.register("Interrupted")).status).toBe(201);
      const chatId = (await client.request("POST", "/api/chats", {})).body.id as string;
      const events = await client.events(`/api/chats/${chatId}/events`);
      const sent = await client.request("POST", `/api/chats/${chatId}/messages`, {
        content: "Tell me a long story",
      });
      expect(sent.status).toBe(202);
      const answerId = sent.body.assistantMessageId as string;
      await waitForText(events, answerId, 60);
      // Past a checkpoint interval after the text seen so far, so a checkpoint holds at least some of it.
      await Bun.sleep(400);
      const seen = streamedText(events.events, answerId);
      const lastEventId = events.events.at(-1)?.id as string;
      await server.process.kill();
      events.close();

      await server.restart();
      const messages = await messagesWhen(client, chatId, (found) => found.length === 2);
      expect(messages.map((message) => message.role)).toEqual(["user", "assistant"]);
      const answer = messages[1] as StoredMessage;
      expect(answer.id).toBe(answerId);
      expect(answer.finishReason).toBe("interrupted");
      expect(answer.content.length).toBeGreaterThan(0);
      // The checkpoint is the text as the orchestrator had it: what the client saw, give or take the
      // chunks written after the last checkpoint or not yet flushed to the client.
      expect(onePrefixesTheOther(answer.content, seen)).toBe(true);

      // A client resuming from before the restart learns the log began anew and gets the ending.
      const resumed = await SseReader.open(`${server.baseUrl}/api/chats/${chatId}/events`, {
        authorization: `Bearer ${client.token}`,
        "last-event-id": lastEventId,
      });
      const notice = await resumed.waitFor((event) => event.event === "error");
      expect(notice.data).toMatchObject({ code: "RESUME_EXPIRED" });
      const ending = await resumed.waitFor((event) => event.event === "message_complete");
      expect(ending.data).toMatchObject({
        messageId: answerId,
        finishReason: "interrupted",
        fullContent: answer.content,
      });
      resumed.close();

      await regenerateAndFinish(client, chatId, answerId);
    });
  });

  describe.skipIf(!rabbitAvailable || !redisAvailable)(
    "five processes: kill -9 the only orchestrator mid-answer while the actor state lives on",
    () => {
      const cluster = new ClusterDeployment("interrupted", 2, {
        DEMO_TOKENS_PER_SECOND: "30",
        ANSWER_CHECKPOINT_MS: "200",
        TURN_TIMEOUT_MS: "3000",
        ANSWER_RECOVERY_INTERVAL_MS: "500",
        ANSWER_DRAFT_STALE_MS: "1000",
        BUS_REQUEST_TIMEOUT_MS: "5000",
      });

      afterAll(() => cluster.remove());

      let gateway: ServiceProcess;
      let orchestrator: ServiceProcess;
      beforeAll(async () => {
        await cluster.start("store");
        await cluster.start("session");
        orchestrator = await cluster.start("orchestrator");
        gateway = await cluster.start("gateway");
      });

      test("once the turn times out the stream ends it as interrupted; a new orchestrator does not write it again", async () => {
        const client = new ChatApiClient(gateway.baseUrl);
        expect((await client.register("Orphaned")).status).toBe(201);
        const chatId = (await client.request("POST", "/api/chats", {})).body.id as string;
        const events = await client.events(`/api/chats/${chatId}/events`);
        const sent = await client.request("POST", `/api/chats/${chatId}/messages`, {
          content: "Tell me a long story",
        });
        const answerId = sent.body.assistantMessageId as string;
        await waitForText(events, answerId, 60);
        await Bun.sleep(400);
        await orchestrator.kill();

        const ending = await events.waitFor(
          (event) =>
            event.event === "message_complete" && (event.data as MessageCompleteData).messageId === answerId,
          30_000,
        );
        const ended = ending.data as MessageCompleteData;
        expect(ended.finishReason).toBe("interrupted");
        expect(ended.fullContent.length).toBeGreaterThan(0);
        expect(onePrefixesTheOther(streamedText(events.events, answerId), ended.fullContent)).toBe(true);
        const messages = await messagesWhen(client, chatId, (found) => found.length === 2);
        expect(messages[1]).toMatchObject({
          id: answerId,
          finishReason: "interrupted",
          content: ended.fullContent,
        });

        // The dead orchestrator's request comes back to the new one, which leaves the ended answer be.
        orchestrator = await cluster.start("orchestrator");
        await regenerateAndFinish(client, chatId, answerId);
        // Nothing of the ended answer streams again after its ending (a restart before it, of a
        // first attempt that failed under load, is the ordinary redelivery).
        const afterEnding = events.events.slice(events.events.indexOf(ending) + 1);
        expect(
          afterEnding.filter(
            (event) =>
              ["message_restart", "message_start", "message_chunk"].includes(event.event) &&
              (event.data as { messageId: string }).messageId === answerId,
          ),
        ).toEqual([]);
        expect((await storedMessages(client, chatId)).map((message) => message.id)).not.toContain(answerId);
        events.close();
      });
    },
  );
});
