/** One process's RSS over a soak, after the warm-up. */
export type MemoryTrend = {
  samples: number;
  startMib: number;
  endMib: number;
  minMib: number;
  maxMib: number;
  medianMib: number;
  /** Least-squares slope of RSS over time, MiB per 10 minutes. */
  slopeMibPer10Minutes: number;
  /** The most the slope may be for `flat`: the larger of the absolute and the relative allowance. */
  allowedMibPer10Minutes: number;
  flat: boolean;
};

/**
 * When a process counts as flat: its RSS slope after the warm-up (least squares over every
 * sample, so one garbage collection or one burst does not decide) is at most 2 MiB per 10
 * minutes or 2 % of its median RSS per 10 minutes, whichever is larger. A leak of ~500 bytes per
 * answer at the soak's default load (~20 answers/s) is ~6 MiB per 10 minutes and fails it.
 */
export const flatCriterion = { absoluteMibPer10Minutes: 2, relativePer10Minutes: 0.02 };

const round = (value: number) => Math.round(value * 100) / 100;

/** The trend of `points` (time in ms, RSS in KiB), taken after the warm-up; null with fewer than 3. */
export function memoryTrend(points: Array<{ atMs: number; rssKib: number }>): MemoryTrend | null {
  const valid = points.filter((point) => Number.isFinite(point.rssKib));
  if (valid.length < 3) return null;
  const mib = valid.map((point) => point.rssKib / 1024);
  const minutes = valid.map((point) => point.atMs / 60_000);
  const meanX = minutes.reduce((sum, value) => sum + value, 0) / minutes.length;
  const meanY = mib.reduce((sum, value) => sum + value, 0) / mib.length;
  let covariance = 0;
  let variance = 0;
  minutes.forEach((x, index) => {
    covariance += (x - meanX) * ((mib[index] as number) - meanY);
    variance += (x - meanX) ** 2;
  });
  const slopePerMinute = variance === 0 ? 0 : covariance / variance;
  const sorted = [...mib].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] as number;
  const allowed = Math.max(
    flatCriterion.absoluteMibPer10Minutes,
    flatCriterion.relativePer10Minutes * median,
  );
  return {
    samples: valid.length,
    startMib: round(mib[0] as number),
    endMib: round(mib.at(-1) as number),
    minMib: round(sorted[0] as number),
    maxMib: round(sorted.at(-1) as number),
    medianMib: round(median),
    slopeMibPer10Minutes: round(slopePerMinute * 10),
    allowedMibPer10Minutes: round(allowed),
    flat: slopePerMinute * 10 <= allowed,
  };
}
