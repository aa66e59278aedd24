import { BlockList, isIP } from 'node:net';

/** Loopback and private ranges: the proxies in front of a gateway usually live there. */
export const DEFAULT_TRUSTED_PROXIES = ['127.0.0.0/8', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16', '::1/128', 'fc00::/7', 'fe80::/10'];

export interface ClientIpSettings {
  allowed_ips?: readonly string[];
  use_x_forwarded_for?: boolean;
  trusted_proxies?: readonly string[];
}

/**
 * Who the caller is at the IP level, and whether it may call at all (`allowed_ips`: exact addresses and CIDR
 * ranges, IPv4 and IPv6; IPv4-mapped IPv6 addresses count as their IPv4 address). `X-Forwarded-For` is used only
 * with `use_x_forwarded_for: true`, and then only as far as the proxies are trusted: the client is the right-most
 * address not in `trusted_proxies`, so a caller cannot choose its address by sending the header itself.
 */
export class ClientIpPolicy {
  private readonly allowed: BlockList | null;
  private readonly trusted: BlockList;
  readonly useForwardedFor: boolean;

  constructor(settings: ClientIpSettings) {
    this.allowed = settings.allowed_ips && settings.allowed_ips.length > 0 ? toBlockList(settings.allowed_ips) : null;
    this.trusted = toBlockList(settings.trusted_proxies ?? DEFAULT_TRUSTED_PROXIES);
    this.useForwardedFor = settings.use_x_forwarded_for === true;
  }

  get restrictsIps(): boolean {
    return this.allowed !== null;
  }

  /**
   * @param socketAddress the TCP peer.
   * @param forwardedFor the `X-Forwarded-For` header(s), if any.
   */
  clientIp(socketAddress: string | undefined, forwardedFor: string | string[] | undefined): string | null {
    const peer = socketAddress ? normalize(socketAddress) : null;
    if (!this.useForwardedFor || forwardedFor === undefined || peer === null || !this.isTrusted(peer)) return peer;
    const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor)
      .split(',')
      .map((hop) => normalize(hop.trim()))
      .filter((hop) => isIP(hop) !== 0);
    for (let i = hops.length - 1; i >= 0; i--) {
      if (!this.isTrusted(hops[i])) return hops[i];
    }
    // Every hop is a trusted proxy: the left-most is the closest thing to a client there is.
    return hops[0] ?? peer;
  }

  isAllowed(ip: string | null): boolean {
    if (this.allowed === null) return true;
    if (ip === null) return false;
    return contains(this.allowed, ip);
  }

  private isTrusted(ip: string): boolean {
    return contains(this.trusted, ip);
  }
}

function contains(list: BlockList, ip: string): boolean {
  const family = isIP(ip);
  if (family === 0) return false;
  return list.check(ip, family === 6 ? 'ipv6' : 'ipv4');
}

/** `::ffff:10.0.0.1` → `10.0.0.1`; brackets and zone ids stripped. */
export function normalize(address: string): string {
  let ip = address.startsWith('[') && address.includes(']') ? address.slice(1, address.indexOf(']')) : address;
  const zone = ip.indexOf('%');
  if (zone >= 0) ip = ip.slice(0, zone);
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  return mapped ? mapped[1] : ip.toLowerCase();
}

function toBlockList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address, prefix] = entry.split('/');
    const ip = normalize(address);
    const family = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(ip, family);
    else list.addSubnet(ip, Number(prefix), family);
    // An IPv4 entry also admits its IPv4-mapped IPv6 form, which some stacks report.
    if (family === 'ipv4') {
      if (prefix === undefined) list.addAddress(`::ffff:${ip}`, 'ipv6');
      else list.addSubnet(`::ffff:${ip}`, 96 + Number(prefix), 'ipv6');
    }
  }
  return list;
}
