import { DomainError } from '../common/errors/domain-error';
import type { VirtualKeyRecord } from '../common/access/virtual-key';
import type { TeamRecord } from '../teams/team';

export class ModelNotAllowedError extends DomainError {
  constructor(allowed: readonly string[], requested: string) {
    super(
      'GW_MODEL_NOT_ALLOWED',
      `Authentication Error, API Key not allowed to access model. This key can only access models=${pythonList(allowed)}. Tried to access ${requested}`,
      { status: 401, type: 'auth_error', param: 'model' },
    );
  }
}

/** LiteLLM formats the list the way Python prints it; clients matching the text see the same. */
function pythonList(items: readonly string[]): string {
  return `[${items.map((item) => `'${item}'`).join(', ')}]`;
}

/** A key holding this marker may use whatever its team may use. */
const ALL_TEAM_MODELS = 'all-team-models';

/**
 * LiteLLM's model access groups (`model_info.access_groups` of deployments): group name → the model names it opens.
 * A key or team listing a group's name may use every model of the group.
 */
export type AccessGroups = ReadonlyMap<string, readonly string[]>;

const NO_GROUPS: AccessGroups = new Map();

/** The model list that binds the caller: the key's own, else (empty, or `all-team-models`) its team's; [] = everything. */
function allowedModels(key: VirtualKeyRecord, team: TeamRecord | null | undefined): readonly string[] {
  const own = key.models.filter((model) => model !== ALL_TEAM_MODELS);
  return own.length > 0 ? own : (team?.models ?? []);
}

/**
 * The access groups the caller may use, as `GET /models?only_model_access_groups=True` lists them (LiteLLM's
 * `get_complete_model_list`): the groups its model list names, or every group when the list is empty.
 */
export function accessGroupsFor(key: VirtualKeyRecord | undefined, team: TeamRecord | null | undefined, groups: AccessGroups): string[] {
  const allowed = key ? allowedModels(key, team) : [];
  if (allowed.length === 0) return [...groups.keys()];
  return [...new Set(allowed.filter((name) => groups.has(name)))];
}

/**
 * Resolves the key's (then its team's) alias for the requested model and checks the key may use it and every
 * request `fallbacks` model (a fallback must not be a way around the model list). A key's own list wins; a
 * key without one, or holding `all-team-models`, gets its team's list. A list may name access groups (`groups`).
 * @returns the model group name to route to.
 * @throws ModelNotAllowedError (401, LiteLLM's text).
 */
export function resolveModelForKey(key: VirtualKeyRecord | undefined, requested: string, fallbacks: unknown, team?: TeamRecord | null, groups: AccessGroups = NO_GROUPS): string {
  if (!key) return requested;
  const alias = (name: string): string => key.aliases[name] ?? team?.modelAliases[name] ?? name;
  const resolved = alias(requested);
  const allowed = allowedModels(key, team);
  if (allowed.length === 0) return resolved;
  const permits = (model: string): boolean =>
    allowed.includes(model) || allowed.includes('*') || allowed.some((pattern) => matchesWildcard(pattern, model) || groups.get(pattern)?.includes(model) === true);
  if (!permits(requested) && !permits(resolved)) throw new ModelNotAllowedError(allowed, requested);
  if (Array.isArray(fallbacks)) {
    for (const fallback of fallbacks) {
      const name = typeof fallback === 'string' ? fallback : typeof fallback === 'object' && fallback !== null ? (fallback as { model?: unknown }).model : undefined;
      if (typeof name === 'string' && !permits(alias(name))) throw new ModelNotAllowedError(allowed, name);
    }
  }
  return resolved;
}

function matchesWildcard(pattern: string, model: string): boolean {
  return pattern.endsWith('/*') && model.startsWith(pattern.slice(0, -1));
}
