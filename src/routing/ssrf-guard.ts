import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { DomainError } from '../common/errors/domain-error';

/** Resolves a host name to every address it has (tests pass a stub so nothing is ever dialled or queried). */
export type HostResolver = (hostname: string) => Promise<string[]>;

export const systemResolver: HostResolver = async (hostname) => (await lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);

/** A URL a caller supplied points somewhere Tollgate must not connect to. */
export class UnsafeUrlError extends DomainError {
  constructor(reason: string) {
    super('GW_BAD_REQUEST', `Rejected Request: the URL is not allowed (${reason}).`, { status: 400, type: 'invalid_request_error', param: 'api_base' });
  }
}

/**
 * Addresses no caller may make Tollgate connect to: loopback, private (RFC 1918, unique-local), link-local (where
 * cloud metadata services live, 169.254.169.254 and fd00:ec2::254), carrier-grade NAT, unspecified, multicast,
 * broadcast and the IPv6 forms that embed an IPv4 address (mapped, NAT64, 6to4) of any of those.
 */
const FORBIDDEN = (() => {
  const list = new BlockList();
  for (const [network, prefix] of [
    ['0.0.0.0', 8],
    ['10.0.0.0', 8],
    ['100.64.0.0', 10],
    ['127.0.0.0', 8],
    ['169.254.0.0', 16],
    ['172.16.0.0', 12],
    ['192.0.0.0', 24],
    ['192.168.0.0', 16],
    ['198.18.0.0', 15],
    ['224.0.0.0', 4],
    ['240.0.0.0', 4],
  ] as const) {
    list.addSubnet(network, prefix, 'ipv4');
  }
  for (const [network, prefix] of [
    ['::', 128],
    ['::1', 128],
    ['fc00::', 7],
    ['fe80::', 10],
    ['fec0::', 10],
    ['ff00::', 8],
  ] as const) {
    list.addSubnet(network, prefix, 'ipv6');
  }
  return list;
})();

/**
 * Cloud instance-metadata and credential endpoints: AWS IMDS (also GCP, Azure, OpenStack, Oracle, DigitalOcean)
 * 169.254.169.254 and fd00:ec2::254, ECS task credentials 169.254.170.2, EKS Pod Identity 169.254.170.23 and
 * fd00:ec2::23, Tencent 169.254.0.23, Alibaba 100.100.100.200, Oracle's legacy 192.0.0.192.
 */
const METADATA_ADDRESSES = (() => {
  const list = new BlockList();
  for (const address of ['169.254.169.254', '169.254.170.2', '169.254.170.23', '169.254.0.23', '100.100.100.200', '192.0.0.192']) list.addAddress(address, 'ipv4');
  for (const address of ['fd00:ec2::254', 'fd00:ec2::23']) list.addAddress(address, 'ipv6');
  return list;
})();

/** Names that resolve to a metadata service from inside a cloud instance (GCP, AWS, Tencent). */
export const METADATA_HOSTNAMES: ReadonlySet<string> = new Set([
  'metadata.google.internal',
  'metadata.goog',
  'metadata',
  'instance-data',
  'instance-data.ec2.internal',
  'metadata.tencentyun.com',
]);

/**
 * The address to classify: brackets and zone removed, and the IPv4 address an IPv6 form embeds (mapped,
 * compatible, NAT64, 6to4) when it has one, so `::ffff:169.254.169.254` is checked as 169.254.169.254.
 * @returns null when the text is not an IP address.
 */
export function canonicalAddress(address: string): { ip: string; family: 'ipv4' | 'ipv6' } | null {
  const bare = address.startsWith('[') ? address.slice(1, -1) : address;
  const zone = bare.indexOf('%');
  const ip = zone >= 0 ? bare.slice(0, zone) : bare;
  const family = isIP(ip);
  if (family === 4) return { ip, family: 'ipv4' };
  if (family !== 6) return null;
  const embedded = embeddedIpv4(ip);
  return embedded !== null ? { ip: embedded, family: 'ipv4' } : { ip, family: 'ipv6' };
}

/** Whether the address is a cloud metadata endpoint, in any of its IPv4 or IPv6 spellings. */
export function isMetadataAddress(address: string): boolean {
  const canonical = canonicalAddress(address);
  return canonical !== null && METADATA_ADDRESSES.check(canonical.ip, canonical.family);
}

/** @returns why the address is forbidden, or null when it is a public unicast address. */
export function forbiddenAddressReason(address: string): string | null {
  const ip = address.startsWith('[') ? address.slice(1, -1) : address;
  const family = isIP(ip);
  if (family === 0) return 'not an IP address';
  if (family === 4) return FORBIDDEN.check(ip, 'ipv4') ? `${ip} is a loopback, private, link-local or reserved address` : null;
  const embedded = embeddedIpv4(ip);
  if (embedded !== null) return forbiddenAddressReason(embedded);
  return FORBIDDEN.check(ip, 'ipv6') ? `${ip} is a loopback, private, link-local or reserved address` : null;
}

/**
 * Checks a caller-supplied base URL before any connection: http(s) only, no credentials in it, and every address
 * its host resolves to is public. The WHATWG parser has already turned decimal, octal and hex IPv4 spellings
 * (`http://2130706433`, `http://0177.0.0.1`, `http://0x7f.1`) into dotted form, so they are checked as the
 * addresses they are.
 * @throws UnsafeUrlError
 */
export async function assertSafeUrl(raw: string, resolve: HostResolver = systemResolver): Promise<URL> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UnsafeUrlError('not a valid URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UnsafeUrlError(`scheme ${url.protocol} is not allowed`);
  if (url.username || url.password) throw new UnsafeUrlError('credentials in the URL are not allowed');
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (isIP(host) !== 0) {
    const reason = forbiddenAddressReason(host);
    if (reason) throw new UnsafeUrlError(reason);
    return url;
  }
  let addresses: string[];
  try {
    addresses = await resolve(host);
  } catch {
    throw new UnsafeUrlError(`${host} does not resolve`);
  }
  if (addresses.length === 0) throw new UnsafeUrlError(`${host} does not resolve`);
  for (const address of addresses) {
    const reason = forbiddenAddressReason(address);
    if (reason) throw new UnsafeUrlError(`${host} resolves to ${reason}`);
  }
  return url;
}

/** `::ffff:a.b.c.d` / `::ffff:7f00:1` (mapped), `64:ff9b::/96` (NAT64), `2002:xxxx:xxxx::/16` (6to4). */
function embeddedIpv4(ipv6: string): string | null {
  const groups = expandIpv6(ipv6);
  if (!groups) return null;
  const isMapped = groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff;
  const isCompatible = groups.slice(0, 6).every((group) => group === 0) && (groups[6] !== 0 || groups[7] > 1);
  const isNat64 = groups[0] === 0x64 && groups[1] === 0xff9b && groups.slice(2, 6).every((group) => group === 0);
  if (isMapped || isCompatible || isNat64) return toIpv4(groups[6], groups[7]);
  if (groups[0] === 0x2002) return toIpv4(groups[1], groups[2]);
  return null;
}

function toIpv4(high: number, low: number): string {
  return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
}

/** Eight 16-bit groups, or null. Accepts a dotted IPv4 tail (`::ffff:127.0.0.1`). */
function expandIpv6(ip: string): number[] | null {
  let text = ip.toLowerCase();
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  const dotted = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number);
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? head.length !== 8 : missing < 0) return null;
  const groups = [...head, ...Array.from({ length: halves.length === 2 ? missing : 0 }, () => '0'), ...tail].map((group) => Number.parseInt(group, 16));
  return groups.length === 8 && groups.every((group) => Number.isInteger(group) && group >= 0 && group <= 0xffff) ? groups : null;
}
