import { createHash, createHmac, hkdfSync } from 'node:crypto';

/** What the first row of a never-pruned log chains to. */
export const GENESIS_HASH = '0'.repeat(64);

/** The fields of a row that its hash covers: everything but the hash itself. */
export interface ChainedFields {
  seq: number;
  id: string;
  updated_at: string;
  changed_by: string | null;
  changed_by_api_key: string | null;
  action: string;
  table_name: string;
  object_id: string | null;
  before_value: unknown;
  updated_values: unknown;
  request_id: string | null;
  client_ip: string | null;
  route: string | null;
  prev_hash: string;
}

/**
 * JSON with object keys sorted at every level, so a value hashes the same before it is written and after JSONB
 * (which reorders keys; the columns are JSON, but a database copy may be JSONB) gives it back. `undefined` members are dropped, as JSON.stringify drops them.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, member]) => member !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([name, member]) => `${JSON.stringify(name)}:${canonicalJson(member)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Computes and checks row hashes. With a key it is an HMAC chain: whoever can write the database but does not
 * hold the key cannot produce a row (or a rewritten row) that verifies. Without one it degrades to a plain SHA-256
 * chain, which still shows accidental damage and naive edits; the boot log says so.
 */
export class AuditChain {
  private readonly key: Buffer | null;

  constructor(
    secret: string | undefined,
    readonly keyed = secret !== undefined && secret !== '',
  ) {
    this.key = keyed ? Buffer.from(secret as string, 'utf8') : null;
  }

  /** A chain key derived from the master key, for deployments that configure no dedicated one. */
  static fromMasterKey(masterKey: string): AuditChain {
    const derived = Buffer.from(hkdfSync('sha256', masterKey, 'tollgate', 'audit-log-chain-v1', 32));
    return new AuditChain(derived.toString('base64'));
  }

  hash(fields: ChainedFields): string {
    const text = canonicalJson(fields);
    return this.key ? createHmac('sha256', this.key).update(text).digest('hex') : createHash('sha256').update(text).digest('hex');
  }
}
