/**
 * Preloaded into a server under `npm run bench:idle -- --heap` (`bun --preload`): on SIGUSR2 it
 * writes the process's JavaScriptCore heap figures (`heapStats()`: object counts by type, heap
 * and extra memory) and `process.memoryUsage()` to HEAP_PROBE_FILE, without collecting garbage
 * first unless HEAP_PROBE_GC=1, so the reading is what the RSS figure saw.
 */

import { heapStats } from "bun:jsc";
import { writeFileSync } from "node:fs";

const file = process.env.HEAP_PROBE_FILE;
if (file) {
  process.on("SIGUSR2", () => {
    if (process.env.HEAP_PROBE_GC === "1") Bun.gc(true);
    const { objectTypeCounts, heapSize, heapCapacity, extraMemorySize, objectCount } = heapStats();
    writeFileSync(
      file,
      JSON.stringify({
        heapSize,
        heapCapacity,
        extraMemorySize,
        objectCount,
        objectTypeCounts,
        memory: process.memoryUsage(),
      }),
    );
  });
}
