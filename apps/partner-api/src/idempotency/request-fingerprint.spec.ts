import { canonicalJson, requestFingerprint } from './request-fingerprint';

describe('request fingerprint', () => {
  it('ignores key order at every level', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[1,{"x":1,"y":2}]},"b":1}',
    );
    expect(requestFingerprint('POST', '/v1/instances', { a: 1, b: 2 })).toBe(
      requestFingerprint('post', '/v1/instances', { b: 2, a: 1 }),
    );
  });

  it('tells different bodies and paths apart', () => {
    expect(requestFingerprint('POST', '/v1/instances', { a: 1 })).not.toBe(
      requestFingerprint('POST', '/v1/instances', { a: '1' }),
    );
    expect(requestFingerprint('POST', '/v1/instances', {})).not.toBe(
      requestFingerprint('POST', '/v1/other', {}),
    );
  });
});
