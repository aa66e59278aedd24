import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readBlockedUserList } from './blocked-user-list';

describe(readBlockedUserList.name, () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'blocked-users-'));
    writeFileSync(join(dir, 'blocked.txt'), 'alice\r\n\n  bob  \n');
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('should take a list as it is, without blanks', () => {
    expect(readBlockedUserList(['a', ' ', 'b'], undefined)).toEqual(['a', 'b']);
    expect(readBlockedUserList(undefined, undefined)).toEqual([]);
  });

  it('should read a text file, one id a line, relative to the config file', () => {
    expect(readBlockedUserList('blocked.txt', join(dir, 'config.yaml'))).toEqual(['alice', 'bob']);
    expect(readBlockedUserList(join(dir, 'blocked.txt'), undefined)).toEqual(['alice', 'bob']);
  });

  it('should name the setting when the file cannot be read', () => {
    expect(() => readBlockedUserList('missing.txt', join(dir, 'config.yaml'))).toThrow(/^litellm_settings\.blocked_user_list: cannot read .*missing\.txt \(ENOENT\)$/);
  });
});
