import { PROVIDER_RETRY, retryDelay, retryScheduleFrom } from './webhook-sender';

describe('the sandbox retries webhooks like a provider', () => {
  it('doubles from 0.5 s up to an hour between attempts and goes on for 7 days', () => {
    expect([1, 2, 3, 4].map((n) => retryDelay(n, PROVIDER_RETRY))).toEqual([500, 1000, 2000, 4000]);
    expect(retryDelay(13, PROVIDER_RETRY)).toBe(2_048_000);
    expect(retryDelay(14, PROVIDER_RETRY)).toBe(3_600_000);
    expect(retryDelay(1000, PROVIDER_RETRY)).toBe(3_600_000);
    // Attempts within 7 days: the old schedule gave up after 8 attempts, ~64 s.
    let elapsed = 0;
    let attempts = 1;
    while (elapsed + retryDelay(attempts, PROVIDER_RETRY) <= PROVIDER_RETRY.retryForMs) {
      elapsed += retryDelay(attempts, PROVIDER_RETRY);
      attempts++;
    }
    expect(attempts).toBeGreaterThan(170);
    expect(elapsed).toBeGreaterThan(6.9 * 24 * 3_600_000);
  });

  it('reads a shorter schedule from the environment, ignoring what is not a number', () => {
    expect(
      retryScheduleFrom({ WABA_SANDBOX_RETRY_MAX_DELAY_MS: '200', WABA_SANDBOX_RETRY_FOR_MS: '60000' }),
    ).toEqual({
      maxDelayMs: 200,
      retryForMs: 60_000,
    });
    expect(retryScheduleFrom({ WABA_SANDBOX_RETRY_MAX_DELAY_MS: 'soon' })).toEqual(PROVIDER_RETRY);
  });
});
