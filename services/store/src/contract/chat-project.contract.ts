import { describe, expect, test } from "bun:test";
import { ChatProject } from "@chat/contracts";
import { Value } from "@sinclair/typebox/value";
import type { NewChatProject } from "../chat-project-repository.ts";
import {
  at,
  expectAppError,
  type MakeStore,
  newChat,
  storePerTest,
  unmarkedChat,
  userMessage,
} from "./store-fixtures.ts";

function newProject(id: string, userId: string, createdAtSeconds: number): NewChatProject {
  return { id, userId, name: `Project ${id}`, instructions: "", createdAt: at(createdAtSeconds) };
}

/**
 * The projects part of the store contract (ChatProjectRepository), and what projects, pins and
 * archives ask of the ChatRepository: a chat's project, listChats' filters and its order.
 */
export function chatProjectContract(name: string, make: MakeStore): void {
  describe(`${name} (ChatProjectRepository contract)`, () => {
    const store = storePerTest(make);

    test("a created project is read back and listed, oldest first; another user's is missing", async () => {
      const second = await store.chatProjects.createProject({
        ...newProject("p2", "u1", 20),
        instructions: "Answer in French.",
        model: "demo",
      });
      const first = await store.chatProjects.createProject(newProject("p1", "u1", 10));
      await store.chatProjects.createProject(newProject("p3", "u2", 5));

      expect(second).toStrictEqual({
        id: "p2",
        name: "Project p2",
        instructions: "Answer in French.",
        model: "demo",
        createdAt: at(20),
      });
      expect(Value.Check(ChatProject, first)).toBe(true);
      expect("model" in first).toBe(false);
      expect(await store.chatProjects.getProject("p2", "u1")).toStrictEqual(second);
      expect(await store.chatProjects.listProjects("u1")).toStrictEqual([first, second]);
      expect(await store.chatProjects.getProject("p3", "u1")).toBeNull();
      expect(await store.chatProjects.updateProject("p3", "u1", { name: "Mine now" })).toBeNull();
      expect(await store.chatProjects.deleteProject("p3", "u1")).toBe(false);
      expect((await store.chatProjects.getProject("p3", "u2"))?.name).toBe("Project p3");
    });

    test("creating the same project again returns the stored one; another user's id is refused", async () => {
      const created = await store.chatProjects.createProject(newProject("p1", "u1", 10));
      expect(
        await store.chatProjects.createProject({ ...newProject("p1", "u1", 99), name: "Again" }),
      ).toStrictEqual(created);
      await expectAppError(store.chatProjects.createProject(newProject("p1", "u2", 10)), "VALIDATION_FAILED");
    });

    test("updates name, instructions and model; an absent field stays, a null model is cleared", async () => {
      await store.chatProjects.createProject({
        ...newProject("p1", "u1", 10),
        instructions: "Be brief.",
        model: "demo",
      });

      const renamed = await store.chatProjects.updateProject("p1", "u1", { name: "Renamed" });
      expect(renamed).toStrictEqual({
        id: "p1",
        name: "Renamed",
        instructions: "Be brief.",
        model: "demo",
        createdAt: at(10),
      });
      const changed = await store.chatProjects.updateProject("p1", "u1", { instructions: "", model: null });
      expect(changed).toStrictEqual({ id: "p1", name: "Renamed", instructions: "", createdAt: at(10) });
      expect(await store.chatProjects.getProject("p1", "u1")).toStrictEqual(changed);
    });

    test("a chat is created in a project, moved out and in again, without moving its activity", async () => {
      await store.chatProjects.createProject(newProject("p1", "u1", 10));
      const created = await store.chats.createChat({ ...newChat("c1", "u1", 10), projectId: "p1" });
      expect(created).toStrictEqual({
        id: "c1",
        title: "Chat c1",
        model: "demo",
        createdAt: at(10),
        lastActivityAt: at(10),
        ...unmarkedChat,
        projectId: "p1",
      });

      const out = await store.chats.updateChat("c1", "u1", { projectId: null });
      const { projectId: _, ...outOfProject } = created;
      expect(out).toStrictEqual({ chat: outOfProject, updated: true });
      expect(await store.chats.getChat("c1", "u1")).toStrictEqual(outOfProject);

      const back = await store.chats.updateChat("c1", "u1", { projectId: "p1", title: "Renamed" });
      expect(back?.chat).toStrictEqual({ ...created, title: "Renamed" });
    });

    test("pins and archives a chat, and unpins and unarchives it; other settings stay", async () => {
      const created = await store.chats.createChat({ ...newChat("c1", "u1", 10), systemPrompt: "Be brief." });

      const marked = await store.chats.updateChat("c1", "u1", { pinned: true, archived: true });
      expect(marked).toStrictEqual({ chat: { ...created, pinned: true, archived: true }, updated: true });
      const unpinned = await store.chats.updateChat("c1", "u1", { pinned: false });
      expect(unpinned?.chat).toStrictEqual({ ...created, archived: true });
      expect(await store.chats.updateChat("c1", "u1", { archived: false })).toStrictEqual({
        chat: created,
        updated: true,
      });
    });

    test("lists pinned chats first, each part newest activity first, paging without gaps or duplicates", async () => {
      for (let index = 1; index <= 7; index++) {
        await store.chats.createChat(newChat(`c${index}`, "u1", index * 10));
      }
      await store.chats.updateChat("c2", "u1", { pinned: true });
      await store.chats.updateChat("c5", "u1", { pinned: true });
      await store.chats.appendMessage("u1", userMessage("m1", "c1", 100));

      const order = ["c5", "c2", "c1", "c7", "c6", "c4", "c3"];
      expect((await store.chats.listChats("u1", { limit: 10 })).items.map((chat) => chat.id)).toEqual(order);
      for (const limit of [1, 2, 3]) {
        const seen: string[] = [];
        let cursor: string | undefined;
        do {
          const page = await store.chats.listChats("u1", { limit, cursor });
          seen.push(...page.items.map((chat) => chat.id));
          cursor = page.nextCursor ?? undefined;
        } while (cursor);
        expect(seen).toEqual(order);
      }
    });

    test("filters by project and by archive; a cursor of one filter pages the same filter", async () => {
      await store.chatProjects.createProject(newProject("p1", "u1", 1));
      await store.chatProjects.createProject(newProject("p2", "u2", 1));
      await store.chats.createChat({ ...newChat("in1", "u1", 10), projectId: "p1" });
      await store.chats.createChat({ ...newChat("in2", "u1", 20), projectId: "p1" });
      await store.chats.createChat({ ...newChat("in3", "u1", 30), projectId: "p1" });
      await store.chats.createChat(newChat("out", "u1", 40));
      await store.chats.createChat({ ...newChat("theirs", "u2", 50), projectId: "p2" });
      await store.chats.updateChat("in2", "u1", { archived: true });
      await store.chats.updateChat("out", "u1", { archived: true });
      await store.chats.updateChat("in1", "u1", { pinned: true });

      const ids = async (filter: { projectId?: string; archived?: boolean }) =>
        (await store.chats.listChats("u1", { limit: 10 }, filter)).items.map((chat) => chat.id);
      expect(await ids({ projectId: "p1" })).toEqual(["in1", "in3", "in2"]);
      expect(await ids({ projectId: "p1", archived: false })).toEqual(["in1", "in3"]);
      expect(await ids({ archived: true })).toEqual(["out", "in2"]);
      expect(await ids({ archived: false })).toEqual(["in1", "in3"]);
      expect(await ids({ projectId: "p2" })).toEqual([]);

      const first = await store.chats.listChats("u1", { limit: 1 }, { projectId: "p1", archived: false });
      const next = await store.chats.listChats(
        "u1",
        { limit: 1, cursor: first.nextCursor ?? undefined },
        { projectId: "p1", archived: false },
      );
      expect([...first.items, ...next.items].map((chat) => chat.id)).toEqual(["in1", "in3"]);
      expect(next.nextCursor).toBeNull();
    });

    test("an invalid chat list cursor is refused with VALIDATION_FAILED", async () => {
      await store.chats.createChat(newChat("c1", "u1", 10));
      await store.chats.updateChat("c1", "u1", { pinned: true });
      await store.chats.createChat(newChat("c2", "u1", 20));
      const { nextCursor } = await store.chats.listChats("u1", { limit: 1 });
      expect(nextCursor?.endsWith("~p")).toBe(true);
      await expectAppError(
        store.chats.listChats("u1", { limit: 1, cursor: `${nextCursor}~p` }),
        "VALIDATION_FAILED",
      );
      await expectAppError(store.chats.listChats("u1", { limit: 1, cursor: "~p" }), "VALIDATION_FAILED");
    });

    test("deleting a project leaves its chats in no project, and nobody else's", async () => {
      await store.chatProjects.createProject(newProject("p1", "u1", 1));
      await store.chatProjects.createProject(newProject("p2", "u1", 2));
      const kept = await store.chats.createChat({ ...newChat("c1", "u1", 10), projectId: "p1" });
      await store.chats.createChat({ ...newChat("c2", "u1", 20), projectId: "p2" });

      expect(await store.chatProjects.deleteProject("p1", "u1")).toBe(true);
      expect(await store.chatProjects.deleteProject("p1", "u1")).toBe(false);

      const { projectId: _, ...out } = kept;
      expect(await store.chats.getChat("c1", "u1")).toStrictEqual(out);
      expect((await store.chats.getChat("c2", "u1"))?.projectId).toBe("p2");
      expect((await store.chatProjects.listProjects("u1")).map((project) => project.id)).toEqual(["p2"]);
    });

    test("erasing a user's projects deletes only theirs", async () => {
      await store.chatProjects.createProject(newProject("p1", "u1", 1));
      await store.chatProjects.createProject(newProject("p2", "u1", 2));
      await store.chatProjects.createProject(newProject("p3", "u2", 3));

      await store.chatProjects.eraseUserProjects("u1");

      expect(await store.chatProjects.listProjects("u1")).toEqual([]);
      expect((await store.chatProjects.listProjects("u2")).map((project) => project.id)).toEqual(["p3"]);
    });
  });
}
