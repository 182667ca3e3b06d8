import { expect } from "bun:test";
import { ChatApiClient } from "./chat-api-client.ts";
import { ResumingChatStream } from "./resuming-chat-stream.ts";
import type { ServiceProcess } from "./service-process.ts";

/** One user's chat with its event stream open, as a careful client follows it across faults. */
export type StreamingChat = { id: string; client: ChatApiClient; stream: ResumingChatStream };

/**
 * Chats of `count` new users, spread over the gateways, each with its event stream open: the
 * clients of a fault test, whose answers must survive what the test breaks.
 *
 * @example
 * const chats = await openStreamingChats([gatewayA, gatewayB], 10, "Cut");
 * const answers = await sendToAllAndWaitForStreaming(chats, "Tell me a long story");
 * // ...break something...
 * await expectWholeAnswers(chats, answers);
 */
export async function openStreamingChats(
  gateways: ServiceProcess[],
  count: number,
  label: string,
): Promise<StreamingChat[]> {
  const chats: StreamingChat[] = [];
  for (let index = 0; index < count; index++) {
    const gateway = gateways[index % gateways.length] as ServiceProcess;
    const client = new ChatApiClient(gateway.baseUrl);
    expect((await client.register(`${label}${index}`)).status).toBe(201);
    const id = (await client.request("POST", "/api/chats", {})).body.id as string;
    const stream = new ResumingChatStream(id, client.token as string, () => gateway.baseUrl);
    await stream.open();
    chats.push({ id, client, stream });
  }
  return chats;
}

/** Sends `content` in every chat and waits until every answer is streaming; the answers' ids. */
export async function sendToAllAndWaitForStreaming(
  chats: StreamingChat[],
  content: string,
): Promise<string[]> {
  const answers = await Promise.all(
    chats.map(async (chat) => {
      const sent = await chat.client.request("POST", `/api/chats/${chat.id}/messages`, { content });
      expect(sent.status).toBe(202);
      return sent.body.assistantMessageId as string;
    }),
  );
  const streaming = () =>
    chats.filter((chat, index) => chat.stream.textOf(answers[index] as string).length > 0).length;
  for (let attempt = 0; streaming() < chats.length && attempt < 200; attempt++) await Bun.sleep(20);
  return answers;
}

/**
 * Every answer completes with "stop", each client's text (after any message_restart) is exactly
 * the complete answer, and the store holds it once, as the chat's latest message.
 */
export async function expectWholeAnswers(chats: StreamingChat[], answers: string[]): Promise<void> {
  for (const [index, chat] of chats.entries()) {
    const answerId = answers[index] as string;
    const complete = await chat.stream.waitForComplete(answerId, 90_000);
    expect(complete.finishReason).toBe("stop");
    expect({ chat: chat.id, text: chat.stream.textOf(answerId) }).toEqual({
      chat: chat.id,
      text: complete.fullContent,
    });
    let stored = await chat.client.request("GET", `/api/chats/${chat.id}`);
    for (let attempt = 0; stored.body.messages.at(-1)?.id !== answerId && attempt < 100; attempt++) {
      await Bun.sleep(100);
      stored = await chat.client.request("GET", `/api/chats/${chat.id}`);
    }
    const copies = stored.body.messages.filter((message: { id: string }) => message.id === answerId);
    expect(copies).toHaveLength(1);
    expect(stored.body.messages.at(-1)).toMatchObject({ id: answerId, content: complete.fullContent });
  }
}

/** Every chat takes a new message and answers it. */
export async function expectEveryChatAnswersAgain(chats: StreamingChat[]): Promise<void> {
  await Promise.all(
    chats.map(async (chat) => {
      const sent = await chat.client.request("POST", `/api/chats/${chat.id}/messages`, { content: "Again?" });
      expect(sent.status).toBe(202);
      await chat.stream.waitForComplete(sent.body.assistantMessageId as string, 60_000);
    }),
  );
}
