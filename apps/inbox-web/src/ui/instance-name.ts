/**
 * The instance's name for the header: its subdomain (`acme` of `acme.inbox.example.com`), which is
 * what the partner chose for it. A bare IP address or `localhost` has none.
 */
export function instanceName(hostname: string): string | undefined {
  if (/^[\d.]+$/.test(hostname) || hostname.startsWith('[') || !hostname.includes('.')) return undefined;
  return hostname.split('.')[0];
}
