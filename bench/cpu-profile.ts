import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

/** A function of a CPU profile: the samples that were in it (self) or under it (total). */
export type HotFunction = {
  /** Share of the process's samples spent in the function itself. */
  selfPercent: number;
  selfSamples: number;
  /** Share of the samples with the function anywhere on the stack. */
  totalPercent: number;
  name: string;
  /** `path:line`, relative to the repository when inside it; `[native code]` for Bun's own. */
  location: string;
};

/**
 * Samples summed by where the code comes from — a package, a folder of ours — each charged to the
 * innermost frame that is not Bun's own (native code and built-in modules such as `node:net` are
 * charged to their JS caller); only samples with no such frame stay with Bun.
 */
export type CodeOriginShare = { origin: string; selfPercent: number; selfSamples: number };

/** What one process's CPU profile shows. */
export type CpuProfileSummary = {
  /** The Chrome DevTools `.cpuprofile`, relative to the repository when inside it. */
  file: string;
  /** Samples taken (one per `intervalMs` of the JS thread running; an idle thread takes none). */
  samples: number;
  intervalMs: number;
  hotFunctions: HotFunction[];
  byOrigin: CodeOriginShare[];
};

/** The parts of the Chrome DevTools CPU profile format read here. */
type ChromeCpuProfile = {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }>;
  samples: number[];
  startTime: number;
  endTime: number;
};

const repositoryRoot = join(import.meta.dir, "..");
const samplingIntervalMicroseconds = 1_000;

/**
 * `BUN_OPTIONS` that make a Bun process sample its CPU every millisecond from start to exit and
 * write a Chrome DevTools `.cpuprofile` into `directory` when it exits (open it in the browser's
 * Performance panel or speedscope; `readCpuProfile` summarizes it).
 */
export function cpuProfileBunOptions(directory: string): string {
  return `--cpu-prof --cpu-prof-interval=${samplingIntervalMicroseconds} --cpu-prof-dir=${directory}`;
}

/** A path or `file://` URL, relative to the repository when inside it. */
function insideRepository(path: string): string {
  const file = path.startsWith("file://") ? path.slice("file://".length) : path;
  return file.startsWith(repositoryRoot) ? relative(repositoryRoot, file) : file;
}

const nativeCode = "Bun native code";
const builtInModules = "Bun built-in modules";
const bunOrigins = [nativeCode, builtInModules];

/** A package (`ioredis`, `@sinclair/typebox`), one of our folders (`services/gateway`), or Bun. */
function originOf(location: string): string {
  const url = location.startsWith("file://") ? location.slice("file://".length) : location;
  const modules = url.lastIndexOf("node_modules/");
  if (modules >= 0) {
    const parts = url.slice(modules + "node_modules/".length).split("/");
    return parts[0]?.startsWith("@") ? `${parts[0]}/${parts[1]}` : (parts[0] as string);
  }
  if (url.startsWith(repositoryRoot)) return relative(repositoryRoot, url).split("/").slice(0, 2).join("/");
  if (url === "" || url === "[native code]") return nativeCode;
  if (url.startsWith("internal:") || url.startsWith("node:")) return builtInModules;
  return url;
}

const percentOf = (part: number, whole: number) => (whole === 0 ? 0 : Math.round((part / whole) * 1000) / 10);

/**
 * Summarizes the `.cpuprofile` Bun wrote into `directory` (the one with the most samples, if the
 * process forked): its `limit` hottest functions by self samples and its samples by origin.
 * Samples are counted, not weighted by the gaps between them: a gap is the thread idle, not busy.
 */
export function readCpuProfile(directory: string, limit = 15): CpuProfileSummary | null {
  let best: { file: string; profile: ChromeCpuProfile } | null = null;
  try {
    for (const name of readdirSync(directory).filter((file) => file.endsWith(".cpuprofile"))) {
      const profile = JSON.parse(readFileSync(join(directory, name), "utf8")) as ChromeCpuProfile;
      if (!best || profile.samples.length > best.profile.samples.length)
        best = { file: join(directory, name), profile };
    }
  } catch {
    return null;
  }
  if (!best) return null;
  const { nodes, samples } = best.profile;
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const keyOf = (id: number) => {
    const frame = byId.get(id)?.callFrame;
    if (!frame) return "";
    const location = frame.url
      ? `${insideRepository(frame.url)}${frame.lineNumber >= 0 && !frame.url.startsWith("[") ? `:${frame.lineNumber + 1}` : ""}`
      : "";
    return `${frame.functionName || "(anonymous)"}\u0000${location}`;
  };
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const origins = new Map<string, number>();
  for (const sample of samples) {
    const key = keyOf(sample);
    self.set(key, (self.get(key) ?? 0) + 1);
    let origin: string | null = null;
    const onStack = new Set<string>();
    for (let id: number | undefined = sample; id !== undefined; id = parentOf.get(id)) {
      onStack.add(keyOf(id));
      const candidate = originOf(byId.get(id)?.callFrame.url ?? "");
      if (origin === null && !bunOrigins.includes(candidate)) origin = candidate;
    }
    origin ??= originOf(byId.get(sample)?.callFrame.url ?? "");
    origins.set(origin, (origins.get(origin) ?? 0) + 1);
    for (const frame of onStack) total.set(frame, (total.get(frame) ?? 0) + 1);
  }
  const hotFunctions = [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([key, count]) => {
      const [name, location] = key.split("\u0000") as [string, string];
      return {
        selfPercent: percentOf(count, samples.length),
        selfSamples: count,
        totalPercent: percentOf(total.get(key) ?? 0, samples.length),
        name,
        location,
      };
    });
  const byOrigin = [...origins.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([origin, count]) => ({
      origin,
      selfPercent: percentOf(count, samples.length),
      selfSamples: count,
    }));
  return {
    file: insideRepository(best.file),
    samples: samples.length,
    intervalMs: samplingIntervalMicroseconds / 1000,
    hotFunctions,
    byOrigin,
  };
}

/** A markdown section for one profiled process: its hottest functions and its time by origin. */
export function cpuProfileMarkdown(
  name: string,
  cpuMs: number | undefined,
  profile: CpuProfileSummary,
): string {
  const lines = [
    `### ${name}${cpuMs === undefined ? "" : ` — ${Math.round(cpuMs)} ms CPU in the profiled step`}`,
    "",
    `${profile.samples} samples of ${profile.intervalMs} ms (one per interval the JS thread ran; none while idle), \`${profile.file}\`.`,
    "",
    "| self % | self samples | total % | function | location |",
    "| ---: | ---: | ---: | --- | --- |",
    ...profile.hotFunctions.map(
      (row) =>
        `| ${row.selfPercent} | ${row.selfSamples} | ${row.totalPercent} | \`${row.name}\` | ${row.location || "Bun native code"} |`,
    ),
    "",
    "| origin (Bun's own frames charged to their caller) | % | samples |",
    "| --- | ---: | ---: |",
    ...profile.byOrigin
      .slice(0, 12)
      .map((share) => `| ${share.origin} | ${share.selfPercent} | ${share.selfSamples} |`),
  ];
  return lines.join("\n");
}
