import type { Clock } from '../store/counter-store';
import { InvalidationTopic, type InvalidationBus } from '../store/invalidation-bus';
import type { UserRecord } from '../teams/team';
import type { SessionPrincipal, SessionRow, UiSessionsRepository } from './ui-sessions.repository';
import { csrfTokenOf, newSessionId, sessionIdHash } from './session-tokens';

/** A session that is live right now, as the request that presented it sees it. */
export interface LiveSession {
  readonly idHash: string;
  readonly principal: SessionPrincipal;
  readonly userId: string | null;
  /** The internal user a user session stands for, as the directory holds it now (its role may have changed). */
  readonly user: UserRecord | null;
  readonly csrfToken: string;
  /** When the session ends whatever happens (absolute timeout), epoch ms. */
  readonly expiresAt: number;
}

export interface SessionTimeouts {
  readonly idleTimeoutMs: number;
  readonly maxAgeMs: number;
}

/** The users a session may stand for: the teams directory (cached, and told of every change on every instance). */
export interface SessionUsers {
  findUser(userId: string): Promise<UserRecord | null>;
}

interface CachedSession {
  row: SessionRow;
  /** The latest use this instance saw (the database's last_seen_at lags it by up to the refresh interval). */
  lastActivity: number;
  /** When this instance last wrote last_seen_at. */
  lastWritten: number;
  /** The user record the row was last checked against; another object means the user changed since. */
  user: UserRecord | null;
}

/** last_seen_at is written at most this often per session and instance: no database write per request. */
const MAX_REFRESH_INTERVAL_MS = 60_000;
const MAX_CACHED_SESSIONS = 10_000;

/**
 * Admin UI sessions, shared by every instance through PostgreSQL, with a cache per instance so a request with a
 * session cookie costs no database read. A session ends at logout or revocation (every instance is told through
 * the invalidation bus), after `idleTimeoutMs` unused, `maxAgeMs` after login, or when its user is deleted or
 * gets a new password (the row goes with the change; the teams directory's change news makes each instance read
 * the row again before trusting its cache).
 */
export class UiSessionStore {
  private readonly cache = new Map<string, CachedSession>();
  private readonly refreshIntervalMs: number;

  constructor(
    private readonly rows: Pick<UiSessionsRepository, 'insert' | 'find' | 'touch' | 'delete' | 'deleteEnded'>,
    private readonly users: SessionUsers,
    private readonly clock: Clock,
    readonly timeouts: SessionTimeouts,
    /** A hash of the UI admin's credentials now: an admin session opened with other ones has ended. */
    private readonly adminStamp: string | null,
    private readonly bus?: InvalidationBus,
    private readonly onBackgroundError: (error: unknown) => void = () => undefined,
  ) {
    // With a short idle timeout, other instances must see the use soon enough to not end a session in use.
    this.refreshIntervalMs = Math.min(MAX_REFRESH_INTERVAL_MS, Math.max(1, Math.floor(timeouts.idleTimeoutMs / 4)));
    bus?.subscribe(InvalidationTopic.uiSessions, (payload) => {
      for (const idHash of payload.sessions ?? []) this.cache.delete(idHash);
    });
    bus?.onResync(() => this.cache.clear());
  }

  /** Opens a session; the id goes in the cookie and nowhere else. Ended sessions are swept on the way. */
  async open(principal: SessionPrincipal, user: UserRecord | null): Promise<{ sessionId: string; session: LiveSession }> {
    const now = this.clock.now();
    await this.rows.deleteEnded(now, now - this.timeouts.idleTimeoutMs);
    const sessionId = newSessionId();
    const row: SessionRow = {
      idHash: sessionIdHash(sessionId),
      principal,
      userId: user?.userId ?? null,
      adminStamp: principal === 'ui_admin' ? this.adminStamp : null,
      createdAt: now,
      lastSeenAt: now,
      expiresAt: now + this.timeouts.maxAgeMs,
    };
    await this.rows.insert(row);
    this.remember(row.idHash, { row, lastActivity: now, lastWritten: now, user });
    return { sessionId, session: this.live(sessionId, row, user) };
  }

  /** The live session `sessionId` names, counting this as a use; null when it is unknown or has ended. */
  async resolve(sessionId: string): Promise<LiveSession | null> {
    const idHash = sessionIdHash(sessionId);
    let entry = this.cache.get(idHash);
    if (!entry) {
      const row = await this.rows.find(idHash);
      if (!row) return null;
      entry = { row, lastActivity: row.lastSeenAt, lastWritten: row.lastSeenAt, user: null };
      if (!(await this.checkUser(entry))) return this.end(idHash);
      this.remember(idHash, entry);
    }
    const now = this.clock.now();
    if (now >= entry.row.expiresAt) return this.end(idHash);
    if (now - entry.lastActivity >= this.timeouts.idleTimeoutMs) {
      // Idle as far as this instance knows; another one may have served it since.
      const row = await this.rows.find(idHash);
      if (!row || now - row.lastSeenAt >= this.timeouts.idleTimeoutMs) return this.end(idHash);
      entry.row = row;
      entry.lastActivity = row.lastSeenAt;
    }
    if (entry.row.userId !== null) {
      const user = await this.users.findUser(entry.row.userId);
      if (user !== entry.user) {
        // The user changed (or was deleted) since the row was read: a password change or deletion removed the row.
        const row = user ? await this.rows.find(idHash) : null;
        if (!row || !user) return this.end(idHash);
        entry.row = row;
        entry.user = user;
      }
    }
    entry.lastActivity = now;
    if (now - entry.lastWritten >= this.refreshIntervalMs) {
      entry.lastWritten = now;
      this.rows.touch(idHash, now).catch(this.onBackgroundError);
    }
    return this.live(sessionId, entry.row, entry.user);
  }

  /** Ends a session on every instance (logout). */
  async revoke(sessionId: string): Promise<void> {
    const idHash = sessionIdHash(sessionId);
    this.cache.delete(idHash);
    await this.rows.delete(idHash);
    this.bus?.publish(InvalidationTopic.uiSessions, { sessions: [idHash] });
  }

  private async checkUser(entry: CachedSession): Promise<boolean> {
    if (entry.row.principal === 'ui_admin') return this.adminStamp !== null && entry.row.adminStamp === this.adminStamp;
    if (entry.row.userId === null) return false;
    entry.user = await this.users.findUser(entry.row.userId);
    return entry.user !== null;
  }

  private async end(idHash: string): Promise<null> {
    this.cache.delete(idHash);
    await this.rows.delete(idHash);
    return null;
  }

  private remember(idHash: string, entry: CachedSession): void {
    this.cache.delete(idHash);
    while (this.cache.size >= MAX_CACHED_SESSIONS) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(idHash, entry);
  }

  private live(sessionId: string, row: SessionRow, user: UserRecord | null): LiveSession {
    return { idHash: row.idHash, principal: row.principal, userId: row.userId, user, csrfToken: csrfTokenOf(sessionId), expiresAt: row.expiresAt };
  }
}
