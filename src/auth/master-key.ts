import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Holds only the digest of the master key and compares digests in constant time, so neither the
 * comparison time nor a heap dump reveals the key.
 */
export class MasterKeyMatcher {
  private readonly digest: Buffer;
  /** sha256 hex of the master key, what spend and audit rows record as the caller's key. */
  readonly hashHex: string;

  constructor(masterKey: string) {
    this.digest = createHash('sha256').update(masterKey).digest();
    this.hashHex = this.digest.toString('hex');
  }

  matches(candidate: string): boolean {
    return timingSafeEqual(this.digest, createHash('sha256').update(candidate).digest());
  }
}
