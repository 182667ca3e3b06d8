import { describe, expect, test } from "bun:test";
import { MessageTree, type TreeNode } from "./message-tree.ts";

const at = (second: number) => new Date(Date.UTC(2025, 0, 1, 0, 0, second)).toISOString();
const node = (id: string, parentId: string | null | undefined, second: number): TreeNode => ({
  id,
  parentId,
  createdAt: at(second),
});

/** q1 → a1 → q2 → {a2, a2b}; q1 → a1 → q2b → a2c; and q1b, a second first question. */
const tree = new MessageTree([
  node("a2b", "q2", 6),
  node("q1", null, 1),
  node("a1", "q1", 2),
  node("q2", "a1", 3),
  node("a2", "q2", 4),
  node("q2b", "a1", 5),
  node("a2c", "q2b", 7),
  node("q1b", null, 8),
]);

describe("MessageTree", () => {
  test.each([
    ["a2", ["q1", "a1", "q2", "a2"]],
    ["a2b", ["q1", "a1", "q2", "a2b"]],
    ["a2c", ["q1", "a1", "q2b", "a2c"]],
    ["q1b", ["q1b"]],
    ["unknown", []],
  ])("the path to %s", (leaf, path) => {
    expect(tree.pathTo(leaf)).toEqual(path);
  });

  test("the active path ends at the leaf, or at the newest message without one (or with an unknown one)", () => {
    expect(tree.activePath("a2")).toEqual(["q1", "a1", "q2", "a2"]);
    expect(tree.activePath(null)).toEqual(["q1b"]);
    expect(tree.activePath("gone")).toEqual(["q1b"]);
    expect(new MessageTree([]).activePath(null)).toEqual([]);
  });

  test.each([
    ["a2", ["a2", "a2b"]],
    ["q2b", ["q2", "q2b"]],
    ["q1", ["q1", "q1b"]],
    ["a1", ["a1"]],
    ["unknown", []],
  ])("the versions of %s, oldest first", (id, versions) => {
    expect(tree.versionsOf(id)).toEqual(versions);
  });

  test.each([
    ["q1", "a2c"],
    ["q2", "a2b"],
    ["a2", "a2"],
    ["q1b", "q1b"],
  ])("the branch through %s ends at %s, down the newest version", (id, leaf) => {
    expect(tree.branchLeaf(id)).toBe(leaf);
  });

  test("the subtree is what was recorded after the message, on every branch", () => {
    expect(tree.subtree("a1").sort()).toEqual(["a1", "a2", "a2b", "a2c", "q2", "q2b"]);
    expect(tree.subtree("q1b")).toEqual(["q1b"]);
    expect(tree.subtree("unknown")).toEqual([]);
  });

  test("messages with no recorded parent follow the one before them in time, and are no one's descendants", () => {
    const linear = new MessageTree([
      node("m3", undefined, 3),
      node("m1", undefined, 1),
      node("m2", undefined, 2),
    ]);
    expect(linear.activePath(null)).toEqual(["m1", "m2", "m3"]);
    expect(linear.parentOf("m3")).toBe("m2");
    expect(linear.subtree("m2")).toEqual(["m2"]);
    expect(linear.versionsOf("m2")).toEqual(["m2"]);
  });

  test("a page of a path goes on after the cursor's message, or after its time when it is on another branch", () => {
    const path = tree.pathTo("a2c");
    const first = tree.pageOf(path, undefined, 2);
    expect(first.items).toEqual(["q1", "a1"]);
    expect(tree.pageOf(path, { at: at(2), id: "a1" }, 10)).toEqual({
      items: ["q2b", "a2c"],
      nextCursor: null,
    });
    expect(tree.pageOf(path, { at: at(3), id: "q2" }, 10).items).toEqual(["q2b", "a2c"]);
    expect(tree.pageOf(path, { at: at(9), id: "late" }, 10).items).toEqual([]);
  });

  test("a message carries its recorded parent and its versions; a resolved parent only when asked", () => {
    const message = { id: "a2b", chatId: "c1", role: "assistant" as const, content: "", createdAt: at(6) };
    expect(tree.withPlace(message)).toEqual({ ...message, parentId: "q2", siblingIds: ["a2", "a2b"] });
    const linear = new MessageTree([node("m1", undefined, 1), node("m2", undefined, 2)]);
    const m2 = { ...message, id: "m2" };
    expect(linear.withPlace(m2)).toEqual(m2);
    expect(linear.withPlace(m2, true)).toEqual({ ...m2, parentId: "m1" });
  });
});
