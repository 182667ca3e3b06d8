// Copies the store's SQLite database while it runs (`npm run backup -- <target file>`); see
// README's Backups. MongoDB deployments use mongodump instead.
import { join } from "node:path";
import { loadConfig } from "@chat/runtime";
import { backupSqliteDatabase } from "./src/sqlite/sqlite-backup.ts";
import { StoreConfig } from "./src/store-config.ts";

const target = process.argv[2];
if (!target) {
  console.error("usage: npm run backup -- <target file (must not exist)>");
  process.exit(2);
}
const config = loadConfig(StoreConfig, process.env);
if (config.MONGODB_URL) {
  console.error("MONGODB_URL is set: back MongoDB up with mongodump (see README's Backups)");
  process.exit(2);
}
try {
  const backup = backupSqliteDatabase(join(config.DATA_DIR, "chat.sqlite"), target);
  console.log(`backed up to ${backup.path}: ${backup.bytes} bytes, schema version ${backup.schemaVersion}`);
} catch (error) {
  console.error(`backup failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
