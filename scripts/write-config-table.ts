// Writes README.md's configuration table from the services' config schemas, so the table can
// never drift from the code; with --check, fails when README is stale instead.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { GatewayConfig } from "@chat/gateway";
import { NotifierConfig } from "@chat/notifier";
import { OrchestratorConfig } from "@chat/orchestrator";
import { SessionConfig } from "@chat/session";
import { StoreConfig } from "@chat/store";
import type { TObject, TSchema } from "@sinclair/typebox";

const services: Record<string, TObject> = {
  gateway: GatewayConfig,
  session: SessionConfig,
  store: StoreConfig,
  orchestrator: OrchestratorConfig,
  notifier: NotifierConfig,
};

type Row = { variable: string; users: string[]; schema: TSchema; defaults: Map<string, string> };
const rows = new Map<string, Row>();
for (const [service, schema] of Object.entries(services)) {
  for (const [variable, property] of Object.entries(schema.properties)) {
    const row: Row = rows.get(variable) ?? { variable, users: [], schema: property, defaults: new Map() };
    row.users.push(service);
    if (property.default !== undefined) row.defaults.set(service, String(property.default));
    rows.set(variable, row);
  }
}

function defaultOf(row: Row): string {
  const values = new Set(row.defaults.values());
  if (values.size === 0) return "—";
  if (values.size === 1) return `\`${[...values][0]}\``;
  return [...row.defaults].map(([service, value]) => `${service} \`${value}\``).join(", ");
}

function descriptionOf(row: Row): string {
  const schema = row.schema;
  const description =
    schema.description ?? (row.variable === "PORT" ? "HTTP port (API or health server)" : "");
  const range =
    schema.minimum !== undefined
      ? ` (min ${schema.minimum}${schema.maximum !== undefined ? `, max ${schema.maximum}` : ""})`
      : "";
  return `${description}${range}`.replaceAll("|", "\\|");
}

const allFive = Object.keys(services).length;
const table = [
  "| variable | default | used by | meaning |",
  "| --- | --- | --- | --- |",
  ...[...rows.values()].map(
    (row) =>
      `| \`${row.variable}\` | ${defaultOf(row)} | ${row.users.length === allFive ? "all" : row.users.join(", ")} | ${descriptionOf(row)} |`,
  ),
].join("\n");

const readmePath = join(import.meta.dir, "../README.md");
const readme = readFileSync(readmePath, "utf8");
const start = "<!-- config-table:start -->";
const end = "<!-- config-table:end -->";
const updated = readme.replace(new RegExp(`${start}[\\s\\S]*${end}`), `${start}\n${table}\n${end}`);
if (process.argv.includes("--check")) {
  if (updated !== readme) {
    console.error("README.md's configuration table is stale: run `bun scripts/write-config-table.ts`.");
    process.exit(1);
  }
  console.log("README.md's configuration table is fresh.");
} else {
  writeFileSync(readmePath, updated);
}
