import type { InvalidationBus, InvalidationPayload } from '../store/invalidation-bus';
import type { UserRecord } from '../teams/team';
import { csrfTokenOf, sessionIdHash } from './session-tokens';
import { UiSessionStore } from './ui-session-store';
import type { SessionRow } from './ui-sessions.repository';

/** The table as the repository sees it: rows by id hash, with the operations' semantics (touch never moves back). */
class Rows {
  readonly byHash = new Map<string, SessionRow>();
  finds = 0;
  touches = 0;
  async insert(row: SessionRow): Promise<void> {
    this.byHash.set(row.idHash, row);
  }
  async find(idHash: string): Promise<SessionRow | null> {
    this.finds++;
    return this.byHash.get(idHash) ?? null;
  }
  async touch(idHash: string, seenAt: number): Promise<void> {
    this.touches++;
    const row = this.byHash.get(idHash);
    if (row && row.lastSeenAt < seenAt) this.byHash.set(idHash, { ...row, lastSeenAt: seenAt });
  }
  async delete(idHash: string): Promise<void> {
    this.byHash.delete(idHash);
  }
  async deleteEnded(now: number, idleSince: number): Promise<void> {
    for (const [hash, row] of this.byHash) if (row.expiresAt <= now || row.lastSeenAt < idleSince) this.byHash.delete(hash);
  }
}

/** Two instances' buses joined: what one publishes, the other's subscribers hear. */
class LinkedBus implements InvalidationBus {
  readonly kind = 'redis' as const;
  peer?: LinkedBus;
  private readonly handlers = new Map<string, ((payload: InvalidationPayload) => void)[]>();
  publish(topic: string, payload: InvalidationPayload): void {
    for (const handler of this.peer?.handlers.get(topic) ?? []) handler(payload);
  }
  subscribe(topic: string, handler: (payload: InvalidationPayload) => void): void {
    this.handlers.set(topic, [...(this.handlers.get(topic) ?? []), handler]);
  }
  onResync(): void {}
  async close(): Promise<void> {}
}

const MINUTE = 60_000;
const user = (userId: string, userRole = 'internal_user'): UserRecord => ({
  userId,
  userEmail: `${userId}@example.com`,
  userRole,
  maxBudget: null,
  budgetDuration: null,
  models: [],
  tpmLimit: null,
  rpmLimit: null,
  teams: [],
});

describe('UiSessionStore', () => {
  let now: number;
  const clock = { now: (): number => now };
  let rows: Rows;
  let users: Map<string, UserRecord>;
  const directory = { findUser: async (userId: string): Promise<UserRecord | null> => users.get(userId) ?? null };
  const timeouts = { idleTimeoutMs: 30 * MINUTE, maxAgeMs: 12 * 60 * MINUTE };
  const storeOn = (bus?: InvalidationBus, adminStamp: string | null = 'stamp-1'): UiSessionStore => new UiSessionStore(rows, directory, clock, timeouts, adminStamp, bus);

  beforeEach(() => {
    now = Date.UTC(2026, 11, 4, 9);
    rows = new Rows();
    users = new Map([['ada', user('ada')]]);
  });

  it('should store only the hash of the id, and resolve the id to the session with its csrf token', async () => {
    const store = storeOn();
    const { sessionId, session } = await store.open('user', users.get('ada')!);
    expect([...rows.byHash.keys()]).toEqual([sessionIdHash(sessionId)]);
    expect(JSON.stringify([...rows.byHash.values()])).not.toContain(sessionId);
    expect(session).toMatchObject({ principal: 'user', userId: 'ada', csrfToken: csrfTokenOf(sessionId), expiresAt: now + timeouts.maxAgeMs });
    await expect(store.resolve(sessionId)).resolves.toMatchObject({ userId: 'ada', csrfToken: csrfTokenOf(sessionId) });
    await expect(store.resolve('x'.repeat(43))).resolves.toBeNull();
  });

  it('should serve repeated requests from its cache and write last-seen at most once a minute', async () => {
    const store = storeOn();
    const { sessionId } = await store.open('user', users.get('ada')!);
    rows.finds = 0;
    for (let i = 0; i < 100; i++) {
      now += 1_000;
      expect(await store.resolve(sessionId)).not.toBeNull();
    }
    expect(rows.finds).toBe(0);
    // 100 s of requests: refreshed after 60 s only.
    expect(rows.touches).toBe(1);
  });

  it('should end a session unused for the idle timeout, and keep one in use', async () => {
    const store = storeOn();
    const busy = await store.open('user', users.get('ada')!);
    const idle = await store.open('user', users.get('ada')!);
    for (let minute = 0; minute < 29; minute++) {
      now += MINUTE;
      expect(await store.resolve(busy.sessionId)).not.toBeNull();
    }
    now += MINUTE;
    await expect(store.resolve(idle.sessionId)).resolves.toBeNull();
    expect(rows.byHash.has(sessionIdHash(idle.sessionId))).toBe(false);
    await expect(store.resolve(busy.sessionId)).resolves.not.toBeNull();
  });

  it('should end a session at its absolute age however busy it is', async () => {
    const store = storeOn();
    const { sessionId } = await store.open('ui_admin', null);
    while (now + 10 * MINUTE < Date.UTC(2026, 11, 4, 21)) {
      now += 10 * MINUTE;
      expect(await store.resolve(sessionId)).not.toBeNull();
    }
    now = Date.UTC(2026, 11, 4, 21);
    await expect(store.resolve(sessionId)).resolves.toBeNull();
  });

  it('should not end on one instance a session another instance kept in use', async () => {
    const a = storeOn();
    const b = storeOn();
    const { sessionId } = await a.open('user', users.get('ada')!);
    expect(await b.resolve(sessionId)).not.toBeNull();
    for (let minute = 0; minute < 40; minute++) {
      now += MINUTE;
      expect(await a.resolve(sessionId)).not.toBeNull();
    }
    await expect(b.resolve(sessionId)).resolves.not.toBeNull();
  });

  it('should end a logout on every instance at once through the bus', async () => {
    const busA = new LinkedBus();
    const busB = new LinkedBus();
    busA.peer = busB;
    busB.peer = busA;
    const a = storeOn(busA);
    const b = storeOn(busB);
    const { sessionId } = await a.open('ui_admin', null);
    expect(await b.resolve(sessionId)).not.toBeNull();
    await a.revoke(sessionId);
    await expect(b.resolve(sessionId)).resolves.toBeNull();
    await expect(a.resolve(sessionId)).resolves.toBeNull();
  });

  it("should end a user's sessions when the user is deleted, or changed and the row removed (a new password)", async () => {
    const store = storeOn();
    const first = await store.open('user', users.get('ada')!);
    users.set('grace', user('grace'));
    const second = await store.open('user', users.get('grace')!);
    // New password: the row goes with the change, and the directory holds a new record of the user.
    rows.byHash.delete(sessionIdHash(first.sessionId));
    users.set('ada', user('ada'));
    await expect(store.resolve(first.sessionId)).resolves.toBeNull();
    // Deleted: the directory knows the user no more (the row went with it too, by the foreign key).
    users.delete('grace');
    await expect(store.resolve(second.sessionId)).resolves.toBeNull();
  });

  it("should follow a change of the user's role without ending the session", async () => {
    const store = storeOn();
    const { sessionId } = await store.open('user', users.get('ada')!);
    users.set('ada', user('ada', 'internal_user_viewer'));
    await expect(store.resolve(sessionId)).resolves.toMatchObject({ user: { userRole: 'internal_user_viewer' } });
  });

  it('should end UI admin sessions opened with other UI credentials than the current ones', async () => {
    const before = storeOn(undefined, 'stamp-1');
    const { sessionId } = await before.open('ui_admin', null);
    await expect(storeOn(undefined, 'stamp-1').resolve(sessionId)).resolves.not.toBeNull();
    await expect(storeOn(undefined, 'stamp-2').resolve(sessionId)).resolves.toBeNull();
  });
});
