/**
 * The health wait backs off between checks: it once raced its pause against an absent nudge and
 * polled as fast as it could (577 checks for one cold start, 77,349 in 20 s for a dead instance).
 * A real HTTP server plays a slow instance and counts what it is asked.
 */
import { waitUntilHealthy } from '@app/provisioning';
import { startReceiver, json } from '../support/http-receiver';

describe('waitUntilHealthy (a slow instance on a real HTTP server)', () => {
  it('checks a slow instance a handful of times, with growing pauses, until it answers 200', async () => {
    const healthyAt = Date.now() + 1500;
    const instance = await startReceiver((_req, res) =>
      Date.now() >= healthyAt ? json(res, 200, []) : json(res, 503, [{ is_ok: false }]),
    );
    try {
      const checks = await waitUntilHealthy(`${instance.url}/api/v1/status/health`, {
        deadlineMs: 10_000,
        initialDelayMs: 50,
        maxDelayMs: 400,
      });
      // 50 + 100 + 200 + 400 + 400 + 400 ms of pauses reach 1.5 s: about 7 checks, never hundreds.
      expect(checks).toBe(instance.received.length);
      expect(checks).toBeGreaterThanOrEqual(4);
      expect(checks).toBeLessThanOrEqual(10);
    } finally {
      await instance.close();
    }
  });

  it('checks an instance that never becomes healthy at most once per pause until the deadline', async () => {
    const instance = await startReceiver((_req, res) => json(res, 503, [{ is_ok: false }]));
    try {
      const error = await waitUntilHealthy(`${instance.url}/api/v1/status/health`, {
        deadlineMs: 2000,
        initialDelayMs: 50,
        maxDelayMs: 200,
      }).catch((e: unknown) => e as Error);
      expect((error as Error).message).toMatch(
        /^not healthy after \d s \(\d+ checks\); last answer: HTTP 503/,
      );
      // 50 + 100 + 200 × 9 ≈ 2 s of pauses: about 12 checks.
      expect(instance.received.length).toBeGreaterThanOrEqual(5);
      expect(instance.received.length).toBeLessThanOrEqual(14);
    } finally {
      await instance.close();
    }
  });

  it('a nudge cuts one pause short, once', async () => {
    const healthyAt = Date.now() + 300;
    const instance = await startReceiver((_req, res) =>
      Date.now() >= healthyAt ? json(res, 200, []) : json(res, 503, []),
    );
    try {
      const started = Date.now();
      const checks = await waitUntilHealthy(`${instance.url}/api/v1/status/health`, {
        deadlineMs: 10_000,
        initialDelayMs: 5000,
        nudge: new Promise((resolve) => setTimeout(resolve, 350)),
      });
      expect(checks).toBe(2);
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      await instance.close();
    }
  });
});
