/**
 * SSRF guard for outgoing webhooks: a partner-supplied URL must not make us call into our own
 * network. Addresses are checked after DNS resolution (and IP literals directly), and the
 * connection is made to the address that was checked, so a second DNS answer cannot sneak past.
 */
import { LookupAddress, lookup as dnsLookup } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/** Cloud metadata endpoints: refused even when private networks are allowed. */
const METADATA = new BlockList();
METADATA.addAddress('169.254.169.254', 'ipv4');
METADATA.addAddress('169.254.170.2', 'ipv4'); // ECS task metadata
METADATA.addAddress('100.100.100.200', 'ipv4'); // Alibaba Cloud
METADATA.addAddress('fd00:ec2::254', 'ipv6');

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

/** `::ffff:10.0.0.1` is 10.0.0.1: check the IPv4 address inside an IPv4-mapped IPv6 one. */
function normalize(address: string): { address: string; family: 'ipv4' | 'ipv6' } {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return { address: mapped[1], family: 'ipv4' };
  return { address, family: isIP(address) === 6 ? 'ipv6' : 'ipv4' };
}

export class AddressGuard {
  constructor(private readonly allowPrivateNetworks: boolean) {}

  /** Throws BlockedAddressError naming the address when it may not be called. */
  check(raw: string): void {
    const { address, family } = normalize(raw.replace(/^\[|\]$/g, ''));
    if (METADATA.check(address, family)) {
      throw new BlockedAddressError(`${raw} is a cloud metadata address`);
    }
    if (!this.allowPrivateNetworks && INTERNAL.check(address, family)) {
      throw new BlockedAddressError(
        `${raw} is a loopback, private or reserved address (set WEBHOOK_ALLOW_PRIVATE_NETWORKS=true to allow)`,
      );
    }
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
