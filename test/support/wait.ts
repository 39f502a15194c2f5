/** Polls until the condition holds, or fails after the timeout. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  intervalMs = 25,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Waits until an HTTP URL answers below 500. */
export async function waitForHttp(url: string, timeoutMs = 30_000): Promise<void> {
  await waitFor(
    async () => {
      try {
        return (await fetch(url)).status < 500;
      } catch {
        return false; // not listening yet
      }
    },
    timeoutMs,
    100,
  );
}
