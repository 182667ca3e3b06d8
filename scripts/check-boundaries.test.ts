import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { type BoundaryViolation, checkBoundaries } from "./check-boundaries.ts";

const trees: string[] = [];
afterAll(() => {
  for (const tree of trees) rmSync(tree, { recursive: true, force: true });
});

function manifest(name: string, dependencies: Record<string, string> = {}): string {
  return JSON.stringify({ name, private: true, type: "module", main: "index.ts", dependencies });
}

/** A small repository whose boundaries hold: two shared packages, two services, a composition root, tests. */
const cleanTree: Record<string, string> = {
  "package.json": JSON.stringify({
    name: "fixture",
    private: true,
    workspaces: ["shared/*", "services/*"],
    dependencies: { ioredis: "6.0.0" },
  }),
  "shared/metrics/package.json": manifest("@chat/metrics"),
  "shared/metrics/index.ts": 'export { count } from "./src/count.ts";\n',
  "shared/metrics/src/count.ts": "export const count = 1;\n",
  "shared/logs/package.json": manifest("@chat/logs", { "@chat/metrics": "*" }),
  "shared/logs/index.ts": 'export { log } from "./src/log.ts";\n',
  "shared/logs/src/log.ts": 'import { count } from "@chat/metrics";\nexport const log = () => count;\n',
  "services/alpha/package.json": manifest("@chat/alpha", { "@chat/metrics": "*", ioredis: "6.0.0" }),
  "services/alpha/index.ts": 'export { alpha } from "./src/alpha.ts";\n',
  "services/alpha/src/alpha.ts": [
    'import { join } from "node:path";',
    'import { count } from "@chat/metrics";',
    'import { Redis } from "ioredis";',
    'import { helper } from "./helper.ts";',
    "export const alpha = count + join(helper).length + String(Redis).length;",
    "",
  ].join("\n"),
  "services/alpha/src/helper.ts": 'export const helper = "h";\n',
  "services/beta/package.json": manifest("@chat/beta", { "@chat/logs": "*" }),
  "services/beta/index.ts": 'export { beta } from "./src/beta.ts";\n',
  "services/beta/src/beta.ts": 'import { log } from "@chat/logs";\nexport const beta = log;\n',
  "services/beta/src/__fixtures__/wire-server.ts": "export const wire = 1;\n",
  "services/all-in-one/package.json": manifest("@chat/all-in-one", { "@chat/alpha": "*", "@chat/beta": "*" }),
  "services/all-in-one/index.ts":
    'import { alpha } from "@chat/alpha";\nimport { beta } from "@chat/beta";\nexport const all = [alpha, beta];\n',
  "test/cross.test.ts": [
    'import { alpha } from "@chat/alpha";',
    'import { wire } from "../services/beta/src/__fixtures__/wire-server.ts";',
    "export const both = [alpha, wire];",
    "",
  ].join("\n"),
};

function check(changes: Record<string, string>): Pick<BoundaryViolation, "rule" | "file">[] {
  const root = mkdtempSync(join(tmpdir(), "boundaries-"));
  trees.push(root);
  for (const [path, text] of Object.entries({ ...cleanTree, ...changes })) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return checkBoundaries(root).map(({ rule, file }) => ({ rule, file }));
}

describe("checkBoundaries", () => {
  test("a tree whose boundaries hold passes, composition root, fixtures and tests included", () => {
    expect(check({})).toEqual([]);
  });

  test("a service importing another service by its package name fails", () => {
    expect(
      check({
        "services/alpha/package.json": manifest("@chat/alpha", {
          "@chat/metrics": "*",
          "@chat/beta": "*",
          ioredis: "6.0.0",
        }),
        "services/alpha/src/uses-beta.ts": 'import { beta } from "@chat/beta";\nexport const b = beta;\n',
      }),
    ).toEqual([{ rule: "service-imports-service", file: "services/alpha/src/uses-beta.ts" }]);
  });

  test("a service reaching into another service by a relative path fails", () => {
    const violations = check({
      "services/alpha/src/uses-beta.ts":
        'import { beta } from "../../beta/src/beta.ts";\nexport const b = beta;\n',
    });
    expect(violations).toContainEqual({
      rule: "service-imports-service",
      file: "services/alpha/src/uses-beta.ts",
    });
  });

  test("an import past a package's index fails, by package path or by relative path", () => {
    expect(
      check({
        "services/alpha/src/deep.ts":
          'import { count } from "@chat/metrics/src/count.ts";\nexport const c = count;\n',
        "bench/deep.ts": 'import { alpha } from "../services/alpha/src/alpha.ts";\nexport const a = alpha;\n',
      }),
    ).toEqual([
      { rule: "deep-import", file: "bench/deep.ts" },
      { rule: "deep-import", file: "services/alpha/src/deep.ts" },
    ]);
  });

  test("two packages importing each other fail as a package loop", () => {
    const violations = check({
      "shared/metrics/package.json": manifest("@chat/metrics", { "@chat/logs": "*" }),
      "shared/metrics/src/count.ts":
        'import { log } from "@chat/logs";\nexport const count = 1;\nexport const l = log;\n',
    });
    expect(violations.filter((violation) => violation.rule === "package-loop")).toHaveLength(1);
  });

  test("two modules importing each other fail as a module loop, type-only imports included", () => {
    expect(
      check({
        "services/alpha/src/helper.ts":
          'import type { alpha } from "./alpha.ts";\nexport const helper = "h";\nexport type A = typeof alpha;\n',
      }),
    ).toEqual([{ rule: "module-loop", file: "services/alpha/src/alpha.ts" }]);
  });

  test("importing a workspace or an npm package the package.json does not declare fails", () => {
    expect(
      check({
        "services/alpha/src/undeclared.ts": [
          'import { log } from "@chat/logs";',
          'import { MongoClient } from "mongodb";',
          "export const both = [log, MongoClient];",
          "",
        ].join("\n"),
      }),
    ).toEqual([
      { rule: "undeclared-dependency", file: "services/alpha/src/undeclared.ts" },
      { rule: "undeclared-dependency", file: "services/alpha/src/undeclared.ts" },
    ]);
  });
});
