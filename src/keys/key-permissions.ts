import type { AuthContext } from '../common/access/caller';
import { AdminOnlyRouteError } from '../common/errors/http-errors';
import { parseDuration } from '../common/duration';
import { KeyAccessDeniedError } from './keys.errors';
import type { VirtualKeyRecord } from '../common/access/virtual-key';

/**
 * Who is calling a key route, reduced to what the keys module decides on. No users table exists yet, so a
 * virtual key's own limits stand in for its owner's entitlements.
 */
export type KeyCaller =
  | { readonly kind: 'admin'; readonly userId: string | null }
  /** `proxy_admin_viewer`: reads every key, writes none. */
  | { readonly kind: 'viewer'; readonly userId: string | null }
  | { readonly kind: 'key'; readonly key: VirtualKeyRecord; readonly userId: string | null; readonly readOnly: boolean };

/**
 * @throws AdminOnlyRouteError (401, LiteLLM's text) when nobody identifiable is calling.
 */
export function resolveCaller(auth: AuthContext | null, route: string): KeyCaller {
  if (auth?.role === 'proxy_admin') return { kind: 'admin', userId: auth.userId };
  if (auth?.role === 'proxy_admin_viewer') return { kind: 'viewer', userId: auth.userId };
  // A user's UI session carries a record standing for the user's own key: it may do what that key may.
  if ((auth?.method === 'virtual_key' || auth?.method === 'session') && auth.key) {
    return { kind: 'key', key: auth.key, userId: auth.key.userId ?? auth.userId, readOnly: auth.role?.endsWith('_viewer') ?? false };
  }
  throw new AdminOnlyRouteError(route);
}

/**
 * Write routes need an admin, or a key that belongs to a user (LiteLLM's internal_user creating its own keys).
 * @throws AdminOnlyRouteError (401) otherwise, with LiteLLM's text.
 */
export function assertCanWrite(caller: KeyCaller, route: string): void {
  if (caller.kind === 'admin') return;
  if (caller.kind === 'key' && caller.userId !== null && !caller.readOnly) return;
  throw new AdminOnlyRouteError(route);
}

/** Admins and viewers see every key; a key sees itself and its owner's other keys. */
export function canRead(caller: KeyCaller, target: { token: string; userId: string | null }): boolean {
  if (caller.kind !== 'key') return true;
  return target.token === caller.key.token || (caller.userId !== null && target.userId === caller.userId);
}

/** Only admins and the key's owner may change, rotate, block or delete it. */
export function canModify(caller: KeyCaller, target: { userId: string | null }): boolean {
  if (caller.kind === 'admin') return true;
  return caller.kind === 'key' && !caller.readOnly && caller.userId !== null && target.userId === caller.userId;
}

/** Everything about a key that widens what its holder can do; compared between the caller's key and a candidate. */
export interface KeyGrant {
  models: readonly string[];
  /** Model groups the key's aliases point at. */
  aliasTargets: readonly string[];
  maxBudget: number | null;
  budgetDuration: string | null;
  /** A temporary budget raise (LiteLLM's temp_budget_increase in metadata). */
  tempBudgetIncrease: number | null;
  rpmLimit: number | null;
  tpmLimit: number | null;
  maxParallelRequests: number | null;
  modelRpmLimit: Readonly<Record<string, number>>;
  modelTpmLimit: Readonly<Record<string, number>>;
  expires: Date | null;
  allowedRoutes: readonly string[];
  /** metadata.allowed_passthrough_routes, which LiteLLM honours as a route grant. */
  passthroughRoutes: readonly string[];
  permissions: Readonly<Record<string, unknown>>;
  teamId: string | null;
  guardrails: readonly string[];
  enforcedParams: readonly string[];
  tags: readonly string[];
}

const UNLIMITED = 'unlimited';

function show(value: unknown): string {
  if (value === null || value === undefined) return UNLIMITED;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Who holds the grant a candidate is compared with, in the refusal's words. */
export interface GrantHolderWording {
  /** "your key" */
  holder: string;
  /** "A key can only grant what it holds." */
  rule: string;
}

const CALLER_KEY: GrantHolderWording = { holder: 'your key', rule: 'A key can only grant what it holds.' };

/**
 * The side of the comparison that holds the grant: the caller's key, or (for a team an org admin creates) the
 * organization, described in the same terms.
 */
export type GrantHolder = { readonly spend: number } & Pick<
  VirtualKeyRecord,
  | 'maxBudget'
  | 'budgetDuration'
  | 'rpmLimit'
  | 'tpmLimit'
  | 'maxParallelRequests'
  | 'models'
  | 'modelRpmLimit'
  | 'modelTpmLimit'
  | 'expires'
  | 'allowedRoutes'
  | 'permissions'
  | 'teamId'
  | 'guardrails'
  | 'enforcedParams'
  | 'tags'
>;

function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v instanceof Date) return v.toISOString();
    if (Array.isArray(v) && v.every((item) => typeof item === 'string')) return [...(v as string[])].sort();
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)));
    }
    return v;
  });
}

function subsetOf(requested: readonly string[], own: readonly string[]): boolean {
  const allowed = new Set(own);
  return requested.every((item) => allowed.has(item));
}

/**
 * "No caller can mint or modify a credential with privileges beyond its own": checks a candidate key against the
 * caller's key (or another holder of a grant, named by `wording`; `spend` is the holder's live spend). On a change (`before` given) only the dimensions that actually change are checked, so editing an
 * alias of a key an admin once granted more is still possible.
 * @throws KeyAccessDeniedError (403) naming the first dimension that exceeds the caller's own.
 */
export function assertWithinGrant(own: GrantHolder, candidate: KeyGrant, before: KeyGrant | null, wording: GrantHolderWording = CALLER_KEY): void {
  const deny = (field: string, requested: unknown, held: unknown): never => {
    throw new KeyAccessDeniedError(`Cannot grant ${field}=${show(requested)}: ${wording.holder}'s ${field} is ${show(held)}. ${wording.rule}`, field);
  };
  const capAtMost = (field: string, requested: number | null, held: number | null): void => {
    if (held !== null && (requested === null || requested > held)) deny(field, requested, held);
  };
  const changed = (dimension: keyof KeyGrant): boolean => before === null || canonical(candidate[dimension]) !== canonical(before[dimension]);

  if (changed('maxBudget') || changed('tempBudgetIncrease')) {
    // What the caller has left, not its headline budget: an exhausted key must not mint a fresh one.
    const remaining = own.maxBudget === null ? null : Math.max(0, own.maxBudget - own.spend);
    capAtMost('max_budget', candidate.maxBudget === null ? null : candidate.maxBudget + (candidate.tempBudgetIncrease ?? 0), remaining);
  }
  if (changed('budgetDuration') && own.maxBudget !== null && candidate.budgetDuration !== null) {
    // A budget that resets hands out more money over time than a one-time budget, or than a slower reset.
    const ownWindow = own.budgetDuration === null ? Number.POSITIVE_INFINITY : (parseDuration(own.budgetDuration) ?? 0);
    if ((parseDuration(candidate.budgetDuration) ?? 0) < ownWindow) deny('budget_duration', candidate.budgetDuration, own.budgetDuration ?? 'no reset');
  }
  if (changed('rpmLimit')) capAtMost('rpm_limit', candidate.rpmLimit, own.rpmLimit);
  if (changed('tpmLimit')) capAtMost('tpm_limit', candidate.tpmLimit, own.tpmLimit);
  if (changed('maxParallelRequests')) capAtMost('max_parallel_requests', candidate.maxParallelRequests, own.maxParallelRequests);
  if (own.models.length > 0) {
    if (changed('models') && (candidate.models.length === 0 || !subsetOf(candidate.models, own.models))) {
      deny('models', candidate.models.length === 0 ? 'all models' : candidate.models, own.models);
    }
    if (changed('aliasTargets') && !subsetOf(candidate.aliasTargets, own.models)) deny('aliases', candidate.aliasTargets, own.models);
  }
  for (const [field, limits, ownLimits, ownTotal] of [
    ['model_rpm_limit', candidate.modelRpmLimit, own.modelRpmLimit, own.rpmLimit],
    ['model_tpm_limit', candidate.modelTpmLimit, own.modelTpmLimit, own.tpmLimit],
  ] as const) {
    if (!changed(field === 'model_rpm_limit' ? 'modelRpmLimit' : 'modelTpmLimit')) continue;
    for (const [model, limit] of Object.entries(limits)) {
      const cap = ownLimits[model] ?? ownTotal;
      if (cap !== null && cap !== undefined && limit > cap) deny(`${field}.${model}`, limit, cap);
    }
  }
  if (changed('expires') && own.expires !== null && (candidate.expires === null || candidate.expires > own.expires)) {
    deny('expires', candidate.expires ?? 'never', own.expires);
  }
  if (changed('allowedRoutes')) {
    // An empty list means "the role's default routes", which is wider than any explicit list.
    const ok = own.allowedRoutes.length === 0 ? candidate.allowedRoutes.length === 0 : candidate.allowedRoutes.length > 0 && subsetOf(candidate.allowedRoutes, own.allowedRoutes);
    if (!ok) deny('allowed_routes', candidate.allowedRoutes.length ? candidate.allowedRoutes : 'default routes', own.allowedRoutes.length ? own.allowedRoutes : 'default routes');
  }
  if (changed('passthroughRoutes') && !subsetOf(candidate.passthroughRoutes, own.allowedRoutes)) {
    deny('metadata.allowed_passthrough_routes', candidate.passthroughRoutes, own.allowedRoutes);
  }
  if (changed('permissions')) {
    for (const [name, value] of Object.entries(candidate.permissions)) {
      if (canonical(value) !== canonical(own.permissions[name])) deny(`permissions.${name}`, value, own.permissions[name] ?? 'unset');
    }
  }
  if (changed('teamId') && candidate.teamId !== null && candidate.teamId !== own.teamId) deny('team_id', candidate.teamId, own.teamId ?? 'none');
  // Guardrails and enforced params restrict a key: a child may add to them, never drop the caller's.
  if (changed('guardrails') && !subsetOf(own.guardrails, candidate.guardrails)) deny('guardrails', candidate.guardrails, own.guardrails);
  if (changed('enforcedParams') && !subsetOf(own.enforcedParams, candidate.enforcedParams)) {
    deny('enforced_params', candidate.enforcedParams, own.enforcedParams);
  }
  // Tags steer tag-based routing to deployments; a new tag could reach deployments the caller cannot.
  if (changed('tags') && !subsetOf(candidate.tags, own.tags)) deny('tags', candidate.tags, own.tags);
}
