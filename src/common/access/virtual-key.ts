/**
 * The in-memory view of a virtual key that authentication and limits work with on every request.
 * Field names follow LiteLLM's key fields in camelCase; JSON-ish fields are already parsed.
 */
export interface VirtualKeyRecord {
  /** sha256 hex of the plaintext key (LiteLLM's `token`); the primary key. */
  readonly token: string;
  /** Stable id of the key across rotations; rate windows, parallel slots and reservations are keyed by it. */
  readonly id: string;
  /** `sk-...` + last 4 characters, for display. */
  readonly keyName: string;
  readonly keyAlias: string | null;
  readonly userId: string | null;
  readonly teamId: string | null;
  /** Model names the key may call; empty = all. May contain `all-team-models`. */
  readonly models: readonly string[];
  /** Per-key model aliases: requested name → model group. */
  readonly aliases: Readonly<Record<string, string>>;
  readonly maxBudget: number | null;
  readonly softBudget: number | null;
  /** Length of the budget window; the window itself and the spend in it live in the counter store. */
  readonly budgetDuration: string | null;
  readonly tpmLimit: number | null;
  readonly rpmLimit: number | null;
  readonly maxParallelRequests: number | null;
  /** A shared budget (`/budget/new`) whose limits apply where the key sets none of its own (budget tiers). */
  readonly budgetId: string | null;
  readonly modelRpmLimit: Readonly<Record<string, number>>;
  readonly modelTpmLimit: Readonly<Record<string, number>>;
  readonly modelMaxBudget: Readonly<Record<string, unknown>>;
  readonly expires: Date | null;
  readonly blocked: boolean;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly permissions: Readonly<Record<string, unknown>>;
  readonly allowedRoutes: readonly string[];
  /** Response-cache controls the key may send (`cache: {...}`); empty or absent: all of them, as in LiteLLM. */
  readonly allowedCacheControls?: readonly string[];
  readonly enforcedParams: readonly string[];
  readonly guardrails: readonly string[];
  readonly tags: readonly string[];
  readonly createdAt: Date;
}

/**
 * A key record with no limits, no models and no budget, for records that stand for something other than a stored
 * key (a JWT's team or user) and for specs; `token`, `id` and `keyName` say what it is.
 */
export function unlimitedKeyRecord(identity: Pick<VirtualKeyRecord, 'token' | 'id' | 'keyName'> & Partial<VirtualKeyRecord>): VirtualKeyRecord {
  return {
    keyAlias: null,
    userId: null,
    teamId: null,
    models: [],
    aliases: {},
    maxBudget: null,
    softBudget: null,
    budgetDuration: null,
    tpmLimit: null,
    rpmLimit: null,
    maxParallelRequests: null,
    budgetId: null,
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
    ...identity,
  };
}
