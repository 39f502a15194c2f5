/**
 * SSRF guard for outgoing webhooks: a partner-supplied URL must not make us call into our own
 * network. Addresses are checked after DNS resolution (and IP literals directly), and the
 * connection is made to the address that was checked, so a second DNS answer cannot sneak past.
 */
import { LookupAddress, lookup as dnsLookup } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/**
 * Cloud metadata endpoints and all link-local space (where metadata services live: 169.254.0.0/16,
 * fe80::/10): refused even when private networks are allowed.
 */
const METADATA = new BlockList();
METADATA.addSubnet('169.254.0.0', 16, 'ipv4'); // AWS, GCP, Azure (169.254.169.254), ECS (169.254.170.2)
METADATA.addAddress('100.100.100.200', 'ipv4'); // Alibaba Cloud
METADATA.addAddress('fd00:ec2::254', 'ipv6');
METADATA.addSubnet('fe80::', 10, 'ipv6');

/** Loopback, private, link-local, shared, multicast and reserved ranges (RFC 6890 and friends). */
const INTERNAL = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  INTERNAL.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['2001:db8::', 32],
  ['64:ff9b::', 96],
] as const)
  INTERNAL.addSubnet(net, prefix, 'ipv6');

export class BlockedAddressError extends Error {}

type Candidate = { address: string; family: 'ipv4' | 'ipv6' };

/** The 16 bytes of an IPv6 address (any textual form Node accepts, dotted tail included). */
function ipv6Bytes(address: string): Buffer {
  const [head, tail] = address.includes('::') ? address.split('::') : [address, undefined];
  const groups = (part: string | undefined) => (part ? part.split(':') : []);
  const expand = (list: string[]) =>
    list.flatMap((g) => {
      if (!g.includes('.')) return [parseInt(g, 16)];
      const [a, b, c, d] = g.split('.').map(Number);
      return [(a << 8) | b, (c << 8) | d];
    });
  const left = expand(groups(head));
  const right = expand(groups(tail));
  const words = [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
  const bytes = Buffer.alloc(16);
  words.forEach((w, i) => bytes.writeUInt16BE(w, i * 2));
  return bytes;
}

const dotted = (bytes: Buffer, at: number) => [...bytes.subarray(at, at + 4)].join('.');

/**
 * The address and every IPv4 address an IPv6 one carries inside it, each of which must pass:
 * IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d, how `[::169.254.169.254]` parses),
 * NAT64 (64:ff9b::/96 and the local-use 64:ff9b:1::/48), 6to4 (2002:AABB:CCDD::/16) and Teredo
 * (2001:0::/32, client address inverted in the last 4 bytes).
 */
function candidates(raw: string): Candidate[] {
  const address = raw.replace(/^\[|\]$/g, '').replace(/%.*$/, ''); // brackets, zone id
  if (isIP(address) !== 6) return [{ address, family: 'ipv4' }];
  const bytes = ipv6Bytes(address);
  const found: Candidate[] = [{ address, family: 'ipv6' }];
  const word = (i: number) => bytes.readUInt16BE(i * 2);
  const zeros = (from: number, to: number) => bytes.subarray(from, to).every((b) => b === 0);
  if (zeros(0, 10) && (word(5) === 0xffff || word(5) === 0))
    found.push({ address: dotted(bytes, 12), family: 'ipv4' });
  if (word(0) === 0x64 && word(1) === 0xff9b) found.push({ address: dotted(bytes, 12), family: 'ipv4' });
  if (word(0) === 0x2002) found.push({ address: dotted(bytes, 2), family: 'ipv4' });
  if (word(0) === 0x2001 && word(1) === 0) {
    const client = Buffer.from(bytes.subarray(12, 16).map((b) => b ^ 0xff));
    found.push({ address: dotted(client, 0), family: 'ipv4' });
  }
  return found;
}

export class AddressGuard {
  constructor(private readonly allowPrivateNetworks: boolean) {}

  /** Throws BlockedAddressError naming the address when it may not be called. */
  check(raw: string): void {
    for (const { address, family } of candidates(raw)) {
      if (METADATA.check(address, family)) {
        throw new BlockedAddressError(`${raw} is a cloud metadata or link-local address`);
      }
      if (!this.allowPrivateNetworks && INTERNAL.check(address, family)) {
        throw new BlockedAddressError(
          `${raw} is a loopback, private or reserved address (set WEBHOOK_ALLOW_PRIVATE_NETWORKS=true to allow)`,
        );
      }
    }
  }

  /**
   * What can be known of a URL without DNS, at the moment it is given to us (the delivery checks
   * every resolved address again): an IP literal in any form WHATWG URL normalises (`2130706433`,
   * `[::ffff:169.254.169.254]`) and the `localhost` names, which resolve to loopback by definition
   * (RFC 6761; `localhost.` included).
   */
  checkUrl(url: string): void {
    const host = new URL(url).hostname
      .toLowerCase()
      .replace(/^\[|\]$/g, '')
      .replace(/\.$/, '');
    if (host === 'localhost' || host.endsWith('.localhost')) return this.check('127.0.0.1');
    if (isIP(host)) this.check(host);
  }

  /** A `lookup` for http.request: resolves, checks every answer, connects only to checked ones. */
  readonly lookup = (
    hostname: string,
    options: { all?: boolean },
    callback: (error: Error | null, address: string | LookupAddress[], family?: number) => void,
  ): void => {
    dnsLookup(hostname, { all: true }, (error, addresses) => {
      if (error) return callback(error, '');
      try {
        for (const { address } of addresses) this.check(address);
      } catch (blocked) {
        return callback(new BlockedAddressError(`${hostname} resolves to ${(blocked as Error).message}`), '');
      }
      if (options.all) return callback(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };
}
