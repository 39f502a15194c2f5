/**
 * Runs `work` once things have been quiet for `quietMs` since the last `poke`, or at the latest
 * `maxWaitMs` after the first poke of a busy stretch (so a steady stream of pokes cannot starve it).
 * Background top-ups (spare databases, warm processes) use it to stay out of a burst's way.
 */
export class QuietPeriod {
  private timer?: NodeJS.Timeout;
  private firstPokeAt?: number;

  constructor(
    private readonly work: () => void,
    private readonly quietMs: number,
    private readonly maxWaitMs: number,
  ) {}

  poke(): void {
    const now = Date.now();
    this.firstPokeAt ??= now;
    const delay = Math.max(0, Math.min(this.quietMs, this.firstPokeAt + this.maxWaitMs - now));
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.firstPokeAt = undefined;
      this.work();
    }, delay);
    this.timer.unref();
  }

  cancel(): void {
    clearTimeout(this.timer);
    this.firstPokeAt = undefined;
  }
}

/**
 * The policy for background top-ups (spare databases, warm processes): once a burst has been over
 * for a second, or at the latest ten seconds into a steady stream.
 */
export const afterBurst = (work: () => void): QuietPeriod => new QuietPeriod(work, 1000, 10_000);
