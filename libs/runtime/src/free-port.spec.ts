import { freePort } from './local-runtime';

describe('freePort', () => {
  it('never hands out a port again among its last 64 answers, even when the kernel re-offers one', async () => {
    const ports: number[] = [];
    for (let i = 0; i < 200; i++) ports.push(await freePort());
    for (let i = 0; i + 64 <= ports.length; i++) expect(new Set(ports.slice(i, i + 64)).size).toBe(64);
  });
});
