import { findBadText, repairText, repairTextDeep, textProblem } from './text-guard';

describe('text PostgreSQL cannot store', () => {
  it('names NUL and unpaired surrogates, accepts paired ones', () => {
    expect(textProblem('a\u0000b')).toBe('Null characters are not allowed.');
    expect(textProblem('a\ud800b')).toBe('Surrogate characters are not allowed: U+D800.');
    expect(textProblem('x\udc01')).toBe('Surrogate characters are not allowed: U+DC01.');
    expect(textProblem('😀 ok')).toBeNull();
    expect(textProblem('')).toBeNull();
  });

  it('repairs with U+FFFD in one pass, keeping pairs', () => {
    expect(repairText('a\u0000b\ud800c😀\udc00')).toBe('a\uFFFDb\uFFFDc😀\uFFFD');
    expect(repairText('fine')).toBe('fine');
    expect(repairText('\u0000')).toBe('\uFFFD');
    const hostile = '\ud800'.repeat(500_000);
    // Linear: a quadratic repair of 500,000 characters would outlast the test's timeout.
    expect(repairText(hostile)).toBe('\uFFFD'.repeat(500_000));
  });

  it('finds the first bad key or value with its path, and skips file buffers', () => {
    expect(findBadText({ text: { body: 'a\u0000' } })).toEqual({
      path: ['text', 'body'],
      problem: 'Null characters are not allowed.',
    });
    expect(findBadText({ list: ['ok', '\ud800'] })?.path).toEqual(['list', '1']);
    expect(findBadText({ 'k\u0000': 1 })?.path).toEqual(['k\uFFFD']);
    expect(findBadText({ file: { data: Buffer.from([0, 0xd8]) }, name: 'x' })).toBeNull();
    expect(findBadText(undefined)).toBeNull();
  });

  it('repairs a whole document, keys included', () => {
    expect(repairTextDeep({ 'a\u0000': ['x\ud800', 1, null, { b: 'ok' }] })).toEqual({
      'a\uFFFD': ['x\uFFFD', 1, null, { b: 'ok' }],
    });
  });
});
