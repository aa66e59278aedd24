import { Injectable } from '@nestjs/common';
import { UnitOfWork } from '../database/unit-of-work';

/** Who a session stands for: the UI admin (`UI_USERNAME`) or an internal user. */
export type SessionPrincipal = 'ui_admin' | 'user';

/** A session as stored: times in epoch ms. */
export interface SessionRow {
  readonly idHash: string;
  readonly principal: SessionPrincipal;
  readonly userId: string | null;
  /** For a UI admin session: a hash of the UI credentials it was opened with. */
  readonly adminStamp: string | null;
  readonly createdAt: number;
  readonly lastSeenAt: number;
  readonly expiresAt: number;
}

interface RawRow {
  id_hash: string;
  principal: SessionPrincipal;
  user_id: string | null;
  admin_stamp: string | null;
  created_at: Date | string;
  last_seen_at: Date | string;
  expires_at: Date | string;
}

const epoch = (value: Date | string): number => (value instanceof Date ? value : new Date(value)).getTime();

/** The only code that touches `tollgate_ui_sessions` (besides a user's password change, which ends its sessions). */
@Injectable()
export class UiSessionsRepository {
  constructor(private readonly db: UnitOfWork) {}

  async insert(row: SessionRow): Promise<void> {
    await this.db.query(
      `INSERT INTO "tollgate_ui_sessions" ("id_hash", "principal", "user_id", "admin_stamp", "created_at", "last_seen_at", "expires_at") VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [row.idHash, row.principal, row.userId, row.adminStamp, new Date(row.createdAt), new Date(row.lastSeenAt), new Date(row.expiresAt)],
    );
  }

  async find(idHash: string): Promise<SessionRow | null> {
    const rows = await this.db.query<RawRow[]>(
      `SELECT "id_hash", "principal", "user_id", "admin_stamp", "created_at", "last_seen_at", "expires_at" FROM "tollgate_ui_sessions" WHERE "id_hash" = $1`,
      [idHash],
    );
    const row = rows[0];
    if (!row) return null;
    return {
      idHash: row.id_hash,
      principal: row.principal,
      userId: row.user_id,
      adminStamp: row.admin_stamp,
      createdAt: epoch(row.created_at),
      lastSeenAt: epoch(row.last_seen_at),
      expiresAt: epoch(row.expires_at),
    };
  }

  /** Moves last_seen_at forward (never back: another instance may have written a later one). */
  async touch(idHash: string, seenAt: number): Promise<void> {
    await this.db.query(`UPDATE "tollgate_ui_sessions" SET "last_seen_at" = $2 WHERE "id_hash" = $1 AND "last_seen_at" < $2`, [idHash, new Date(seenAt)]);
  }

  async delete(idHash: string): Promise<void> {
    await this.db.query(`DELETE FROM "tollgate_ui_sessions" WHERE "id_hash" = $1`, [idHash]);
  }

  /** Drops sessions past their age or idle since before `idleSince`. */
  async deleteEnded(now: number, idleSince: number): Promise<void> {
    await this.db.query(`DELETE FROM "tollgate_ui_sessions" WHERE "expires_at" <= $1 OR "last_seen_at" < $2`, [new Date(now), new Date(idleSince)]);
  }
}
