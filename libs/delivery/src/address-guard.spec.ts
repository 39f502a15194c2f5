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
    expect(() => relaxed.check('169.254.170.2')).toThrow(/metadata/);
    expect(() => relaxed.check('fd00:ec2::254')).toThrow(/metadata/);
  });

  it.each([
    ['[::169.254.169.254]', 'IPv4-compatible (parses as ::a9fe:a9fe)'],
    ['::ffff:a9fe:a9fe', 'IPv4-mapped in hex'],
    ['64:ff9b::169.254.169.254', 'NAT64'],
    ['64:ff9b:1::a9fe:a9fe', 'local-use NAT64'],
    ['2002:a9fe:a9fe::1', '6to4'],
    ['2001:0:4136:e378:8000:63bf:5601:5601', 'Teredo (client 169.254.169.254 inverted)'],
    ['fe80::1', 'IPv6 link-local'],
    ['[fe80::a9fe:a9fe%eth0]', 'IPv6 link-local with a zone'],
    ['169.254.1.1', 'IPv4 link-local'],
  ])('refuses %s (%s) even when private networks are allowed', (address) => {
    expect(() => relaxed.check(address)).toThrow(/metadata or link-local/);
    expect(() => strict.check(address)).toThrow(BlockedAddressError);
  });

  it.each([
    ['2002:7f00:1::1', '6to4 of 127.0.0.1'],
    ['2002:a00:1::1', '6to4 of 10.0.0.1'],
    ['64:ff9b::7f00:1', 'NAT64 of 127.0.0.1'],
    ['::127.0.0.1', 'IPv4-compatible loopback'],
    ['::', 'unspecified'],
  ])('refuses %s (%s) unless private networks are allowed', (address) => {
    expect(() => strict.check(address)).toThrow(/loopback, private or reserved/);
  });

  describe('checkUrl: what is known of a URL without DNS, when it is given', () => {
    it.each([
      'http://169.254.169.254/latest/meta-data',
      'http://[::ffff:169.254.169.254]/',
      'http://[::1]:8080/hook',
      'http://localhost./hook',
      'http://LOCALHOST/hook',
      'http://api.localhost:3000/',
      'http://2130706433/',
      'http://0x7f.1/',
    ])('refuses %s in production', (url) => {
      expect(() => strict.checkUrl(url)).toThrow(BlockedAddressError);
    });

    it('keeps metadata refused where private networks are allowed (local mode), loopback allowed', () => {
      expect(() => relaxed.checkUrl('http://[::ffff:169.254.169.254]/')).toThrow(/metadata/);
      expect(() => relaxed.checkUrl('http://localhost:9000/')).not.toThrow();
    });

    it('leaves names to the delivery, which resolves and checks them', () => {
      expect(() => strict.checkUrl('https://example.com/webhook')).not.toThrow();
      expect(() => strict.checkUrl('https://93.184.216.34/')).not.toThrow();
    });
  });

  it('allows 6to4 of a public address', () => {
    expect(() => strict.check('2002:5db8:d822::1')).not.toThrow(); // 93.184.216.34
  });

  describe('URL forms that mean loopback or metadata never reach a listening server', () => {
    let hits = 0;
    const server = createServer((_, res) => {
      hits++;
      res.end();
    });
    let port = 0;
    beforeAll(async () => {
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      port = (server.address() as AddressInfo).port;
    });
    afterAll(() => server.close());

    it.each([
      'http://[::1]:PORT/',
      'http://0x7f000001:PORT/',
      'http://2130706433:PORT/',
      'http://0177.0.0.1:PORT/',
      'http://127.1:PORT/',
      'http://evil.example@127.0.0.1:PORT/',
      'http://127.0.0.1:PORT#@evil.example/',
      'http://user:pass@[::ffff:127.0.0.1]:PORT/',
      'http://[::169.254.169.254]:PORT/',
    ])('%s is refused before connecting', async (form) => {
      const url = form.replace('PORT', String(port));
      const outcome = await postSigned(
        { url, messageId: 'm', body: '{}', signingSecret: SECRET, timeoutMs: 2000 },
        strict,
      );
      expect(outcome).toMatchObject({ kind: 'blocked' });
      expect(hits).toBe(0);
    });

    it.each(['http://localhost:PORT/', 'http://localhost.:PORT/', 'http://LOCALHOST:PORT/'])(
      '%s is resolved, then refused (or does not resolve), never connected',
      async (form) => {
        const url = form.replace('PORT', String(port));
        const outcome = await postSigned(
          { url, messageId: 'm', body: '{}', signingSecret: SECRET, timeoutMs: 2000 },
          strict,
        );
        expect(['blocked', 'unreachable']).toContain(outcome.kind);
        expect(hits).toBe(0);
      },
    );
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
