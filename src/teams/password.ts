import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * Passwords of internal users (Admin UI login), stored as `scrypt:<N>:<r>:<p>:<salt>:<hash>` (base64url), never
 * in clear, never returned. The cost parameters travel with each hash, so raising them later keeps old hashes valid.
 */
const COST = { N: 16_384, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;
const SALT_LENGTH = 16;
/** scrypt needs 128·N·r bytes; Node's default cap (32 MiB) is enough for N=2^14, but a stored hash may name more. */
const MAX_MEMORY = 64 * 1024 * 1024;
const PREFIX = 'scrypt';

function derive(password: string, salt: Buffer, cost: { N: number; r: number; p: number }): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, KEY_LENGTH, { ...cost, maxmem: MAX_MEMORY }, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/** A fresh salted hash of `password`, in the stored form. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  const key = await derive(password, salt, COST);
  return [PREFIX, COST.N, COST.r, COST.p, salt.toString('base64url'), key.toString('base64url')].join(':');
}

/**
 * Whether `password` matches `stored`, compared in constant time. A malformed stored value matches nothing (and
 * still costs one derivation, so it cannot be told apart by timing).
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parse(stored);
  const key = await derive(password, parsed?.salt ?? DUMMY_SALT, parsed?.cost ?? COST);
  if (!parsed || parsed.key.length !== key.length) return false;
  return timingSafeEqual(parsed.key, key);
}

const DUMMY_SALT = Buffer.alloc(SALT_LENGTH);
let dummyHash: Promise<string> | undefined;

/**
 * Spends what a real check costs, for a login naming nobody (or a user without a password), so the answer's timing
 * does not tell whether the user exists. Always false.
 */
export async function verifyAgainstNobody(password: string): Promise<false> {
  dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
  await verifyPassword(password, await dummyHash);
  return false;
}

function parse(stored: string): { cost: { N: number; r: number; p: number }; salt: Buffer; key: Buffer } | undefined {
  const parts = stored.split(':');
  if (parts.length !== 6 || parts[0] !== PREFIX) return undefined;
  const [N, r, p] = parts.slice(1, 4).map(Number);
  // Bounded so a tampered row cannot make a login burn unbounded CPU or memory.
  if (![N, r, p].every(Number.isInteger) || N < 2 || N > 1 << 17 || (N & (N - 1)) !== 0 || r < 1 || r > 32 || p < 1 || p > 16) return undefined;
  const salt = Buffer.from(parts[4], 'base64url');
  const key = Buffer.from(parts[5], 'base64url');
  if (salt.length === 0 || key.length === 0) return undefined;
  return { cost: { N, r, p }, salt, key };
}
