import type { AuthContext } from '../common/access/caller';
import { aVirtualKey } from '../../test/support/virtual-key.fixture';
import { addScopeCondition, requireWholeProxyScope, spendScopeOf } from './spend-scope';

const keyCaller = (overrides: Partial<AuthContext> = {}, permissions: Record<string, unknown> = {}): AuthContext => ({
  method: 'virtual_key',
  role: null,
  userId: null,
  apiKeyHash: 'h'.repeat(64),
  key: aVirtualKey({ token: 'h'.repeat(64), permissions }),
  ...overrides,
});

describe('spend scope', () => {
  it('should let admins, viewers, the master key and an open proxy see everything', () => {
    expect(spendScopeOf({ method: 'master_key', role: 'proxy_admin', userId: 'default_user_id', apiKeyHash: 'm' }, '/spend/logs')).toEqual({ kind: 'all' });
    expect(spendScopeOf({ method: 'open', role: 'proxy_admin', userId: null, apiKeyHash: null }, '/spend/logs')).toEqual({ kind: 'all' });
    expect(spendScopeOf(keyCaller({ role: 'proxy_admin_viewer' }), '/spend/logs')).toEqual({ kind: 'all' });
  });

  it('should open everything to a key with permissions.get_spend_routes', () => {
    expect(spendScopeOf(keyCaller({ role: 'internal_user', userId: 'u1' }, { get_spend_routes: true }), '/spend/logs')).toEqual({ kind: 'all' });
    expect(spendScopeOf(keyCaller({}, { get_spend_routes: 'yes' }), '/spend/logs')).toEqual({ kind: 'key', apiKeyHash: 'h'.repeat(64) });
  });

  it("should limit internal users to their keys' rows and other keys to their own", () => {
    expect(spendScopeOf(keyCaller({ role: 'internal_user', userId: 'u1' }), '/spend/logs')).toEqual({ kind: 'user', userId: 'u1' });
    expect(spendScopeOf(keyCaller({ role: 'internal_user_viewer', userId: 'u2' }), '/spend/logs')).toEqual({ kind: 'user', userId: 'u2' });
    expect(spendScopeOf(keyCaller(), '/spend/logs')).toEqual({ kind: 'key', apiKeyHash: 'h'.repeat(64) });
  });

  it("should give a UI session its user's rows, whatever its role below admin", () => {
    expect(spendScopeOf(keyCaller({ method: 'session', role: 'internal_user', userId: 'u3' }), '/spend/logs')).toEqual({ kind: 'user', userId: 'u3' });
    expect(spendScopeOf(keyCaller({ method: 'session', role: 'org_admin', userId: 'u4' }), '/spend/logs')).toEqual({ kind: 'user', userId: 'u4' });
    expect(spendScopeOf({ method: 'session', role: 'proxy_admin', userId: 'default_user_id', apiKeyHash: null }, '/spend/logs')).toEqual({ kind: 'all' });
  });

  it('should refuse callers without identity and non-admins on whole-proxy reports', () => {
    expect(() => spendScopeOf(null, '/spend/logs')).toThrow(expect.objectContaining({ status: 401, type: 'auth_error' }));
    expect(() => spendScopeOf({ method: 'public', role: null, userId: null, apiKeyHash: null }, '/spend/logs')).toThrow(expect.objectContaining({ status: 401 }));
    expect(() => requireWholeProxyScope(keyCaller({ role: 'internal_user', userId: 'u1' }), '/global/spend/keys')).toThrow(/Route=\/global\/spend\/keys/);
    expect(() => requireWholeProxyScope(keyCaller({ role: 'proxy_admin_viewer' }), '/global/spend/keys')).not.toThrow();
  });

  it('should add the scope as a numbered parameter', () => {
    const where: string[] = ['x = $1'];
    const params: unknown[] = ['x'];
    addScopeCondition({ kind: 'user', userId: 'u1' }, 'sl', where, params);
    addScopeCondition({ kind: 'all' }, 'sl', where, params);
    expect(where).toEqual(['x = $1', 'sl."user" = $2']);
    expect(params).toEqual(['x', 'u1']);
  });
});
