import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { AddressGuard, BlockedAddressError } from './address-guard';
import { postSigned } from './signed-post';

const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;

describe('AddressGuard (SSRF)', () => {
  const strict = new AddressGuard(false);
  const relaxed = new AddressGuard(true);

  it.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.20.0.1',
    '192.168.1.1',
    '169.254.10.10',
    '100.64.0.1',
    '0.0.0.0',
    '::1',
    'fe80::1',
    'fd12:3456::1',
    '::ffff:10.0.0.1',
    '::ffff:127.0.0.1',
  ])('refuses %s', (address) => {
    expect(() => strict.check(address)).toThrow(BlockedAddressError);
  });

  it.each(['93.184.216.34', '8.8.8.8', '2606:4700::1111'])('allows public %s', (address) => {
    expect(() => strict.check(address)).not.toThrow();
  });

  it('refuses cloud metadata addresses even when private networks are allowed', () => {
    expect(() => relaxed.check('10.0.0.1')).not.toThrow();
    expect(() => relaxed.check('169.254.169.254')).toThrow(/metadata/);
    expect(() => relaxed.check('fd00:ec2::254')).toThrow(/metadata/);
  });

  it('checks names after DNS resolution and never connects to a refused address', async () => {
    let hits = 0;
    const server = createServer((_, res) => {
      hits++;
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    try {
      const post = { messageId: 'msg_1', body: '{}', signingSecret: SECRET, timeoutMs: 2000 };
      const byName = await postSigned({ ...post, url: `http://localhost:${port}/hook` }, strict);
      expect(byName).toMatchObject({ kind: 'blocked' });
      expect(byName.kind === 'blocked' && byName.reason).toContain('localhost resolves to');
      const literal = await postSigned({ ...post, url: `http://127.0.0.1:${port}/hook` }, strict);
      expect(literal).toMatchObject({ kind: 'blocked' });
      expect(hits).toBe(0);
      const allowed = await postSigned({ ...post, url: `http://127.0.0.1:${port}/hook` }, relaxed);
      expect(allowed).toMatchObject({ kind: 'answered', status: 200 });
      expect(hits).toBe(1);
    } finally {
      server.close();
    }
  });

  it('bounds a slow receiver by the timeout', async () => {
    const server = createServer(() => undefined); // never answers
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    try {
      const outcome = await postSigned(
        {
          url: `http://127.0.0.1:${port}/`,
          messageId: 'm',
          body: '{}',
          signingSecret: SECRET,
          timeoutMs: 300,
        },
        relaxed,
      );
      expect(outcome).toMatchObject({ kind: 'unreachable' });
      expect(outcome.kind === 'unreachable' && outcome.reason).toContain('300 ms');
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
