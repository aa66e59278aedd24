import type { SpendLogRow } from './spend-log-row';

/**
 * Names of the counters a spend row adds to, as the ledger reports pending (not yet committed) spend for
 * them. Services that cache a record add `pendingSpend(subject)` to the spend they read from the database.
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
