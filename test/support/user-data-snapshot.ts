import type { ChatApiClient } from "./chat-api-client.ts";

export type SnapshotMessage = { id: string; role: string; content: string; [field: string]: unknown };
export type SnapshotChat = {
  id: string;
  title: string;
  model: string;
  systemPrompt?: string;
  createdAt: string;
  lastActivityAt: string;
  messageCount?: number;
  needsHelp?: boolean;
  assisted?: boolean;
  heldBy?: unknown;
  projectId?: string;
  pinned?: boolean;
  archived?: boolean;
  messages: SnapshotMessage[];
};
export type SnapshotProject = {
  id: string;
  name: string;
  instructions: string;
  model?: string;
  createdAt: string;
};
export type SnapshotKey = {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
};

/** Everything a user owns, as the API shows it to them: chats with every message, API keys and projects. */
export type UserDataSnapshot = { chats: SnapshotChat[]; keys: SnapshotKey[]; projects: SnapshotProject[] };

async function expectOk<T>(client: ChatApiClient, path: string): Promise<T> {
  const response = await client.request<T>("GET", path);
  if (response.status !== 200) {
    throw new Error(`snapshot: GET ${path} answered ${response.status}: ${JSON.stringify(response.body)}`);
  }
  return response.body;
}

/**
 * Reads all of a user's data through the API (every page), sorted by id so two snapshots compare
 * with `toEqual`. The client must be signed in as that user.
 *
 * @example
 * const before = await snapshotUserData(alice);
 * // ... hostile requests ...
 * expect(await snapshotUserData(alice)).toEqual(before);
 */
export async function snapshotUserData(client: ChatApiClient): Promise<UserDataSnapshot> {
  const chatIds: string[] = [];
  // Archived chats are listed apart.
  for (const archived of [false, true]) {
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
      const page: { chats: Array<{ id: string }>; nextCursor: string | null } = await expectOk(
        client,
        `/api/chats?limit=100&archived=${archived}${query}`,
      );
      chatIds.push(...page.chats.map((chat) => chat.id));
      cursor = page.nextCursor;
    } while (cursor);
  }

  const chats: SnapshotChat[] = [];
  for (const id of chatIds) {
    const {
      messages: _newest,
      hasOlderMessages: _older,
      ...chat
    } = await expectOk<SnapshotChat & { hasOlderMessages: boolean }>(client, `/api/chats/${id}`);
    const messages: SnapshotMessage[] = [];
    let messageCursor: string | null = null;
    do {
      const query: string = messageCursor ? `&cursor=${encodeURIComponent(messageCursor)}` : "";
      const page: { messages: SnapshotMessage[]; nextCursor: string | null } = await expectOk(
        client,
        `/api/chats/${id}/messages?limit=100${query}`,
      );
      messages.push(...page.messages);
      messageCursor = page.nextCursor;
    } while (messageCursor);
    chats.push({ ...chat, messages });
  }
  const { keys } = await expectOk<{ keys: SnapshotKey[] }>(client, "/api/keys");
  const byId = <T extends { id: string }>(items: T[]) => [...items].sort((a, b) => a.id.localeCompare(b.id));
  const { projects } = await expectOk<{ projects: SnapshotProject[] }>(client, "/api/chat-projects");
  return { chats: byId(chats), keys: byId(keys), projects: byId(projects) };
}

/** Every id in a snapshot (chats, messages, keys), to look for in another user's answers. */
export function idsIn(snapshot: UserDataSnapshot): string[] {
  return [
    ...snapshot.chats.flatMap((chat) => [chat.id, ...chat.messages.map((message) => message.id)]),
    ...snapshot.keys.map((key) => key.id),
    ...snapshot.projects.map((project) => project.id),
  ];
}
