// Where outbound webhooks may go: http(s) only, and never to loopback, private, unique-local, link-local
// or otherwise non-public addresses — checked on the resolved addresses, at create and again at delivery
// (a name may resolve elsewhere later) — unless WEBHOOK_ALLOW_PRIVATE=1.
import { BlockList, isIP } from 'node:net';
import { lookup as dnsLookup } from 'node:dns/promises';

/** name → every address it resolves to (injectable: tests resolve made-up names). */
export type Resolver = (hostname: string) => Promise<{ address: string; family: number }[]>;
export const systemResolver: Resolver = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) blocked.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8], ['2001:db8::', 32], ['100::', 64],
] as const) blocked.addSubnet(net, prefix, 'ipv6');

/** The IPv4 address an IPv6 one carries (mapped ::ffff:a.b.c.d, NAT64 64:ff9b::/96, compatible ::a.b.c.d). */
function embeddedIpv4(ip: string): string | undefined {
  const lower = ip.toLowerCase();
  const dotted = /^(?:::ffff:|64:ff9b::|::)(\d{1,3}(?:\.\d{1,3}){3})$/.exec(lower);
  if (dotted) return dotted[1];
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (!hex) return undefined;
  const n = (parseInt(hex[1], 16) << 16) | parseInt(hex[2], 16);
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function isPrivateAddress(ip: string): boolean {
  const family = isIP(ip);
  if (family === 4) return blocked.check(ip, 'ipv4');
  if (family !== 6) return true;
  const v4 = embeddedIpv4(ip);
  return v4 ? blocked.check(v4, 'ipv4') : blocked.check(ip, 'ipv6');
}

export type DestinationCheck = { ok: true; url: URL; addresses: string[] } | { ok: false; reason: string };

/**
 * Parses and checks a webhook URL. The WHATWG parser already reduces every IPv4 notation (decimal, hex,
 * octal, short forms) and IPv6 to one canonical form, so the address test sees what a connection would use.
 */
export async function checkDestination(raw: string, allowPrivate: boolean, resolve: Resolver = systemResolver): Promise<DestinationCheck> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'Input should be an absolute http(s) URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, reason: 'Only http and https URLs are allowed' };
  if (url.username || url.password) return { ok: false, reason: 'Credentials in the URL are not allowed' };
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  let addresses: string[];
  if (isIP(host)) addresses = [host];
  else {
    try {
      addresses = (await resolve(host)).map((a) => a.address);
    } catch {
      return { ok: false, reason: `The host ${host} does not resolve` };
    }
    if (!addresses.length) return { ok: false, reason: `The host ${host} does not resolve` };
  }
  if (!allowPrivate && addresses.some(isPrivateAddress)) {
    return { ok: false, reason: 'Loopback, private and link-local destinations are not allowed (set WEBHOOK_ALLOW_PRIVATE=1 to allow them)' };
  }
  return { ok: true, url, addresses };
}
