// `npm test` on a fresh clone: install the locked dependencies first when they are missing.
import { execSync } from "node:child_process";
import { existsSync } from "node:fs";

if (!existsSync("node_modules/.bin/bun") || !existsSync("node_modules/elysia")) {
  console.log("Installing dependencies (npm install, from the lockfile)...");
  execSync("npm install --no-audit --no-fund", { stdio: "inherit" });
}
