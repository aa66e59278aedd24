import type { AuthContext } from '../common/access/caller';
import { AdminOnlyRouteError } from '../common/errors/http-errors';
import { grantOf, remainingGrantOf } from './key-mapper';
import { assertCanWrite, assertWithinGrant, canModify, canRead, type GrantHolder, type KeyGrant, resolveCaller } from './key-permissions';
import { KeyAccessDeniedError } from './keys.errors';
import type { VirtualKeyRecord } from '../common/access/virtual-key';
import { aVirtualKey } from '../../test/support/virtual-key.fixture';

const keyRecord = (overrides: Partial<VirtualKeyRecord> = {}): VirtualKeyRecord => aVirtualKey({ userId: 'alice', ...overrides });
/** A key as a grant holder: with the live spend the caller's own grant is measured by. */
const holding = (overrides: Partial<VirtualKeyRecord> = {}, spend = 0): GrantHolder => ({ ...keyRecord(overrides), spend });

const keyCaller = (key: VirtualKeyRecord, role: AuthContext['role'] = 'internal_user'): AuthContext => ({
  method: 'virtual_key',
  role,
  userId: key.userId,
  apiKeyHash: key.token,
  key,
});

const grant = (overrides: Partial<VirtualKeyRecord>): KeyGrant => grantOf(keyRecord(overrides));

describe(resolveCaller.name, () => {
  it('should treat the master key and an open proxy as admin', () => {
    expect(resolveCaller({ method: 'master_key', role: 'proxy_admin', userId: 'default_user_id', apiKeyHash: null }, '/key/generate').kind).toBe('admin');
    expect(resolveCaller({ method: 'open', role: 'proxy_admin', userId: 'default_user_id', apiKeyHash: null }, '/key/generate').kind).toBe('admin');
  });

  it('should refuse a caller without identity with LiteLLM text', () => {
    expect(() => resolveCaller(null, '/key/generate')).toThrow(AdminOnlyRouteError);
    expect(() => resolveCaller({ method: 'public', role: null, userId: null, apiKeyHash: null }, '/key/generate')).toThrow(
      'Only proxy admin can be used to generate, delete, update info for new keys/users/teams. Route=/key/generate',
    );
  });
});

describe(assertCanWrite.name, () => {
  it('should let a key that belongs to a user write, and nobody else', () => {
    expect(() => assertCanWrite(resolveCaller(keyCaller(keyRecord()), '/key/generate'), '/key/generate')).not.toThrow();
    const anonymous = keyRecord({ userId: null });
    expect(() => assertCanWrite(resolveCaller({ ...keyCaller(anonymous), role: null }, '/key/generate'), '/key/generate')).toThrow(AdminOnlyRouteError);
    expect(() => assertCanWrite(resolveCaller(keyCaller(keyRecord(), 'internal_user_viewer'), '/key/update'), '/key/update')).toThrow(AdminOnlyRouteError);
    expect(() => assertCanWrite(resolveCaller({ method: 'virtual_key', role: 'proxy_admin_viewer', userId: 'v', apiKeyHash: null }, '/key/delete'), '/key/delete')).toThrow(
      AdminOnlyRouteError,
    );
  });
});

describe(`${canRead.name} / ${canModify.name}`, () => {
  const alice = resolveCaller(keyCaller(keyRecord()), '/key/info');

  it('should let a key see itself and its owner’s keys, not other keys', () => {
    expect(canRead(alice, { token: 'a'.repeat(64), userId: null })).toBe(true);
    expect(canRead(alice, { token: 'b'.repeat(64), userId: 'alice' })).toBe(true);
    expect(canRead(alice, { token: 'b'.repeat(64), userId: 'bob' })).toBe(false);
    expect(canRead(alice, { token: 'b'.repeat(64), userId: null })).toBe(false);
  });

  it('should let only the owner or an admin modify a key', () => {
    expect(canModify(alice, { userId: 'alice' })).toBe(true);
    expect(canModify(alice, { userId: 'bob' })).toBe(false);
    expect(canModify(alice, { userId: null })).toBe(false);
    expect(canModify({ kind: 'admin', userId: null }, { userId: 'bob' })).toBe(true);
    expect(canModify({ kind: 'viewer', userId: null }, { userId: 'bob' })).toBe(false);
  });
});

describe(assertWithinGrant.name, () => {
  const own = holding({ maxBudget: 10, models: ['gpt-4o', 'gpt-4o-mini'], rpmLimit: 100, tpmLimit: 1000, maxParallelRequests: 4 });
  const within = { maxBudget: 5, models: ['gpt-4o'], rpmLimit: 50, tpmLimit: 500, maxParallelRequests: 2 };

  it('should accept a key that holds no more than its creator', () => {
    expect(() => assertWithinGrant(own, grant(within), null)).not.toThrow();
    expect(() => assertWithinGrant(holding(), grant({}), null)).not.toThrow();
  });

  it.each([
    ['max_budget', { maxBudget: 11 }],
    ['max_budget', { maxBudget: null }],
    ['models', { models: ['gpt-4o', 'o1'] }],
    ['models', { models: [] }],
    ['rpm_limit', { rpmLimit: 101 }],
    ['tpm_limit', { tpmLimit: null }],
    ['max_parallel_requests', { maxParallelRequests: 5 }],
    ['aliases', { aliases: { cheap: 'o1' } }],
  ])('should refuse more %s than the creator holds', (field, overrides) => {
    const attempt = () => assertWithinGrant(own, grant({ ...within, ...overrides }), null);
    expect(attempt).toThrow(KeyAccessDeniedError);
    expect(attempt).toThrow(`Cannot grant ${field}=`);
  });

  it('should refuse a temporary budget raise past the creator’s budget', () => {
    expect(() => assertWithinGrant(own, grant({ ...within, metadata: { temp_budget_increase: 6 } }), null)).toThrow('max_budget');
  });

  it('should refuse a budget window that refills faster than the creator’s', () => {
    const monthly = holding({ maxBudget: 10, budgetDuration: '30d' });
    expect(() => assertWithinGrant(monthly, grant({ maxBudget: 10, budgetDuration: '1d' }), null)).toThrow('budget_duration');
    expect(() => assertWithinGrant(monthly, grant({ maxBudget: 10, budgetDuration: '30d' }), null)).not.toThrow();
    expect(() => assertWithinGrant(monthly, grant({ maxBudget: 10 }), null)).not.toThrow();
    expect(() => assertWithinGrant(holding({ maxBudget: 10 }), grant({ maxBudget: 10, budgetDuration: '365d' }), null)).toThrow('budget_duration');
  });

  it('should refuse per-model limits above the creator’s', () => {
    const limited = holding({ rpmLimit: 10, modelRpmLimit: { 'gpt-4o': 2 } });
    expect(() => assertWithinGrant(limited, grant({ rpmLimit: 10, modelRpmLimit: { 'gpt-4o': 3 } }), null)).toThrow('model_rpm_limit.gpt-4o');
    expect(() => assertWithinGrant(limited, grant({ rpmLimit: 10, modelRpmLimit: { other: 11 } }), null)).toThrow('model_rpm_limit.other');
    expect(() => assertWithinGrant(limited, grant({ rpmLimit: 10, modelRpmLimit: { 'gpt-4o': 2, other: 10 } }), null)).not.toThrow();
  });

  it('should refuse a later expiry than the creator’s', () => {
    const expiring = holding({ expires: new Date('2030-01-01T00:00:00Z') });
    expect(() => assertWithinGrant(expiring, grant({}), null)).toThrow('expires');
    expect(() => assertWithinGrant(expiring, grant({ expires: new Date('2031-01-01T00:00:00Z') }), null)).toThrow('expires');
    expect(() => assertWithinGrant(expiring, grant({ expires: new Date('2029-01-01T00:00:00Z') }), null)).not.toThrow();
  });

  it('should keep route grants, permissions, team and tags within the creator’s', () => {
    expect(() => assertWithinGrant(holding(), grant({ allowedRoutes: ['/key/generate'] }), null)).toThrow('allowed_routes');
    expect(() => assertWithinGrant(holding({ allowedRoutes: ['/chat/completions'] }), grant({}), null)).toThrow('allowed_routes');
    expect(() => assertWithinGrant(holding({ allowedRoutes: ['/chat/completions', '/embeddings'] }), grant({ allowedRoutes: ['/embeddings'] }), null)).not.toThrow();
    expect(() => assertWithinGrant(holding(), grant({ metadata: { allowed_passthrough_routes: ['/vllm/*'] } }), null)).toThrow('allowed_passthrough_routes');
    expect(() => assertWithinGrant(holding(), grant({ permissions: { get_spend_routes: true } }), null)).toThrow('permissions.get_spend_routes');
    expect(() => assertWithinGrant(holding({ permissions: { pii_masking: true } }), grant({ permissions: { pii_masking: false } }), null)).toThrow('permissions.pii_masking');
    expect(() => assertWithinGrant(holding({ teamId: 't1' }), grant({ teamId: 't2' }), null)).toThrow('team_id');
    expect(() => assertWithinGrant(holding({ teamId: 't1' }), grant({ teamId: 't1' }), null)).not.toThrow();
    expect(() => assertWithinGrant(holding({ tags: ['teamA'] }), grant({ tags: ['teamB'] }), null)).toThrow('tags');
  });

  it('should not let a key drop the creator’s guardrails or enforced params', () => {
    const guarded = holding({ guardrails: ['hide_secrets'], enforcedParams: ['user'] });
    expect(() => assertWithinGrant(guarded, grant({ enforcedParams: ['user'] }), null)).toThrow('guardrails');
    expect(() => assertWithinGrant(guarded, grant({ guardrails: ['hide_secrets', 'presidio'] }), null)).toThrow('enforced_params');
    expect(() => assertWithinGrant(guarded, grant({ guardrails: ['hide_secrets', 'presidio'], enforcedParams: ['user', 'metadata.x'] }), null)).not.toThrow();
  });

  it('should check only what a change changes', () => {
    const generous = grant({ maxBudget: 1000, models: [] });
    expect(() => assertWithinGrant(own, { ...generous }, generous)).not.toThrow();
    expect(() => assertWithinGrant(own, { ...generous, maxBudget: 2000 }, generous)).toThrow('max_budget');
    // tpm_limit stays unlimited, which `own` could not grant, but this change does not touch it.
    expect(() => assertWithinGrant(own, { ...generous, models: ['gpt-4o'], rpmLimit: 5 }, generous)).not.toThrow();
  });
});

describe(remainingGrantOf.name, () => {
  it('should measure an existing key by the budget it has left, as the caller is', () => {
    const caller = holding({ maxBudget: 10 }, 6);
    expect(() => assertWithinGrant(caller, remainingGrantOf(keyRecord({ maxBudget: 8 }), 5), null)).not.toThrow();
    expect(() => assertWithinGrant(caller, remainingGrantOf(keyRecord({ maxBudget: 8 }), 3), null)).toThrow('Cannot grant max_budget=5');
    expect(() => assertWithinGrant(caller, remainingGrantOf(keyRecord({ maxBudget: null }), 0), null)).toThrow('Cannot grant max_budget=unlimited');
  });

  it('should word the refusal for another holder of a grant', () => {
    const organization = holding({ maxBudget: 100, models: ['gpt-4o'] });
    expect(() =>
      assertWithinGrant(organization, grant({ maxBudget: 50, models: [] }), null, { holder: 'organization acme', rule: 'A team can only be granted what its organization holds.' }),
    ).toThrow('Cannot grant models=all models: organization acme\'s models is ["gpt-4o"]. A team can only be granted what its organization holds.');
  });
});
