import type { Message } from "@chat/contracts";
import type { Page } from "./chat-repository.ts";
import { encodeCursor, type SortKey } from "./page-cursor.ts";

/** A message's place in its chat, as an adapter reads it: no text, only what the tree needs. */
export type TreeNode = {
  id: string;
  /**
   * The recorded parent (null: a first question). Undefined when none was recorded (messages from
   * before message trees, appends that name none): the message follows the one before it in time.
   */
  parentId: string | null | undefined;
  /** The sortable createdAt (`toSortableTimestamp`). */
  createdAt: string;
};

function byTime(left: TreeNode, right: TreeNode): number {
  if (left.createdAt !== right.createdAt) return left.createdAt < right.createdAt ? -1 : 1;
  return left.id < right.id ? -1 : left.id > right.id ? 1 : 0;
}

/**
 * One chat's messages as a tree: every message follows its parent, versions of a message (an edited
 * question, a regenerated answer) are siblings, oldest first. Pure: both adapters read the chat's
 * nodes and decide paths, versions and branches here.
 *
 * @example
 * const tree = new MessageTree(nodes);
 * tree.activePath(leafId); // ["q1", "a1", "q2", "a2"]
 */
export class MessageTree {
  private readonly parents = new Map<string, string | null>();
  private readonly children = new Map<string | null, string[]>();
  /** Children by recorded parent only: a message that follows its parent by time is no one's descendant. */
  private readonly recordedChildren = new Map<string, string[]>();
  private readonly recorded = new Set<string>();
  private readonly keys = new Map<string, SortKey>();
  private readonly newest: string | null;

  constructor(nodes: readonly TreeNode[]) {
    let previous: string | null = null;
    for (const node of [...nodes].sort(byTime)) {
      const parent = node.parentId === undefined ? previous : node.parentId;
      this.parents.set(node.id, parent);
      if (node.parentId !== undefined) this.recorded.add(node.id);
      if (typeof node.parentId === "string") {
        const recordedSiblings = this.recordedChildren.get(node.parentId);
        if (recordedSiblings) recordedSiblings.push(node.id);
        else this.recordedChildren.set(node.parentId, [node.id]);
      }
      this.keys.set(node.id, { at: node.createdAt, id: node.id });
      const siblings = this.children.get(parent);
      if (siblings) siblings.push(node.id);
      else this.children.set(parent, [node.id]);
      previous = node.id;
    }
    this.newest = previous;
  }

  /** Every message of the chat, oldest first (a parent always before its children). */
  inOrder(): string[] {
    return [...this.parents.keys()];
  }

  has(messageId: string): boolean {
    return this.parents.has(messageId);
  }

  /** The message's parent (null for a first question); undefined when the chat has no such message. */
  parentOf(messageId: string): string | null | undefined {
    return this.parents.get(messageId);
  }

  /** The path that ends at `messageId`, first message first; empty when the chat has no such message. */
  pathTo(messageId: string): string[] {
    const path: string[] = [];
    let current = this.parents.has(messageId) ? messageId : null;
    while (current !== null && !path.includes(current)) {
      path.push(current);
      current = this.parents.get(current) ?? null;
    }
    return path.reverse();
  }

  /** The active path: the one ending at the recorded leaf, or at the newest message when none is recorded. */
  activePath(leafId: string | null): string[] {
    const leaf = leafId !== null && this.has(leafId) ? leafId : this.newest;
    return leaf === null ? [] : this.pathTo(leaf);
  }

  /** Every version of the message (its parent's children), oldest first, itself included. */
  versionsOf(messageId: string): string[] {
    const parent = this.parents.get(messageId);
    return parent === undefined ? [] : (this.children.get(parent) ?? []);
  }

  /** The end of the branch through the message, following the newest version at each step. */
  branchLeaf(messageId: string): string {
    let current = messageId;
    const seen = new Set([current]);
    let next = this.children.get(current)?.at(-1);
    while (next !== undefined && !seen.has(next)) {
      seen.add(next);
      current = next;
      next = this.children.get(current)?.at(-1);
    }
    return current;
  }

  /**
   * The message and every message recorded after it on any branch, the message first. A message
   * with no recorded parent is no one's descendant: it follows whatever comes before it in time.
   */
  subtree(messageId: string): string[] {
    if (!this.has(messageId)) return [];
    const found = new Set([messageId]);
    for (const id of found) {
      for (const child of this.recordedChildren.get(id) ?? []) found.add(child);
    }
    return [...found];
  }

  /**
   * One page of a path, oldest first: the messages after the cursor's message (after its sort key,
   * when that message is not on the path, such as a cursor from before a branch switch).
   */
  pageOf(path: readonly string[], after: SortKey | undefined, limit: number): Page<string> {
    let start = 0;
    if (after) {
      const index = path.indexOf(after.id);
      start =
        index >= 0
          ? index + 1
          : path.findIndex((id) => {
              const key = this.keys.get(id) as SortKey;
              return key.at > after.at || (key.at === after.at && key.id > after.id);
            });
      if (start < 0) start = path.length;
    }
    const items = path.slice(start, start + limit);
    const last = items.at(-1);
    const more = start + limit < path.length;
    return { items, nextCursor: more && last ? encodeCursor(this.keys.get(last) as SortKey) : null };
  }

  /**
   * The message with its place in the tree: its recorded parent (with `resolveParent`, also the
   * one it follows by time when none was recorded), and its versions when it has any.
   */
  withPlace(message: Message, resolveParent = false): Message {
    const { parentId: _, siblingIds: __, ...stored } = message;
    const versions = this.versionsOf(message.id);
    const parent = this.recorded.has(message.id) || resolveParent;
    return {
      ...stored,
      ...(parent ? { parentId: this.parents.get(message.id) ?? null } : {}),
      ...(versions.length > 1 ? { siblingIds: [...versions] } : {}),
    };
  }
}
