import type { VirtualKeyRecord } from '../../src/keys/virtual-key';

/** A key record with no limits, for unit specs; override what the spec is about. */
export function aVirtualKey(overrides: Partial<VirtualKeyRecord> = {}): VirtualKeyRecord {
  return {
    token: 'a'.repeat(64),
    id: 'key-id-1',
    budgetId: null,
    keyName: 'sk-...abcd',
    keyAlias: null,
    userId: null,
    teamId: null,
    models: [],
    aliases: {},
    spend: 0,
    maxBudget: null,
    softBudget: null,
    budgetDuration: null,
    budgetResetAt: null,
    tpmLimit: null,
    rpmLimit: null,
    maxParallelRequests: null,
    modelRpmLimit: {},
    modelTpmLimit: {},
    modelMaxBudget: {},
    expires: null,
    blocked: false,
    metadata: {},
    permissions: {},
    allowedRoutes: [],
    enforcedParams: [],
    guardrails: [],
    tags: [],
    createdAt: new Date(0),
    ...overrides,
  };
}
