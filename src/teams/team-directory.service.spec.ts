import { TeamDirectory } from './team-directory.service';
import type { TeamsRepository } from './teams.repository';

/** A repository whose database answers "no such user" until it goes away. */
class FlakyRepository {
  reads = 0;
  down = false;
  findUser(): Promise<null> {
    this.reads++;
    return this.down ? Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })) : Promise.resolve(null);
  }
}

describe('TeamDirectory through a database outage', () => {
  afterEach(() => jest.useRealTimers());

  it('should keep answering "no such user" for a user it last read as missing, and fail for one it never read', async () => {
    jest.useFakeTimers({ now: 1_000_000, doNotFake: ['nextTick', 'setImmediate'] });
    const repository = new FlakyRepository();
    const directory = new TeamDirectory(repository as unknown as TeamsRepository);
    await expect(directory.findUser('alice')).resolves.toBeNull();
    expect(repository.reads).toBe(1);

    repository.down = true;
    jest.setSystemTime(1_000_000 + 60_000);
    await expect(directory.findUser('alice')).resolves.toBeNull();
    expect(repository.reads).toBe(2);
    // Held for another TTL: no read per request while the database is down.
    await expect(directory.findUser('alice')).resolves.toBeNull();
    expect(repository.reads).toBe(2);

    await expect(directory.findUser('bob')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
