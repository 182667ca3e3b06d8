/**
 * Builds the browser app into `frontend/dist`: the bundled, minified scripts and the stylesheet
 * in `assets/` (the gateway serves `/` and `/assets/*`), all with content hashes in their names,
 * and the pages pointing at them: `index.html` (the app) and `share.html` (a share link, `/s/<id>`,
 * which loads only what shows a chat read-only; the code both use is a chunk of its own).
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
  entrypoints: [join(sourceDirectory, "main.ts"), join(sourceDirectory, "share", "share-main.ts")],
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

const entryScript = (name: string) => {
  const script = result.outputs.find(
    (output) => output.kind === "entry-point" && basename(output.path).startsWith(`${name}-`),
  );
  if (!script) throw new Error(`Frontend build produced no ${name} script`);
  return script;
};

const stylesheet = await Bun.file(join(sourceDirectory, "app.css")).text();
const stylesheetName = `assets/app-${contentHash(stylesheet)}.css`;
await Bun.write(join(outputDirectory, stylesheetName), stylesheet);

/** Writes the page `source` with its script and the stylesheet pointed at their hashed files. */
async function writePage(source: string, entry: string) {
  const scriptName = `assets/${basename(entryScript(entry).path)}`;
  const page = await Bun.file(join(sourceDirectory, source)).text();
  const builtPage = page
    .replace('href="/app.css"', `href="/${stylesheetName}"`)
    .replace(`src="/${entry}.js"`, `src="/${scriptName}"`);
  if (!builtPage.includes(scriptName) || !builtPage.includes(stylesheetName)) {
    throw new Error(
      `${source} must link /app.css and /${entry}.js so the build can point them at the hashed files`,
    );
  }
  await Bun.write(join(outputDirectory, source), builtPage);
}
await writePage("index.html", "main");
await writePage("share.html", "share-main");

const sizeOf = async (path: string) => {
  const bytes = await Bun.file(path).bytes();
  return `${basename(path)} ${bytes.length} bytes (${Bun.gzipSync(bytes).length} gzip)`;
};
const chunks = result.outputs.filter((output) => output.kind === "chunk");
console.log(
  `frontend/dist: ${await sizeOf(entryScript("main").path)}, ${await sizeOf(entryScript("share-main").path)}, chunks: ${(await Promise.all(chunks.map((chunk) => sizeOf(chunk.path)))).join(", ") || "none"}; ${stylesheetName}, index.html, share.html`,
);
