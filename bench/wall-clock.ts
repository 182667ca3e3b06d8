/**
 * Wall-clock time in epoch milliseconds with sub-millisecond resolution, aligned with `Date.now()`
 * (the clock every process on this machine, Redis included, stamps with). `performance.timeOrigin`
 * alone can sit a fraction of a millisecond off `Date.now()`, so the offset is calibrated: over
 * many samples `Date.now() - (timeOrigin + performance.now())` averages `offset - 0.5` because
 * `Date.now()` truncates.
 */
export class WallClock {
  private readonly offset: number;

  constructor(calibrationMs = 20) {
    const samples: number[] = [];
    const end = performance.now() + calibrationMs;
    while (performance.now() < end) samples.push(Date.now() - (performance.timeOrigin + performance.now()));
    this.offset = samples.reduce((sum, sample) => sum + sample, 0) / samples.length + 0.5;
  }

  /** Now, in epoch milliseconds (fractional). */
  now(): number {
    return performance.timeOrigin + performance.now() + this.offset;
  }
}
