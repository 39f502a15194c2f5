import { failureOf } from './signed-post';

describe('failureOf', () => {
  it('is nothing for a 2xx, a retryable error for any other answer or no answer, permanent for a refused address', () => {
    expect(failureOf({ kind: 'answered', status: 204, latencyMs: 1, bodySnippet: '' })).toBeUndefined();
    expect(failureOf({ kind: 'answered', status: 503, latencyMs: 1, bodySnippet: 'x'.repeat(500) })).toEqual({
      error: `HTTP 503: ${'x'.repeat(200)}`,
      permanent: false,
    });
    expect(failureOf({ kind: 'answered', status: 302, latencyMs: 1, bodySnippet: '' })).toEqual({
      error: 'HTTP 302:',
      permanent: false,
    });
    expect(failureOf({ kind: 'unreachable', reason: 'connect ECONNREFUSED', latencyMs: 1 })).toEqual({
      error: 'connect ECONNREFUSED',
      permanent: false,
    });
    expect(failureOf({ kind: 'blocked', reason: '10.0.0.1 is private', latencyMs: 1 })).toEqual({
      error: '10.0.0.1 is private',
      permanent: true,
    });
  });
});
