import type { StoredMember } from './entities';
import { addMembers, findMember, memberLabel, withCreator } from './members';
import { parseMembers, withTagsAndGuardrails } from './team-rules';

const member = (user_id: string | null, user_email: string | null = null, role: 'admin' | 'user' = 'user'): StoredMember => ({ role, user_id, user_email });

describe('team members', () => {
  it('should append the creator as admin unless already listed', () => {
    expect(withCreator([member('a', null, 'admin')], 'default_user_id')).toEqual([member('a', null, 'admin'), member('default_user_id', null, 'admin')]);
    expect(withCreator([member('default_user_id')], 'default_user_id')).toEqual([member('default_user_id')]);
    expect(withCreator([], null)).toEqual([]);
  });

  it('should add members and report the first duplicate by id or by email', () => {
    expect(addMembers([member('a')], [member('b'), member(null, 'c@x')])).toEqual({ members: [member('a'), member('b'), member(null, 'c@x')] });
    expect(addMembers([member('a', 'a@x')], [member('a', null, 'admin')])).toEqual({ duplicate: member('a', null, 'admin') });
    expect(addMembers([member(null, 'a@x')], [member(null, 'a@x')])).toEqual({ duplicate: member(null, 'a@x') });
    expect(addMembers([], [member('b'), member('b')])).toEqual({ duplicate: member('b') });
    // Different ids with the same email are different users.
    expect('members' in addMembers([member('a', 'same@x')], [member('b', 'same@x')])).toBe(true);
  });

  it('should find a member by user_id first, else by email', () => {
    const members = [member('a', 'a@x'), member('b', 'b@x')];
    expect(findMember(members, 'b', null)).toBe(1);
    expect(findMember(members, null, 'a@x')).toBe(0);
    expect(findMember(members, 'zz', 'a@x')).toBe(-1);
    expect(findMember(members, null, null)).toBe(-1);
    expect(memberLabel({ user_id: null, user_email: 'e@x' })).toBe('e@x');
  });

  it('should parse request members strictly', () => {
    expect(parseMembers([{ user_id: 'a' }, { role: 'admin', user_email: 'b@x' }], 'member', 'user')).toEqual([member('a'), member(null, 'b@x', 'admin')]);
    expect(() => parseMembers([{ role: 'owner', user_id: 'a' }], 'member', 'user')).toThrow("Invalid member role 'owner'");
    expect(() => parseMembers([{ role: 'user' }], 'member', 'user')).toThrow('Either user_id or user_email');
    expect(() => parseMembers([{ user_id: 'a', foo: 1 }], 'member', 'user')).toThrow('property member.foo should not exist');
    expect(() => parseMembers(['a'], 'member', 'user')).toThrow('member must be');
    expect(() => parseMembers([{ user_id: 5 }], 'member', 'user')).toThrow('member.user_id must be a string');
  });

  it('should store tags and guardrails inside metadata', () => {
    expect(withTagsAndGuardrails({ a: 1 }, { tags: ['t'], guardrails: null })).toEqual({ a: 1, tags: ['t'] });
    expect(withTagsAndGuardrails({ tags: ['old'] }, {})).toEqual({ tags: ['old'] });
  });
});
