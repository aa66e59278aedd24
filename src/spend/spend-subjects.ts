import type { SpendLogRow } from './spend-log-row';

/**
 * Names of the spend accounts a row adds to: the budget keys of the counter store, and what the ledger reports
 * pending (recorded, not yet committed) spend for.
 */
export const SpendSubject = {
  key: (keyId: string) => `key:${keyId}`,
  team: (teamId: string) => `team:${teamId}`,
  user: (userId: string) => `user:${userId}`,
  membership: (teamId: string, userId: string) => `member:${teamId}\u0000${userId}`,
  endUser: (endUserId: string) => `enduser:${endUserId}`,
  organization: (organizationId: string) => `org:${organizationId}`,
  global: 'global',
} as const;

export function spendSubjectsOf(row: SpendLogRow): string[] {
  const subjects: string[] = [SpendSubject.global];
  if (row.key_id) subjects.push(SpendSubject.key(row.key_id));
  if (row.team_id) subjects.push(SpendSubject.team(row.team_id));
  if (row.user) subjects.push(SpendSubject.user(row.user));
  if (row.team_id && row.user) subjects.push(SpendSubject.membership(row.team_id, row.user));
  if (row.end_user) subjects.push(SpendSubject.endUser(row.end_user));
  if (row.organization_id) subjects.push(SpendSubject.organization(row.organization_id));
  return subjects;
}

/** Where an account's committed spend lives in the database: its table, its id column(s), and whether it has a window. */
export interface SpendAccountTable {
  readonly table: string;
  /** Columns identifying the row, matched against the parts of the account's id. */
  readonly idColumns: readonly string[];
  /** SQL type of the id columns (parameters are cast to it, so the primary key's index serves the lookup). */
  readonly idType: 'text' | 'uuid';
  /** The column holding when the budget window ends; null for accounts whose spend never resets. */
  readonly resetColumn: string | null;
  /** Fixed leading id values (the global counter's entity type). */
  readonly fixedIds?: readonly string[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const ACCOUNT_TABLES: Readonly<Record<string, SpendAccountTable>> = {
  key: { table: 'tollgate_virtual_keys', idColumns: ['key_id'], idType: 'uuid', resetColumn: 'budget_reset_at' },
  team: { table: 'tollgate_teams', idColumns: ['team_id'], idType: 'text', resetColumn: 'budget_reset_at' },
  user: { table: 'tollgate_users', idColumns: ['user_id'], idType: 'text', resetColumn: 'budget_reset_at' },
  member: { table: 'tollgate_team_memberships', idColumns: ['team_id', 'user_id'], idType: 'text', resetColumn: null },
  enduser: { table: 'tollgate_end_users', idColumns: ['user_id'], idType: 'text', resetColumn: 'budget_reset_at' },
  org: { table: 'tollgate_organizations', idColumns: ['organization_id'], idType: 'text', resetColumn: 'budget_reset_at' },
  global: {
    table: 'tollgate_budget_counters',
    idColumns: ['entity_type', 'entity_id'],
    idType: 'text',
    resetColumn: 'budget_reset_at',
    fixedIds: ['user', 'litellm-proxy-budget'],
  },
};

/** An account id split into its table and the values of that table's id columns; undefined for an unknown account. */
export function accountLocation(account: string): { table: SpendAccountTable; ids: string[] } | undefined {
  if (account === SpendSubject.global) return { table: ACCOUNT_TABLES.global, ids: [...ACCOUNT_TABLES.global.fixedIds!] };
  const colon = account.indexOf(':');
  if (colon < 0) return undefined;
  const table = ACCOUNT_TABLES[account.slice(0, colon)];
  if (!table) return undefined;
  const rest = account.slice(colon + 1);
  const ids = table.idColumns.length === 2 ? rest.split('\u0000') : [rest];
  if (ids.length !== table.idColumns.length) return undefined;
  // An id that is not of the column's type names no row (and must not reach the database as one).
  if (table.idType === 'uuid' && !ids.every((id) => UUID.test(id))) return undefined;
  return { table, ids };
}
