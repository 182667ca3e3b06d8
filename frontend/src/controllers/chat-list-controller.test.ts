import { describe, expect, test } from "bun:test";
import type { Chat, ChatList } from "@chat/contracts";
import type { ReactiveControllerHost } from "lit";
import type { ApiClient } from "../api-client.ts";
import { ChatListController } from "./chat-list-controller.ts";

function chat(id: string, minute: number, marks: Partial<Chat> = {}): Chat {
  const at = `2026-12-06T10:${String(minute).padStart(2, "0")}:00.000Z`;
  return {
    id,
    title: id,
    model: "demo",
    createdAt: at,
    lastActivityAt: at,
    pinned: false,
    archived: false,
    ...marks,
  };
}

/** A controller over an API that answers the given first page and applies each placement. */
function controllerWith(firstPage: Chat[]) {
  const placements: Array<{ chatId: string; changes: object }> = [];
  const stored = new Map(firstPage.map((each) => [each.id, each]));
  const api = {
    async listChats(): Promise<ChatList> {
      return { chats: firstPage, nextCursor: null };
    },
    async organizeChat(chatId: string, changes: Partial<Chat> & { projectId?: string | null }) {
      placements.push({ chatId, changes });
      const { projectId, ...rest } = changes;
      const before = stored.get(chatId) as Chat;
      const { projectId: _, ...withoutProject } = before;
      const placed: Chat = {
        ...(projectId === null ? withoutProject : before),
        ...rest,
        ...(projectId ? { projectId } : {}),
      };
      stored.set(chatId, placed);
      return placed;
    },
  } as unknown as ApiClient;
  const host = {
    addController() {},
    removeController() {},
    requestUpdate() {},
    updateComplete: Promise.resolve(true),
  } satisfies ReactiveControllerHost;
  return { list: new ChatListController(host, { api }), placements };
}

const ids = (chats: Chat[]) => chats.map((each) => each.id);

describe("ChatListController", () => {
  test("lists pinned chats first, each part newest activity first, as the server does", async () => {
    const { list } = controllerWith([chat("a", 5), chat("b", 4, { pinned: true }), chat("c", 3)]);
    await list.refresh();
    expect(ids(list.chats)).toEqual(["b", "a", "c"]);

    await list.place("c", { pinned: true });
    expect(ids(list.chats)).toEqual(["b", "c", "a"]);
  });

  test("an archived chat leaves the list for the archive, and comes back when unarchived", async () => {
    const { list, placements } = controllerWith([chat("a", 5), chat("b", 4)]);
    await list.refresh();

    await list.place("a", { archived: true });
    expect([ids(list.chats), ids(list.archived)]).toEqual([["b"], ["a"]]);
    await list.place("a", { archived: false });
    expect([ids(list.chats), ids(list.archived)]).toEqual([["a", "b"], []]);
    expect(placements).toEqual([
      { chatId: "a", changes: { archived: true } },
      { chatId: "a", changes: { archived: false } },
    ]);
  });

  test("a deleted project's chats stay in no project, or go with it", async () => {
    const { list } = controllerWith([
      chat("a", 5, { projectId: "p1" }),
      chat("b", 4, { projectId: "p2" }),
      chat("c", 3, { projectId: "p2" }),
    ]);
    await list.refresh();

    list.projectRemoved("p1", true);
    expect(list.chats.find((each) => each.id === "a")).toEqual(chat("a", 5));
    list.projectRemoved("p2", false);
    expect(ids(list.chats)).toEqual(["a"]);
  });
});
