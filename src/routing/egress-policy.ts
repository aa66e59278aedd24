import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { buildConnector } from 'undici';
import { DomainError } from '../common/errors/domain-error';
import type { EgressPolicySettings } from '../config/config.types';
import type { Deployment } from './deployment';
import { canonicalAddress, forbiddenAddressReason, isMetadataAddress, METADATA_HOSTNAMES } from './ssrf-guard';

/** Raised at the dial, inside the HTTP client, when the policy refuses the host or an address it resolves to. */
export class EgressRefusedError extends Error {
  readonly code = 'TOLLGATE_EGRESS_REFUSED';

  constructor(
    readonly host: string,
    readonly reason: string,
  ) {
    super(`egress refused: ${reason}`);
    this.name = 'EgressRefusedError';
  }
}

/**
 * What the caller of a refused call sees: the deployment by its model name and id (so the operator finds the
 * `model_list` entry or stored model), the host and the rule. Not retried: the same dial would be refused again.
 */
export class EgressPolicyRefusedCallError extends DomainError {
  constructor(deployment: Pick<Deployment, 'id' | 'modelName'>, refusal: EgressRefusedError) {
    super(
      'GW_UPSTREAM_UNREACHABLE',
      `Egress refused for deployment '${deployment.modelName}' (model id ${deployment.id}): ${refusal.reason}. ` + 'Change its api_base, or general_settings.egress_policy.',
      { status: 502, type: 'api_error', param: 'model' },
    );
  }
}

/** The refusal a failed request carries, wherever undici put it (the error itself or its cause). */
export function egressRefusalOf(error: unknown): EgressRefusedError | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 4; current = current.cause, depth++) {
    if (current instanceof EgressRefusedError) return current;
  }
  return undefined;
}

interface HostRules {
  /** Exact host names (lower case, no trailing dot). */
  names: Set<string>;
  /** `*.example.com` as `.example.com`: any name below it. */
  suffixes: string[];
  addresses: BlockList;
  hasAddresses: boolean;
}

/**
 * `general_settings.egress_policy`: where Tollgate may connect for deployments (configured and stored ones alike).
 * By default everything is allowed except cloud metadata endpoints (instance credentials live there); `deny`
 * refuses hosts and CIDRs; a non-empty `allow` refuses everything it does not list; `allow_metadata: true` lifts the
 * metadata refusal. Host entries match the name the deployment dials (`api.openai.com`, `*.openai.azure.com`);
 * IP and CIDR entries match every address the name resolves to at the dial, so DNS cannot re-point an allowed call.
 */
export class EgressPolicy {
  private readonly allow: HostRules | undefined;
  private readonly deny: HostRules;
  private readonly allowMetadata: boolean;

  constructor(settings: EgressPolicySettings = {}) {
    this.allow = settings.allow && settings.allow.length > 0 ? hostRules(settings.allow) : undefined;
    this.deny = hostRules(settings.deny ?? []);
    this.allowMetadata = settings.allow_metadata === true;
  }

  /**
   * @param hostname the host the connection is for (a name or an IP literal)
   * @param addresses what it resolved to (for an IP literal, itself)
   * @returns why the connection is refused, or null when it may go ahead
   */
  refusalFor(hostname: string, addresses: readonly string[]): string | null {
    const host = normalisedHost(hostname);
    const byName = this.refusalForName(host);
    if (byName !== null) return byName;
    const resolvedTo = (address: string): string => (address === host ? address : `${host} resolves to ${address}, which`);
    const metadata = this.allowMetadata ? undefined : addresses.find(isMetadataAddress);
    if (metadata !== undefined) return `${resolvedTo(metadata)} is a cloud metadata address (egress_policy.allow_metadata is off)`;
    const denied = addresses.find((address) => matchesAddress(this.deny, address));
    if (denied !== undefined) return `${resolvedTo(denied)} is in egress_policy.deny`;
    if (!this.allow || matchesName(this.allow, host)) return null;
    const outside = addresses.find((address) => !matchesAddress(this.allow as HostRules, address));
    if (outside === undefined && addresses.length > 0) return null;
    return `${outside === undefined || outside === host ? host : `${host} (${outside})`} is not in egress_policy.allow`;
  }

  /** What is refused by the name alone (metadata names, denied names): checked before any DNS query. */
  private refusalForName(host: string): string | null {
    if (!this.allowMetadata && METADATA_HOSTNAMES.has(host)) return `${host} is a cloud metadata host (egress_policy.allow_metadata is off)`;
    if (matchesName(this.deny, host)) return `${host} is listed in egress_policy.deny`;
    return null;
  }

  /**
   * The undici connector that enforces the policy at the dial: IP literals are checked before connecting, names
   * through the lookup the socket itself uses (so the checked address is the one connected to). With
   * `publicOnly`, loopback, private, link-local and reserved addresses are refused too (request-chosen URLs).
   */
  connector(options: { timeoutMs: number; publicOnly: boolean; resolve?: AddressResolver }): buildConnector.connector {
    const lookup = this.lookup(options.publicOnly, options.resolve ?? systemAddressResolver);
    const connect = buildConnector({ timeout: options.timeoutMs, lookup });
    return (target, callback) => {
      const host = normalisedHost(target.hostname);
      if (isIP(host) !== 0) {
        const refusal = this.refusalFor(host, [host]) ?? (options.publicOnly ? forbiddenAddressReason(host) : null);
        if (refusal !== null) return callback(new EgressRefusedError(host, refusal), null);
      }
      return connect(target, callback);
    };
  }

  /** `dns.lookup` that fails with EgressRefusedError when any address the name has is refused. */
  private lookup(publicOnly: boolean, resolve: AddressResolver): LookupFunction {
    return (hostname, options, callback) => {
      const byName = this.refusalForName(normalisedHost(hostname));
      if (byName !== null) return callback(new EgressRefusedError(normalisedHost(hostname), byName), []);
      resolve(hostname, options, (error, list) => {
        if (error) return callback(error, []);
        const addresses = list.map((entry) => entry.address);
        const host = normalisedHost(hostname);
        const forbidden = publicOnly ? addresses.map(forbiddenAddressReason).find((reason) => reason !== null) : undefined;
        const refusal = this.refusalFor(host, addresses) ?? (forbidden ? `${host} resolves to a forbidden address: ${forbidden}` : null);
        if (refusal !== null) return callback(new EgressRefusedError(host, refusal), []);
        return (options as { all?: boolean }).all === true ? callback(null, list) : callback(null, list[0].address, list[0].family);
      });
    };
  }
}

/** Every address a name has; tests pass a stub (DNS rebinding, metadata answers) so no real DNS is queried. */
export type AddressResolver = (hostname: string, options: object, callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => void;

const systemAddressResolver: AddressResolver = (hostname, options, callback) =>
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => callback(error, error ? [] : (addresses as LookupAddress[])));

type LookupFunction = (hostname: string, options: object, callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void) => void;

function normalisedHost(hostname: string): string {
  const bare = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  return bare.toLowerCase().replace(/\.$/, '');
}

function hostRules(entries: readonly string[]): HostRules {
  const rules: HostRules = { names: new Set(), suffixes: [], addresses: new BlockList(), hasAddresses: false };
  for (const raw of entries) {
    const entry = raw.trim().toLowerCase();
    const [address, prefix] = entry.split('/');
    const canonical = canonicalAddress(address);
    if (canonical) {
      rules.hasAddresses = true;
      if (prefix === undefined) rules.addresses.addAddress(canonical.ip, canonical.family);
      // A CIDR is taken as written: an IPv4-mapped IPv6 network would need its own prefix arithmetic.
      else rules.addresses.addSubnet(address, Number(prefix), isIP(address) === 4 ? 'ipv4' : 'ipv6');
    } else if (entry.startsWith('*.')) rules.suffixes.push(entry.slice(1).replace(/\.$/, ''));
    else rules.names.add(entry.replace(/\.$/, ''));
  }
  return rules;
}

function matchesName(rules: HostRules, host: string): boolean {
  return rules.names.has(host) || rules.suffixes.some((suffix) => host.endsWith(suffix));
}

function matchesAddress(rules: HostRules, address: string): boolean {
  if (!rules.hasAddresses) return false;
  const canonical = canonicalAddress(address);
  return canonical !== null && rules.addresses.check(canonical.ip, canonical.family);
}
