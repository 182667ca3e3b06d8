// How many stored values each encryption key encrypts (`npm run encryption-status`), with the
// store's own configuration; see README's Encryption at rest. Exits 1 when values use a key that is
// not configured. Reads every encrypted record once.
import { loadConfig } from "@chat/runtime";
import { countValuesByKey, describeKeyUsage } from "./src/encryption/key-usage.ts";
import { openRepository } from "./src/open-repository.ts";
import { StoreConfig } from "./src/store-config.ts";

const config = loadConfig(StoreConfig, process.env);
const store = await openRepository(config, { checkKeys: false });
try {
  const usage = await countValuesByKey(store.encryption);
  const { keyIds } = store.encryption.cipher;
  for (const line of describeKeyUsage(usage, keyIds)) console.log(line);
  const missing = Object.keys(usage).filter((keyId) => keyId !== "plain" && !keyIds.includes(keyId));
  if (missing.length > 0) process.exitCode = 1;
} finally {
  await store.close();
}
