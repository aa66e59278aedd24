import { AuditChain, canonicalJson, type ChainedFields, GENESIS_HASH } from './audit-chain';

const ROW: ChainedFields = {
  seq: 1,
  id: '6f1c3c52-36d4-4d0e-8d1a-2f0d7b8f3a11',
  updated_at: '2026-11-27T10:00:00.000Z',
  changed_by: 'default_user_id',
  changed_by_api_key: 'a'.repeat(64),
  action: 'created',
  table_name: 'LiteLLM_TeamTable',
  object_id: 'team-1',
  before_value: null,
  updated_values: { max_budget: 2, models: [], members_with_roles: [{ role: 'admin', user_id: 'u' }] },
  request_id: 'r-1',
  client_ip: '127.0.0.1',
  route: 'POST /team/new',
  prev_hash: GENESIS_HASH,
};

describe('canonicalJson', () => {
  it('should not depend on key order at any depth (JSONB reorders keys)', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } })).toBe(canonicalJson({ a: { c: null, d: [1, { x: 1, y: 2 }] }, b: 1 }));
    expect(canonicalJson({ b: 1, a: 2 })).toBe('{"a":2,"b":1}');
  });

  it('should drop undefined members as JSON does, and tell arrays and strings apart', () => {
    expect(canonicalJson({ a: undefined, b: 'x' })).toBe('{"b":"x"}');
    expect(canonicalJson(['1'])).not.toBe(canonicalJson('1'));
  });
});

describe('AuditChain', () => {
  it('should give a different hash for any changed field, including the link to the previous row', () => {
    const chain = new AuditChain('k1');
    const base = chain.hash(ROW);
    for (const changed of [{ changed_by: 'mallory' }, { seq: 2 }, { prev_hash: 'b'.repeat(64) }, { updated_values: { ...(ROW.updated_values as object), max_budget: 3 } }]) {
      expect(chain.hash({ ...ROW, ...changed })).not.toBe(base);
    }
    expect(chain.hash({ ...ROW })).toBe(base);
  });

  it('should depend on the key, so rows cannot be recomputed without it', () => {
    expect(new AuditChain('k1').hash(ROW)).not.toBe(new AuditChain('k2').hash(ROW));
    expect(new AuditChain('k1').keyed).toBe(true);
    expect(new AuditChain(undefined).keyed).toBe(false);
    expect(AuditChain.fromMasterKey('sk-1234').hash(ROW)).toBe(AuditChain.fromMasterKey('sk-1234').hash(ROW));
    expect(AuditChain.fromMasterKey('sk-1234').hash(ROW)).not.toBe(new AuditChain('sk-1234').hash(ROW));
  });
});
