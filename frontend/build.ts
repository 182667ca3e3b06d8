/**
 * Builds the browser app into `frontend/dist`: the bundled, minified script and the stylesheet
 * in `assets/` (the gateway serves `/` and `/assets/*`), both with content hashes in their
 * names, and `index.html` pointing at them.
 *
 * Run: `bun frontend/build.ts`
 */
import { mkdir, rm } from "node:fs/promises";
import { basename, join } from "node:path";

const sourceDirectory = join(import.meta.dir, "src");
const outputDirectory = join(import.meta.dir, "dist");
const assetDirectory = join(outputDirectory, "assets");

function contentHash(content: string | Uint8Array): string {
  return Bun.hash(content).toString(36).slice(0, 8);
}

await rm(outputDirectory, { recursive: true, force: true });
await mkdir(assetDirectory, { recursive: true });

const result = await Bun.build({
  entrypoints: [join(sourceDirectory, "main.ts")],
  outdir: assetDirectory,
  target: "browser",
  format: "esm",
  minify: true,
  // Temml (math) is imported when an answer first has a formula: a chunk of its own.
  splitting: true,
  sourcemap: "linked",
  // Also makes Bun resolve packages without their `development` export condition (Lit's dev build).
  define: { "process.env.NODE_ENV": '"production"' },
  naming: { entry: "[name]-[hash].[ext]", chunk: "[name]-[hash].[ext]", asset: "[name]-[hash].[ext]" },
});

if (!result.success) {
  for (const log of result.logs) console.error(log);
  throw new Error("Frontend build failed");
}

const script = result.outputs.find((output) => output.kind === "entry-point");
if (!script) throw new Error("Frontend build produced no entry script");
const scriptName = `assets/${basename(script.path)}`;

const stylesheet = await Bun.file(join(sourceDirectory, "app.css")).text();
const stylesheetName = `assets/app-${contentHash(stylesheet)}.css`;
await Bun.write(join(outputDirectory, stylesheetName), stylesheet);

const page = await Bun.file(join(sourceDirectory, "index.html")).text();
const builtPage = page
  .replace('href="/app.css"', `href="/${stylesheetName}"`)
  .replace('src="/main.js"', `src="/${scriptName}"`);
if (!builtPage.includes(scriptName) || !builtPage.includes(stylesheetName)) {
  throw new Error(
    "index.html must link /app.css and /main.js so the build can point them at the hashed files",
  );
}
await Bun.write(join(outputDirectory, "index.html"), builtPage);

const sizeOf = async (path: string) => {
  const bytes = await Bun.file(path).bytes();
  return `${basename(path)} ${bytes.length} bytes (${Bun.gzipSync(bytes).length} gzip)`;
};
const chunks = result.outputs.filter((output) => output.kind === "chunk");
console.log(
  `frontend/dist: ${await sizeOf(script.path)}, loaded later: ${(await Promise.all(chunks.map((chunk) => sizeOf(chunk.path)))).join(", ") || "nothing"}; ${stylesheetName}, index.html`,
);
