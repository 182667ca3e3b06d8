import type { ReadImport, SourceChat, SourceMessage } from "./import-source.ts";

/** A node of a ChatGPT conversation's `mapping` (the parts the import reads). */
type ChatGptNode = {
  id?: unknown;
  parent?: unknown;
  message?: {
    author?: { role?: unknown };
    create_time?: unknown;
    content?: { content_type?: unknown; parts?: unknown };
    metadata?: { model_slug?: unknown; is_visually_hidden_from_conversation?: unknown };
  } | null;
};

type ChatGptConversation = {
  id?: unknown;
  conversation_id?: unknown;
  title?: unknown;
  create_time?: unknown;
  mapping?: Record<string, ChatGptNode>;
  current_node?: unknown;
};

/** Whether a file looks like ChatGPT's data export (`conversations.json`): an array of conversations with a mapping. */
export function isChatGptExport(body: unknown): body is unknown[] {
  return (
    Array.isArray(body) &&
    body.every((item) => typeof item === "object" && item !== null && "mapping" in item)
  );
}

function isoOf(seconds: unknown, fallback: string): string {
  return typeof seconds === "number" && Number.isFinite(seconds) && seconds > 0
    ? new Date(seconds * 1000).toISOString()
    : fallback;
}

/** The text of a message's parts: strings joined; an image or file part is named, not kept. */
function textOf(content: NonNullable<ChatGptNode["message"]>["content"]): string {
  const parts = Array.isArray(content?.parts) ? content.parts : [];
  return parts
    .map((part) => (typeof part === "string" ? part : "[an image or file that was not imported]"))
    .join("\n")
    .trim();
}

/**
 * Reads ChatGPT's `conversations.json`: each conversation's `mapping` is a message tree (nodes
 * with `parent` and `children`), `current_node` the end of the path shown. The user's and the
 * assistant's text messages are kept, each under its nearest kept ancestor; system, tool and
 * hidden messages are left out (their children move up to the message before them).
 */
export function readChatGptExport(conversations: unknown[]): ReadImport {
  const chats: SourceChat[] = [];
  const skipped: ReadImport["skipped"] = [];
  for (const [index, raw] of conversations.entries()) {
    const conversation = raw as ChatGptConversation;
    const title =
      typeof conversation.title === "string" && conversation.title.trim() ? conversation.title.trim() : "";
    const sourceId = [conversation.conversation_id, conversation.id].find((id) => typeof id === "string") as
      | string
      | undefined;
    const name = title || `conversation ${index + 1}`;
    if (!sourceId || !conversation.mapping || typeof conversation.mapping !== "object") {
      skipped.push({ chat: name, reason: "no conversation id or message tree" });
      continue;
    }
    const createdAt = isoOf(conversation.create_time, new Date(0).toISOString());
    const nodes = conversation.mapping;
    const kept = new Map<string, SourceMessage>();
    /** The nearest kept ancestor of a node (null: none), found once per node. */
    const keptAncestor = new Map<string, string | null>();
    const ancestorOf = (nodeId: string | null, depth = 0): string | null => {
      if (nodeId === null || depth > 10_000) return null;
      const known = keptAncestor.get(nodeId);
      if (known !== undefined) return known;
      const node = nodes[nodeId];
      const parent = typeof node?.parent === "string" ? node.parent : null;
      const found = kept.has(nodeId) ? nodeId : ancestorOf(parent, depth + 1);
      keptAncestor.set(nodeId, found);
      return found;
    };
    // Parents first: a node's time is at least its parent's, so the tree reads in order.
    const order = orderFromRoots(nodes);
    for (const nodeId of order) {
      const node = nodes[nodeId];
      const message = node?.message;
      const role = message?.author?.role;
      const text = message ? textOf(message.content) : "";
      const hidden = message?.metadata?.is_visually_hidden_from_conversation === true;
      if ((role !== "user" && role !== "assistant") || !text || hidden) continue;
      const parent = ancestorOf(typeof node?.parent === "string" ? node.parent : null);
      const parentTime = parent ? kept.get(parent)?.createdAt : undefined;
      let time = isoOf(message?.create_time, parentTime ?? createdAt);
      if (parentTime && time <= parentTime) time = new Date(Date.parse(parentTime) + 1).toISOString();
      kept.set(nodeId, {
        sourceId: nodeId,
        parentSourceId: parent,
        role,
        content: text,
        createdAt: time,
        ...(typeof message?.metadata?.model_slug === "string" ? { model: message.metadata.model_slug } : {}),
      });
    }
    if (kept.size === 0) {
      skipped.push({ chat: name, reason: "no text message of the user or the assistant" });
      continue;
    }
    const current = typeof conversation.current_node === "string" ? conversation.current_node : null;
    chats.push({
      sourceId,
      title: title || "Imported chat",
      createdAt,
      messages: [...kept.values()],
      activeLeafSourceId: current ? ancestorOf(current) : null,
      ...([...kept.values()].find((message) => message.model)?.model
        ? { model: [...kept.values()].find((message) => message.model)?.model }
        : {}),
    });
  }
  return { source: "chatgpt", chats, skipped };
}

/** The mapping's node ids, every parent before its children (breadth first from the roots). */
function orderFromRoots(nodes: Record<string, ChatGptNode>): string[] {
  const children = new Map<string | null, string[]>();
  for (const [nodeId, node] of Object.entries(nodes)) {
    const parent = typeof node?.parent === "string" && node.parent in nodes ? node.parent : null;
    children.set(parent, [...(children.get(parent) ?? []), nodeId]);
  }
  const order: string[] = [];
  const queue = [...(children.get(null) ?? [])];
  const seen = new Set<string>();
  while (queue.length > 0) {
    const next = queue.shift() as string;
    if (seen.has(next)) continue;
    seen.add(next);
    order.push(next);
    queue.push(...(children.get(next) ?? []));
  }
  return order;
}
