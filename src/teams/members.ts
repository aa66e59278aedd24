import type { StoredMember } from './entities';

/** A member as a request names it: by user_id, by user_email, or both. */
export interface MemberInput {
  role?: string | null;
  user_id?: string | null;
  user_email?: string | null;
}

/** How a member is named in messages: its user_id, else its email. */
export function memberLabel(member: { user_id?: string | null; user_email?: string | null }): string {
  return member.user_id ?? member.user_email ?? '';
}

/** True when both entries name the same user (same user_id, or same email when one has no id). */
export function sameMember(a: StoredMember, b: StoredMember): boolean {
  if (a.user_id !== null && b.user_id !== null) return a.user_id === b.user_id;
  return a.user_email !== null && a.user_email === b.user_email;
}

/** Index of the member named by id or email in a members_with_roles list, or -1. */
export function findMember(members: readonly StoredMember[], userId: string | null | undefined, userEmail: string | null | undefined): number {
  return members.findIndex((member) => (userId ? member.user_id === userId : !!userEmail && member.user_email === userEmail));
}

/**
 * Adds members to a team's list, refusing any already in it (or given twice).
 * @returns the new list, or the first duplicate.
 */
export function addMembers(existing: readonly StoredMember[], adding: readonly StoredMember[]): { members: StoredMember[] } | { duplicate: StoredMember } {
  const members = [...existing];
  for (const member of adding) {
    if (members.some((present) => sameMember(present, member))) return { duplicate: member };
    members.push(member);
  }
  return { members };
}

/**
 * LiteLLM's /team/new: the caller is appended as `admin` unless already listed by user_id
 * (so a team created with 1 explicit admin by the master key has 2 members).
 */
export function withCreator(members: readonly StoredMember[], creatorId: string | null): StoredMember[] {
  if (!creatorId || members.some((member) => member.user_id === creatorId)) return [...members];
  return [...members, { role: 'admin', user_id: creatorId, user_email: null }];
}

/** The roles a member may have; anything else is refused with 400 by the caller. */
export function isMemberRole(role: unknown): role is 'admin' | 'user' {
  return role === 'admin' || role === 'user';
}
