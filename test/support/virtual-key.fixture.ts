import { unlimitedKeyRecord, type VirtualKeyRecord } from '../../src/common/access/virtual-key';

/** A key record with no limits, for unit specs; override what the spec is about. */
export function aVirtualKey(overrides: Partial<VirtualKeyRecord> = {}): VirtualKeyRecord {
  return unlimitedKeyRecord({ token: 'a'.repeat(64), id: 'key-id-1', keyName: 'sk-...abcd', ...overrides });
}
