/**
 * What encryption at rest costs the SQLite store: bytes stored per message (the ciphertext and the
 * blind index), the time of a message write, and the time of a search, with encryption off and on.
 *
 * Writes `CHATS` chats (default 200) of `MESSAGES` messages each (default 20, about 400 characters
 * of English-like text each) through the store's ChatRepository port into a fresh SQLite file per
 * mode, then searches the user's chats `RUNS` times (default 30) for a word in about 1 % of the
 * messages, and for a word in none.
 *
 * Run: `bun bench/encryption-at-rest.ts` (CHATS=200 MESSAGES=20 RUNS=30 to change the size).
 */
import { Database } from "bun:sqlite";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openRepository } from "@chat/store";
import { summarizeLatencies } from "./latency-summary.ts";

const chats = Number(process.env.CHATS ?? 200);
const messagesPerChat = Number(process.env.MESSAGES ?? 20);
const runs = Number(process.env.RUNS ?? 30);
const vocabulary = `the of and to in is it you that was for on are with as his they be at one have this from
  or had by word but what some we can out other were all there when up use your how said an each she which
  do their time if will way about many then them write would like so these her long make thing see him two
  has look more day could go come did number sound no most people my over know water than call first who
  may down side been now find any new work part take get place made live where after back little only
  round man year came show every good me give our under name very through just form sentence great think
  say help low line differ turn cause much mean before move right boy old too same tell does set three want
  air well also play small end put home read hand port large spell add even land here must big high such`
  .split(/\s+/)
  .filter((word) => word !== "");
const now = Date.UTC(2026, 0, 1);

function text(seed: number): string {
  const words: string[] = [];
  let state = seed;
  while (words.join(" ").length < 400) {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    words.push(vocabulary[state % vocabulary.length] as string);
  }
  return words.join(" ");
}

async function measure(mode: "off" | "on") {
  const directory = mkdtempSync(join(tmpdir(), `bench-encryption-${mode}-`));
  const keys = mode === "on" ? `k1:${randomBytes(32).toString("base64")}` : undefined;
  const store = await openRepository({
    DATA_DIR: directory,
    MONGODB_DATABASE: "chat",
    ENCRYPTION_KEYS: keys,
  });
  const writes: number[] = [];
  let plaintextBytes = 0;
  for (let chat = 0; chat < chats; chat += 1) {
    const chatId = `c${chat}`;
    await store.chats.createChat({
      id: chatId,
      userId: "u1",
      title: `Chat ${chat}`,
      model: "demo",
      createdAt: new Date(now + chat * 60_000).toISOString(),
    });
    for (let index = 0; index < messagesPerChat; index += 1) {
      const serial = chat * messagesPerChat + index;
      const content = `${text(serial)}${serial % 100 === 0 ? " zanzibar" : ""}`;
      plaintextBytes += Buffer.byteLength(content);
      const started = performance.now();
      await store.chats.appendMessage("u1", {
        id: `m${serial}`,
        chatId,
        role: index % 2 === 0 ? "user" : "assistant",
        content,
        createdAt: new Date(now + chat * 60_000 + index * 1_000).toISOString(),
      });
      writes.push(performance.now() - started);
    }
  }
  const searches = async (query: string) => {
    const times: number[] = [];
    let hits = 0;
    for (let run = 0; run < runs; run += 1) {
      const started = performance.now();
      hits = (await store.chats.searchChats("u1", query, { limit: 20 })).items.length;
      times.push(performance.now() - started);
    }
    return { hits, ms: summarizeLatencies(times) };
  };
  const found = await searches("zanzibar");
  const missing = await searches("quokka");
  await store.close();
  const database = new Database(join(directory, "chat.sqlite"), { readonly: true });
  const stored = database
    .query<{ content: number; tokens: number }, []>(
      "SELECT sum(length(CAST(content AS BLOB))) AS content, coalesce(sum(length(search_tokens)), 0) AS tokens FROM messages",
    )
    .get();
  database.close();
  rmSync(directory, { recursive: true, force: true });
  const messages = chats * messagesPerChat;
  return {
    mode,
    messages,
    plaintextBytesPerMessage: Math.round(plaintextBytes / messages),
    storedContentBytesPerMessage: Math.round((stored?.content ?? 0) / messages),
    searchIndexBytesPerMessage: Math.round((stored?.tokens ?? 0) / messages),
    writeMs: summarizeLatencies(writes),
    searchFoundMs: found,
    searchNothingMs: missing,
  };
}

for (const mode of ["off", "on"] as const) console.log(JSON.stringify(await measure(mode), null, 2));
