import { hashPassword, verifyAgainstNobody, verifyPassword } from './password';

describe('password hashing', () => {
  it('should store a salted scrypt hash that verifies the password and nothing else', async () => {
    const stored = await hashPassword('correct horse');
    expect(stored).toMatch(/^scrypt:16384:8:1:[\w-]+:[\w-]+$/);
    expect(stored).not.toContain('correct horse');
    await expect(verifyPassword('correct horse', stored)).resolves.toBe(true);
    await expect(verifyPassword('correct horse ', stored)).resolves.toBe(false);
    await expect(verifyPassword('', stored)).resolves.toBe(false);
  });

  it('should salt every hash', async () => {
    expect(await hashPassword('same')).not.toBe(await hashPassword('same'));
  });

  it('should match nothing against a malformed or tampered stored value', async () => {
    const stored = await hashPassword('pw');
    await expect(verifyPassword('pw', 'pw')).resolves.toBe(false);
    await expect(verifyPassword('pw', stored.replace('scrypt:16384', 'scrypt:1048576'))).resolves.toBe(false);
    await expect(verifyPassword('pw', `${stored.slice(0, -4)}AAAA`)).resolves.toBe(false);
  });

  it('should refuse any password for nobody', async () => {
    await expect(verifyAgainstNobody('anything')).resolves.toBe(false);
  });
});
