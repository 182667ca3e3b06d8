/**
 * The support console's store reads with 100 000 chats in SQLite: the list's first page in each
 * order, a page 20 pages deep, each filter, one conversation's detail, and the totals.
 *
 * Seeds a fresh SQLite file (through the store's migrations, then one transaction of plain
 * inserts: 5 000 users, 100 000 chats with 2 messages, a usage record and a session each, spread
 * over 30 days; 2 % ask for help, 1 % were assisted, 1 % of answers failed), then times each read
 * `RUNS` times (default 30) through the store's ConsoleRepository port, as the store's request
 * handler calls it.
 *
 * Run: `npm run bench:console` (CHATS=100000 RUNS=30 to change the size).
 */
import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ConsoleChatFilter, ConsoleSort } from "@chat/contracts";
import { openRepository } from "@chat/store";
import { summarizeLatencies } from "./latency-summary.ts";

const chats = Number(process.env.CHATS ?? 100_000);
const runs = Number(process.env.RUNS ?? 30);
const users = Math.max(1, Math.round(chats / 20));
const sessionIdleMs = 15 * 60_000;
const models = ["claude-sonnet-4", "gpt-5", "gemini-2.5-pro", "demo"];
const now = new Date();
const dayMs = 86_400_000;

const directory = mkdtempSync(join(tmpdir(), "bench-console-"));
const store = await openRepository({
  DATA_DIR: directory,
  MONGODB_DATABASE: "chat",
  SQLITE_SYNCHRONOUS: "NORMAL",
});

/** Seeds in one transaction with plain inserts: through the ports it would take minutes. */
function seed(): number {
  const started = performance.now();
  const database = new Database(join(directory, "chat.sqlite"));
  database.run("PRAGMA busy_timeout = 5000");
  const iso = (at: number) => new Date(at).toISOString();
  const insertUser = database.prepare(
    "INSERT INTO users (id, email, email_normalized, name, role, password_hash, created_at) VALUES (?, ?, ?, ?, 'user', 'x', ?)",
  );
  const insertChat = database.prepare(
    `INSERT INTO chats (id, user_id, title, model, created_at, last_activity_at, needs_help, assisted,
       session_started_at, session_duration_ms, sessions) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertSession = database.prepare(
    "INSERT INTO chat_sessions (chat_id, started_at, last_activity_at, duration_ms) VALUES (?, ?, ?, ?)",
  );
  const insertMessage = database.prepare(
    "INSERT INTO messages (id, chat_id, role, content, created_at, finish_reason, model) VALUES (?, ?, ?, ?, ?, ?, ?)",
  );
  const insertUsage = database.prepare(
    `INSERT INTO usage_records (id, user_id, chat_id, message_id, purpose, model, provider, input_tokens,
       output_tokens, cost_usd, time_to_first_token_ms, duration_ms, created_at)
     VALUES (?, ?, ?, ?, 'answer', ?, 'bench', ?, ?, ?, ?, ?, ?)`,
  );
  database.transaction(() => {
    for (let index = 0; index < users; index++) {
      const email = `user${index}@example.test`;
      insertUser.run(`u${index}`, email, email, `User ${index}`, iso(now.getTime() - 40 * dayMs));
    }
    for (let index = 0; index < chats; index++) {
      const id = `c${index.toString().padStart(7, "0")}`;
      const userId = `u${index % users}`;
      const model = models[index % models.length] as string;
      // Newest chats last; a few hundred active in the last minutes, the rest spread over 30 days.
      const createdAt = now.getTime() - Math.floor(((chats - index) / chats) * 30 * dayMs);
      // Sessions of up to an hour, none ending in the future: the newest chats are active or idle now.
      const lastActivity = Math.max(
        createdAt,
        Math.min(createdAt + ((index * 7_919) % 3_600_000), now.getTime() - (index % 1_200) * 1_000),
      );
      const durationMs = Math.max(0, lastActivity - createdAt);
      insertChat.run(
        id,
        userId,
        `Chat ${index}`,
        model,
        iso(createdAt),
        iso(lastActivity),
        index % 50 === 0 ? 1 : 0,
        index % 100 === 1 ? 1 : 0,
        iso(createdAt),
        durationMs,
        1,
      );
      insertSession.run(id, iso(createdAt), iso(lastActivity), durationMs);
      insertMessage.run(`${id}-q`, id, "user", "A question", iso(createdAt), null, null);
      const failed = index % 100 === 7;
      insertMessage.run(
        `${id}-a`,
        id,
        "assistant",
        "An answer",
        iso(lastActivity),
        failed ? "error" : "stop",
        model,
      );
      insertUsage.run(
        `${id}-r`,
        userId,
        id,
        `${id}-a`,
        model,
        400,
        250,
        0.004,
        300 + (index % 900),
        2_000 + (index % 5_000),
        iso(lastActivity),
      );
    }
  })();
  database.close();
  return performance.now() - started;
}

async function time(label: string, read: () => Promise<unknown>): Promise<void> {
  const first = await read();
  const rows = (first as { items?: unknown[] } | undefined)?.items?.length;
  const durations: number[] = [];
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    await read();
    durations.push(performance.now() - started);
  }
  const summary = summarizeLatencies(durations);
  console.log(
    `${label.padEnd(50)} ${rows === undefined ? "        " : `${String(rows).padStart(3)} rows`}   p50 ${String(summary.p50).padStart(6)} ms   p90 ${String(summary.p90).padStart(6)} ms   max ${String(summary.max).padStart(6)} ms`,
  );
}

const list = (sort: ConsoleSort, filter: ConsoleChatFilter = {}, cursor?: string) =>
  store.console.listChats({ filter, sort, now: now.toISOString(), sessionIdleMs }, { cursor, limit: 50 });

try {
  console.log(`seeding ${chats} chats of ${users} users (2 messages, 1 usage record each)…`);
  console.log(
    `seeded in ${(seed() / 1_000).toFixed(1)} s; timing ${runs} runs of each read (50 rows a page)\n`,
  );
  for (const sort of ["last_activity", "started", "duration", "user"] as const) {
    await time(`first page, sort ${sort}`, () => list(sort));
  }
  let cursor: string | undefined;
  for (let page = 0; page < 20; page++)
    cursor = (await list("last_activity", {}, cursor)).nextCursor ?? undefined;
  await time("page 21, sort last_activity (keyset cursor)", () => list("last_activity", {}, cursor));
  for (const status of ["active", "idle", "ended", "needs_help", "assisted"] as const) {
    await time(`status ${status}, sort last_activity`, () => list("last_activity", { status }));
  }
  await time("user u42, sort last_activity", () => list("last_activity", { userId: "u42" }));
  await time("model gpt-5, sort last_activity", () => list("last_activity", { model: "gpt-5" }));
  const weekAgo = new Date(now.getTime() - 7 * dayMs).toISOString();
  const twoWeeksAgo = new Date(now.getTime() - 14 * dayMs).toISOString();
  await time("started in one week, sort started", () => list("started", { from: twoWeeksAgo, to: weekAgo }));
  await time("needs_help + model claude-sonnet-4, sort duration", () =>
    list("duration", { status: "needs_help", model: "claude-sonnet-4" }),
  );
  await time("one conversation: row + metrics + sessions", async () => {
    await store.console.getChat("c0050000", now.toISOString(), sessionIdleMs);
    await store.console.chatMetrics("c0050000");
  });
  await time("totals", () => store.console.totals(now.toISOString(), sessionIdleMs));
} finally {
  await store.close();
  rmSync(directory, { recursive: true, force: true });
}
