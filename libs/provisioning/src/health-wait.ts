import { TransientStepError } from '@app/common/errors/step-errors';

export interface HealthWaitOptions {
  /** Give up (instance `failed`) after this long. */
  deadlineMs: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
  requestTimeoutMs?: number;
  /** Asked before each pause: false stops the wait (instance deleted, worker shutting down). */
  stillWanted?: () => Promise<boolean>;
  /** When it resolves (the instance says it listens), the pause ends and the next check runs at once. */
  nudge?: Promise<unknown>;
}

/**
 * Polls an instance's health check with exponential backoff until it answers 200, or throws a
 * TransientStepError naming the last answer once the deadline has passed.
 */
export async function waitUntilHealthy(url: string, options: HealthWaitOptions): Promise<number> {
  const started = Date.now();
  let delay = options.initialDelayMs ?? 50;
  let last = 'no answer yet';
  let nudge = options.nudge?.then(() => {
    nudge = undefined; // once: a settled nudge must not cut every later pause short
  });
  for (let attempt = 1; ; attempt++) {
    try {
      const response = await fetch(url, {
        signal: AbortSignal.timeout(options.requestTimeoutMs ?? 2000),
        redirect: 'manual',
      });
      if (response.status === 200) return attempt;
      last = `HTTP ${response.status}: ${(await response.text()).slice(0, 200)}`;
    } catch (error) {
      last = (error as Error).message;
    }
    if (Date.now() - started + delay > options.deadlineMs) {
      throw new TransientStepError(
        `not healthy after ${Math.round((Date.now() - started) / 1000)} s (${attempt} checks); last answer: ${last}`,
      );
    }
    if (options.stillWanted && !(await options.stillWanted())) {
      throw new TransientStepError(`health wait stopped after ${attempt} checks; last answer: ${last}`);
    }
    await pause(delay, nudge);
    delay = Math.min(delay * 2, options.maxDelayMs ?? 2000);
  }
}

/**
 * Sleeps `ms`, or less when the nudge settles first. Without a nudge it only sleeps: racing a
 * promise against `undefined` resolves at once and turned this loop into a busy poll.
 */
function pause(ms: number, nudge?: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const slept = new Promise<void>((r) => (timer = setTimeout(r, ms)));
  if (!nudge) return slept;
  return Promise.race([slept, nudge]).then(() => clearTimeout(timer));
}
