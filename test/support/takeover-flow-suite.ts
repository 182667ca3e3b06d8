import { beforeAll, expect, test } from "bun:test";
import { ChatApiClient } from "./chat-api-client.ts";
import type { SseReader } from "./sse-reader.ts";

/** Where the suite's clients connect: users to one gateway, agents to another (or the same). */
export type TakeoverGateways = { user: string; agent: string };

const noSuchRoute = { error: { code: "ROUTE_NOT_FOUND", message: "No such route" } };

/**
 * Help requests and human takeover end to end, for any deployment whose first account is the
 * admin and whose HOLD_TTL_MS is `holdTtlMs`: a user asks for a person, an agent takes the chat
 * over and writes, the user writes back (the AI keeps quiet), the agent releases and the AI
 * answers again; a second agent is refused; a hold nobody renews is ended by the session's
 * sweep (ANSWER_RECOVERY_INTERVAL_MS) with nothing happening in the chat.
 *
 * @example
 * takeoverFlowSuite(() => ({ user: first.baseUrl, agent: second.baseUrl }), { holdTtlMs: 4_000 });
 */
export function takeoverFlowSuite(
  gateways: () => TakeoverGateways,
  options: {
    holdTtlMs: number;
    /** Kills the agents' gateway and starts another on its address, for the restart test. */
    restartAgentGateway?: () => Promise<void>;
  },
) {
  let admin: ChatApiClient;
  let agent: ChatApiClient;
  let otherAgent: ChatApiClient;
  const streams: SseReader[] = [];

  async function signUp(base: string, name: string) {
    const client = await ChatApiClient.signUp(base, name);
    return { client, id: (await client.request("GET", "/api/me")).body.user.id as string };
  }

  beforeAll(async () => {
    const { user, agent: agentBase } = gateways();
    admin = (await signUp(user, "Root")).client;
    for (const name of ["Grace", "Alan"]) {
      const made = await signUp(agentBase, name);
      const role = await admin.request("PUT", `/api/admin/users/${made.id}/role`, { role: "agent" });
      expect(role.status).toBe(200);
      if (name === "Grace") agent = made.client;
      else otherAgent = made.client;
    }
  });

  async function answeredChat(user: ChatApiClient) {
    const { chatId, events } = await user.answeredChat("Hello machine");
    streams.push(events);
    return { chatId, events };
  }

  const chatInList = async (user: ChatApiClient, chatId: string) =>
    ((await user.request("GET", "/api/chats")).body.chats as Array<Record<string, unknown>>).find(
      (chat) => chat.id === chatId,
    );

  test("help request, takeover, agent and user on two gateways, release, then the AI answers again", async () => {
    const user = (await signUp(gateways().user, "Ada")).client;
    const { chatId, events } = await answeredChat(user);

    const asked = await user.request("POST", `/api/chats/${chatId}/help`, { note: "It keeps looping" });
    expect(asked.status).toBe(200);
    expect(asked.body).toMatchObject({ needsHelp: true, helpNote: "It keeps looping", heldBy: null });
    await events.waitFor((event) => event.event === "help_requested");
    expect(await chatInList(user, chatId)).toMatchObject({
      needsHelp: true,
      assisted: false,
      messageCount: 2,
    });

    const seen = await agent.request("GET", `/api/admin/chats/${chatId}`);
    expect(seen.status).toBe(200);
    expect(seen.body).toMatchObject({ id: chatId, needsHelp: true });
    expect(seen.body.messages).toHaveLength(2);
    // Staff follow any chat's events, here on the other gateway.
    const agentEvents = await agent.events(`/api/chats/${chatId}/events`);
    streams.push(agentEvents);

    const taken = await agent.request("POST", `/api/admin/chats/${chatId}/takeover`);
    expect(taken.status).toBe(200);
    expect(taken.body).toMatchObject({ needsHelp: false, assisted: true, heldBy: { name: "Grace" } });
    const joined = await events.waitFor((event) => event.event === "agent_joined");
    expect(joined.data).toMatchObject({ chatId, agent: { name: "Grace" } });

    const refused = await otherAgent.request("POST", `/api/admin/chats/${chatId}/takeover`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe("CHAT_HELD");
    expect(refused.body.error.message).toContain("Grace");
    const notHolder = await otherAgent.request("POST", `/api/admin/chats/${chatId}/messages`, {
      content: "Hi",
    });
    expect(notHolder.body.error.code).toBe("CHAT_HELD");

    const written = await agent.request("POST", `/api/admin/chats/${chatId}/messages`, {
      content: "Hello, Grace here. Let me look.",
    });
    expect(written.status).toBe(200);
    const shown = await events.waitFor(
      (event) => event.event === "message_created" && (event.data as any).message.author?.name === "Grace",
    );
    expect((shown.data as any).message).toMatchObject({
      role: "assistant",
      content: "Hello, Grace here. Let me look.",
    });

    const question = await user.request("POST", `/api/chats/${chatId}/messages`, {
      content: "Thanks, Grace",
    });
    expect(question.status).toBe(202);
    expect(question.body.heldBy).toMatchObject({ name: "Grace" });
    expect(question.body.assistantMessageId).toBeUndefined();
    await agentEvents.waitFor(
      (event) => event.event === "message_created" && (event.data as any).message.content === "Thanks, Grace",
    );

    const released = await agent.request("DELETE", `/api/admin/chats/${chatId}/takeover`);
    expect(released.status).toBe(200);
    expect(released.body).toMatchObject({ heldBy: null, assisted: true });
    const left = await events.waitFor((event) => event.event === "agent_left");
    expect(left.data).toMatchObject({ reason: "released", agent: { name: "Grace" } });
    // Nothing was generated while the agent held the chat.
    expect(events.events.filter((event) => event.event === "message_start")).toHaveLength(1);

    const after = await user.request("POST", `/api/chats/${chatId}/messages`, {
      content: "And now, machine?",
    });
    expect(after.status).toBe(202);
    expect(after.body.assistantMessageId).toBeString();
    await events.waitFor(
      (event) =>
        event.event === "message_complete" && (event.data as any).messageId === after.body.assistantMessageId,
    );

    let listed: Record<string, unknown> | undefined;
    for (let attempt = 0; attempt < 50; attempt++) {
      listed = await chatInList(user, chatId);
      if (listed?.messageCount === 6) break;
      await Bun.sleep(100);
    }
    expect(listed).toMatchObject({ assisted: true, needsHelp: false, heldBy: null, messageCount: 6 });

    const audit = await admin.request("GET", `/api/admin/audit-log?chatId=${chatId}`);
    expect(audit.body.entries.map((entry: { action: string }) => entry.action)).toEqual([
      "chat_released",
      "agent_message",
      "chat_taken_over",
    ]);
  });

  test("the same over WebSocket frames: help_request, take_over, agent_message, a refused second agent, release_chat", async () => {
    const user = (await signUp(gateways().user, "Ida")).client;
    const { chatId } = await answeredChat(user);
    const userSocket = await user.socket();
    const agentSocket = await agent.socket();
    const otherSocket = await otherAgent.socket();
    try {
      userSocket.send({ type: "help_request", chatId, note: "Over the socket", requestId: "h1" });
      const asked = await userSocket.waitFor((frame) => frame.requestId === "h1");
      expect(asked).toMatchObject({ type: "chat_assistance", needsHelp: true, helpNote: "Over the socket" });
      userSocket.send({ type: "subscribe", chatId, requestId: "s1" });
      await userSocket.waitFor((frame) => frame.requestId === "s1");

      agentSocket.send({ type: "take_over", chatId, requestId: "t1" });
      expect(await agentSocket.waitFor((frame) => frame.requestId === "t1")).toMatchObject({
        type: "chat_assistance",
        heldBy: { name: "Grace" },
      });
      await userSocket.waitFor((frame) => frame.type === "agent_joined");

      otherSocket.send({ type: "take_over", chatId, requestId: "t2" });
      const refused = await otherSocket.waitFor((frame) => frame.requestId === "t2");
      expect(refused).toMatchObject({ type: "error", code: "CHAT_HELD" });
      expect(String(refused.error)).toContain("Grace");

      agentSocket.send({ type: "agent_message", chatId, content: "Typed over the socket", requestId: "m1" });
      expect(await agentSocket.waitFor((frame) => frame.requestId === "m1")).toMatchObject({
        type: "agent_message_accepted",
        message: { author: { name: "Grace" } },
      });
      await userSocket.waitFor(
        (frame) => frame.type === "message_created" && (frame.message as any).author?.name === "Grace",
      );
      // The agent's socket follows the chat since its take_over: it sees the user write.
      userSocket.send({ type: "chat_message", chatId, content: "Got it", requestId: "u1" });
      expect(await userSocket.waitFor((frame) => frame.requestId === "u1")).toMatchObject({
        type: "message_accepted",
        heldBy: { name: "Grace" },
      });
      await agentSocket.waitFor(
        (frame) => frame.type === "message_created" && (frame.message as any).content === "Got it",
      );

      agentSocket.send({ type: "release_chat", chatId, requestId: "r1" });
      expect(await agentSocket.waitFor((frame) => frame.requestId === "r1")).toMatchObject({
        type: "chat_assistance",
        heldBy: null,
      });
      await userSocket.waitFor((frame) => frame.type === "agent_left");
    } finally {
      userSocket.close();
      agentSocket.close();
      otherSocket.close();
    }
  });

  test("cancelling a help request; a user gets 404 on the staff routes and cannot follow others' chats", async () => {
    const user = (await signUp(gateways().user, "Bob")).client;
    const { chatId, events } = await answeredChat(user);
    await user.request("POST", `/api/chats/${chatId}/help`);
    const cancelled = await user.request("DELETE", `/api/chats/${chatId}/help`);
    expect(cancelled.body).toMatchObject({ needsHelp: false });
    await events.waitFor((event) => event.event === "help_cancelled");

    const stranger = (await signUp(gateways().user, "Eve")).client;
    for (const [method, path, body] of [
      ["GET", `/api/admin/chats/${chatId}`],
      ["POST", `/api/admin/chats/${chatId}/takeover`],
      ["POST", `/api/admin/chats/${chatId}/messages`, { content: "hi" }],
      ["DELETE", `/api/admin/chats/${chatId}/takeover`],
    ] as const) {
      expect(await stranger.request(method, path, body)).toMatchObject({ status: 404, body: noSuchRoute });
    }
    expect((await stranger.request("POST", `/api/chats/${chatId}/help`)).status).toBe(404);
    await expect(stranger.events(`/api/chats/${chatId}/events`)).rejects.toThrow("404");
  });

  test.skipIf(!options.restartAgentGateway)(
    "the agents' gateway killed and restarted mid-takeover: the hold is still there, the agent writes on",
    async () => {
      const user = (await signUp(gateways().user, "Dora")).client;
      const { chatId, events } = await answeredChat(user);
      expect((await agent.request("POST", `/api/admin/chats/${chatId}/takeover`)).status).toBe(200);

      await options.restartAgentGateway?.();
      // In one process the restart also ended the user's stream: follow the chat again.
      events.close();
      const followed = await user.events(`/api/chats/${chatId}/events`);
      streams.push(followed);

      const refused = await otherAgent.request("POST", `/api/admin/chats/${chatId}/takeover`);
      expect(refused.body.error?.code).toBe("CHAT_HELD");
      const written = await agent.request("POST", `/api/admin/chats/${chatId}/messages`, {
        content: "Still here",
      });
      expect(written.status).toBe(200);
      await followed.waitFor(
        (event) => event.event === "message_created" && (event.data as any).message.content === "Still here",
      );
      expect((await agent.request("DELETE", `/api/admin/chats/${chatId}/takeover`)).status).toBe(200);
      await followed.waitFor((event) => event.event === "agent_left");
    },
  );

  test("an agent who stops renewing (killed) leaves no stuck chat: the hold expires and the AI answers", async () => {
    const user = (await signUp(gateways().user, "Cy")).client;
    const { chatId, events } = await answeredChat(user);
    expect((await agent.request("POST", `/api/admin/chats/${chatId}/takeover`)).status).toBe(200);

    // Nothing happens in the chat: the session's sweep ends the hold by itself.
    const left = await events.waitFor((event) => event.event === "agent_left", options.holdTtlMs + 10_000);
    expect(left.data).toMatchObject({ reason: "expired", agent: { name: "Grace" } });
    expect(await chatInList(user, chatId)).toMatchObject({ heldBy: null, assisted: true });
    const after = await user.request("POST", `/api/chats/${chatId}/messages`, { content: "Anyone?" });

    expect(after.status).toBe(202);
    expect(after.body.assistantMessageId).toBeString();
    await events.waitFor(
      (event) =>
        event.event === "message_complete" && (event.data as any).messageId === after.body.assistantMessageId,
    );
    // Another agent may take it now.
    expect((await otherAgent.request("POST", `/api/admin/chats/${chatId}/takeover`)).status).toBe(200);
    for (const stream of streams.splice(0)) stream.close();
  });
}
